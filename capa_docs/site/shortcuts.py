"""The build's shortcuts for the pages the plugin generates out of the navigation.

A finding page reaches MkDocs as a skeleton (front matter, headings and placeholders) and
goes through three costly steps that give every such page the same result but for its own
values: Markdown conversion (``skeleton``), the theme's page template (``shell``) and
Material's search parser (``searchparse``). Each shortcut gives byte for byte what the
normal step gives, and each falls back to it when its preconditions do not hold:

- the setting ``build_shortcuts: false``, or ``CAPA_BUILD_SHORTCUTS=0`` in the
  environment, turns them all off (a build to compare against);
- any plugin other than ``search`` and ``capa`` turns them off: a plugin can hook the
  Markdown converter or the template context with state of its own page;
- a theme with a ``custom_dir`` keeps its template (its overrides are its own);
- a page in the navigation, a page of the site's own, a page with a ``template:`` of its
  own, or one whose values the shell does not cover goes the normal way.

``tests/site/test_shortcuts.py`` builds sites both ways and compares every byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from .searchparse import sections
from .shell import ShellTemplate
from .skeleton import SkeletonCache

SAFE_PLUGINS = frozenset({"capa", "search", "material/search"})
TEMPLATE = "main.html"


class Shortcuts:
    """One build's shortcuts: which pages they serve, and what each saved."""

    def __init__(self) -> None:
        self.on = False
        self.why_off = ""
        self.pages: set[str] = set()
        self.ours: set[str] = set()
        self.skeleton = SkeletonCache()
        self.shell: ShellTemplate | None = None
        self.searched = 0

    @classmethod
    def for_build(cls, config: MkDocsConfig, wanted: bool) -> Shortcuts:
        """Decide, once per build, whether the shortcuts may run at all."""
        shortcuts = cls()
        others = sorted(set(config.plugins) - SAFE_PLUGINS)
        if not wanted:
            shortcuts.why_off = "build_shortcuts: false"
        elif others:
            shortcuts.why_off = f"plugins other than search and capa: {', '.join(others)}"
        elif config.theme.custom_dir:
            shortcuts.why_off = "the theme has a custom_dir"
        shortcuts.on = not shortcuts.why_off
        return shortcuts

    def claim(self, uris: Iterable[str], out_of_nav: Iterable[str]) -> None:
        """The pages the plugin generated (their search entries are read by
        ``searchparse``), and those outside the navigation (Markdown and theme too)."""
        self.ours = set(uris)
        self.pages = set(out_of_nav)

    def leave_nav(self, nav: Navigation) -> None:
        """A page the site's nav lists has a place in it: it goes the normal way."""
        self.pages -= {page.file.src_uri for page in nav.pages}

    def eligible(self, page: Any) -> bool:
        return (self.on and isinstance(page, Page) and page.file.src_uri in self.pages
                and "template" not in page.meta)

    def pre_page(self, page: Page) -> None:
        if self.on and page.file.src_uri in self.pages:
            page.render = partial(self.skeleton.render, page)  # type: ignore[method-assign]

    def env(self, env: jinja2.Environment, config: MkDocsConfig) -> None:
        """Stand in for ``main.html``, and read our pages for Material's search index."""
        if not self.on:
            return
        original = env.get_template
        self.shell = ShellTemplate(original(TEMPLATE), self.eligible)
        shell = self.shell

        def get_template(name: Any, parent: str | None = None, globals: Any = None) -> Any:
            if name == TEMPLATE and parent is None and globals is None:
                return shell
            return original(name, parent, globals)

        env.get_template = get_template  # type: ignore[method-assign]
        self._hook_search(config)

    def _hook_search(self, config: MkDocsConfig) -> None:
        try:
            from material.plugins.search.plugin import (
                Element,
                SearchIndex,
                SearchPlugin,
                Section,
            )
        except ImportError:
            return
        for plugin in config.plugins.values():
            index = getattr(plugin, "search_index", None)
            if isinstance(plugin, SearchPlugin) and type(index) is SearchIndex:
                original = index.add_entry_from_context
                index.add_entry_from_context = partial(  # type: ignore[method-assign]
                    self._add_entry, index, original, Section, Element)

    def _add_entry(self, index: Any, original: Any, section_class: type,
                   element_class: type, page: Any) -> None:
        """Material's ``SearchIndex.add_entry_from_context``, its parser's work done by
        ``searchparse`` (or by its parser, when ``searchparse`` declines the page). Any
        page of ours: the register page's table is the largest page to read."""
        if not (self.on and isinstance(page, Page) and page.file.src_uri in self.ours):
            return original(page)
        search = page.meta.get("search") or {}
        if search.get("exclude"):
            return None
        found = sections(page.content, section_class, element_class)
        if found is None:
            return original(page)
        self.searched += 1
        for section in found:
            if not section.is_excluded():
                index.create_entry_for_section(section, page.toc, page.url, page)
        return None

    def summary(self) -> str:
        if not self.on:
            return f"build shortcuts off ({self.why_off})"
        filled = self.shell.filled if self.shell else 0
        return (f"build shortcuts: {self.skeleton.hits} pages' Markdown reused, {filled} "
                f"pages from a theme shell, {self.searched} pages read for search")
