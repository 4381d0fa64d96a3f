"""Closed records: a closed finding stays as it was, its fields, its narrative, its
evidence items and the evidence files themselves.

A move may rewrite an evidence path so it names the same file from the new folder; that
alone is no change (see `gate.evidence`).
"""

from __future__ import annotations

from typing import Any

from ...contract.model import Finding, KeyPath
from ...git.pin import pinned_data, pinned_text
from ..base_side import EvidenceHit
from ..evidence import (
    evidence_key,
    evidence_target,
    new_pins,
    paths_restored,
    with_tokens,
)
from ..findings import finding_id
from .context import Judge, Pair


def closed_edited(judge: Judge, pair: Pair) -> None:
    """closed-edited: a finding closed on both sides whose bytes differ. Two changes are no
    edit: a moved finding's evidence paths rewritten to name the same files from its new
    folder, and ``sha256`` pins added or fixed exactly as `capa pin` writes them (noted).
    In place, a path rewritten to reach the same file (a ``../`` detour) is an edit."""
    if not pair.stays_closed or pair.old.raw == pair.new_raw:
        return
    old, match = pair.old, pair.evidence
    moved = pair.rel != old.path
    text = paths_restored(pair.new_raw, match) if moved else pair.new_raw
    if text == old.raw:
        return
    pins = new_pins(pair.old_data, pair.data)
    if pins and pinned_text(old.raw, pins) == text:
        _pinned(judge, pair, pins)
        return
    # Name what changed besides the pins: those alone would have been allowed.
    before, after = pinned_data(pair.old_data, pins), pair.data
    if moved:
        before, after = with_tokens(before, match.tokens_old), with_tokens(after, match.tokens_new)
    fields = _changed_fields(before, after)
    if not fields:
        fields = ["narrative"] if old.body != pair.new.body else ["formatting"]
    keypath: KeyPath = (fields[0],) if fields[0] not in ("narrative", "formatting") else ()
    judge.at("closed-edited", pair.new, pair.rel, keypath or ("status",),
             f"{pair.fid} was closed on the base branch and is edited here "
             f"({', '.join(fields)}); a closed record stays as it was: reopen it "
             "(status: in-progress) to change it")


def _pinned(judge: Judge, pair: Pair, pins: dict[int, str]) -> None:
    """The one change a closed record takes: its evidence pinned, as `evidence-unpinned`
    asks. Validation of HEAD's file checks each new hash against the file."""
    items = _evidence_paths(pair.data, pins)
    judge.notes.append(f"{judge.shown(pair.rel)}: closed finding {pair.fid} only has its "
                       f"evidence pinned by `capa pin` ({', '.join(items)}): allowed")
    judge.change("pinned", pair.fid, pair.rel, detail=items)


def _evidence_paths(data: dict[str, Any], indexes: dict[int, str]) -> list[str]:
    listed = data["closure"]["evidence"]
    return [str(listed[index].get("path")) for index in sorted(indexes)]


def closed_evidence(judge: Judge, pair: Pair) -> None:
    """evidence-removed or closed-edited: a closed finding's evidence item was removed, or
    the file an item names was deleted or changed by this change."""
    if not pair.stays_closed:
        return
    match = pair.evidence
    for item in match.removed:
        judge.at("evidence-removed", pair.new, pair.rel, ("closure", "evidence"),
                 f"closure evidence {evidence_key(item)} was removed from closed "
                 f"finding {pair.fid}; evidence of a closure is kept: restore it")
    for _old_item, new_item, target in match.pairs:
        if target is None or evidence_target(pair.rel, new_item.get("path")) != target:
            continue  # a URL, or the same content under another path
        _evidence_file(judge, pair.new, pair.rel, target, judge.changed.get(target),
                       pair.fid)


def untouched_evidence(judge: Judge, hits: dict[str, EvidenceHit],
                       head: dict[str, Finding]) -> None:
    """The same for closed findings the change left alone while it deleted or changed
    an evidence file they name."""
    for path, (kind, target, old) in sorted(hits.items()):
        if old.get("status") != "closed":
            continue
        _evidence_file(judge, head.get(path), path, target, kind, finding_id(old, path))


def _evidence_file(judge: Judge, new: Finding | None, rel: str, target: str,
                   status: str | None, fid: str) -> None:
    if status == "D":
        judge.at("evidence-removed", new, rel, ("closure", "evidence"),
                 f"evidence file {target} of closed finding {fid} was deleted; "
                 "evidence of a closure is kept: restore it")
    elif status is not None:
        judge.at("closed-edited", new, rel, ("closure", "evidence"),
                 f"evidence file {target} of closed finding {fid} was changed; a "
                 "closed record's evidence stays as it was: add a new file instead")


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    keys = list(dict.fromkeys([*new, *old]))
    return [key for key in keys if old.get(key) != new.get(key)]
