"""Closure evidence as the gate reads it: the items, the repository file each names, and
BASE's items paired with HEAD's.

A move can rewrite an evidence path so that it names the same file from the new folder;
pairing by the file named (then by blob) keeps that from looking like removed evidence or
an edited closed record.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..git.tree import SYMLINK, Entry, tree_entries, worktree_blobs


def evidence_items(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The closure evidence items of a finding's front matter (none when malformed)."""
    return [item for item in _evidence_list(data or {}) if isinstance(item, dict)]


def evidence_key(item: dict[str, Any]) -> str:
    """An item as a problem message names it: by its path, else its URL."""
    return f"path {item['path']}" if "path" in item else f"url {item.get('url')}"


def evidence_line(item: dict[str, Any]) -> str:
    """An item as the review summary lists it: where it is, and what it shows."""
    where = item.get("path") or item.get("url") or "?"
    description = item.get("description")
    return f"{where} ({description})" if description else str(where)


def evidence_target(finding_rel: str, written: Any) -> str | None:
    """The repository path an evidence path names, lexically; None when it leaves the repo."""
    if not isinstance(written, str) or not written or written.startswith(("/", "~", "\\")):
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(finding_rel), written))
    return None if target == ".." or target.startswith("../") else target


@dataclass
class Blobs:
    """Blob ids of files on either side, looked up only when an evidence path was
    rewritten and the question is whether it still names the same file."""

    root: Path
    fork: str
    head: str | None
    head_tree: dict[str, Entry] | None = None

    def base(self, paths: list[str]) -> dict[str, str]:
        """Blob ids at the merge base (symlinks name no file content: left out)."""
        return {p: e.sha for p, e in tree_entries(self.root, self.fork, paths).items()
                if e.mode != SYMLINK}

    def after(self, paths: list[str]) -> dict[str, str]:
        """Blob ids on HEAD: the working tree's files hashed, or the commit's tree."""
        if self.head is None:
            return worktree_blobs(self.root, paths)
        tree = self.head_tree
        if tree is None:
            tree = {p: e for p, e in tree_entries(self.root, self.head, paths).items()}
        return {p: tree[p].sha for p in paths if p in tree and tree[p].mode != SYMLINK}


@dataclass
class EvidenceMatch:
    """BASE's closure evidence paired with HEAD's, by the file each names."""

    pairs: list[tuple[dict[str, Any], dict[str, Any], str | None]]  # old, new, old target
    removed: list[dict[str, Any]]
    tokens_old: dict[int, str]
    tokens_new: dict[int, str]


def match_evidence(blobs: Blobs, old_path: str, old_data: dict[str, Any] | None, rel: str,
                   new_data: dict[str, Any]) -> EvidenceMatch:
    """Pair each BASE evidence item with a HEAD item naming the same repository file
    (its path resolved from each side's folder), or else a file with the same blob;
    URLs pair when equal."""
    old_items, new_items = evidence_items(old_data), evidence_items(new_data)
    old_targets = [evidence_target(old_path, i.get("path")) if "path" in i else None
                   for i in old_items]
    new_targets = [evidence_target(rel, i.get("path")) if "path" in i else None
                   for i in new_items]
    used: set[int] = set()
    found: dict[int, int] = {}

    def pair(index: int, test: Any) -> None:
        for j, item in enumerate(new_items):
            if j not in used and test(j, item):
                used.add(j)
                found[index] = j
                return

    for index, item in enumerate(old_items):
        target = old_targets[index]
        if "path" not in item:
            pair(index, lambda j, n, i=item: "path" not in n and n.get("url") == i.get("url"))
        elif target is None:
            pair(index, lambda j, n, i=item: n.get("path") == i.get("path"))
        else:
            pair(index, lambda j, n, t=target: new_targets[j] == t)
    lost = [i for i, item in enumerate(old_items)
            if i not in found and old_targets[i] is not None]
    spare = [j for j in range(len(new_items)) if j not in used and new_targets[j]]
    if lost and spare:
        before = blobs.base([old_targets[i] for i in lost])  # type: ignore[misc]
        after = blobs.after([new_targets[j] for j in spare])  # type: ignore[misc]
        for index in lost:
            sha = before.get(old_targets[index])  # type: ignore[arg-type]
            pair(index, lambda j, n, s=sha: s is not None and j in spare
                 and after.get(new_targets[j]) == s)  # type: ignore[arg-type]
    pairs, tokens_old, tokens_new = [], {}, {}
    for index, item in enumerate(old_items):
        token = f"file {old_targets[index] or item.get('path')}"
        tokens_old[index] = token
        if index in found:
            pairs.append((item, new_items[found[index]], old_targets[index]))
            tokens_new[found[index]] = token
    for j, item in enumerate(new_items):
        tokens_new.setdefault(j, f"file {new_targets[j] or item.get('path')}")
    removed = [item for index, item in enumerate(old_items) if index not in found]
    return EvidenceMatch(pairs, removed, tokens_old, tokens_new)


def with_tokens(data: dict[str, Any], tokens: dict[int, str]) -> dict[str, Any]:
    """The front matter with each evidence path replaced by the file it names, so that a
    path rewritten to reach the same file from another folder compares equal."""
    items = _evidence_list(data)
    if not items:
        return data
    dicts = [i for i in items if isinstance(i, dict)]
    replaced = []
    for item in items:
        if isinstance(item, dict) and "path" in item:
            index = next(k for k, d in enumerate(dicts) if d is item)
            item = {**item, "path": tokens.get(index, item["path"])}
        replaced.append(item)
    return {**data, "closure": {**data["closure"], "evidence": replaced}}


def paths_restored(new_raw: bytes, match: EvidenceMatch) -> bytes:
    """HEAD's bytes with each evidence path rewritten to name the same file from a moved
    finding's new folder put back as BASE wrote it: equal to BASE's bytes when the rewrite
    is all that changed, not a comma, not a comment."""
    rewrites = sorted({(str(n["path"]), str(o["path"])) for o, n, _ in match.pairs
                       if "path" in o and o.get("path") != n.get("path")},
                      key=lambda pair: -len(pair[0]))
    text = new_raw
    for written, was in rewrites:
        text = text.replace(written.encode(), was.encode())
    return text


def new_pins(old_data: dict[str, Any], new_data: dict[str, Any]) -> dict[int, str]:
    """HEAD's ``sha256`` of each evidence item whose value BASE lacks or differs in, by its
    place in the list (what `capa pin` would have written, if that is all that changed)."""
    old_items, new_items = _evidence_list(old_data), _evidence_list(new_data)
    if len(old_items) != len(new_items):
        return {}
    pairs = enumerate(zip(old_items, new_items, strict=True))
    return {index: new["sha256"] for index, (old, new) in pairs
            if isinstance(old, dict) and isinstance(new, dict)
            and isinstance(new.get("sha256"), str) and new["sha256"] != old.get("sha256")}


def _evidence_list(data: dict[str, Any]) -> list[Any]:
    closure = data.get("closure")
    items = closure.get("evidence") if isinstance(closure, dict) else None
    return items if isinstance(items, list) else []
