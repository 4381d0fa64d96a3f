"""BASE's side: the findings the change touched, as they stood at the merge base.

Read in bulk from git objects (one ``cat-file --batch``), never from a checkout, and never
validated: BASE's version is what HEAD's is compared against, not what is judged.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..git.tree import SYMLINK, Entry, cat_blobs, git
from .evidence import evidence_items, evidence_target
from .findings import finding_path, load, parse

EvidenceHit = tuple[str, str, dict[str, Any]]  # M or D, the evidence path, BASE's data


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


def evidence_touched(root: Path, fork: str, base_tree: dict[str, Entry],
                     changed: dict[str, str], register: str, evidence: str,
                     already: set[str]) -> dict[str, EvidenceHit]:
    """Unchanged findings whose evidence file was changed or deleted: finding path ->
    (M or D, evidence path, its data). One ``git grep`` on the base tree narrows the
    candidates to files that mention the evidence file's name. (Changed findings have
    their evidence files checked when they are paired, moved ones included.)"""
    touched = {p: s for p, s in changed.items()
               if s in "MD" and not finding_path(p, register, evidence)}
    if not touched:
        return {}
    names = sorted({posixpath.basename(p) for p in touched})
    args = ["grep", "-l", "-z", "-F"]
    for name in names:
        args += ["-e", name]
    result = git(root, *args, fork, "--", register or ".")
    candidates = []
    for record in result.stdout.split(b"\0"):
        path = record.decode("utf-8", "surrogateescape").partition(":")[2]
        if path and path not in already and finding_path(path, register, evidence):
            candidates.append(path)
    blobs = cat_blobs(root, [base_tree[p].sha for p in candidates if p in base_tree])
    hits: dict[str, EvidenceHit] = {}
    for path in candidates:
        if path not in base_tree:
            continue
        data = parse(blobs.get(base_tree[path].sha, b""))
        for item in evidence_items(data):
            target = evidence_target(path, item.get("path"))
            if data is not None and target in touched:
                hits[path] = (touched[target], target, data)
                break
    return hits
