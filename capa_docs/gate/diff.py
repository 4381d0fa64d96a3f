"""`capa diff`: what a change does to the register, judged by the base branch's rules.

A per-file check cannot see a deleted finding, a backdated `raised`, or a closed record
quietly rewritten; only a comparison of the two sides can. Both sides come from git in
bulk (one ``ls-tree``, one ``cat-file --batch``), never from a checkout, so the user's
files are never touched and a 10,000-finding register costs what its changed files cost.

The base side is the merge base of BASE and HEAD (what ``git diff BASE...HEAD`` shows),
so findings added to the base branch after the pull request forked are not reported as
deleted. Settings come from BASE's own ``mkdocs.yml``, and the clause catalogues and
allowed-signers file it names from BASE's tree: a pull request runs its own copy of the
workflow, so HEAD must not choose the rules that judge it.

This module runs the steps in order and owns none of them: BASE's settings (`config`),
reading both sides (`sides`), what judges the change (`judgements.gate_changed`), pairing
and judging each pair (`pairs`, `judgements`), then the verdict (`result`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ..git.tree import DiffError, changed_paths, git, merge_base, resolve_commit
from .config import gate_settings, head_folders
from .configs import read_side_config
from .evidence import Trees
from .judgements.closed import untouched_evidence
from .judgements.context import Judge
from .judgements.gate_changed import gate_config, gate_files
from .judgements.signed import closures_signed
from .pairs import judge_pairs
from .result import Change, DiffResult
from .sides import Sides, read_sides, register_moves

__all__ = ["Change", "DiffResult", "diff_register"]


def diff_register(base_ref: str, head_ref: str | None, today: dt.date, *,
                  cwd: Path | None = None, config: Path | None = None) -> DiffResult:
    """Compare the register at BASE (merge base) with HEAD (a commit or the working tree)."""
    cwd = (cwd or Path.cwd()).resolve()
    top = git(cwd, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise DiffError("capa diff needs a git repository; run it inside one")
    root = Path(os.fsdecode(top.stdout.strip())).resolve()
    base = resolve_commit(root, base_ref, "BASE")
    head = resolve_commit(root, head_ref, "HEAD") if head_ref else None
    head_commit = head or resolve_commit(root, "HEAD", "HEAD")
    fork = merge_base(root, base, head_commit, base_ref)
    changed = changed_paths(root, fork, head)

    judging = gate_settings(root, cwd, base, base_ref, config, changed)
    trees = Trees(root, fork, head, changed)
    judge = Judge(judging.settings, cwd, root, changed, trees, today)
    configs = (read_side_config(root, fork, judging.config),
               read_side_config(root, head, judging.head_config))
    gate_files(judge, root, base, head, judging, configs)
    gate_config(judge, root, head, judging, configs)

    head_judging = head_folders(root, judging, configs[1])
    judge.changed = register_moves(root, fork, changed, judging, head_judging)
    sides = read_sides(root, fork, base_ref, head, judge.changed, judging, today, cwd,
                       head_judging)
    trees.head_tree = sides.head.tree
    judge.problems.extend(sides.problems)
    judge_pairs(judge, sides)
    untouched_evidence(judge, sides.evidence_hits, sides.head.findings)
    closures_signed(judge, sides, root, base, fork, head, judging)
    return _verdict(judge, sides, base_ref, head_ref or "working tree", fork)


def _verdict(judge: Judge, sides: Sides, base_ref: str, head_label: str,
             fork: str) -> DiffResult:
    """Gate changes first, in path order, so a reviewer sees what judges the change before
    anything it judged; then every other problem by file and line."""
    gate = [p for p in judge.problems if p.rule == "gate-changed"]
    rest = sorted((p for p in judge.problems if p.rule != "gate-changed"),
                  key=lambda p: (p.path, p.line, p.rule, p.message))
    count = len(sides.checked)
    notes = [f"compared {base_ref} (merge base {fork[:12]}) with {head_label}: "
             f"{count} changed finding file{'s' if count != 1 else ''} checked "
             f"with {base_ref}'s settings", *judge.notes, *sides.head.notes]
    return DiffResult(base_ref, head_label, [*gate, *rest], judge.changes, count, notes)
