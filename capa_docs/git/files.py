"""One side of a change as a checkout of it would show it: every file with its blob id, and
every symlink with its target, so that a path can be followed to the file it reaches
without touching the disk (a commit) or with one ``git hash-object`` (the working tree).

The gate compares what a closed finding's evidence resolves to on both sides; doing it in
the tree listing costs one ``ls-tree`` however many findings cite evidence.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .tree import SYMLINK, Entry, cat_blobs, follow, ls_tree, worktree_blobs


@dataclass(frozen=True)
class Files:
    """The files of one side. Read-only: a commit's listing is cached and shared."""

    entries: dict[str, Entry]
    links: dict[str, str]
    """Symlink path -> its target as written."""

    def reach(self, path: str) -> tuple[str, Entry] | None:
        """The regular file ``path`` leads to once every symlink on the way is followed
        inside the repository; None when it leads to nothing or out of the repository."""
        reached = follow(self.entries, self.links, path).path
        entry = self.entries.get(reached) if reached is not None else None
        return None if reached is None or entry is None else (reached, entry)


@lru_cache(maxsize=4)
def commit_files(root: Path, commit: str) -> Files:
    """A commit's files (a commit never changes, so one listing serves a whole run)."""
    return files_of(root, ls_tree(root, commit))


def files_of(root: Path, entries: dict[str, Entry]) -> Files:
    """A commit's listing with its symlinks' targets read (one ``cat-file`` call)."""
    shas = {path: entry.sha for path, entry in entries.items() if entry.mode == SYMLINK}
    blobs = cat_blobs(root, shas.values())
    return Files(entries, {path: os.fsdecode(blobs.get(sha, b"")) for path, sha in shas.items()})


def worktree_files(root: Path, base: Files, changed: dict[str, str]) -> Files:
    """The working tree as git would commit it: ``base`` (the commit it is compared with)
    with each changed path as it now stands on disk (``changed``: path -> A, M or D)."""
    entries, links = dict(base.entries), dict(base.links)
    regular: dict[str, str] = {}
    for path, status in changed.items():
        entries.pop(path, None)
        links.pop(path, None)
        try:
            info = os.lstat(root / path) if status != "D" else None
        except OSError:
            info = None
        if info is not None and stat.S_ISLNK(info.st_mode):
            entries[path] = Entry(SYMLINK, "")
            links[path] = os.readlink(root / path)
        elif info is not None and stat.S_ISREG(info.st_mode):
            regular[path] = "100755" if info.st_mode & 0o111 else "100644"
    for path, sha in worktree_blobs(root, regular).items():
        entries[path] = Entry(regular[path], sha)
    return Files(entries, links)
