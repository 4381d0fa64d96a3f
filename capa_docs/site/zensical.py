"""The Zensical configuration that publishes what ``capa render`` wrote.

Zensical runs no MkDocs plugins: the register reaches it as pages in a folder. What the
plugin does inside MkDocs becomes settings here:

- the register's own pages (home, register, management review, packs list, clauses) are
  the navigation, and the finding pages and review packs are ``not_in_nav``: a navigation
  entry per finding makes every page carry the whole list (quadratic in findings; at
  1,000 findings a 370 MB site);
- ``capa_docs.site.mdblocks`` stores each page's HTML blocks before Python-Markdown's
  raw-HTML parser reads them, with ``toc`` (permalinks) for the headings: Zensical makes
  a converter per page with every extension listed, so the list is kept to what the
  pages use;
- ``theme.font = false``: no web fonts from Google (Zensical loads them otherwise);
- ``use_directory_urls`` as the links were written;
- ``validation = false`` in a configuration that is the register alone: capa writes every
  link of its pages and drops one it cannot resolve (``narrative``), as the plugin's pages
  are never link-checked by MkDocs either (their blocks skip its Markdown), while
  Zensical's check reads each page byte by byte in Python, more than half of its build.
  A configuration of one's own keeps its check, for its own pages.

The pages link the register's stylesheets and script themselves. ``merge_text`` is what to
add to a configuration of one's own.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

from .page import Rendered
from .urls import INDEX, NAV_PAGES

CONFIG_NAME = "zensical.toml"
EXTENSION = "capa_docs.site.mdblocks"


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _out_of_nav(rendered: Rendered) -> list[str]:
    """gitignore-style patterns for every page not in the navigation: its top folder."""
    patterns: list[str] = []
    for uri, page in rendered.pages.items():
        if page.in_nav:
            continue
        top = uri.split("/", 1)[0]
        pattern = f"/{top}/" if "/" in uri else f"/{uri}"
        if pattern not in patterns:
            patterns.append(pattern)
    return patterns


def settings_text(rendered: Rendered, *, directory_urls: bool = True) -> str:
    """The settings the register needs, for ``[project]`` (nav, not_in_nav, links)."""
    first = [uri for uri in (INDEX, *NAV_PAGES) if uri in rendered.pages]
    nav = first + [uri for uri, page in rendered.pages.items()
                   if page.in_nav and uri not in first]
    lines = [f"use_directory_urls = {'true' if directory_urls else 'false'}",
             "nav = [", *(f"  {_string(uri)}," for uri in nav), "]",
             'not_in_nav = """', *_out_of_nav(rendered), '"""']
    return "\n".join(lines) + "\n"


TABLES = f"""
[project.theme]
font = false

[project.markdown_extensions.toc]
permalink = true

[project.markdown_extensions.{_string(EXTENSION)}]
"""


NO_LINK_CHECK = """\
# capa writes every link of these pages and drops one it cannot resolve: Zensical's own
# link check would find nothing, and costs more than half of the build.
validation = false
"""


def _tables(custom_dir: str | None, features: Sequence[str] = ()) -> str:
    """The tables, with the theme override that gives every page its policy
    (``zensicalcsp``) when there is one, and the theme features that show edit links
    (``zensicaledit``) when the site has them."""
    theme = "font = false\n"
    if custom_dir is not None:
        theme += f"custom_dir = {_string(custom_dir)}\n"
    if features:
        theme += f"features = [{', '.join(_string(f) for f in features)}]\n"
    return TABLES.replace("font = false\n", theme)


_SEAL = re.compile(r"# capa render wrote this file; sha256 of the lines below: ([0-9a-f]{64})")


def sealed(text: str) -> str:
    """The configuration with a first line naming the hash of the rest: a later
    ``capa render`` may replace a file whose rest still has that hash (nobody edited it),
    and leaves any other as it is."""
    return (f"# capa render wrote this file; sha256 of the lines below: "
            f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}\n{text}")


def unedited(text: str) -> bool:
    """A file ``sealed`` wrote, as it wrote it."""
    first, _, rest = text.partition("\n")
    seal = _SEAL.fullmatch(first)
    return seal is not None and hashlib.sha256(rest.encode("utf-8")).hexdigest() == seal[1]


def zensical_config(rendered: Rendered, *, site_name: str, docs_dir: str,
                    directory_urls: bool = True, custom_dir: str | None = None,
                    site_dir: str = "site", site_url: str | None = None,
                    features: Sequence[str] = ()) -> str:
    """A whole ``zensical.toml`` for a site that is the register alone, sealed; with
    mkdocs.yml's ``site_url``, so pages name the same canonical addresses as the plugin's
    site (a private register's sitemap still lists none: ``zensicalcsp.SITEMAP``)."""
    return sealed(
        "# The settings Zensical needs to publish the register; written by capa render,\n"
        "# which rewrites this file while the line above holds; edit it, and it is yours.\n"
        "# Finding pages and review packs are built but stay out of the navigation.\n"
        "[project]\n"
        f"site_name = {_string(site_name)}\n"
        + (f"site_url = {_string(site_url)}\n" if site_url else "") +
        f"docs_dir = {_string(docs_dir)}\n"
        f"site_dir = {_string(site_dir)}\n"
        + settings_text(rendered, directory_urls=directory_urls) + NO_LINK_CHECK
        + _tables(custom_dir, features))


def merge_text(rendered: Rendered, *, directory_urls: bool = True,
               custom_dir: str | None = None, features: Sequence[str] = ()) -> str:
    """What to add to an existing ``zensical.toml``: the ``[project]`` keys (the nav
    entries joined to one's own), then the tables (``markdown_extensions`` replacing
    Zensical's default list, which one's own pages may need in part)."""
    return (settings_text(rendered, directory_urls=directory_urls)
            + _tables(custom_dir, features)).lstrip("\n")
