"""Reading both sides of a change: which findings it touched, BASE's version of each, and
HEAD's, validated with BASE's settings.

Only changed findings (and unchanged findings whose evidence files changed) are read and
validated; `capa validate` covers the whole register in the same workflow, so a
10,000-finding register costs what its changed files cost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..contract.model import ERROR, Problem
from ..contract.validate import display_path
from ..git.tree import ls_tree
from .base_side import Base, EvidenceHit, evidence_touched, read_base
from .config import GateSettings, check_register_exists
from .findings import finding_path
from .head_side import Head, validate_head


@dataclass
class Sides:
    """Both sides of the changed findings, as the judgements read them."""

    base: dict[str, Base]
    """BASE's version of each finding the change modifies or deletes."""
    head: Head
    """HEAD's version of each finding checked, validated."""
    old_paths: list[str]
    """Findings the change modifies or deletes (paths on BASE)."""
    new_paths: list[str]
    """Findings the change adds or modifies (paths on HEAD)."""
    evidence_hits: dict[str, EvidenceHit]
    """Unchanged findings whose evidence file the change modifies or deletes."""
    checked: list[str]
    """Every finding file validated on HEAD."""
    problems: list[Problem]
    """HEAD's problems: finding files refused as symbolic links, then validation's."""


def read_sides(root: Path, fork: str, base_ref: str, head: str | None,
               changed: dict[str, str], judging: GateSettings, today: dt.date,
               cwd: Path) -> Sides:
    """Read BASE (the merge base ``fork``) and HEAD (a commit, or None: the working tree)."""
    register, evidence = judging.register, judging.evidence
    base_tree = ls_tree(root, fork, register)
    if register and not base_tree:
        check_register_exists(root, fork, base_ref, judging)
    findings = {p: s for p, s in changed.items() if finding_path(p, register, evidence)}
    old_paths = [p for p, s in findings.items() if s in ("M", "D")]
    new_paths = [p for p, s in findings.items() if s in ("A", "M")]
    old_side = read_base(root, base_tree, old_paths)
    evidence_hits = evidence_touched(root, fork, base_tree, changed, register, evidence,
                                     set(old_paths) | set(new_paths))
    check = sorted(set(new_paths) | set(evidence_hits))
    head_side = validate_head(root, head, judging, check, today, cwd)
    links = [Problem(
        display_path(root / path, cwd), 1, "front-matter", ERROR,
        f"this finding file is a symbolic link (to {target}); a finding must be a "
        "regular file, or the record reviewed is not the file shown: replace the link "
        "with the finding itself") for path, target in head_side.links.items()]
    return Sides(old_side, head_side, old_paths, new_paths, evidence_hits, check,
                 [*links, *head_side.problems])
