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
from typing import Any

from ..contract.model import ERROR, Problem
from ..contract.validate import display_path
from ..git.tree import ls_tree
from .base_side import Base, read_base
from .citations import closed_citing
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
    evidence_hits: dict[str, dict[str, Any]]
    """Unchanged findings, closed on BASE, whose evidence the change reaches (path ->
    BASE's front matter; see `citations`)."""
    checked: list[str]
    """Every finding file validated on HEAD."""
    problems: list[Problem]
    """HEAD's problems: finding files refused as symbolic links, then validation's."""


def register_moves(root: Path, fork: str, changed: dict[str, str], base: GateSettings,
                   head: GateSettings) -> dict[str, str]:
    """The change as the register sees it when HEAD's settings move the register or
    evidence folder: a finding only BASE's folders hold is gone (D), one only HEAD's hold
    is new (A), so pairing by ID judges every finding of the new folder against BASE's,
    and one missing from it is a deletion. Other paths keep their own status."""
    if (base.register, base.evidence) == (head.register, head.evidence):
        return changed
    at_fork = ls_tree(root, fork)
    on_head = {p for p in at_fork if changed.get(p) != "D"}
    on_head.update(p for p, s in changed.items() if s in ("A", "M"))
    old = {p for p in at_fork if finding_path(p, base.register, base.evidence)}
    new = {p for p in on_head if finding_path(p, head.register, head.evidence)}
    moved = dict(changed)
    for path in old - new:
        moved[path] = "D"
    for path in new - old:
        moved[path] = "A"
    return moved


def read_sides(root: Path, fork: str, base_ref: str, head: str | None,
               changed: dict[str, str], judging: GateSettings, today: dt.date,
               cwd: Path, head_judging: GateSettings | None = None) -> Sides:
    """Read BASE (the merge base ``fork``) and HEAD (a commit, or None: the working tree).

    ``head_judging``: BASE's settings with the folders HEAD's settings name, when they
    differ (see ``register_moves``); HEAD's findings are found and validated there.
    """
    register, evidence = judging.register, judging.evidence
    on_head = head_judging or judging
    base_tree = ls_tree(root, fork, register)
    if register and not base_tree:
        check_register_exists(root, fork, base_ref, judging)
    old_paths = [p for p, s in changed.items()
                 if s in ("M", "D") and finding_path(p, register, evidence)]
    new_paths = [p for p, s in changed.items()
                 if s in ("A", "M") and finding_path(p, on_head.register, on_head.evidence)]
    old_side = read_base(root, base_tree, old_paths)
    evidence_hits = closed_citing(root, fork, changed, register, evidence,
                                  set(old_paths) | set(new_paths))
    check = sorted(set(new_paths) | set(evidence_hits))
    head_side = validate_head(root, head, on_head, check, today, cwd)
    links = [Problem(
        display_path(root / path, cwd), 1, "front-matter", ERROR,
        f"this finding file is a symbolic link (to {target}); a finding must be a "
        "regular file, or the record reviewed is not the file shown: replace the link "
        "with the finding itself") for path, target in head_side.links.items()]
    return Sides(old_side, head_side, old_paths, new_paths, evidence_hits, check,
                 [*links, *head_side.problems])
