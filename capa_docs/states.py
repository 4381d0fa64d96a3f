"""What one historic version of a finding file says: status, due dates and owner.

A register's history holds tens of thousands of file versions, and the strict loader takes
about 150 us for each, which alone would blow the history pass's budget. Almost every
version is plain block-style YAML, where a line ``status: open`` at column 0 can only be
the top-level key. ``quick_state`` reads those with a couple of regular-expression scans
and answers only when nothing in the text could change that meaning (a block scalar, a
quoted or flow value going on to the next line, an anchor, alias or tag, a tab, a second
document); otherwise the strict loader reads the version. Tests check that the two agree
wherever the quick path answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .frontmatter import LoadError, decode, load_text, split

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
    return state


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


_KEYS = re.compile(r"^(status|owner|corrective_actions):(?=[ ]|$)(.*)$", re.MULTILINE)
# Characters that change what follows when a value starts with them: quotes, flow
# brackets, block scalars, anchors, aliases, tags, complex keys, directives, reserved.
_INDICATOR = re.compile(r"[\"'\[{|>&*!?%@`\t]")
_QUOTED = r""""(?>[^"\\\n]|\\.)*+"|'(?>[^'\n]|'')*+'"""
_PLAIN = r"""[^\s&*!|>%@`?:,\-#{}\[\]'"](?>[^:#\n]|:(?=[^ \n])|(?<! )#)*+"""
_VALUE = (rf"(?>{_PLAIN}|{_QUOTED}|[\[{{](?>[^\"'\[\]{{}}\n&*!]|{_QUOTED})*+[\]}}])"
          r"(?>[ ]+#.*)?")
# A line whose value, whatever it starts with, ends on that line.
_SAFE_LINE = re.compile(
    rf"[ ]*+(?>-[ ]+)?(?>[A-Za-z_][A-Za-z0-9_-]*+:(?>[ ]+(?>{_VALUE})?)?|{_VALUE})[ ]*"
    r"|[ ]*#.*")
_ITEM = re.compile(r"( *)(- +)?(?:([A-Za-z_][A-Za-z0-9_-]*):(?= |$))?[ ]*(.*)")


def quick_state(front: str) -> State | None:
    """status, owner and corrective-action due dates from plain block-style YAML, or None
    whenever the strict loader must decide."""
    if front.startswith("...") or "\n..." in front or not _plain_lines(front):
        return None
    values: dict[str, str] = {}
    actions_end = 0
    for match in _KEYS.finditer(front):
        key = match.group(1)
        if key in values:
            return None  # a duplicate: the loader reports it and keeps the last
        values[key] = match.group(2)
        if key == "corrective_actions":
            actions_end = match.end()
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


def _plain_lines(front: str) -> bool:
    """True when every value that starts with an indicator also ends on its line.

    Scanning for the few indicator characters and looking at each hit is several times
    faster than matching every line against a grammar.
    """
    checked = -1
    for match in _INDICATOR.finditer(front):
        at = match.start()
        if front[at] == "\t":
            return False
        if at and front[at - 1] not in " \n":
            continue  # inside a word, such as "person's": plain text
        start = front.rfind("\n", 0, at) + 1
        if start == checked:
            continue
        end = front.find("\n", at)
        if not _SAFE_LINE.fullmatch(front[start:end if end >= 0 else len(front)]):
            return False
        checked = start
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
