"""Where "edit this page" leads from a page ``capa render`` writes: the file in the
repository the page is made from, at the address the MkDocs plugin's site gives it.

MkDocs joins ``repo_url``, ``edit_uri`` (or ``edit_uri_template``) and the page's path
from ``docs_dir``; for a finding page the plugin hands it the finding's file from there
(``../register/2026/CAPA-2026-004.md``, ``site.generated``). A generator that reads
``capa render``'s folder knows only the copy in that folder, which is not in the
repository, so its link would open nothing. The address is worked out here from
mkdocs.yml's settings, as MkDocs works it out, and each page carries it
(``zensicaledit``).
"""

from __future__ import annotations

import os
import posixpath
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from ..contract.settings import ConfigError

EditUrl = Callable[[Path], str | None]

_DEFAULT_EDIT_URI = {"github.com": "edit/master/docs/", "gitlab.com": "edit/master/docs/",
                     "bitbucket.org": "src/default/docs/"}
"""MkDocs' ``edit_uri`` when mkdocs.yml names a repo_url on these hosts and no edit_uri."""


class _Formatter(string.Formatter):
    """``edit_uri_template``'s formatter: ``{path!q}`` is the path URL-quoted, as in
    MkDocs."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "q":
            return quote(value, safe="")
        return super().convert_field(value, conversion)


def edit_urls(document: Mapping[str, Any], config_dir: Path) -> EditUrl | None:
    """A file's "edit this page" address from mkdocs.yml's settings (``document``, the
    file's folder ``config_dir``), or None when the site has no edit links (no
    ``edit_uri``, no ``edit_uri_template``, and no repo_url on a host MkDocs knows)."""
    repo_url = _text(document.get("repo_url"))
    edit_uri = _text(document.get("edit_uri"))
    template = _text(document.get("edit_uri_template"))
    if document.get("edit_uri") is None and repo_url is not None:  # "" means no links
        edit_uri = _DEFAULT_EDIT_URI.get(urlsplit(repo_url).netloc.lower())
    if edit_uri and not edit_uri.endswith("/"):
        edit_uri += "/"
    if not template and not edit_uri:
        return None
    if template:
        _format(template, "docs/page.md")  # refused here, before any page, as MkDocs does
    docs_dir = (config_dir / (_text(document.get("docs_dir")) or "docs")).resolve()
    base = repo_url or ""

    def edit_url(path: Path) -> str | None:
        src = Path(os.path.relpath(path.resolve(), docs_dir)).as_posix()
        tail = _format(template, src) if template else f"{edit_uri}{src}"
        if base and not base.endswith("/") and not tail.startswith(("?", "#")):
            url = urljoin(base + "/", tail)
        else:
            url = urljoin(base, tail)
        return url if urlsplit(url).scheme in ("http", "https") else None

    return edit_url


def _format(template: str, src: str) -> str:
    try:
        return _Formatter().format(template, path=src, path_noext=posixpath.splitext(src)[0])
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as error:
        raise ConfigError(f"mkdocs.yml edit_uri_template {template!r} cannot be filled in "
                          f"({type(error).__name__}: {error}): use {{path}}, {{path!q}} or "
                          f"{{path_noext}}") from None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
