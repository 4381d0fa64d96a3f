"""Strict front-matter loading: text in, data with line numbers out, or a clear refusal.

A finding arrives by pull request from anyone with write access, so the loader treats it
as hostile. PyYAML alone accepts duplicate keys, builds any explicit tag, expands alias
bombs without limit, raises IndexError/ValueError (not YAMLError) on ``!!int ''`` or a
5,000-digit number, and libyaml's composer recurses in C, so about 30,000 nested
brackets kill the process. Everything here refuses those before or while the data is
built, and turns every failure into a ``LoadError`` with a line number.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .model import KeyPath

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in every PyYAML wheel
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1024 * 1024
MAX_FRONT_MATTER_BYTES = 256 * 1024
MAX_DEPTH = 32
MAX_VALUES = 20_000
# No number a finding holds is this long; YAML's hex, octal, binary and base-60 ints skip
# Python's 4,300-digit limit, and printing such a number later raises ValueError.
MAX_NUMBER_CHARS = 100
# libyaml's composer recurses in C; a nesting bound below this cannot crash it.
_SAFE_COMPOSE_BOUND = 2_000

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


_TEXT_TAGS = frozenset((_STR, _TIMESTAMP))
_KEY_TAGS = frozenset((_STR, _INT, _BOOL, _NULL, _FLOAT, _TIMESTAMP))
_ScalarNode = yaml.ScalarNode
_IMPLICIT = _Loader.yaml_implicit_resolvers
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _FastLoader(_Loader):  # type: ignore[misc,valid-type]
    """libyaml's loader with the per-node Python hooks cut to what safe loading needs.

    The C composer calls these three methods for every node; PyYAML's versions also
    serve path resolvers, which safe loading never has. Same tags, a third less time.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[0] if value else "", ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


class LoadError(Exception):
    """The file cannot be read as a finding; ``line`` is where the trouble is."""

    def __init__(self, line: int, message: str, rule: str = "front-matter") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.rule = rule


@dataclass
class Document:
    """A finding file split and parsed: front matter data, its line map and the body."""

    data: dict[str, Any]
    lines: dict[KeyPath, int]
    body: str
    body_line: int
    duplicates: list[tuple[int, str]] = field(default_factory=list)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def read_finding(path: Path) -> bytes:
    """The bytes of a finding file that is a regular file, never more than the size limit.

    A finding decides what the site publishes, so a symlink (which could point anywhere,
    /dev/zero or a file outside the repository) is refused, not followed: O_NOFOLLOW
    makes the open itself fail, and O_NONBLOCK keeps a FIFO from blocking it. The size
    comes from the open file's fstat, before anything is read.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LoadError(1, "the finding file is a symbolic link, which could point "
                               "outside the repository; replace the link with the file itself"
                            ) from None
        raise LoadError(1, f"cannot be read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(1, "not a regular file (a device, FIFO or socket); a finding "
                               "must be an ordinary Markdown file: replace it with one")
        if info.st_size > MAX_FILE_BYTES:
            raise LoadError(1, _too_big(info.st_size))
        chunks = [os.read(fd, info.st_size + 1)]
        got = len(chunks[0])
        while got > info.st_size and got <= MAX_FILE_BYTES:  # it grew since fstat
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError as exc:
        raise LoadError(1, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_big(size: int) -> str:
    return (f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for a finding; "
            "move long material into an evidence file and link it")


def decode(raw: bytes) -> str:
    """UTF-8 text (BOM dropped, CRLF and CR folded to LF), or a LoadError naming the line."""
    if len(raw) > MAX_FILE_BYTES:
        raise LoadError(1, _too_big(len(raw)))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(
            line, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split(text: str) -> tuple[str, str, int]:
    """Split into (front matter, body, body's first line); front matter starts at line 2."""
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        raise LoadError(
            1,
            "no front matter: the file must start with a line '---', then the YAML fields, "
            "then a closing '---'",
        )
    fence = _closing_fence(text)
    if fence is None:
        raise LoadError(1, "front matter is not terminated: add a closing '---' line after it")
    front = text[4 : fence[0]]
    rest = text[fence[1] :]
    body_line = front.count("\n") + 3
    if rest.startswith("\n"):
        rest = rest[1:]
    if len(front.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise LoadError(
            2,
            f"front matter is over {MAX_FRONT_MATTER_BYTES // 1024} KiB; keep long text in the "
            "Markdown body or an evidence file",
        )
    return front, rest, body_line


def _closing_fence(text: str) -> tuple[int, int] | None:
    """Start and end of the first line after the opening one that is ``---`` and then
    only spaces or tabs: what ``^---[ \\t]*$`` finds in multi-line mode, found by jumping
    from one ``\\n---`` to the next instead of trying the pattern at every character."""
    start = 4
    size = len(text)
    while True:
        if text.startswith("---", start):
            end = start + 3
            while end < size and text[end] in " \t":
                end += 1
            if end == size or text[end] == "\n":
                return start, end
        found = text.find("\n---", start)
        if found < 0:
            return None
        start = found + 1


def load_text(text: str) -> Document:
    """Parse a whole finding file's text into a Document, refusing anything hostile."""
    front, body, body_line = split(text)
    if not front.strip():
        raise LoadError(2, "front matter is empty: it must hold the finding's fields")
    _refuse_unicode_breaks(front)
    _prescan(front)
    try:
        node = yaml.compose(front, Loader=_FastLoader)
    except yaml.MarkedYAMLError as exc:
        raise LoadError(_mark_line(exc), _yaml_message(exc)) from None
    except (yaml.YAMLError, RecursionError, MemoryError) as exc:
        raise LoadError(2, f"not valid YAML: {exc}") from None
    if node is None:
        raise LoadError(2, "front matter is empty: it must hold the finding's fields")
    if not isinstance(node, yaml.MappingNode):
        raise LoadError(
            node.start_mark.line + 2,
            "front matter is not a mapping: write one 'field: value' per line",
        )
    builder = _Builder()
    try:
        data = builder.build(node, (), 0)
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - PyYAML raises ValueError, KeyError, IndexError...
        raise LoadError(
            builder.line, f"a value cannot be read ({type(exc).__name__}: {exc})"
        ) from None
    return Document(data, builder.lines, body, body_line, builder.duplicates)


_UNICODE_BREAKS = {"\x85": "U+0085 NEXT LINE", "\u2028": "U+2028 LINE SEPARATOR",
                   "\u2029": "U+2029 PARAGRAPH SEPARATOR"}


def _refuse_unicode_breaks(front: str) -> None:
    """Refuse the three characters YAML counts as line breaks and editors do not.

    libyaml numbers lines by them, so every line number after one would be off by one in
    every message; refusing them keeps each reported line the line an editor shows.
    """
    found = [(front.index(ch), name) for ch, name in _UNICODE_BREAKS.items() if ch in front]
    if not found:
        return
    position, name = min(found)
    line = front.count("\n", 0, position) + 2
    raise LoadError(
        line,
        f"line {line} holds an invisible {name} character, which YAML reads as a line break "
        "but editors do not; delete it (retype the line, or replace it with a space or a "
        "real line break)",
    )


def _prescan(front: str) -> None:
    """Refuse explicit tags, alias floods and deep nesting before anything is composed.

    A full pass over the parse events costs about half a parse, so it runs only when the
    text could hold what it looks for: a tag needs a ``!``, and nesting needs one indicator
    character per level, so few indicators prove the nesting shallow.
    """
    bound = sum(front.count(c) for c in "[{-:?")
    if "!" not in front and bound < _SAFE_COMPOSE_BOUND and "*" not in front:
        return
    depth = 0
    aliases = 0
    try:
        for event in yaml.parse(front, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise LoadError(
                        event.start_mark.line + 2,
                        f"nesting deeper than {MAX_DEPTH} levels; a finding never needs that",
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > 20:
                    raise LoadError(
                        event.start_mark.line + 2,
                        "more than 20 YAML aliases (*name); write the values out instead",
                    )
            if isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent,
                                  yaml.SequenceStartEvent)) and event.tag is not None:
                if isinstance(event, yaml.ScalarEvent) and event.tag == "!":
                    continue
                raise LoadError(
                    event.start_mark.line + 2,
                    f"explicit YAML tag {event.tag!r} is not allowed; remove it and write "
                    "the plain value (quote it if it must stay text)",
                )
    except yaml.MarkedYAMLError as exc:
        raise LoadError(_mark_line(exc), _yaml_message(exc)) from None
    except yaml.YAMLError as exc:
        raise LoadError(2, f"not valid YAML: {exc}") from None


_SCALARS = yaml.constructor.SafeConstructor()  # only its stateless scalar methods


class _Builder:
    """Builds plain data from composed nodes, recording lines and duplicate keys.

    Our own walk instead of SafeConstructor: it is faster, it keeps each key's line,
    it reports duplicate keys, and it keeps dates as the text written.
    """

    def __init__(self) -> None:
        self.lines: dict[KeyPath, int] = {}
        self.duplicates: list[tuple[int, str]] = []
        self.values = 0
        self.line = 2

    def build(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.values += 1
        self.line = node.start_mark.line + 2
        if self.values > MAX_VALUES:
            raise LoadError(self.line, f"more than {MAX_VALUES:,} values (an alias bomb?)")
        if depth > MAX_DEPTH:
            raise LoadError(self.line, f"nesting deeper than {MAX_DEPTH} levels")
        lines = self.lines
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self._key(key_node, path)
                line = key_node.start_mark.line + 2
                keypath = (*path, key)
                if key in out:
                    shown = ".".join(str(p) for p in keypath)
                    self.duplicates.append(
                        (line, f"key `{shown}` appears twice (first at line {lines[keypath]}); "
                               "keep one and merge the values")
                    )
                else:
                    lines[keypath] = line
                # Text is most values: taken here, without a call per value.
                if value_node.__class__ is _ScalarNode and value_node.tag in _TEXT_TAGS:
                    self.values += 1
                    out[key] = value_node.value
                else:
                    out[key] = self.build(value_node, keypath, depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 2
                if item.__class__ is _ScalarNode and item.tag in _TEXT_TAGS:
                    self.values += 1
                    items.append(item.value)
                else:
                    items.append(self.build(item, (*path, index), depth + 1))
            return items
        return _scalar(node, path)

    def _key(self, node: yaml.Node, path: KeyPath) -> str:
        if node.__class__ is not _ScalarNode or node.tag not in _KEY_TAGS:
            raise LoadError(
                node.start_mark.line + 2,
                "a key must be plain text (merge keys '<<' and complex keys are not allowed)",
            )
        # One string per distinct key for the whole register, not one per finding: the
        # site build holds every finding (some 40 keys each) while it renders the pages.
        return sys.intern(node.value)


def _scalar(node: yaml.Node, path: KeyPath) -> Any:
    """A scalar that is not text: null, a boolean or a number of sane length."""
    tag = node.tag
    if tag in _TEXT_TAGS:
        return node.value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _SCALARS.construct_yaml_bool(node)
    if tag in (_INT, _FLOAT) and len(node.value) > MAX_NUMBER_CHARS:
        shown = ".".join(str(p) for p in path) or "front matter"
        raise LoadError(
            node.start_mark.line + 2,
            f"`{shown}` holds a number {len(node.value):,} characters long; no field of "
            f"a finding needs a number over {MAX_NUMBER_CHARS} characters: shorten it, "
            "or quote it if it is text",
        )
    if tag == _INT:
        return _SCALARS.construct_yaml_int(node)
    if tag == _FLOAT:
        return _SCALARS.construct_yaml_float(node)
    raise LoadError(
        node.start_mark.line + 2,
        f"YAML type {tag!r} is not allowed; write a plain value",
    )


def _mark_line(exc: yaml.MarkedYAMLError) -> int:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 2 if mark is not None else 2


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    detail = "; ".join(parts) if parts else str(exc)
    if "expected a single document" in detail:
        return "more than one YAML document in the front matter; keep a single one"
    return f"not valid YAML: {detail}"
