"""The Content-Security-Policy of the published register: scripts and styles from the site
itself, the theme's inline scripts allowed by their hash, nothing from another host.

A finding's narrative is text anyone who can merge a finding controls; with
``allow_raw_html`` its HTML reaches the page as written. So the policy never allows inline
script by ``'unsafe-inline'``: each inline script of the theme is allowed by the SHA-256 of
its text, and a script in the page's content (a narrative, a page of the docs) is never
hashed, so the browser refuses to run it and reports the violation. Inline ``<style>``
elements (the charts' stylesheets) are allowed by hash too; ``style`` attributes are not.

Hashes are of the page's bytes, so the same commit gives the same policy.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# An inline script or style element, and an <svg> opening or closing: inside SVG (foreign
# content) the text of <style> is not raw: the browser decodes character references
# (`&gt;` in a chart's stylesheet) before it hashes, so we must too. Tags are found by
# their lower-case names in one pass (a page of thousands of tags has a handful of these;
# the whole element is read only where one starts): one written in capitals is never
# hashed, so it is refused, which is the safe way to be wrong.
_MARK = re.compile(r"<(?:script|style)\b")
_ELEMENT = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(r"\ssrc\s*=", re.IGNORECASE)
_TYPE = re.compile(r"""\stype\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
# Script types a browser runs; any other type (application/json, text/template) is data.
_JAVASCRIPT = {"", "module", "text/javascript", "application/javascript",
               "application/ecmascript", "text/ecmascript", "text/jscript",
               "application/x-javascript", "text/x-javascript"}

# Directives every page's policy has; script-src and style-src get the page's hashes.
BASE_DIRECTIVES = (
    ("default-src", "'self'"),
    ("img-src", "'self' data:"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'none'"),
)
# Only a response header can say who may frame the site: browsers ignore frame-ancestors
# in a <meta> policy (and log that they did).
HEADER_ONLY = (("frame-ancestors", "'none'"),)


def source_hash(text: str) -> str:
    """A CSP hash source for an inline script's or style's text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@dataclass
class InlineCode:
    """The hashes a page (or every page, for a response header) needs."""

    scripts: set[str] = field(default_factory=set)
    styles: set[str] = field(default_factory=set)

    def update(self, other: InlineCode) -> None:
        self.scripts |= other.scripts
        self.styles |= other.styles


def scripts_in(content: str) -> frozenset[str]:
    """The text of every inline script in a page's content: these are never hashed, so a
    script a finding's narrative carries is refused even when the theme has the same."""
    if "<script" not in content:
        return frozenset()
    return frozenset(raw for kind, _, raw in _inline(content) if kind == "script")


def inline_code(page: str, content_scripts: Iterable[str] = ()) -> InlineCode:
    """Hashes of the page's inline scripts, except those of its content, and of all its
    inline styles (ours: the charts' stylesheets; the theme's)."""
    skipped = set(content_scripts)
    code = InlineCode()
    for kind, text, raw in _inline(page):
        if kind == "style":
            code.styles.add(source_hash(text))
        elif raw not in skipped:
            code.scripts.add(source_hash(text))
    return code


def _inline(page: str) -> list[tuple[str, str, str]]:
    """(kind, the text the browser hashes, the text as written) of each inline script or
    style, in order."""
    found = []
    read_to = 0  # the end of the last element read: a tag inside its text is text
    for mark in _MARK.finditer(page):
        at = mark.start()
        if at < read_to:
            continue
        match = _ELEMENT.match(page, at)
        if match is None:
            continue
        read_to = match.end()
        kind, attributes, raw = match.group(1).lower(), match.group(2), match.group(3)
        if kind == "script":
            if _SRC.search(attributes):
                continue
            typed = _TYPE.search(attributes)
            if typed and typed.group(1).lower() not in _JAVASCRIPT:
                continue
        in_svg = page.rfind("<svg", 0, at) > page.rfind("</svg", 0, at)
        text = _CDATA.sub(r"\1", html.unescape(raw)) if in_svg else raw
        found.append((kind, text, raw))
    return found


# For a site another generator builds from `capa render`'s pages: its theme's inline
# scripts cannot be known here to be hashed, so scripts are left to it; everything else
# stays on the site.
GENERATOR_POLICY = "; ".join((
    "img-src 'self' data:", "font-src 'self'", "connect-src 'self'", "media-src 'self'",
    "frame-src 'self'", "style-src 'self' 'unsafe-inline'", "object-src 'none'",
    "base-uri 'self'", "form-action 'none'", "frame-ancestors 'none'"))


def policy(code: InlineCode, *, header: bool = False) -> str:
    """The policy text: for a page's ``<meta>``, or (``header``) for a response header,
    which adds what only a header can carry."""
    directives = dict(BASE_DIRECTIVES)
    directives["script-src"] = " ".join(["'self'", *sorted(code.scripts)])
    directives["style-src"] = " ".join(["'self'", *sorted(code.styles)])
    if header:
        directives.update(HEADER_ONLY)
    order = ("default-src", "script-src", "style-src", "img-src", "object-src", "base-uri",
             "form-action", "frame-ancestors")
    return "; ".join(f"{name} {directives[name]}" for name in order if name in directives)
