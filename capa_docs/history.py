"""What git knows about the register: when each finding file last changed.

One ``git log`` over the whole register folder, never one per file: at 10,000 findings a
call per file would cost minutes. Outside git, or in a shallow clone, the answer says so
and callers carry on with what is known.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LastChanged:
    """Last commit date per file (paths relative to the repository root, POSIX style)."""

    dates: dict[str, dt.date] = field(default_factory=dict)
    note: str = ""


def _git(repo_root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(["git", "-C", str(repo_root), *args], capture_output=True,
                              text=True, encoding="utf-8", errors="replace", check=False)
    except OSError:
        return None


def last_changed(repo_root: Path, folder: Path) -> LastChanged:
    """The newest commit date touching each file under ``folder``, in one git call."""
    inside = _git(repo_root, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.returncode != 0 or inside.stdout.strip() != "true":
        return LastChanged(note="not a git repository: the stale check is skipped")
    try:
        pathspec = folder.resolve().relative_to(repo_root.resolve()).as_posix() or "."
    except ValueError:
        return LastChanged(note=f"{folder} is outside the repository: no history")
    result = _git(repo_root, "log", "--format=%x00%H %cs", "--name-only", "--no-renames",
                  "--", pathspec)
    if result is None or result.returncode != 0:
        detail = result.stderr.strip() if result is not None else "git not found"
        if "does not have any commits" in detail:
            return LastChanged(note="no commits yet: the stale check is skipped")
        return LastChanged(note=f"git log failed ({detail}): the stale check is skipped")
    boundary = _shallow_boundary(repo_root)
    dates: dict[str, dt.date] = {}
    for block in result.stdout.split("\x00")[1:]:
        header, _, names = block.partition("\n")
        commit, _, day = header.partition(" ")
        if commit in boundary:
            continue
        when = dt.date.fromisoformat(day.strip())
        for name in names.splitlines():
            if name and name not in dates:
                dates[name] = when
    note = ""
    if boundary:
        note = ("shallow clone: files last changed before the clone's oldest commit have no "
                "date, so the stale check skips them; fetch full history (fetch-depth: 0)")
    return LastChanged(dates, note)


def _shallow_boundary(repo_root: Path) -> set[str]:
    result = _git(repo_root, "rev-parse", "--is-shallow-repository")
    if result is None or result.stdout.strip() != "true":
        return set()
    path = _git(repo_root, "rev-parse", "--git-path", "shallow")
    if path is None:
        return set()
    shallow_file = Path(path.stdout.strip())
    if not shallow_file.is_absolute():
        shallow_file = repo_root / shallow_file
    try:
        return set(shallow_file.read_text().split())
    except OSError:
        return set()
