"""Which commit a site was built from: the line that ties a published page to the record.

An auditor reading the site must be able to find the exact repository state behind it.
The line names the commit (HEAD), the date the register was judged against (``today``:
``--today``, SOURCE_DATE_EPOCH or the clock, so two builds of one commit say the same),
and whether the register folder had uncommitted changes, since then the pages show more
than the commit holds. Two git calls per build; none outside git.
"""

from __future__ import annotations

import datetime as dt
import html
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .trail import SHORT_SHA, commit_url


@dataclass(frozen=True)
class Provenance:
    commit: str | None = None
    """The full id of HEAD; None outside git or before the first commit."""
    dirty: bool = False
    """The register or evidence folder differs from HEAD (edited, added or deleted files)."""
    built: dt.date | None = None
    url: str | None = None

    @property
    def short(self) -> str:
        return (self.commit or "")[:SHORT_SHA]

    def sentence(self) -> str:
        """``Built from commit 1a2b3c4d5e on 2026-11-28``, in words that stand alone."""
        when = f" on {self.built.isoformat()}" if self.built else ""
        if self.commit is None:
            return f"Built{when} from files not committed to git"
        extra = " with uncommitted changes to the register or its settings" if self.dirty else ""
        return f"Built from commit {self.short}{extra}{when}"

    def html(self) -> str:
        """The sentence with the commit linked; every part is hex, a date or our words, and
        the address (from ``repo_url``) is escaped."""
        text = self.sentence()
        if self.commit and self.url:
            link = f'<a href="{html.escape(self.url)}"><code>{self.short}</code></a>'
            text = text.replace(self.short, link, 1)
        elif self.commit:
            text = text.replace(self.short, f"<code>{self.short}</code>", 1)
        return f'<span class="capa-provenance">{text}</span>'

    def as_dict(self) -> dict[str, object]:
        return {"commit": self.commit, "uncommitted_changes": self.dirty,
                "built": self.built.isoformat() if self.built else None}


def provenance(repo_root: Path, folders: list[Path], built: dt.date,
               repo_url: str | None = None) -> Provenance:
    """HEAD's id and whether ``folders`` (register, evidence) have uncommitted changes."""
    head = _git(repo_root, "rev-parse", "--verify", "--quiet", "HEAD")
    if head is None or head.returncode != 0 or not head.stdout.strip():
        return Provenance(built=built)
    commit = head.stdout.strip()
    specs = []
    for folder in folders:
        try:
            specs.append(folder.resolve().relative_to(repo_root.resolve()).as_posix() or ".")
        except ValueError:
            continue
    status = _git(repo_root, "status", "--porcelain", "-z", "--untracked-files=normal", "--",
                  *specs) if specs else None
    dirty = bool(status is not None and status.returncode == 0 and status.stdout.strip("\0"))
    return Provenance(commit, dirty, built, commit_url(repo_url, commit))


def _git(repo_root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(["git", "-C", str(repo_root), *args], capture_output=True,
                              text=True, check=False)
    except OSError:
        return None
