"""Severity: a finding downgraded, which the reviewer should see with its reason."""

from __future__ import annotations

from .context import Judge, Pair

# Lower index, more serious: lowering severity moves right.
SEVERITY_ORDER = ("major", "minor", "observation", "ofi", "conformity")


def severity_lowered(judge: Judge, pair: Pair) -> None:
    """severity-lowered: HEAD's severity is less serious than BASE's."""
    before, after = pair.old_data.get("severity"), pair.data.get("severity")
    if before in SEVERITY_ORDER and after in SEVERITY_ORDER and (
            SEVERITY_ORDER.index(after) > SEVERITY_ORDER.index(before)):
        judge.at("severity-lowered", pair.new, pair.rel, ("severity",),
                 f"severity lowered from {before} to {after}; the reviewer should confirm "
                 "the reason is recorded in the narrative")
        judge.change("lowered", pair.new.id, pair.rel, before, after)
