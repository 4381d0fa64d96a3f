"""HEAD's side: the changed findings as the change leaves them, validated with BASE's
settings.

HEAD is a commit or the working tree. A commit is validated in a private copy of the
files validation reads (see ``git.tree.materialise``), so the user's files are never
touched; a working tree is validated where it stands.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..contract.model import Finding, Problem
from ..contract.validate import Validation, validate
from ..git.tree import SYMLINK, Entry, cat_blobs, git, ls_tree, materialise, memory_dir
from .config import GateSettings, rel_folder
from .evidence import evidence_items, evidence_target
from .findings import finding_path, parse


@dataclass
class Head:
    """HEAD's side of the changed findings, validated with BASE's settings."""

    findings: dict[str, Finding] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    """Finding paths that are symbolic links, and where they point: refused, never read."""
    tree: dict[str, Entry] | None = None

    def take(self, result: Validation) -> Head:
        """Keep what validation found: the findings by path, its problems and notes."""
        self.findings = {f.rel: f for f in result.findings}
        self.problems, self.notes = result.problems, result.notes
        return self


def validate_head(root: Path, head: str | None, judging: GateSettings, paths: list[str],
                  today: dt.date, cwd: Path) -> Head:
    """Validate HEAD's side of the changed findings with BASE's settings.

    A HEAD commit is validated in a private copy of the files validation reads (see
    materialise). A finding file that is a symlink is never followed: it could show the
    reviewer one file and record another (a file in the evidence folder, say).
    """
    if not paths:
        return Head()
    if head is None:
        return _validate_worktree(root, judging, paths, today, cwd)
    return _validate_commit(root, head, judging, paths, today, cwd)


def _validate_worktree(root: Path, judging: GateSettings, paths: list[str], today: dt.date,
                       cwd: Path) -> Head:
    side = Head()
    for p in paths:
        if (root / p).is_symlink():
            side.links[p] = os.readlink(root / p)
    present = [p for p in paths if p not in side.links and (root / p).is_file()]
    if not present:  # validate([]) would mean the whole register
        return side
    side.raw = {p: (root / p).read_bytes() for p in present}
    # A file this change touches is being worked on now, so it is not stale; reading
    # the whole history to say so would cost more than the rest of the diff.
    # `capa validate` judges staleness across the register.
    return side.take(validate(judging.settings, root, today, [root / p for p in present],
                              cwd=cwd, workers=1, history={p: today for p in present}))


def _validate_commit(root: Path, head: str, judging: GateSettings, paths: list[str],
                     today: dt.date, cwd: Path) -> Head:
    side = Head()
    tree = side.tree = ls_tree(root, head)
    links = [p for p in paths if p in tree and tree[p].mode == SYMLINK]
    targets = cat_blobs(root, [tree[p].sha for p in links])
    side.links = {p: os.fsdecode(targets.get(tree[p].sha, b"?")) for p in links}
    present = [p for p in paths if p in tree and p not in side.links]
    if not present:  # validate([]) would mean the whole register
        return side
    scratch = Path(tempfile.mkdtemp(prefix="capa-diff-", dir=memory_dir())).resolve()
    try:
        wanted = set(present)
        stand_ins = [p for p in tree if p not in wanted
                     and finding_path(p, judging.register, judging.evidence)]
        side.raw = materialise(root, tree, present, stand_ins, _evidence_paths, scratch)
        settings = judging.settings
        moved = dataclasses.replace(
            settings, base_dir=scratch / rel_folder(settings.base_dir, root))
        # A file the change touched last changed at HEAD at the latest: never stale here.
        when = git(root, "show", "-s", "--format=%cs", head).stdout.decode().strip()
        history = {p: dt.date.fromisoformat(when) for p in present} if when else {}
        return side.take(validate(moved, scratch, today, [scratch / p for p in present],
                                  cwd=scratch / rel_folder(cwd, root), workers=1,
                                  history=history))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _evidence_paths(finding_rel: str, raw: bytes) -> list[str]:
    """The evidence files a finding names: materialise copies them beside it."""
    targets = (evidence_target(finding_rel, item.get("path"))
               for item in evidence_items(parse(raw)))
    return [target for target in targets if target]
