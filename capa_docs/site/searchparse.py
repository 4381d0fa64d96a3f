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
unquoted attribute, a comment holding ``--``, or a raw-text element (``<script>``,
``<style>``) whose content holds ``<`` or ``&`` (``HTMLParser`` reads that content as
written); an empty one, such as a script loaded by ``src``, is read. Text between tags is one
call, as ``HTMLParser`` makes it when fed a whole page and closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
# Pythons, escapable raw text: only an empty script or style, or one whose content has no
# "<" or "&" (a script loaded by src, a simple stylesheet), is read here.
_SCRIPT_STYLE = {"script", "style"}
_RAW_TEXT = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
             "noscript", "plaintext"}

Attrs = list[tuple[str, str | None]]


def _attrs(text: str) -> Attrs:
    out: Attrs = []
    for name, value in _ATTR.findall(text):
        out.append((name.lower(), unescape(value[1:-1]) if value else None))
    return out


_DECLINE = (0, None, None)
_LARGE = 100_000


def _raw_tokens(html_text: str) -> Iterator[tuple[int, Any, Any]]:
    """The calls as (kind, text or tag, a start tag's attributes as written), one by one
    (a page's list would hold every tag of the register page at once); ``_DECLINE`` last
    when the page must go to HTMLParser."""
    raw_text = ""  # the raw-text element just opened, which must close at once
    last = 0
    # One tuple of every group per match: text, comment, end tag, start tag, its
    # attributes, its slash, a stray "<"; only a comment leaves the first four empty.
    # findall is the faster; a large page (the register's table) is read match by match
    # so that its tokens are never all held at once.
    matches = (_TOKEN.findall(html_text) if len(html_text) < _LARGE else
               (match.groups("") for match in _TOKEN.finditer(html_text)))
    for text, comment, end, start, attrs, slash, stray in matches:
        if raw_text:
            # HTMLParser reads a raw-text element's content as it is written: the same
            # call only for text with no character reference, then the element's end.
            if text and "&" not in text and last != 1:
                last = 1
                yield 1, text, None
                continue
            if end.lower() != raw_text:
                yield _DECLINE
                return
            raw_text = ""
        if text:
            last = 1
            yield 1, unescape(text), None
        elif start:
            tag = start.lower()
            if tag in _RAW_TEXT:
                if slash or tag not in _SCRIPT_STYLE:
                    yield _DECLINE
                    return
                raw_text = tag
            last = 5 if slash else 4
            yield last, tag, attrs
        elif end:
            last = 3
            yield 3, end.lower(), None
        elif stray:
            yield _DECLINE
            return
        else:
            last = 2
            yield 2, comment, None
    if raw_text:
        yield _DECLINE


def tokens(html_text: str) -> list[tuple[int, Any, Any]] | None:
    """The handler calls HTMLParser would make for the page, or None if unsure: (1, text),
    (2, comment), (3, end tag), (4, start tag, attributes), (5, self-closing tag, ...)."""
    calls = list(_raw_tokens(html_text))
    if calls and calls[-1] == _DECLINE:
        return None
    return [(kind, first, _attrs(second) if kind in (4, 5) else None)
            for kind, first, second in calls]


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
        self.skipping = False
        """Whether an open element's tag is in ``skip`` (Material's ``skip ∩ context``)."""
        self.section: Any = None
        self.section_tag = ""
        self.data: list[Any] = []

    def _skipping(self) -> bool:
        opened = self.open
        return any(opened.get(tag) for tag in self.skip)

    def _new_section(self, tag: str, attrs: dict, depth: int = 0) -> Any:
        self.section = self.section_class(self.element_class(tag, attrs), depth)
        self.section_tag = tag
        self.data.append(self.section)
        return self.section

    def _target(self) -> list[str]:
        section = self.section
        return section.title if self.open.get(self.section_tag) else section.text

    def start(self, tag: str, raw_attrs: str) -> None:
        if tag in _VOID:
            return
        attrs = dict(_attrs(raw_attrs)) if raw_attrs else {}
        headerlink = tag == "a" and attrs.get("class") == "headerlink"
        self.context.append((tag, headerlink))
        self.open[tag] = self.open.get(tag, 0) + 1
        if headerlink:
            self.headerlinks += 1
        if tag in self.skip:
            self.skipping = True
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
            self.skipping = True
            return
        if tag in _KEEP and not self.skipping:
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
                    self.section_tag = section.el.tag
                    break
        _, headerlink = context.pop()
        self.open[tag] -= 1
        if headerlink:
            self.headerlinks -= 1
        if tag in self.skip:
            if tag not in _STICKY:
                self.skip.remove(tag)
            self.skipping = self._skipping()
            return
        if tag in _KEEP and not self.skipping:
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
        if self.skipping:
            return
        in_pre = bool(self.open.get("pre"))
        if not in_pre:
            data = " " if data.isspace() else data.replace("\n", " ")
        if self.section is None:
            self._new_section("hx", {})
        section = self.section
        if self.open.get(self.section_tag):
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
    reader = SectionReader(section_class, element_class)
    start, end, text = reader.start, reader.end, reader.text
    for kind, first, second in _raw_tokens(html_text):
        if kind == 0:
            return None
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
