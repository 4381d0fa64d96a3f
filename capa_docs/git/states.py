"""What one historic version of a finding file says: status, due dates and owner.

A register's history holds tens of thousands of file versions, and the strict loader takes
about 150 us for each, which alone would blow the history pass's budget. Almost every
version is plain block-style YAML, where a line ``status: open`` at column 0 can only be
the top-level key. ``quick_state`` reads those with a couple of regular-expression scans
and answers only when nothing in the text could change that meaning (a block scalar, a
quoted or flow value going on to the next line, an anchor, alias or tag, a tab, a second
document), and when one walk over the lines' indentation shows the strict loader would
read the text without an error (no plain value holding ``": "``, no key more indented
than its block, a continued plain value only where it cannot be a wanted one); otherwise
the strict loader reads the version. Tests check that the two agree wherever the quick
path answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..contract.frontmatter import LoadError, decode, load_text, split

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in every PyYAML wheel
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_IMPLICIT = _Loader.yaml_implicit_resolvers
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


@dataclass(frozen=True)
class State:
    """What a finding file said at one commit: the fields its timeline follows.

    ``readable`` is False when that version's front matter could not be read (history
    keeps broken versions too); its other fields are then None or empty.
    """

    status: str | None = None
    due: tuple[str | None, ...] = ()
    owner: str | None = None
    readable: bool = True
    pins: frozenset[str] = frozenset()
    """Every ``sha256`` pin the version records (lower case): when a pin first appears in
    a finding's history is when the evidence was provably fixed."""


def summarise(raw: bytes) -> State:
    """The timeline fields of one file version, or an unreadable State."""
    try:
        text = decode(raw)
        front, _, _ = split(text)
        state = quick_state(front)
        if state is None:
            state = state_of(load_text(text).data)
    except LoadError:
        return State(readable=False)
    if "sha256" in front:
        state = replace(state, pins=frozenset(p.lower() for p in _PIN.findall(front)))
    return state


# A pin as `capa pin` writes it, and as people type it (quoted or not).
_PIN = re.compile(r"\bsha256:[ ]*[\"']?([0-9A-Fa-f]{64})\b")


def state_of(data: Mapping[str, object]) -> State:
    """The timeline fields of front matter the strict loader has read."""
    actions = data.get("corrective_actions")
    due: tuple[str | None, ...] = ()
    if isinstance(actions, list):
        due = tuple(_text(item.get("due")) if isinstance(item, dict) else None
                    for item in actions)
    return State(_text(data.get("status")), due, _text(data.get("owner")))


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


# Searched in "\n" + front: a literal first character lets the search skip ahead.
_KEYS = re.compile(r"\n(status|owner|corrective_actions):(?=[ ]|\n)([^\n]*)")
_ITEM = re.compile(r"( *)(- +)?(?:([A-Za-z_][A-Za-z0-9_-]*):(?= |$))?[ ]*(.*)")
_LONG_DIGITS = re.compile(r"[0-9]{4000}")  # past what the loader converts to a number
# Values that end on their line: quoted (with only the escapes YAML knows), or a one-line
# flow sequence of quoted or simple plain items.
_QUOTED = (r'"(?>[^"\\\n]|\\(?:[0abtnvfre "/\\N_LP]|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}'
           r"|U(?:000[0-9A-Fa-f]|0010)[0-9A-Fa-f]{4}))*+\"|'(?>[^'\n]|'')*+'")
_FLOW_ITEM = rf"(?>{_QUOTED}|[A-Za-z0-9_./(][^\n,\[\]{{}}:#\"'&*!|>%@`?]*+)"
_FLOW = rf"\[[ ]*+(?:{_FLOW_ITEM}[ ]*+(?:,[ ]*+{_FLOW_ITEM}[ ]*+)*+)?\]"
# The shape of each line, without its values: (1) indentation, dashes and a plain key;
# then how the value goes on: (2) a comment or (3) nothing (a key or dash with its value
# on the next lines), (4) the opening of a quoted or flow value that ends on the line,
# (5) for a plain value, what ends it: ":" (which the loader refuses) or a comment; (6)
# anything else, which the loader decides (an anchor, alias, tag, block scalar, an
# unfinished quote, a value starting with an indicator). Each match runs to the line's
# end, so the search never steps through a line character by character. Versions of a
# register share few shapes, so the walk over a shape is done once and remembered.
_REST = r"[^\n]*+\n?"
_HEAD = re.compile(
    r"^(?!\Z)( *+(?:-(?:[ ]++|$))*+(?>[A-Za-z_][A-Za-z0-9_-]*+:(?:[ ]++|$))?+)"
    rf"(?:(\#){_REST}|(\n)"
    rf"|(?=(?>{_QUOTED}|{_FLOW})(?:[ ]++\#|[ ]*+\n))([\"'\[]){_REST}"
    r"|(?=[^\s\"'\[\]{}#,\-?:|>&*!%@`]|[-?:][^ \n])"
    rf"(?:[^\n:#]++|(?<![ ])\#|:(?![ \n]))*+(:|\#)?{_REST}"
    rf"|([^\n]){_REST})",
    re.MULTILINE)
_LINE_HEAD = re.compile(r"( *)((?:-(?: +|$))*)(?:([A-Za-z_][A-Za-z0-9_-]*):)?")
_Shape = tuple[tuple[str, str, str, str, str, str], ...]
_SHAPES: dict[_Shape, bool] = {}
_WANTED_KEYS = frozenset(("status", "owner", "corrective_actions", "due"))
_MAP, _SEQ, _BARE_SEQ = 0, 1, 2  # a block sequence at its key's column is "bare"
_MAX_BLOCKS = 32


def quick_state(front: str) -> State | None:
    """status, owner and corrective-action due dates from plain block-style YAML, or None
    whenever the strict loader must decide."""
    if (not front.endswith("\n") or front.startswith("...") or "\n..." in front
            or not front.replace("\n", " ").isprintable()  # also tabs, odd line breaks
            or (len(front) >= 4000 and _LONG_DIGITS.search(front))
            or not _structure_ok(front)):
        return None
    values: dict[str, str] = {}
    actions_end = 0
    for match in _KEYS.finditer("\n" + front):
        key = match.group(1)
        if key in values:
            return None  # a duplicate: the loader reports it and keeps the last
        values[key] = match.group(2)
        if key == "corrective_actions":
            actions_end = match.end() - 1
    status = _wanted(values.get("status"))
    owner = _wanted(values.get("owner"))
    if status is None or ("owner" in values and owner is None):
        return None
    dues: tuple[str | None, ...] = ()
    if "corrective_actions" in values:
        head = values["corrective_actions"].strip()
        if head and not head.startswith("#"):
            return None
        found = _dues(front[actions_end + 1:])
        if found is None:
            return None
        dues = found
    return State(status, dues, owner)


def _structure_ok(front: str) -> bool:
    """True when the block structure is one the strict loader reads without an error, and
    no wanted value goes on to another line (see ``_shape_ok``)."""
    shape = tuple(_HEAD.findall(front))
    known = _SHAPES.get(shape)
    if known is None:
        if len(_SHAPES) > 4096:
            _SHAPES.clear()
        known = _SHAPES[shape] = _shape_ok(shape)
    return known


def _shape_ok(shape: _Shape) -> bool:
    """Walk the lines' shapes as YAML reads blocks: a line must start at an open block's
    column (a mapping's keys, a sequence's dashes); a more indented line only follows a
    key or dash with no value (its child) or continues a plain value, never a wanted one.
    """
    blocks: list[tuple[int, int]] = []  # (column, kind), innermost last
    child_of = -1  # after a key or dash with no value: the column its child must pass
    child_of_key = True
    opener_wanted = False
    continues = False  # the last value was plain and may go on to a more indented line
    wanted = False  # ... and it was a wanted key's value
    for head, comment, eol, quoted, end, refused in shape:
        if refused or end == ":":
            return False
        indent, dashes, key = _LINE_HEAD.match(head).groups()  # type: ignore[union-attr]
        column = len(indent)
        opener = comment or eol
        if not dashes and not key and opener:
            if opener == "#":
                continues = False  # a comment ends a plain value
            continue
        if continues and column > blocks[-1][0]:
            if wanted or key or quoted or end:
                return False
            continue
        continues = wanted = False
        if child_of >= -1 and (column > child_of
                               or (column == child_of and dashes and child_of_key)):
            if not dashes and not key:  # "key:" then "  value": a value on its own line
                if not blocks or opener_wanted:
                    return False
            elif len(blocks) >= _MAX_BLOCKS or (not blocks and dashes):
                return False  # too deep, or the front matter is a sequence
            else:
                blocks.append((column, _MAP if not dashes else
                               _SEQ if column > child_of else _BARE_SEQ))
        else:
            while blocks and blocks[-1][0] > column:
                blocks.pop()
            if not blocks or blocks[-1][0] != column:
                return False
            if blocks[-1][1] == _BARE_SEQ and not dashes:
                blocks.pop()
                if not blocks or blocks[-1][0] != column:
                    return False
            if (blocks[-1][1] == _MAP) == bool(dashes) or not (dashes or key):
                return False  # a dash or a bare value where a key belongs, or a key in a list
        child_of = -2
        at = column
        if dashes:
            units = dashes.split("-")[1:]
            at += 1 + len(units[0])
            for unit in units[1:]:  # "- - x": a sequence in a sequence
                blocks.append((at, _SEQ))
                at += 1 + len(unit)
            if not key and opener:
                child_of, child_of_key, opener_wanted = at - 1 - len(units[-1]), False, False
                continue
            if key:
                blocks.append((at, _MAP))
        if key:
            if opener:
                child_of, child_of_key, opener_wanted = at, True, key in _WANTED_KEYS
                continue
            wanted = key in _WANTED_KEYS
        continues = not quoted and not end
    return True


def _wanted(raw: str | None) -> str | None:
    """A wanted value's text when it is plain and YAML reads it as text, else None."""
    if raw is None:
        return None
    value = raw.strip()
    cut = value.find(" #")
    if cut >= 0:
        value = value[:cut].rstrip()
    if not value or value[0] in "\"'[{#&*!|>%@`" or not _is_text(value):
        return None
    return value


def _is_text(value: str) -> bool:
    """True when YAML reads the plain value as text (our loader keeps dates as text)."""
    for tag, regexp in _IMPLICIT.get(value[0], ()):
        if regexp.match(value):
            return tag == _TIMESTAMP
    return True


def _dues(block: str) -> tuple[str | None, ...] | None:
    """The ``due`` of each item of the corrective_actions block sequence, given the text
    after its key line."""
    dues: list[str | None] = []
    seq_col = item_col = -1
    for line in block.split("\n"):
        if line[:1] not in ("", " ", "-", "#"):
            break  # the next top-level key
        stripped = line.strip()
        if not stripped or stripped[0] == "#":
            continue
        indent, dash, key, value = _ITEM.fullmatch(line).groups()  # type: ignore[union-attr]
        if seq_col < 0:
            if not dash:
                return None  # a mapping, not a sequence: let the loader say what it is
            seq_col = len(indent)
        if dash and len(indent) == seq_col:
            if not key and (not value or value[0] == "#"):
                return None  # the item's fields start on the next line
            dues.append(None)
            item_col = column = len(indent) + len(dash)
        elif dash:
            continue  # an item of a nested sequence
        else:
            column = len(indent)
        if key == "due" and column == item_col:
            due = _wanted(value)
            if dues[-1] is not None or due is None:
                return None
            dues[-1] = due
    return tuple(dues)
