"""What every judgement shares: the `Judge` (BASE's settings, the change, the verdict so
far) and, for the judgements of one finding, the `Pair` they read.

A judgement is a plain function over these two; it reports problems and records changes
through the judge, which applies the rule levels BASE configures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ...contract.model import ERROR, OFF, Finding, KeyPath, Problem
from ...contract.rules import DIFF_RULES, RULES
from ...contract.settings import Settings
from ...contract.validate import display_path
from ..base_side import Base
from ..evidence import EvidenceMatch, Trees, match_evidence
from ..result import Change


@dataclass
class Judge:
    """Collects the diff rules' problems at the levels BASE configures, and the changes
    the reviewer's summary lists."""

    settings: Settings
    cwd: Path
    root: Path
    changed: dict[str, str]
    """Every path the change touched, and how: A, M or D."""
    trees: Trees
    today: dt.date
    """The date the change is judged on (`--today`), for the contract's rules."""
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the reviewer should know that is no problem (a closed finding pinned)."""

    def shown(self, rel: str) -> str:
        """A repository path as the user sees it: relative to where capa diff runs."""
        return display_path(self.root / rel, self.cwd)

    def report(self, rule: str, rel: str, line: int, message: str) -> None:
        """A problem at BASE's level for ``rule`` (a diff rule, or a contract rule applied
        by the gate); none when BASE turned the rule off."""
        level = self.settings.level(rule, (DIFF_RULES.get(rule) or RULES[rule]).level)
        if level != OFF:
            self.problems.append(Problem(self.shown(rel), line, rule, level, message))

    def at(self, rule: str, head: Finding | None, rel: str, keypath: KeyPath,
           message: str) -> None:
        """`report` at the line of ``keypath`` in HEAD's file (line 1 when unreadable)."""
        self.report(rule, rel, head.line_of(keypath) if head else 1, message)

    def failed(self, rel: str) -> bool:
        """Whether an error was already reported on this file (so the run fails anyway)."""
        shown = self.shown(rel)
        return any(p.path == shown and p.level == ERROR for p in self.problems)

    def change(self, kind: str, finding_id: str, rel: str, before: str = "", after: str = "",
               detail: Iterable[str] = ()) -> None:
        """Record a change for the summary, which lists each kind in this order."""
        self.changes.append(Change(kind, finding_id, self.shown(rel), before, after,
                                   tuple(detail)))


@dataclass
class Pair:
    """One readable BASE finding and its readable HEAD successor."""

    old: Base
    old_data: dict[str, Any]
    """BASE's front matter (a pair whose BASE side is unreadable is not judged)."""
    new: Finding
    rel: str
    """Where HEAD keeps the finding (BASE's path when it did not move)."""
    new_raw: bytes
    old_id: str
    renamed: bool
    """The new ID is already reported (a file deleted and re-added under another ID)."""
    trees: Trees

    @property
    def fid(self) -> str:
        """The finding as messages name it: as the base branch knew it, when renamed."""
        return self.old_id if self.renamed else self.new.id

    @property
    def data(self) -> dict[str, Any]:
        """HEAD's front matter."""
        return self.new.data

    @property
    def stays_closed(self) -> bool:
        """Closed on both sides: the record must stay as it was."""
        return self.old_data.get("status") == "closed" and self.data.get("status") == "closed"

    @cached_property
    def evidence(self) -> EvidenceMatch:
        """BASE's closure evidence paired with HEAD's (looked up once, when asked)."""
        return match_evidence(self.trees, self.old.path, self.old_data, self.rel, self.data)
