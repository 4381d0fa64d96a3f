"""The rendered register as MkDocs files: generated pages, downloads and evidence in,
the register's own source files out.

Findings are pages but not navigation entries: a nav entry per finding makes every page
render the whole nav, which is quadratic in the number of findings. Each page goes to
MkDocs with its HTML blocks held back (``Page.split``), for the plugin to put back.
"""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel

from ..contract.settings import Settings
from .page import Rendered
from .urls import INDEX


def drop_register_sources(files: Files, settings: Settings) -> None:
    """When the register lives inside docs_dir, its raw files must not become pages or be
    published wholesale: findings are rendered, and only cited evidence is copied."""
    roots = (str(settings.register_dir), str(settings.evidence_dir))
    for file in list(files):
        source = file.abs_src_path
        if source and any(Path(source).resolve().is_relative_to(root) for root in roots):
            files.remove(file)


def drop_held_files(files: Files, held: frozenset[Path]) -> None:
    """Evidence marked ``publish: false`` stays out of the site even when it sits in
    docs_dir, which MkDocs would otherwise publish whole."""
    if not held:
        return
    for file in list(files):
        if file.abs_src_path and Path(file.abs_src_path).resolve() in held:
            files.remove(file)


def add_rendered(files: Files, rendered: Rendered, config: MkDocsConfig,
                 repo_root: Path) -> dict[str, list[str]]:
    """Add every page, download and evidence file; return each page's held-back blocks.

    A page of the site's own at a URI we generate is refused, except ``index.md`` (the
    site's own home page wins, and none is generated then).

    The pages are handed over: each leaves ``rendered.pages`` as it is split, so its whole
    text is released once MkDocs holds its Markdown and the plugin its blocks (the texts
    of 1,000 finding pages are 8.6 MB, held twice over otherwise until the build ends).
    """
    blocks: dict[str, list[str]] = {}
    docs_dir = Path(config.docs_dir).resolve()
    for uri in list(rendered.pages):
        page = rendered.pages.pop(uri)
        if uri != INDEX and files.get_file_from_path(uri) is not None:
            raise PluginError(f"capa: {uri} in {config.docs_dir} clashes with the page "
                              "the plugin generates; rename or remove it")
        inclusion = (InclusionLevel.UNDEFINED if page.in_nav
                     else InclusionLevel.NOT_IN_NAV)
        text, blocks[uri] = page.split()
        file = File.generated(config, uri, content=text, inclusion=inclusion)
        if page.edit_path is not None:
            file.edit_uri = _edit_uri(repo_root / page.edit_path, docs_dir)
        files.append(file)
    for uri, content in rendered.assets.items():
        files.append(File.generated(config, uri, content=content))
    for uri, source in rendered.files.items():
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    return blocks


def _edit_uri(source: Path, docs_dir: Path) -> str:
    """The finding's file relative to docs_dir, as MkDocs appends it to ``edit_uri``."""
    return Path(os.path.relpath(source, docs_dir)).as_posix()
