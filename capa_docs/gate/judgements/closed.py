"""Closed records: a closed finding stays as it was, its fields, its narrative, its
evidence items and the evidence files themselves.

A move may rewrite an evidence path so it names the same file from the new folder; that
alone is no change (see `gate.evidence`).
"""

from __future__ import annotations

from typing import Any

from ...contract.model import Finding, KeyPath
from ..base_side import EvidenceHit
from ..evidence import evidence_key, evidence_target, only_paths_rewritten, with_tokens
from ..findings import finding_id
from .context import Judge, Pair


def closed_edited(judge: Judge, pair: Pair) -> None:
    """closed-edited: a finding closed on both sides whose text differs, other than by
    evidence paths rewritten to name the same files."""
    if not pair.stays_closed:
        return
    old, match = pair.old, pair.evidence
    if old.raw == pair.new_raw or only_paths_rewritten(old.raw, pair.new_raw, match):
        return
    fields = _changed_fields(with_tokens(pair.old_data, match.tokens_old),
                             with_tokens(pair.data, match.tokens_new))
    if not fields:
        fields = ["narrative"] if old.body != pair.new.body else ["formatting"]
    keypath: KeyPath = (fields[0],) if fields[0] not in ("narrative", "formatting") else ()
    judge.at("closed-edited", pair.new, pair.rel, keypath or ("status",),
             f"{pair.fid} was closed on the base branch and is edited here "
             f"({', '.join(fields)}); a closed record stays as it was: reopen it "
             "(status: in-progress) to change it")


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
