"""Each built page made private: its policy, robots and referrer tags in its head, no
generator tag, nothing that calls another host when it loads.

One pass over the finished HTML of a page (any theme): it adds, right after
``<meta charset>``, a ``<meta http-equiv="Content-Security-Policy">`` hashing the page's
own inline scripts (never those of its content, see ``csp``), ``<meta name="robots"
content="noindex, nofollow">`` unless the register is public, and ``<meta
name="referrer" content="no-referrer">``; it removes the generator tag (which names the
exact versions the site runs) and Material's repository facts (the header's star and fork
counts, which the theme fetches from the forge's API on every first visit); and it notes
every resource the page would load from another host, for the build to warn about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .csp import InlineCode, inline_code, policy, scripts_in
from .hosting import ROBOTS_META

_CHARSET = re.compile(r"<meta\s+charset\s*=\s*[\"']?[\w-]+[\"']?\s*/?>", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_GENERATOR = re.compile(r"[ \t]*<meta\s+name=[\"']?generator[\"']?[^>]*>\n?", re.IGNORECASE)
_SOURCE_FACTS = ' data-md-component="source"'
# A URL with a host as an attribute's value: found from its `//` (a few on a page) back to
# the `=` and the attribute's name, one that makes the browser fetch the URL. Links (<a>,
# <area>) and link relations that fetch nothing are sorted out in _fetched.
_VALUE_START = re.compile(r"""=\s*["']?\s*(?:https?:)?$""", re.IGNORECASE)
_FETCHING_NAME = re.compile(r"\s(src|href|srcset|poster|data)\s*$", re.IGNORECASE)
_URL_REST = re.compile(r"""//[^\s"'>]+""")
_TAG = re.compile(r"<([a-zA-Z][\w-]*)[^<>]*$")
_REL = re.compile(r"""\srel\s*=\s*["']?([^"'>]*)""", re.IGNORECASE)
_FETCHING_RELS = {"stylesheet", "preload", "prefetch", "preconnect", "dns-prefetch",
                  "modulepreload", "icon", "shortcut", "apple-touch-icon", "manifest"}
_NOT_FETCHING_TAGS = {"a", "area", "form"}


@dataclass(frozen=True)
class Content:
    """A page's content (a finding's narrative, a page of the docs) as the theme received
    it: its scripts are never allowed, and a host it loads from is what someone wrote,
    not configuration."""

    text: str = ""
    scripts: frozenset[str] = frozenset()

    def names(self, host: str) -> bool:
        return f"//{host}" in self.text


def content_of(html_text: str) -> Content:
    return Content(html_text, scripts_in(html_text))


@dataclass
class PagePrivacy:
    """The page pass for one build; ``code`` collects every page's hashes for the
    response headers; ``remote`` and ``written`` the first page seen loading each other
    host, through the theme and configuration or through what a page's content says."""

    private: bool = True
    site_host: str | None = None
    code: InlineCode = field(default_factory=InlineCode)
    remote: dict[str, str] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)

    def page(self, html_text: str, where: str, content: Content = Content()) -> str:
        """The page with its policy and tags; ``where`` names it in warnings."""
        html_text = _GENERATOR.sub("", html_text, count=1)
        if _SOURCE_FACTS in html_text:
            html_text = html_text.replace(_SOURCE_FACTS, "")
        code = inline_code(html_text, content.scripts)
        self.code.update(code)
        for host in remote_hosts(html_text, self.site_host):
            (self.written if content.names(host) else self.remote).setdefault(host, where)
        return insert_head(html_text, head_tags(code, private=self.private))


def head_tags(code: InlineCode, *, private: bool) -> str:
    tags = [f'<meta http-equiv="Content-Security-Policy" content="{policy(code)}">']
    if private:
        tags.append(f'<meta name="robots" content="{ROBOTS_META}">')
    tags.append('<meta name="referrer" content="no-referrer">')
    return "".join(tags)


def insert_head(html_text: str, tags: str) -> str:
    """``tags`` right after ``<meta charset>`` (which must stay in the first bytes), else
    right after ``<head>``: before any script or stylesheet, as a policy must be."""
    anchor = _CHARSET.search(html_text, 0, 4096) or _HEAD.search(html_text)
    if anchor is None:
        return tags + html_text
    return html_text[:anchor.end()] + tags + html_text[anchor.end():]


def remote_hosts(html_text: str, site_host: str | None = None) -> list[str]:
    """Hosts other than the site's that the page loads something from."""
    hosts = []
    at = html_text.find("//")
    while at != -1:
        value = _VALUE_START.search(html_text, max(0, at - 12), at)
        name = value and _FETCHING_NAME.search(html_text, max(0, value.start() - 20),
                                                value.start())
        if name and _fetched(html_text, name.start(), name.group(1).lower()):
            url = _URL_REST.match(html_text, at)
            host = urlsplit("https:" + url.group(0)).hostname if url else None
            if host and host != site_host and host not in hosts:
                hosts.append(host)
        at = html_text.find("//", at + 2)
    return hosts


def _fetched(html_text: str, at: int, attribute: str) -> bool:
    """Whether the attribute at ``at`` makes the browser fetch its URL: a ``<script
    src>`` or ``<img src>`` does, an ``<a href>`` or ``<link rel=canonical>`` does not."""
    start = html_text.rfind("<", 0, at)
    tag = _TAG.match(html_text, start, at) if start != -1 else None
    if tag is None:
        return False
    name = tag.group(1).lower()
    if name in _NOT_FETCHING_TAGS:
        return False
    if name == "link" and attribute == "href":
        rel = _REL.search(html_text[start:html_text.find(">", at) + 1])
        return bool(rel) and bool(_FETCHING_RELS & set(rel.group(1).lower().split()))
    return True
