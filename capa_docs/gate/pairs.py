"""Which BASE finding became which HEAD finding: in place, moved (same ID), renamed (a
similar finding under a new ID), deleted, or new.

Every BASE finding the change touched ends up judged as a pair, or reported; an added
file is new work only when no deleted finding explains it.
"""

from __future__ import annotations

from typing import Any

from .base_side import Base
from .findings import finding_id
from .judgements import judge_pair
from .judgements.context import Judge
from .judgements.identity import file_deleted, file_renamed
from .sides import Sides


def judge_pairs(judge: Judge, sides: Sides) -> None:
    """Pair base and head files, judge each pair, and report what has no pair."""
    changed, old_side = judge.changed, sides.base
    head, head_raw = sides.head.findings, sides.head.raw
    gone = [p for p in sides.old_paths if changed[p] == "D"]
    added = [p for p in sides.new_paths if changed[p] == "A"]
    for path in sides.old_paths:
        if changed[path] == "M" and path in old_side:
            judge_pair(judge, old_side[path], head.get(path), path, head_raw.get(path))
    by_id: dict[str, str] = {}
    for path in added:
        data = head[path].data if path in head else None
        by_id.setdefault(finding_id(data, path), path)
    unmatched: list[str] = []
    for path in gone:
        old = old_side.get(path, Base(path, None))
        fid = finding_id(old.data, path)
        target = by_id.pop(fid, None)
        if target is None:
            unmatched.append(path)
            continue
        added.remove(target)
        judge.change("moved", fid, target, judge.shown(path), judge.shown(target))
        judge_pair(judge, old, head.get(target), target, head_raw.get(target))
    for path in unmatched:
        old = old_side.get(path, Base(path, None))
        fid = finding_id(old.data, path)
        match = next((p for p in added if p in head and _similar(old.data, head[p].data)),
                     None)
        if match is None:
            file_deleted(judge, path, fid)
            continue
        added.remove(match)
        file_renamed(judge, path, fid, head[match], match)
        judge_pair(judge, old, head[match], match, head_raw.get(match), renamed=True)
    for path in added:
        new_f = head.get(path)
        data = new_f.data if new_f else {}
        judge.change("new", finding_id(data, path), path, "", str(data.get("status", "")),
                     [str(data.get("severity", "")), str(data.get("title", ""))])


def _similar(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    """Whether an added file is a removed one under another ID (a rename, not new work)."""
    if not old or not new:
        return False
    if old.get("title") and old.get("title") == new.get("title"):
        return True
    keys = ("raised", "raised_by", "severity", "source")
    return all(old.get(k) is not None and old.get(k) == new.get(k) for k in keys)
