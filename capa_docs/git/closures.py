"""What happened to a closed finding's record after it was closed, and when its evidence
was pinned.

A closure is a claim made in one commit; everything committed to the record afterwards
changes what was claimed, legitimately (a pin added by `capa pin`) or not. For every
finding closed now, this module finds the commit that closed it, each later commit with
the fields it changed (old and new value), and the commit that recorded the standing
effectiveness review. It reads the needed file versions in one ``git cat-file --batch``
for the whole register: the closing version and each one after it, a handful per closed
finding. When each evidence pin first appeared comes from the history pass's states,
which already hold every version's pins.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract.frontmatter import LoadError, decode, load_text
from .history import CLOSED, Change, FindingHistory, RegisterHistory, read_blobs

SHOWN = 120
"""A changed value longer than this is shown around its first difference."""


@dataclass(frozen=True)
class FieldChange:
    """One field a commit changed: where, and its value before and after (as text)."""

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Amendment:
    """A commit that changed a closed finding without reopening it."""

    change: Change
    fields: tuple[FieldChange, ...]


@dataclass
class ClosureRecord:
    """A closed finding's closure as git recorded it."""

    closing: Change
    """The commit that set the status to closed (the last such, after a reopening)."""
    amendments: list[Amendment] = field(default_factory=list)
    review: Change | None = None
    """A later commit that recorded the effectiveness review the file holds now; None when
    the closing commit recorded it, or there is none."""


def closing_index(history: FindingHistory) -> int | None:
    """Index of the commit that closed the finding as it stands, or None when the file's
    last version is not closed (or was deleted)."""
    changes = history.changes
    if not changes or changes[-1].blob is None:
        return None
    last = changes[-1].state
    if last is None or not last.readable or last.status != "closed":
        return None
    for index in range(len(changes) - 1, -1, -1):
        if CLOSED in changes[index].kinds:
            return index
    return None


def read_closures(repo_root: Path, history: RegisterHistory | None,
                  paths: Iterable[str]) -> dict[str, ClosureRecord]:
    """The closure record of each finding file at ``paths`` that is closed now."""
    if history is None or not history.available or not history.states_read:
        return {}
    spans: dict[str, tuple[FindingHistory, int]] = {}
    for path in paths:
        past = history.for_path(path)
        index = closing_index(past) if past is not None else None
        if past is not None and index is not None:
            spans[path] = (past, index)
    # A finding whose closing commit is its last (most of them) needs no file version:
    # nothing changed after closure, and the closing commit recorded any review.
    blobs = {c.blob for past, index in spans.values() if index < len(past.changes) - 1
             for c in past.changes[index:] if c.blob is not None}
    raw = read_blobs(repo_root, blobs)
    parsed: dict[str, tuple[dict[str, Any], str] | None] = {}
    for blob, content in raw.items():
        try:
            document = load_text(decode(content))
            parsed[blob] = (document.data, document.body)
        except LoadError:
            parsed[blob] = None
    return {path: _record(past, index, parsed) for path, (past, index) in spans.items()}


def _record(past: FindingHistory, index: int,
            parsed: dict[str, tuple[dict[str, Any], str] | None]) -> ClosureRecord:
    changes = past.changes[index:]
    record = ClosureRecord(changes[0])
    if len(changes) == 1:
        return record
    versions = [parsed.get(c.blob or "") for c in changes]
    for previous, change, version in zip(versions, changes[1:], versions[1:], strict=False):
        if previous is None or version is None:
            fields: tuple[FieldChange, ...] = (FieldChange("file", None, "unreadable version"),)
        else:
            fields = tuple(differences(previous, version))
        if fields or change.old_path is not None:
            if change.old_path is not None:
                fields = (FieldChange("path", change.old_path, change.path), *fields)
            record.amendments.append(Amendment(change, fields))
    final = _effectiveness(versions[-1])
    if final is not None and _effectiveness(versions[0]) != final:
        for change, version in zip(reversed(changes), reversed(versions), strict=True):
            if _effectiveness(version) != final:
                break
            record.review = change
    return record


def _effectiveness(version: tuple[dict[str, Any], str] | None) -> Any:
    if version is None:
        return None
    closure = version[0].get("closure")
    return closure.get("effectiveness") if isinstance(closure, dict) else None


def differences(before: tuple[dict[str, Any], str], after: tuple[dict[str, Any], str]
                ) -> list[FieldChange]:
    """Every field that differs between two versions, by its key path (``closure.evidence
    [1].sha256``), and the narrative."""
    out: list[FieldChange] = []
    _walk("", before[0], after[0], out)
    if before[1] != after[1]:
        old, new = shorten(before[1].strip(), after[1].strip())
        out.append(FieldChange("narrative", old, new))
    return out


_MISSING = object()


def _walk(where: str, old: Any, new: Any, out: list[FieldChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            _walk(f"{where}.{key}" if where else str(key), old.get(key, _MISSING),
                  new.get(key, _MISSING), out)
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            _walk(f"{where}[{index + 1}]", old[index] if index < len(old) else _MISSING,
                  new[index] if index < len(new) else _MISSING, out)
    elif old != new or type(old) is not type(new):
        before = None if old is _MISSING else _text(old)
        after = None if new is _MISSING else _text(new)
        if before != after:
            out.append(FieldChange(where, *shorten(before, after)))


def _text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return repr(value)
    return str(value)


def shorten(before: str | None, after: str | None) -> tuple[str | None, str | None]:
    """Two long texts cut to the stretch around where they first differ."""
    if before is None or after is None or max(len(before), len(after)) <= SHOWN:
        return before, after
    start = len(os.path.commonprefix([before, after]))
    begin = max(0, start - SHOWN // 3)

    def cut(text: str) -> str:
        piece = text[begin:begin + SHOWN]
        return ("…" if begin else "") + piece + ("…" if begin + SHOWN < len(text) else "")

    return cut(before), cut(after)


def pin_dates(history: FindingHistory | None) -> dict[str, Change]:
    """The first commit holding each ``sha256`` pin the file has ever recorded."""
    first: dict[str, Change] = {}
    if history is None:
        return first
    for change in history.changes:
        if change.state is not None and not change.boundary:
            for pin in change.state.pins:
                first.setdefault(pin, change)
    return first
