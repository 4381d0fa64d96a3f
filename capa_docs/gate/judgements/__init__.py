"""The judgements the diff rules make, one function each over a shared context.

A pair judgement is ``judgement(judge, pair) -> None``: it reads one BASE finding and its
HEAD successor (`context.Pair`) and reports through the `context.Judge`, which applies
BASE's rule levels and records changes for the summary. `judge_pair` runs them in the
order of `PAIR_JUDGEMENTS`, which is also the order changes are listed in; to add a
judgement, write the function in the module of its subject and list it there.

Judgements that are not about one pair: `identity.file_deleted` and
`identity.file_renamed` (called by `gate.pairs`), `closed.untouched_evidence`, and
`gate_changed` (files that decide how changes are judged).
"""

from __future__ import annotations

from collections.abc import Callable

from ...contract.model import Finding
from ..base_side import Base
from ..findings import finding_id
from .actions import open_actions_removed
from .closed import closed_edited, closed_evidence
from .context import Judge, Pair
from .dates import due_extended
from .identity import id_changed, raised_changed, source_changed, successor_unreadable
from .severity import closed_at_base_severity, severity_lowered
from .status import status_changed

PAIR_JUDGEMENTS: tuple[Callable[[Judge, Pair], None], ...] = (
    id_changed,
    raised_changed,
    status_changed,
    closed_edited,
    closed_evidence,
    severity_lowered,
    closed_at_base_severity,
    source_changed,
    open_actions_removed,
    due_extended,
)


def judge_pair(judge: Judge, old: Base, new: Finding | None, rel: str,
               new_raw: bytes | None, renamed: bool = False) -> None:
    """Everything the diff rules say about one BASE finding and its HEAD successor at
    ``rel`` (``renamed``: its new ID is already reported)."""
    if new is None:
        successor_unreadable(judge, old, rel)
        return
    if old.data is None:
        return  # BASE's version was unreadable: HEAD's validation is all there is
    pair = Pair(old, old.data, new, rel, new_raw or b"", finding_id(old.data, old.path),
                renamed, judge.trees)
    for judgement in PAIR_JUDGEMENTS:
        judgement(judge, pair)
