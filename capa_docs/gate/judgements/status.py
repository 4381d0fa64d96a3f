"""Status: a finding reopened, moved on, or closed (and on what evidence).

Only reopening a closed finding is a problem; every status change is listed for the
reviewer, and a closure with its evidence.
"""

from __future__ import annotations

from typing import Any

from ..evidence import evidence_items, evidence_line
from .context import Judge, Pair

OPEN_STATUSES = ("open", "in-progress")


def status_changed(judge: Judge, pair: Pair) -> None:
    """reopened, or the status change (and closure) for the summary."""
    fid, rel, data = pair.fid, pair.rel, pair.data
    before, after = pair.old_data.get("status"), data.get("status")
    if before == "closed" and after in OPEN_STATUSES:
        judge.at("reopened", pair.new, rel, ("status",),
                 f"{fid} was closed and is reopened as {after}; the reviewer should "
                 "confirm why the earlier closure no longer holds")
        judge.change("reopened", fid, rel, str(before), str(after))
    elif before != after:
        judge.change("status", fid, rel, str(before), str(after))
        if after == "closed":
            items = evidence_items(data)
            judge.change("closed", fid, rel, "", _closed_on(data),
                         [evidence_line(item) for item in items])


def _closed_on(data: dict[str, Any]) -> str:
    """``closure.closed`` as the summary shows it; blank when ``closure`` is not a mapping
    (HEAD's validation reports that under `schema`)."""
    closure = data.get("closure")
    return str(closure.get("closed", "")) if isinstance(closure, dict) else ""
