"""BASE's side: the findings the change touched, as they stood at the merge base.

Read in bulk from git objects (one ``cat-file --batch``), never from a checkout, and never
validated: BASE's version is what HEAD's is compared against, not what is judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..git.tree import SYMLINK, Entry, cat_blobs
from .findings import load


@dataclass
class Base:
    """One BASE finding as the comparison needs it."""

    path: str
    data: dict[str, Any] | None
    raw: bytes = b""
    body: str = ""


def read_base(root: Path, tree: dict[str, Entry], paths: list[str]) -> dict[str, Base]:
    """BASE's version of each of ``paths`` that BASE has (a symlink reads as unreadable)."""
    side: dict[str, Base] = {}
    present = [p for p in paths if p in tree]
    blobs = cat_blobs(root, [tree[p].sha for p in present])
    for path in present:
        raw = blobs.get(tree[path].sha, b"")
        loaded = load(raw) if tree[path].mode != SYMLINK else None
        side[path] = Base(path, loaded[0] if loaded else None, raw,
                          loaded[1] if loaded else "")
    return side
