""""Edit this page" on the pages Zensical builds from ``capa render``: each page opens
the file in the repository it is made from, as on the plugin's site.

Zensical links a page to its own path under ``docs_dir``, which for ``capa render``'s
folder is a generated copy that is not in the repository. So each page carries its
address in its front matter (``capa_edit_url``: the finding's file, a page of one's own
from ``--pages``, or nothing for a page the register generates), and the theme override
(``custom_dir``) gets a copy of the installed Zensical's ``partials/actions.html`` that
reads it. A page without the key (one ``capa render`` did not write) keeps Zensical's
own link.
"""

from __future__ import annotations

from pathlib import Path

from .editurl import EditUrl
from .page import Rendered
from .written import write_here

EDIT_KEY = "capa_edit_url"
ACTIONS = "partials/actions.html"
EDIT_FEATURES = ("content.action.edit", "content.action.view")
"""The theme features that show a page's edit link (and its raw view)."""

_CHOSEN = ("{#- Written by capa render (capa-docs) from the installed Zensical's partial, and\n"
           "    rewritten by each run: a page capa render wrote opens the file it is made\n"
           "    from (capa_edit_url), not its generated copy. -#}\n"
           "{%- set capa_edit_url = page.meta." + EDIT_KEY + " if (page.meta and \""
           + EDIT_KEY + "\" in page.meta) else page.edit_url -%}\n")


def mark_edit_urls(rendered: Rendered, edit_url: EditUrl | None, repo_root: Path) -> None:
    """Each page's edit address in its front matter: its source file's, or empty (no
    link) for a page the register generates or when the site has no edit links."""
    for page in rendered.pages.values():
        url = None
        if edit_url is not None and page.edit_path is not None:
            url = edit_url(repo_root / page.edit_path)
        page.set_front_matter(EDIT_KEY, url or "")


def actions_html(templates: Path) -> str | None:
    """The installed Zensical's actions partial reading ``capa_edit_url``, or None when
    that partial no longer names ``page.edit_url`` (Zensical's own link stays)."""
    try:
        text = (templates / ACTIONS).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if "page.edit_url" not in text:
        return None
    return _CHOSEN + text.replace("page.edit_url", "capa_edit_url")


def write_actions(theme: Path, templates: Path) -> Path | None:
    """Write the partial into the theme override; remove one left by an earlier run when
    this Zensical's partial cannot take it."""
    target = theme / ACTIONS
    text = actions_html(templates)
    if text is None:
        if target.parent.resolve().is_relative_to(theme.resolve()) and _ours(target):
            target.unlink()
        return None
    write_here(target, text, theme)
    return target


def edit_features(document_features: object, edit_url: EditUrl | None) -> list[str]:
    """The edit features of mkdocs.yml's ``theme.features``, for zensical.toml: the
    Zensical site shows the edit link where the plugin's does."""
    if edit_url is None or not isinstance(document_features, list):
        return []
    return [feature for feature in EDIT_FEATURES if feature in document_features]


def _ours(path: Path) -> bool:
    try:
        return path.read_text(encoding="utf-8").startswith(_CHOSEN.partition("\n")[0])
    except (OSError, UnicodeDecodeError):
        return False
