"""Search entries of a finding page, divided into sections by Material's rules at a
fraction of the cost.

Material's search plugin divides each page's HTML into sections (a heading, its title and
its text) with a subclass of the standard library's ``HTMLParser``; its pure-Python
tokenizer and handlers were the largest part of a build at thousands of finding pages.
Our pages' HTML is regular: tags with quoted attributes, text whose ``<`` is escaped, our
placeholder comments. ``tokens`` reads it with one regular expression into exactly the
calls ``HTMLParser`` would make (start tag, end tag, text with its character references
decoded, comment), and ``SectionReader`` follows them with the state Material's parser
keeps, producing Material's own ``Section`` objects for its ``create_entry_for_section``:
same titles, texts, anchors and exclusions, so the same search index.

``tokens`` gives up (``None``: the page goes to Material's parser) on anything it does not
read exactly as ``HTMLParser`` does: a ``<`` that opens no tag or simple comment, an
unquoted attribute, a comment holding ``--``, or raw-text elements (``<script>``,
``<style>``: ``HTMLParser`` reads their content differently). Text between tags is one
call, as ``HTMLParser`` makes it when fed a whole page and closed.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

_TOKEN = re.compile(
    r"([^<]+)"
    r"|<!--(?!>|->)((?:[^-]|-(?!-))*)-->"
    r"|</([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>"
    r"|<([a-zA-Z][-.a-zA-Z0-9:_]*)((?:\s+[a-zA-Z_:][-.a-zA-Z0-9_:]*"
    r"""(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*(/?)>"""
    r"|(<)")
_ATTR = re.compile(r"""\s+([a-zA-Z_:][-.a-zA-Z0-9_:]*)(?:\s*=\s*("[^"]*"|'[^']*'))?""")
# Elements whose content HTMLParser reads as raw text (script, style) or, in newer
# Pythons, escapable raw text: never read here.
_RAW_TEXT = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
             "noscript", "plaintext"}

Attrs = list[tuple[str, str | None]]


def _attrs(text: str) -> Attrs:
    out: Attrs = []
    for name, value in _ATTR.findall(text):
        out.append((name.lower(), unescape(value[1:-1]) if value else None))
    return out


def tokens(html_text: str) -> list[tuple[int, Any, Any]] | None:
    """The handler calls HTMLParser would make for the page, or None if unsure."""
    calls: list[tuple[int, Any, Any]] = []
    for match in _TOKEN.finditer(html_text):
        kind = match.lastindex
        if kind == 1:
            calls.append((1, unescape(match.group(1)), None))
        elif kind == 2:
            calls.append((2, match.group(2), None))
        elif kind == 3:
            calls.append((3, match.group(3).lower(), None))
        elif kind in (4, 5, 6):
            tag = match.group(4).lower()
            if tag in _RAW_TEXT:
                return None
            calls.append((5 if match.group(6) else 4, tag, _attrs(match.group(5))))
        else:
            return None
    return calls


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_KEEP = {"p", "code", "pre", "li", "ol", "ul", "sub", "sup"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
_STICKY = {"script", "style", "object"}


class SectionReader:
    """Material's ``Parser`` (material/plugins/search/plugin.py) over our calls, as fast as
    Python allows: the same state, kept as Material's code effectively keeps it.

    Material compares its ``Element`` by tag name only, so its skip set and its tests
    ``el in context`` are about tag names: here the context is a count per tag name, the
    skip set a set of names, and the permalink test a count of open ``a.headerlink``.
    Sections are Material's own ``Section`` and ``Element`` objects, for its
    ``create_entry_for_section`` to read.
    """

    def __init__(self, section_class: type, element_class: type) -> None:
        self.section_class = section_class
        self.element_class = element_class
        self.context: list[tuple[str, bool]] = []  # (tag, is a headerlink)
        self.open: dict[str, int] = {}
        self.headerlinks = 0
        self.skip = set(_STICKY)
        self.section: Any = None
        self.data: list[Any] = []

    def _skipping(self) -> bool:
        opened = self.open
        return any(opened.get(tag) for tag in self.skip)

    def _new_section(self, tag: str, attrs: dict, depth: int = 0) -> Any:
        self.section = self.section_class(self.element_class(tag, attrs), depth)
        self.data.append(self.section)
        return self.section

    def _target(self) -> list[str]:
        section = self.section
        return section.title if self.open.get(section.el.tag) else section.text

    def start(self, tag: str, attr_list: Attrs) -> None:
        if tag in _VOID:
            return
        attrs = dict(attr_list)
        self.context.append((tag, tag == "a" and attrs.get("class") == "headerlink"))
        self.open[tag] = self.open.get(tag, 0) + 1
        if self.context[-1][1]:
            self.headerlinks += 1
        if tag in _HEADINGS and "id" in attrs:
            depth = len(self.context)
            if tag != "h1" and not self.data:
                self._new_section("hx", {}, depth)
            had_data = bool(self.data)
            section = self._new_section(tag, attrs, depth)
            if had_data:
                section.id = attrs["id"]
        if self.section is None:
            self._new_section("hx", {})
        if "data-search-exclude" in attrs or attrs.get("class") == "linenodiv":
            self.skip.add(tag)
            return
        if tag in _KEEP and not self._skipping():
            self._target().append(f"<{tag}>")

    def end(self, tag: str) -> None:
        context = self.context
        if not context or context[-1][0] != tag:
            return
        if self.section.depth > len(context):
            for section in reversed(self.data):
                if section.depth <= len(context):
                    self.section.depth = float("inf")
                    self.section = section
                    break
        _, headerlink = context.pop()
        self.open[tag] -= 1
        if headerlink:
            self.headerlinks -= 1
        if tag in self.skip:
            if tag not in _STICKY:
                self.skip.remove(tag)
            return
        if tag in _KEEP and not self._skipping():
            data = self._target()
            index = data.index(f"<{tag}>")
            for at in range(index + 1, len(data)):
                if not data[at].isspace():
                    index = len(data)
                    break
            if len(data) > index:
                del data[index:]
            else:
                data.append(f"</{tag}>")

    def text(self, data: str) -> None:
        if self._skipping():
            return
        in_pre = bool(self.open.get("pre"))
        if not in_pre:
            data = " " if data.isspace() else data.replace("\n", " ")
        if self.section is None:
            self._new_section("hx", {})
        section = self.section
        if self.open.get(section.el.tag):
            if not self.headerlinks:
                section.title.append(escape(data, quote=False))
        elif data.isspace():
            if not section.text or not section.text[-1].isspace() or in_pre:
                section.text.append(data)
        else:
            section.text.append(escape(data, quote=False))


def sections(html_text: str, section_class: type, element_class: type) -> list[Any] | None:
    """The sections Material's search parser would divide the page into, or None when
    the page must go to that parser."""
    calls = tokens(html_text)
    if calls is None:
        return None
    reader = SectionReader(section_class, element_class)
    start, end, text = reader.start, reader.end, reader.text
    for kind, first, second in calls:
        if kind == 1:
            text(first)
        elif kind == 4:
            start(first, second)
        elif kind == 3:
            end(first)
        elif kind == 5:  # HTMLParser's handle_startendtag: a start, then an end
            start(first, second)
            end(first)
    return reader.data
