"""A finding page's Markdown converted once for all of them.

By the time MkDocs renders a generated page, every HTML block of it is a placeholder
(``Page.split``): what is left is the front matter, the section headings and the
placeholders, the same text on every finding page. MkDocs would still build a new
Markdown converter for each page (loading every extension) and convert that text again.

``SkeletonCache`` converts it once per distinct text and folder and gives the next page
the same result. Markdown's output is a function of its input, its configuration and,
through MkDocs' own treeprocessors, where the page sits (relative links, anchors): two
pages of one folder with the same text get the same content, table of contents, title
and anchors, so the result is exact whatever the page says. A page whose text differs
(another template, a plugin that changed it) is simply converted.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page


@dataclass(frozen=True)
class _Converted:
    content: str
    toc: Any
    title: str | None
    anchors: set[str] | None
    links_to_anchors: Any


class SkeletonCache:
    """Pages' rendered Markdown by (text, folder); counts what it saved for the bench."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, str], _Converted] = {}
        self.hits = 0

    def render(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        """``Page.render``, once per distinct text in one folder."""
        assert page.markdown is not None
        key = (page.markdown, posixpath.dirname(page.url.rstrip("/")))
        done = self._done.get(key)
        if done is None:
            Page.render(page, config, files)
            assert page.content is not None
            self._done[key] = _Converted(page.content, page.toc, page._title_from_render,
                                         page.present_anchor_ids,
                                         getattr(page, "links_to_anchors", None))
            return
        self.hits += 1
        page.content = done.content
        page.toc = done.toc
        page._title_from_render = done.title
        page.present_anchor_ids = done.anchors
        if done.links_to_anchors is not None:
            page.links_to_anchors = done.links_to_anchors
