"""The theme's page template rendered once per kind of finding page, not once per page.

Every finding page sits in the same folder, out of the navigation, with the same table of
contents and front matter keys: the theme wraps each in the same header, navigation,
sidebars and footer, and only a few values differ, all of them strings the theme prints as
they are (the page's content, its title, the file name ending its edit URL, its canonical
URL). ``ShellTemplate`` stands for ``main.html``: for the first page of a kind it renders
the real template twice with two different sets of marker values, and keeps the output,
split at the markers, as the kind's shell only when the two agree once the markers are
named alike (a value the theme transforms, by a filter or a test on its text, shows up as
a difference). The next
pages of the kind are then checked, the first ``VERIFIED`` of them, against a real render;
any difference and the kind goes back to the template for good. From then on a page is its
shell with its values put in, byte for byte what the template would have written.

A page the kind's key does not cover (another folder, no ``<h1`` in its content, another
table of contents, an edit URL of another form) is a new kind; a page that is not one of
ours, or is in the navigation, is rendered by the template as usual.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Callable
from typing import Any

import jinja2

VERIFIED = 2
"""Pages of a kind rendered both ways before its shell is trusted alone."""
# Characters a page never holds (control characters are not allowed in HTML text).
_OPEN, _CLOSE = "\x02", "\x03"
# What Material does to edit URLs (raw and blob views swapped in for "edit"): a value
# naming one of these stays with the template.
_EDIT_WORDS = ("edit", "blob", "raw")
_PATH_PART = re.compile(r"[A-Za-z0-9._-]+")

Values = dict[str, str]


class Shell:
    """A kind's output split at its values: literal, name, literal, name, ..., literal."""

    def __init__(self, parts: list[str]) -> None:
        self.parts = parts

    def fill(self, values: Values) -> str:
        parts = self.parts
        out = [parts[0]]
        for at in range(1, len(parts), 2):
            out.append(values[parts[at]])
            out.append(parts[at + 1])
        return "".join(out)


class ShellTemplate:
    """``main.html`` as MkDocs sees it; ``eligible`` tells a page the shells may serve."""

    def __init__(self, template: jinja2.Template, eligible: Callable[[Any], bool]) -> None:
        self.template = template
        self.eligible = eligible
        self.kinds: dict[tuple, Shell | None] = {}
        self.checked: dict[tuple, int] = {}
        self.filled = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.template, name)

    def render(self, *args: Any, **kwargs: Any) -> str:
        context = dict(*args, **kwargs)
        page = context.get("page")
        values = _values(page) if page is not None and self.eligible(page) else None
        if values is None:
            return self.template.render(context)
        key = _kind(page, values)
        if key not in self.kinds:
            self.kinds[key] = _make_shell(self.template, context, page, values)
        shell = self.kinds[key]
        if shell is None:
            return self.template.render(context)
        if self.checked.get(key, 0) < VERIFIED:
            real = self.template.render(context)
            if shell.fill(values) != real:
                self.kinds[key] = None
            else:
                self.checked[key] = self.checked.get(key, 0) + 1
            return real
        self.filled += 1
        return shell.fill(values)


def _values(page: Any) -> Values | None:
    """The page's own values, or None when one of them is of a form shells do not cover."""
    title = page.meta.get("title")
    if not isinstance(title, str) or page.content is None or page.is_homepage:
        return None
    if page.next_page is not None or page.previous_page is not None or page.parent:
        return None
    values = {"content": page.content, "title": title}
    if page.canonical_url is not None:
        values["canonical"] = page.canonical_url
    if page.edit_url is not None:
        name = page.edit_url.rpartition("/")[2]  # the finding's file name; its folder
        if not _PATH_PART.fullmatch(name) or any(word in name for word in _EDIT_WORDS):
            return None  # goes into the kind's key
        values["edit"] = name
    return values


def _toc_key(items: Any) -> tuple:
    return tuple((item.title, item.url, item.level, _toc_key(item.children))
                 for item in items)


def _kind(page: Any, values: Values) -> tuple:
    """What pages sharing one shell have in common: folder, front matter other than the
    title, table of contents, edit URL's folder; the theme tests ``<h1`` in content."""
    edit_base = page.edit_url[:-len(values["edit"])] if "edit" in values else None
    others = tuple(sorted((key, repr(value)) for key, value in page.meta.items()
                          if key != "title"))  # hide:, description:, ... as they are
    return (posixpath.dirname(page.url.rstrip("/")), "<h1" in page.content, others,
            _toc_key(page.toc or ()), edit_base, "canonical" in values)


def _marked(values: Values, mark: str) -> Values:
    """Marker values standing for the real ones: control characters and digits, which no
    filter of a theme rewrites (a name would be: Material swaps "edit" in edit URLs); the
    content keeps ``<h1`` if it had it."""
    marked = {name: f"{_OPEN}{mark}{at}{_CLOSE}" for at, name in enumerate(values)}
    if "<h1" in values["content"]:
        marked["content"] = f"{_OPEN}{mark}0<h1{_CLOSE}"
    return marked


def _render_marked(template: jinja2.Template, context: dict, page: Any,
                   values: Values, marked: Values) -> str:
    probe = copy.copy(page)
    probe.content = marked["content"]
    probe.meta = {**page.meta, "title": marked["title"]}
    if "canonical" in values:
        probe.canonical_url = marked["canonical"]
    if "edit" in values:
        probe.edit_url = page.edit_url[:-len(values["edit"])] + marked["edit"]
    return template.render({**context, "page": probe})


def _make_shell(template: jinja2.Template, context: dict, page: Any,
                values: Values) -> Shell | None:
    """The kind's shell, or None when the theme does anything but print the values."""
    first, second = _marked(values, "1"), _marked(values, "2")
    out_a = _render_marked(template, context, page, values, first)
    out_b = _render_marked(template, context, page, values, second)
    names = {marker: name for name, marker in first.items()}
    pattern = re.compile("|".join(re.escape(marker) for marker in first.values()))
    other = re.compile("|".join(re.escape(marker) for marker in second.values()))
    parts = pattern.split(out_a)
    if other.split(out_b) != parts or any(_OPEN in part or _CLOSE in part for part in parts):
        return None
    found = [names[marker] for marker in pattern.findall(out_a)]
    if _names(other.findall(out_b), second) != found:
        return None
    shell_parts = [parts[0]]
    for name, literal in zip(found, parts[1:], strict=True):
        shell_parts += [name, literal]
    return Shell(shell_parts)


def _names(markers: list[str], marked: Values) -> list[str]:
    by_marker = {marker: name for name, marker in marked.items()}
    return [by_marker[marker] for marker in markers]
