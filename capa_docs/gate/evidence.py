"""Closure evidence as the gate reads it: the items, the repository file each resolves
to on each side, and BASE's items paired with HEAD's.

Identity comes from what a citation resolves to, never from how it is written: YAML
escapes, ``./`` and ``../`` detours and symlinks inside the repository all lead to one
file and its blob. A move can rewrite an evidence path so that it names the same file from
the new folder; pairing by the file reached (then by blob) keeps that from looking like
removed evidence or an edited closed record.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..git.files import Files, commit_files, files_of, worktree_files
from ..git.tree import Entry


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


@dataclass(frozen=True)
class Cited:
    """The repository file an evidence citation resolves to on one side, and its content
    (a blob id: a mode change such as ``chmod +x`` is no change)."""

    path: str
    blob: str
    via: str
    """The path as written, normalised (``..`` folded), before any symlink is followed."""


def cite(files: Files, finding_rel: str, written: Any) -> Cited | None:
    """What an evidence path written in the finding at ``finding_rel`` resolves to in
    ``files``, symlinks followed as a checkout would; None when it reaches no file in the
    repository (git stores nothing under ``.git``, so nothing there is reached)."""
    via = evidence_target(finding_rel, written)
    return None if via is None else cite_file(files, via)


def cite_file(files: Files, path: str) -> Cited | None:
    """What the repository path ``path`` resolves to in ``files``."""
    reached = files.reach(path)
    return None if reached is None else Cited(reached[0], reached[1].sha, path)


@dataclass
class Trees:
    """Both sides' files, listed once and only when a citation must be resolved: BASE's
    (the merge base) and HEAD's (a commit, or the working tree as git would commit it)."""

    root: Path
    fork: str
    head: str | None
    changed: dict[str, str]
    head_tree: dict[str, Entry] | None = None
    """HEAD's listing, when validating a HEAD commit has already read it."""

    @cached_property
    def before(self) -> Files:
        return commit_files(self.root, self.fork)

    @cached_property
    def after(self) -> Files:
        if self.head is None:
            return worktree_files(self.root, self.before, self.changed)
        if self.head_tree is not None:
            return files_of(self.root, self.head_tree)
        return commit_files(self.root, self.head)


_Pair = tuple[dict[str, Any], dict[str, Any], Cited | None, Cited | None]


@dataclass
class EvidenceMatch:
    """BASE's closure evidence paired with HEAD's, by the file each resolves to."""

    pairs: list[_Pair]
    """BASE item, its HEAD successor, and what each resolves to on its side."""
    removed: list[tuple[dict[str, Any], Cited | None]]
    """BASE items no HEAD item succeeds, and what each resolved to on BASE."""
    tokens_old: dict[int, str]
    tokens_new: dict[int, str]


def match_evidence(trees: Trees, old_path: str, old_data: dict[str, Any] | None, rel: str,
                   new_data: dict[str, Any]) -> EvidenceMatch:
    """Pair each BASE evidence item with a HEAD item resolving to the same repository file
    (each resolved from its own side's folder, symlinks followed), or else to a file with
    the same blob; URLs pair when equal, paths that resolve to nothing when written alike."""
    old_items, new_items = evidence_items(old_data), evidence_items(new_data)
    before = [cite(trees.before, old_path, i["path"]) if "path" in i else None
              for i in old_items]
    after = [cite(trees.after, rel, i["path"]) if "path" in i else None for i in new_items]
    found = _pair_items(old_items, new_items, before, after)
    tokens_old, tokens_new = {}, {}
    for index, item in enumerate(old_items):
        tokens_old[index] = _token(before[index], old_path, item)
        if index in found:
            tokens_new[found[index]] = tokens_old[index]
    for j, item in enumerate(new_items):
        tokens_new.setdefault(j, _token(after[j], rel, item))
    pairs = [(item, new_items[found[i]], before[i], after[found[i]])
             for i, item in enumerate(old_items) if i in found]
    removed = [(item, before[i]) for i, item in enumerate(old_items) if i not in found]
    return EvidenceMatch(pairs, removed, tokens_old, tokens_new)


def _pair_items(old_items: list[dict[str, Any]], new_items: list[dict[str, Any]],
                before: list[Cited | None], after: list[Cited | None]) -> dict[int, int]:
    """BASE item index -> HEAD item index: the same file first, the same content second."""
    found: dict[int, int] = {}

    def pair(index: int, test: Any) -> None:
        for j, item in enumerate(new_items):
            if j not in found.values() and test(j, item):
                found[index] = j
                return

    for index, item in enumerate(old_items):
        cited = before[index]
        if "path" not in item:
            pair(index, lambda j, n, i=item: "path" not in n and n.get("url") == i.get("url"))
        elif cited is None:
            pair(index, lambda j, n, i=item: n.get("path") == i.get("path"))
        else:
            pair(index, lambda j, n, c=cited: after[j] is not None and after[j].path == c.path)
    for index, cited in enumerate(before):
        if index not in found and cited is not None:
            pair(index, lambda j, n, c=cited: after[j] is not None and after[j].blob == c.blob)
    return found


def _token(cited: Cited | None, finding_rel: str, item: dict[str, Any]) -> str:
    """An item's path as the file it names, so that a moved finding's rewritten path that
    names the same file compares equal."""
    if cited is not None:
        return f"file {cited.path}"
    return f"file {evidence_target(finding_rel, item.get('path')) or item.get('path')}"


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
    rewrites = sorted({(str(n["path"]), str(o["path"])) for o, n, *_ in match.pairs
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
