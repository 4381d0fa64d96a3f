"""Rewrite the numbers of a replaced edition in a finding's `clauses` to the current ones
(`capa migrate-clauses`): ISO/IEC 27001:2013 Annex A controls to their 2022 controls.

Finding files are hand-written and reviewed line by line, so the rewrite edits only the
text of each number, in place, on the raw bytes: comments, quoting, key order, flow lists,
blank lines, CRLF line ends and a BOM stay as they were. A 2013 control that became
several 2022 controls is left for a person to choose; one that becomes a control the
list already holds is removed when it sits alone on its line or in a flow list. Every
rewrite is checked by reloading the file: the data must equal the old data with only
`clauses` changed, or the file is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .catalogue import Catalogue, Standards
from .frontmatter import LoadError, decode, load_text, split

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in every PyYAML wheel
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class Change:
    """One clause entry: rewritten (``new`` set), removed as a repeat, or left."""

    line: int
    old: str
    new: str | None
    message: str
    decided: bool = True


@dataclass
class Migration:
    """What the rewrite does to one file: its new bytes (None when unchanged)."""

    changes: list[Change] = field(default_factory=list)
    text: bytes | None = None
    refused: str | None = None

    @property
    def undecided(self) -> list[Change]:
        return [c for c in self.changes if not c.decided]


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: bytes


def migrate_bytes(raw: bytes, standards: Standards) -> Migration:
    """The rewrite of one finding file's bytes; ``raw`` itself is never changed."""
    result = Migration()
    try:
        document = load_text(decode(raw))
    except LoadError as error:
        result.refused = f"{error.rule}: {error.message}; fix the file first"
        return result
    clauses = document.data.get("clauses")
    if not isinstance(clauses, list) or not any(_replaced(ref, standards) for ref in clauses):
        return result
    if b"\r" in raw.replace(b"\r\n", b""):
        result.refused = "the file has lone CR line ends; save it with LF or CRLF line ends"
        return result
    nodes = _clause_nodes(decode(raw))
    if nodes is None or len(nodes) != len(clauses):
        result.refused = "its `clauses` list could not be located in the text"
        return result
    offsets = _LineOffsets(raw)
    edits, expected = _plan(clauses, nodes, standards, offsets, result)
    if not edits:
        return result
    new = _apply(raw, edits)
    try:
        after = load_text(decode(new)).data
    except LoadError:
        after = None
    if after != {**document.data, "clauses": expected}:
        result.changes = [c for c in result.changes if not c.decided]
        result.refused = ("rewriting would change more than the clause numbers (an unusual "
                          "layout); the file is left as it was: edit it by hand")
        return result
    result.text = new
    return result


def _replaced(ref: Any, standards: Standards) -> tuple[Catalogue, str, str] | None:
    """(catalogue, qualifier with its colon or "", number) for a replaced-edition number."""
    if not isinstance(ref, str) or standards.resolve(ref) is not None:
        return None
    qualifier, colon, number = ref.partition(":")
    catalogue = standards.by_id.get(qualifier) if colon else standards.first
    if not colon:
        number, qualifier = ref, ""
    if catalogue is None or number not in catalogue.previous:
        return None
    return catalogue, qualifier + colon, number


def _plan(clauses: list[Any], nodes: list[yaml.ScalarNode], standards: Standards,
          offsets: _LineOffsets, result: Migration) -> tuple[list[_Edit], list[Any]]:
    """The edits, and the `clauses` list the edited file must load as."""
    edits: list[_Edit] = []
    expected: list[Any] = []
    keys = {standards.key(r) for r in clauses if standards.resolve(r) is not None}
    for index, (ref, node) in enumerate(zip(clauses, nodes, strict=True)):
        line = node.start_mark.line + 2
        found = _replaced(ref, standards)
        if found is None:
            expected.append(ref)
            continue
        catalogue, qualifier, number = found
        old = catalogue.previous[number]
        if len(old.now) > 1:
            became = " and ".join(catalogue.shown(n) for n in old.now)
            result.changes.append(Change(line, ref, None, (
                f"{ref} left as it is: it became {became} in {catalogue.name}; choose the "
                "control(s) the finding concerns"), decided=False))
            expected.append(ref)
            continue
        new = qualifier + old.now[0]
        if standards.key(new) in keys:
            removal = _removal(nodes, index, offsets)
            if removal is None:
                result.changes.append(Change(line, ref, None, (
                    f"{ref} left as it is: it became {catalogue.shown(old.now[0])}, which "
                    "the list already holds; remove it by hand"), decided=False))
                expected.append(ref)
                continue
            edits.append(removal)
            result.changes.append(Change(line, ref, None, (
                f"{ref} removed: it became {catalogue.shown(old.now[0])}, which the list "
                "already holds")))
            continue
        keys.add(standards.key(new))
        edits.append(_replacement(node, new, offsets))
        expected.append(new)
        result.changes.append(Change(line, ref, new, (
            f"{ref} -> {new} ({catalogue.title_of(old.now[0])})")))
    return edits, expected


def _clause_nodes(text: str) -> list[yaml.ScalarNode] | None:
    """The scalar nodes of the top-level `clauses` sequence, with their marks."""
    front = split(text)[0]
    root = yaml.compose(front, Loader=_Loader)
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "clauses":
            if not isinstance(value, yaml.SequenceNode):
                return None
            items = value.value
            if not all(isinstance(i, yaml.ScalarNode) for i in items):
                return None
            return list(items)
    return None


class _LineOffsets:
    """Byte offsets in the raw file of (line, column) marks of its front matter, which
    was parsed without BOM and with LF line ends."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        self.starts = [self.bom]
        position = raw.find(b"\n", self.bom)
        while position >= 0:
            self.starts.append(position + 1)
            position = raw.find(b"\n", position + 1)

    def of(self, mark: yaml.Mark) -> int:
        """The front matter's line 0 is the file's line 1 (after the opening ``---``)."""
        start = self.starts[mark.line + 1]
        end = self.raw.find(b"\n", start)
        line = self.raw[start: end if end >= 0 else len(self.raw)].decode("utf-8")
        return start + len(line[: mark.column].encode("utf-8"))

    def line_span(self, line: int) -> tuple[int, int]:
        start = self.starts[line + 1]
        end = self.starts[line + 2] if line + 2 < len(self.starts) else len(self.raw)
        return start, end


def _replacement(node: yaml.ScalarNode, new: str, offsets: _LineOffsets) -> _Edit:
    start, end = offsets.of(node.start_mark), offsets.of(node.end_mark)
    if node.style in ("'", '"'):
        start, end = start + 1, end - 1
    return _Edit(start, end, new.encode("utf-8"))


def _removal(nodes: list[yaml.ScalarNode], index: int, offsets: _LineOffsets) -> _Edit | None:
    """The edit that removes item ``index``: its whole line in a block list (when nothing
    else, not even a comment, is on it), or the item and one comma in a flow list."""
    node = nodes[index]
    start, end = offsets.of(node.start_mark), offsets.of(node.end_mark)
    line_start, line_end = offsets.line_span(node.start_mark.line)
    line = offsets.raw[line_start:line_end]
    own = line[: start - line_start].strip()
    rest = offsets.raw[end:line_end].strip()
    if own.endswith(b"-"):  # a block list item: only alone on its line
        return _Edit(line_start, line_end, b"") if own == b"-" and not rest else None
    if index > 0:  # `, item`
        previous_end = offsets.of(nodes[index - 1].end_mark)
        between = offsets.raw[previous_end:start]
        if between.strip() == b",":
            return _Edit(previous_end, end, b"")
    elif len(nodes) > 1:  # `item, `
        following = offsets.of(nodes[1].start_mark)
        between = offsets.raw[end:following]
        if between.strip() == b",":
            return _Edit(start, following, b"")
    return None


def _apply(raw: bytes, edits: list[_Edit]) -> bytes:
    out = raw
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[: edit.start] + edit.text + out[edit.end:]
    return out
