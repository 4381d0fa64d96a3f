"""Closed records: a closed finding stays as it was, its fields, its narrative, its
evidence items and the files they resolve to.

A move may rewrite an evidence path so it names the same file from the new folder; that
alone is no change (see `gate.evidence`). Evidence files are compared by what each citation
resolves to on each side, and by blob.
"""

from __future__ import annotations

from typing import Any

from ...contract.model import Finding, KeyPath
from ...git.pin import pinned_data, pinned_text
from ..evidence import (
    Cited,
    cite,
    cite_file,
    evidence_items,
    evidence_key,
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
    """evidence-removed or closed-edited: what a closure on the base branch rests on
    changed. While the finding stays closed no item may go, and no file an item resolves
    to may change or vanish; reopening may drop the closure, but not its files: they stay
    as the record of what was claimed."""
    if pair.old_data.get("status") != "closed":
        return
    stays, match = pair.stays_closed, pair.evidence
    for item, before in match.removed:
        if stays:
            judge.at("evidence-removed", pair.new, pair.rel, ("closure", "evidence"),
                     f"closure evidence {evidence_key(item)} was removed from closed "
                     f"finding {pair.fid}; evidence of a closure is kept: restore it")
        elif before is not None:
            after = cite_file(judge.trees.after, before.path)
            _evidence_file(judge, pair.new, pair.rel, pair.fid, before, after, earlier=True)
    for _old_item, _new_item, before, after in match.pairs:
        if before is not None:
            _evidence_file(judge, pair.new, pair.rel, pair.fid, before, after,
                           earlier=not stays)


def untouched_evidence(judge: Judge, hits: dict[str, dict[str, Any]],
                       head: dict[str, Finding]) -> None:
    """The same for closed findings the change left alone while it changed what their
    evidence resolves to (``hits``: path -> BASE's front matter, see `gate.citations`)."""
    for path, data in sorted(hits.items()):
        for item in evidence_items(data):
            before = cite(judge.trees.before, path, item.get("path")) if "path" in item else None
            if before is not None:
                _evidence_file(judge, head.get(path), path, finding_id(data, path), before,
                               cite(judge.trees.after, path, item["path"]))


def _evidence_file(judge: Judge, new: Finding | None, rel: str, fid: str, before: Cited,
                   after: Cited | None, earlier: bool = False) -> None:
    """Report a cited file that is gone or holds other content (a mode change is no
    change: blobs are compared)."""
    if after is not None and after.blob == before.blob:
        return
    name = before.path if before.via == before.path else f"{before.path} (cited as {before.via})"
    whose = f"{fid}'s closure on the base branch" if earlier else f"closed finding {fid}"
    where = ("status",) if earlier else ("closure", "evidence")
    keep = ("the earlier closure's evidence stays as the record of what was claimed"
            if earlier else "evidence of a closure is kept")
    if after is None:
        gone = ("was deleted" if cite_file(judge.trees.after, before.path) is None
                else "is no longer where its path leads")
        judge.at("evidence-removed", new, rel, where,
                 f"evidence file {name} of {whose} {gone}; {keep}: restore it")
    else:
        what = ("was changed" if after.path == before.path else
                f"was replaced: its path now leads to {after.path}, which holds other content")
        judge.at("closed-edited", new, rel, where,
                 f"evidence file {name} of {whose} {what}; {keep}, as it was: add a new "
                 "file instead")


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    keys = list(dict.fromkeys([*new, *old]))
    return [key for key in keys if old.get(key) != new.get(key)]
