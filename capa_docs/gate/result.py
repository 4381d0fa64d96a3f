"""What a run of the gate hands back: the verdict and the changes a reviewer reads.

Kept apart from the run itself so the judgements (which record changes) and the summary
(which reads them) depend on these types and not on each other or on `diff`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..contract.model import Problem


@dataclass(frozen=True)
class Change:
    """One thing the change does to the record, for the reviewer's summary."""

    kind: str  # new, status, closed, reopened, extended, lowered, source, pinned,
    # moved, renamed, deleted
    finding_id: str
    path: str
    before: str = ""
    after: str = ""
    detail: tuple[str, ...] = ()


@dataclass
class DiffResult:
    """The verdict of one comparison: problems, what changed, and how much was looked at."""

    base_label: str
    head_label: str
    problems: list[Problem]
    changes: list[Change]
    files: int
    notes: list[str] = field(default_factory=list)
