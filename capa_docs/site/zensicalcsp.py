"""The Content-Security-Policy ``<meta>`` of every page Zensical builds from ``capa render``.

Zensical runs no plugin, so nothing can hash a page after it is built, as the MkDocs
plugin does (``privacy``). The policy is written before the build instead, as a theme
override (``custom_dir``): ``main.html`` extends Zensical's ``base.html`` and puts the
``<meta http-equiv="Content-Security-Policy">`` (and the robots and referrer tags) right
after ``<meta charset>``, before any script or stylesheet, and drops the generator tag.
Its directives are the plugin's (``csp.policy``): scripts and styles from the site only,
never ``'unsafe-inline'``.

Which hashes:

- scripts: every inline script of Zensical's templates (``partials/javascripts``: the
  theme's storage helpers, palette, tabs, consent, announcement, version banner), read
  from the Zensical installed beside capa-docs and rendered as the theme renders them.
  Two of them carry the page's ``base_url`` ("..", "../..", "/" on the 404 page), so
  they have a hash per ``base_url`` and the template picks the page's. Unlike the
  plugin's policy, which lists the scripts a page has, every page lists all of the
  theme's (a page without the palette still allows the palette script): the template
  cannot see which partials a page included. They are the theme's own code, never a
  page's content, so a script a narrative carries is refused as in the plugin's site.
  The theme's analytics partials (third-party loaders) are never hashed.
- the theme's run-time stylesheets: Zensical's search dialog puts a ``<style>`` into its
  shadow root (``C("style",{},Tc.toString())`` in its bundle, a constant string): that
  string is read from the bundle and hashed, so the dialog keeps its styles.
- styles: the inline ``<style>`` elements of each page (the charts' stylesheets), hashed
  as the browser reads them and written into the page's front matter (``capa_styles``),
  which the template reads; as in the plugin's policy, ``style`` attributes stay refused.

Hashes are of the installed Zensical's templates: run ``capa render`` with the Zensical
that builds the site (a newer one's scripts would be refused until ``capa render`` runs
again).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from .csp import InlineCode, inline_code, policy, scripts_in, source_hash
from .hosting import ROBOTS_META
from .page import Rendered
from .written import OutsideFolder, write_here

THEME_DIR = "capa-theme"
STYLES_KEY = "capa_styles"
# Page depths the template knows a base_url for: "." (the home page) to eleven folders
# down; a page deeper than that keeps the theme scripts that do not name base_url only.
DEPTHS = 12
_SKIPPED = ("partials/integrations/",)
# A <style> element the bundle makes (JSX: C("style", {}, name)) and the constant string
# named so: ``var name='...'`` (or ``,name="..."``).
_STYLE_MADE = re.compile(r'"style",\{\},([A-Za-z_$][\w$]*)(?:\.toString\(\))?\)')
_LITERAL = r"""(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")"""
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\n|.)")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0",
           "\n": ""}
_BASE = "\x00base"
_STYLES = "\x00styles"


class ZensicalMissing(Exception):
    """Zensical is not installed where ``capa render`` runs: its scripts cannot be hashed."""


def templates_dir() -> Path:
    """The templates of the Zensical installed here, found without importing it."""
    spec = importlib.util.find_spec("zensical")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "templates"
        if (folder / "base.html").is_file():
            return folder
    raise ZensicalMissing("Zensical is not installed beside capa-docs (pip install "
                          "zensical): the policy of its pages needs the hashes of its "
                          "theme's inline scripts")


def base_urls(site_urls: Iterable[str | None] = (),
              scopes: Iterable[str | None] = ()) -> list[str]:
    """Every ``base_url`` a page can have: relative for pages ("." , "..", ...), absolute
    for the 404 page (the path of ``site_url``, without its last slash, or "/"), and any
    ``extra.scope``, which the theme's storage script takes instead."""
    bases = ["."] + ["/".join([".."] * depth) for depth in range(1, DEPTHS)] + ["/"]
    for url in site_urls:
        path = urlsplit(url).path.rstrip("/") if url else ""
        if path and path not in bases:
            bases.append(path)
    bases += [scope for scope in scopes if scope and scope not in bases]
    return bases


def theme_scripts(templates: Path, bases: list[str]) -> tuple[set[str], dict[str, set[str]]]:
    """Hashes of the theme's inline scripts: those every page shares, and per ``base_url``
    those that name it. A script needing more than ``base_url`` and ``config`` (the
    redirect page's target) is not hashed: the policy refuses it."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    shared: set[str] = set()
    per_base: dict[str, set[str]] = {base: set() for base in bases}
    for path in sorted(templates.rglob("*.html")):
        name = path.relative_to(templates).as_posix()
        if name.startswith(_SKIPPED):
            continue
        for raw in sorted(scripts_in(path.read_text(encoding="utf-8"))):
            if "{{" not in raw and "{%" not in raw:
                shared.add(source_hash(raw))
                continue
            try:
                template = env.from_string(raw)
                texts = {base: template.render(base_url=base, config={"extra": {}})
                         for base in bases}
            except jinja2.TemplateError:
                continue
            for base, text in texts.items():
                per_base[base].add(source_hash(text))
    return shared, per_base


def theme_styles(templates: Path) -> set[str]:
    """Hashes of the stylesheets the theme's bundle inserts at run time: each constant
    string it makes a ``<style>`` of. A string that cannot be found is not hashed (the
    browser refuses that stylesheet and reports it)."""
    hashes: set[str] = set()
    for path in sorted((templates / "assets" / "javascripts").glob("*.js")):
        script = path.read_text(encoding="utf-8")
        for name in dict.fromkeys(_STYLE_MADE.findall(script)):
            found = re.search(rf"(?:\bvar\s+|\blet\s+|\bconst\s+|,){re.escape(name)}="
                              + _LITERAL, script)
            if found:
                hashes.add(source_hash(_js_string(found.group(1) or found.group(2) or "")))
    return hashes


def _js_string(body: str) -> str:
    """The value of a JavaScript string literal's body (its escapes decoded)."""
    def decode(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape.startswith("u{"):
            return chr(int(escape[2:-1], 16))
        if escape[0] in "ux" and len(escape) > 1:
            return chr(int(escape[1:], 16))
        return _SIMPLE.get(escape, escape)

    return _ESCAPE.sub(decode, body)


def mark_styles(rendered: Rendered) -> None:
    """Each page with inline styles gets their hashes in its front matter, for the
    template's ``style-src``."""
    for page in rendered.pages.values():
        if "<style" not in page.text:
            continue
        styles = inline_code(page.text).styles
        if not styles:
            continue
        page.set_front_matter(STYLES_KEY, " ".join(sorted(styles)))


def main_html(shared: set[str], per_base: dict[str, set[str]], *, private: bool,
              styles: Iterable[str] = ()) -> str:
    """The override template: the page's policy, robots and referrer tags first in its
    head, then the theme's own head (its ``<meta charset>`` moved first) without the
    generator tag, which names the exact versions the site runs (as the plugin does)."""
    text = policy(InlineCode(scripts=shared | {_BASE}, styles=set(styles) | {_STYLES}))
    text = text.replace(f" {_BASE}", "{{ capa_base }}").replace(f" {_STYLES}",
                                                                 "{{ capa_styles }}")
    table = ",\n    ".join(f"{json.dumps(base)}: {json.dumps(_joined(hashes))}"
                           for base, hashes in per_base.items())
    robots = f'\n<meta name="robots" content="{ROBOTS_META}">' if private else ""
    return (
        "{#- Written by capa render (capa-docs) and rewritten by each run: the policy of\n"
        "    every page, with the hashes of the installed Zensical's inline scripts.\n"
        "    With a custom_dir of your own, copy this block into its main.html. -#}\n"
        '{% extends "base.html" %}\n'
        "{% block site_meta %}\n"
        "{%- set capa_scripts = {\n    " + table + "\n} -%}\n"
        "{%- set capa_base = capa_scripts[config.extra.scope | d(base_url, true)] | d('') -%}\n"
        "{%- set capa_styles = (' ' ~ page.meta." + STYLES_KEY + ") if page and page.meta "
        "and page.meta." + STYLES_KEY + " else '' -%}\n"
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{text}">{robots}\n'
        '<meta name="referrer" content="no-referrer">\n'
        "{{ super() | replace('<meta charset=\"utf-8\">', '')\n"
        "   | replace('<meta name=\"generator\" content=\"' ~ generator ~ '\">', '') }}\n"
        "{% endblock %}\n")


def _joined(hashes: set[str]) -> str:
    return "".join(f" {item}" for item in sorted(hashes))


SITEMAP = "sitemap.xml"
PRIVATE_SITEMAP = (
    "{#- Written by capa render (capa-docs) for a private register (public: false): the\n"
    "    sitemap lists no page, as the plugin's private site has none. With\n"
    "    public: true, capa render removes this file and Zensical's own lists every\n"
    "    page. -#}\n"
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    "</urlset>\n")
"""Zensical always builds ``sitemap.xml`` and, once ``site_url`` is set, lists every
page in it, each finding's address included. It takes the template from ``custom_dir``
first, so this one replaces it."""


def write_theme(folder: Path, *, private: bool, site_urls: Iterable[str | None] = (),
                scopes: Iterable[str | None] = ()) -> Path:
    """Write ``main.html`` into ``folder`` (the ``custom_dir``), and for a private
    register the sitemap that lists nothing; return the ``main.html`` path."""
    templates = templates_dir()
    shared, per_base = theme_scripts(templates, base_urls(site_urls, scopes))
    if folder.is_symlink():
        raise OutsideFolder(f"{folder} is a link: capa render writes that folder whole; "
                            f"remove the link")
    target = folder / "main.html"
    write_here(target, main_html(shared, per_base, private=private,
                                 styles=theme_styles(templates)), folder)
    sitemap = folder / SITEMAP
    if private:
        write_here(sitemap, PRIVATE_SITEMAP, folder)
    elif _ours(sitemap):  # the register went public: Zensical's own sitemap again
        sitemap.unlink()
    return target


def _ours(path: Path) -> bool:
    """Whether ``path`` is the sitemap override as capa render wrote it (one edited by
    hand is left alone)."""
    try:
        return path.read_text(encoding="utf-8") == PRIVATE_SITEMAP
    except (OSError, UnicodeDecodeError):
        return False
