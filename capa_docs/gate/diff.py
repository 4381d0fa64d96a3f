"""`capa diff`: what a change does to the register, judged by the base branch's rules.

A per-file check cannot see a deleted finding, a backdated `raised`, or a closed record
quietly rewritten; only a comparison of the two sides can. Both sides come from git in
bulk (one ``ls-tree``, one ``cat-file --batch``), never from a checkout, so the user's
files are never touched and a 10,000-finding register costs what its changed files cost.

The base side is the merge base of BASE and HEAD (what ``git diff BASE...HEAD`` shows),
so findings added to the base branch after the pull request forked are not reported as
deleted. Settings come from BASE's own ``mkdocs.yml``: a pull request runs its own copy
of the workflow, so HEAD must not choose the rules that judge it.

Only changed findings (and unchanged findings whose evidence files changed) are
validated on HEAD; `capa validate` covers the whole register in the same workflow.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import posixpath
import re
import shutil
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract.frontmatter import LoadError, decode, load_text
from ..contract.model import ERROR, OFF, Finding, KeyPath, Problem, as_date
from ..contract.rules import DIFF_RULES
from ..contract.settings import (
    CONFIG_NAMES,
    ConfigError,
    Settings,
    find_config_file,
    plugin_block_from_text,
    settings_from_mapping,
)
from ..contract.validate import display_path, validate
from ..git.tree import (
    SYMLINK,
    DiffError,
    Entry,
    cat_blobs,
    changed_paths,
    git,
    ls_tree,
    materialise,
    memory_dir,
    merge_base,
    resolve_commit,
    tree_entries,
    worktree_blobs,
)

# Lower index, more serious: lowering severity moves right.
SEVERITY_ORDER = ("major", "minor", "observation", "ofi", "conformity")
OPEN_STATUSES = ("open", "in-progress")


@dataclass(frozen=True)
class Change:
    """One thing the change does to the record, for the reviewer's summary."""

    kind: str  # new, status, closed, reopened, extended, lowered, moved, renamed, deleted
    finding_id: str
    path: str
    before: str = ""
    after: str = ""
    detail: tuple[str, ...] = ()


@dataclass
class DiffResult:
    """The verdict of one comparison: problems, what changed, and how much was looked at."""

    base_label: str
    head_label: str
    problems: list[Problem]
    changes: list[Change]
    files: int
    notes: list[str] = field(default_factory=list)


# --- settings from BASE ---------------------------------------------------------------

def _config_rel(root: Path, cwd: Path, config: Path | None) -> str | None:
    """Where HEAD's mkdocs.yml stands, relative to the repository, as found from ``cwd``."""
    if config is not None:
        if not (cwd / config).is_file():
            raise DiffError(f"{config}: no such configuration file")
        found: Path | None = (cwd / config).resolve()
    else:
        found = find_config_file(cwd, root)
    if found is not None:
        try:
            return found.relative_to(root).as_posix()
        except ValueError:
            raise DiffError(f"{found} is outside the repository {root}") from None
    return None


def _folders_up(rel: str) -> list[str]:
    """``rel`` and every folder above it, up to the repository root ("")."""
    folders = [rel]
    while folders[-1]:
        folders.append(posixpath.dirname(folders[-1]))
    return folders


_CAPA_LISTED = re.compile(rb"^[ \t-]*capa\b", re.MULTILINE)


def base_config(root: Path, base: str, base_ref: str, head_config: str | None,
                explicit: bool, cwd_rel: str, changed: dict[str, str]) -> str | None:
    """Where BASE keeps its settings, looked up in BASE's own tree, never HEAD's.

    A change can rename mkdocs.yml to mkdocs.yaml or move it, so the file HEAD reads may
    not exist on BASE. BASE's file is the one mkdocs would find there: with ``--config``,
    that path or another known name beside it; otherwise the first known name from the
    folder capa diff runs in up to the repository root. When BASE has settings this run
    would not find (the change deletes them, or ``--config`` points elsewhere), judging
    with the defaults would drop them, so this stops with a usage error instead.
    """
    search = [posixpath.join(folder, name) for folder in _folders_up(cwd_rel)
              for name in CONFIG_NAMES]
    near: list[str] = []
    if explicit and head_config:
        folder = posixpath.dirname(head_config)
        near = [head_config, *(posixpath.join(folder, name) for name in CONFIG_NAMES)]
    gone = sorted(p for p, status in changed.items()
                  if status == "D" and posixpath.basename(p) in CONFIG_NAMES)
    entries = tree_entries(root, base, [*near, *search, *gone])

    def first(candidates: list[str]) -> str | None:
        return next((c for c in candidates if c in entries), None)

    found = first(near) if explicit else first(search)
    if found is not None:
        if entries[found].mode == SYMLINK:
            raise DiffError(f"{base_ref}:{found} is a symbolic link; capa diff reads BASE's "
                            "settings from a regular file only: commit the file itself")
        return found
    elsewhere = first(search) if explicit else None
    if elsewhere is None:
        blobs = cat_blobs(root, [entries[p].sha for p in gone if p in entries])
        elsewhere = next((p for p in gone if p in entries
                          and _CAPA_LISTED.search(blobs.get(entries[p].sha, b""))), None)
    if elsewhere is not None:
        looked = (f"--config {head_config}" if explicit else
                  f"{' or '.join(CONFIG_NAMES)} from {cwd_rel or 'the repository root'} up")
        raise DiffError(
            f"{base_ref} keeps its capa settings in {elsewhere}, which this run would not "
            f"read ({looked}): judging with the defaults would drop {base_ref}'s settings. "
            f"Run capa diff from {posixpath.dirname(elsewhere) or 'the repository root'} "
            f"without --config, or keep {elsewhere} where it is in this change and move it "
            "in a change of its own")
    return None


def base_settings(root: Path, base: str, base_ref: str, config: str | None) -> Settings:
    """Settings from BASE's own configuration file (the defaults when BASE has none)."""
    if config is None:
        return Settings(base_dir=root)
    result = git(root, "cat-file", "blob", f"{base}:{config}")
    where = f"{base_ref}:{config}"
    if result.returncode != 0:
        raise DiffError(f"cannot read {where}: {result.stderr.decode().strip()}")
    block = plugin_block_from_text(result.stdout, where)
    return settings_from_mapping(block, root / posixpath.dirname(config), Path(where))


def _setting_folder(root: Path, config: str | None, value: str, name: str) -> str:
    """A folder setting as a repository path, worked out from BASE's text alone.

    Resolving it on disk would follow symlinks in HEAD's working tree: a change could then
    point BASE's register folder wherever it likes.
    """
    folder = posixpath.dirname(config) if config else ""
    joined = posixpath.normpath(posixpath.join(folder, value.replace(os.sep, "/")))
    if posixpath.isabs(joined):
        top = root.as_posix().rstrip("/") + "/"
        joined = joined[len(top):] if (joined + "/").startswith(top) else "/"
    if joined == "/" or joined == ".." or joined.startswith("../"):
        raise DiffError(f"`{name}: {value}` in the base branch's settings is outside the "
                        f"repository {root}")
    return "" if joined == "." else joined


def _rel_folder(folder: Path, root: Path) -> str:
    try:
        rel = folder.relative_to(root).as_posix()
    except ValueError:
        raise DiffError(f"{folder} is outside the repository {root}") from None
    return "" if rel == "." else rel


def _check_register_exists(root: Path, fork: str, base_ref: str, register: str,
                           evidence: str, settings: Settings, config: str | None) -> None:
    """Stop when BASE's register folder is missing from BASE while BASE holds findings:
    every finding would then look new, and deletions elsewhere would go unseen."""
    result = git(root, "ls-tree", "-r", "-z", "--name-only", "--full-tree", fork)
    for record in result.stdout.split(b"\0"):
        path = record.decode("utf-8", "surrogateescape")
        if not path.endswith(".md") or (evidence and path.startswith(evidence + "/")):
            continue
        if re.fullmatch(settings.id_pattern, posixpath.basename(path)[:-3]):
            raise DiffError(
                f"the base branch's settings ({config or 'the defaults'}) put the register "
                f"in {register}/, which {base_ref} does not have, yet it holds findings such "
                f"as {path}: capa diff would judge nothing. Fix `register:` on the base "
                "branch first, in a change of its own")


def _finding_path(path: str, register: str, evidence: str) -> bool:
    """The same choice `validate.discover` makes, on repository-relative POSIX paths."""
    if not path.endswith(".md"):
        return False
    if register:
        if not path.startswith(register + "/"):
            return False
        inner = path[len(register) + 1 :]
    else:
        inner = path
    if evidence and (path + "/").startswith(evidence + "/"):
        return False
    return not any(part.startswith(".") for part in inner.split("/")[:-1])


# --- what judges the change -----------------------------------------------------------

_GATE_PATHS = (".github/workflows/", ".github/actions/")
_GATE_FILES = {
    "CODEOWNERS": "CODEOWNERS", ".github/CODEOWNERS": "CODEOWNERS",
    "docs/CODEOWNERS": "CODEOWNERS", ".pre-commit-config.yaml": "the pre-commit configuration",
}
# The gate installs itself from the pull request (`pip install .`), so whatever decides
# what is installed decides what judges the change.
_INSTALL_FILES = {"pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "Pipfile",
                  "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock", "pylock.toml"}
_INSTALL_PATTERN = re.compile(r"(?:requirements|constraints)[^/]*\.(?:txt|in)|pylock\.[^/]+\.toml"
                              r"|[^/]+\.lock")


def _gate_reason(path: str, capa_docs_repo: bool) -> str | None:
    if path.startswith(_GATE_PATHS):
        return "a GitHub Actions workflow or local action"
    if path in _GATE_FILES:
        return _GATE_FILES[path]
    name = posixpath.basename(path)
    if name in ("action.yml", "action.yaml"):
        return "a GitHub Action definition"
    if name == ".pre-commit-hooks.yaml":
        return "the pre-commit hook definitions"
    if name in _INSTALL_FILES or _INSTALL_PATTERN.fullmatch(name) or (
            "/requirements/" in f"/{path}" and name.endswith((".txt", ".in"))):
        return "what gets installed to run the gate (packaging, requirements or a lock file)"
    if name.endswith(".schema.json") or "/schemas/" in f"/{path}":
        return "a JSON Schema"
    if capa_docs_repo and path.startswith("capa_docs/"):
        return "capa-docs's own code, which this repository's workflows install and run"
    return None


def _is_capa_docs(root: Path, commits: Iterable[str | None]) -> bool:
    """Whether the repository is capa-docs itself: then its workflows install the gate
    from the pull request, and `capa_docs/` is the judge."""
    for commit in commits:
        if commit is None:
            try:
                raw = (root / "pyproject.toml").read_bytes()
            except OSError:
                continue
        else:
            result = git(root, "cat-file", "blob", f"{commit}:pyproject.toml")
            if result.returncode != 0:
                continue
            raw = result.stdout
        try:
            name = tomllib.loads(raw.decode("utf-8", "replace")).get("project", {}).get("name")
        except tomllib.TOMLDecodeError:
            continue
        if isinstance(name, str) and name.lower().replace("_", "-") == "capa-docs":
            return True
    return False


def _capa_line(text: bytes) -> int:
    match = re.search(rb"^[ \t-]*capa[ \t]*:", text, re.MULTILINE)
    return text[: match.start()].count(b"\n") + 1 if match else 1


# --- the comparison -------------------------------------------------------------------

def _load(raw: bytes) -> tuple[dict[str, Any], str] | None:
    try:
        document = load_text(decode(raw))
    except LoadError:
        return None
    return document.data, document.body


def _parse(raw: bytes) -> dict[str, Any] | None:
    loaded = _load(raw)
    return loaded[0] if loaded else None


def _finding_id(data: dict[str, Any] | None, path: str) -> str:
    value = (data or {}).get("id")
    return value if isinstance(value, str) else posixpath.splitext(posixpath.basename(path))[0]


def _evidence_items(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    closure = (data or {}).get("closure")
    items = closure.get("evidence") if isinstance(closure, dict) else None
    return [item for item in items or [] if isinstance(item, dict)] if isinstance(
        items, list) else []


def _evidence_key(item: dict[str, Any]) -> str:
    return f"path {item['path']}" if "path" in item else f"url {item.get('url')}"


def _evidence_target(finding_rel: str, written: Any) -> str | None:
    """The repository path an evidence path names, lexically; None when it leaves the repo."""
    if not isinstance(written, str) or not written or written.startswith(("/", "~", "\\")):
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(finding_rel), written))
    return None if target == ".." or target.startswith("../") else target


def _evidence_paths(finding_rel: str, raw: bytes) -> list[str]:
    targets = (_evidence_target(finding_rel, item.get("path"))
               for item in _evidence_items(_parse(raw)))
    return [target for target in targets if target]


def _similar(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    """Whether an added file is a removed one under another ID (a rename, not new work)."""
    if not old or not new:
        return False
    if old.get("title") and old.get("title") == new.get("title"):
        return True
    keys = ("raised", "raised_by", "severity", "source")
    return all(old.get(k) is not None and old.get(k) == new.get(k) for k in keys)


@dataclass
class _Blobs:
    """Blob ids of files on either side, looked up only when an evidence path was
    rewritten and the question is whether it still names the same file."""

    root: Path
    fork: str
    head: str | None
    head_tree: dict[str, Entry] | None = None

    def base(self, paths: list[str]) -> dict[str, str]:
        return {p: e.sha for p, e in tree_entries(self.root, self.fork, paths).items()
                if e.mode != SYMLINK}

    def after(self, paths: list[str]) -> dict[str, str]:
        if self.head is None:
            return worktree_blobs(self.root, paths)
        tree = self.head_tree
        if tree is None:
            tree = {p: e for p, e in tree_entries(self.root, self.head, paths).items()}
        return {p: tree[p].sha for p in paths if p in tree and tree[p].mode != SYMLINK}


@dataclass
class _Base:
    """One BASE finding as the comparison needs it."""

    path: str
    data: dict[str, Any] | None
    raw: bytes = b""
    body: str = ""


@dataclass
class _EvidenceMatch:
    """BASE's closure evidence paired with HEAD's, by the file each names."""

    pairs: list[tuple[dict[str, Any], dict[str, Any], str | None]]  # old, new, old target
    removed: list[dict[str, Any]]
    tokens_old: dict[int, str]
    tokens_new: dict[int, str]


class _Judge:
    """Collects the diff rules' problems at the levels BASE configures."""

    def __init__(self, settings: Settings, cwd: Path, root: Path, changed: dict[str, str],
                 blobs: _Blobs) -> None:
        self.settings, self.cwd, self.root = settings, cwd, root
        self.changed, self.blobs = changed, blobs
        self.problems: list[Problem] = []
        self.changes: list[Change] = []

    def shown(self, rel: str) -> str:
        return display_path(self.root / rel, self.cwd)

    def report(self, rule: str, rel: str, line: int, message: str) -> None:
        level = self.settings.level(rule, DIFF_RULES[rule].level)
        if level != OFF:
            self.problems.append(Problem(self.shown(rel), line, rule, level, message))

    def at(self, rule: str, head: Finding | None, rel: str, keypath: KeyPath,
           message: str) -> None:
        self.report(rule, rel, head.line_of(keypath) if head else 1, message)

    def failed(self, rel: str) -> bool:
        """Whether an error was already reported on this file (so the run fails anyway)."""
        shown = self.shown(rel)
        return any(p.path == shown and p.level == ERROR for p in self.problems)

    def change(self, kind: str, finding_id: str, rel: str, before: str = "", after: str = "",
               detail: Iterable[str] = ()) -> None:
        self.changes.append(Change(kind, finding_id, self.shown(rel), before, after,
                                   tuple(detail)))

    def compare(self, old: _Base, new: Finding | None, rel: str, new_raw: bytes | None,
                renamed: bool = False) -> None:
        """Everything the diff rules say about one BASE finding and its HEAD successor
        (``renamed``: its new ID is already reported)."""
        if new is None:
            # Fail closed: a BASE finding whose successor HEAD cannot read (a symlink, a
            # submodule, a file that is not a regular file) must not escape every rule.
            if not self.failed(rel):
                fid = _finding_id(old.data, old.path)
                self.report("finding-deleted", rel, 1,
                            f"{fid} ({self.shown(old.path)} on the base branch) has no "
                            f"finding file that can be read at {self.shown(rel)}; findings "
                            "are never deleted: restore the file as a regular file")
            return
        if old.data is None:
            return  # BASE's version was unreadable: HEAD's validation is all there is
        data, old_data = new.data, old.data
        old_id = _finding_id(old_data, old.path)
        fid = old_id if renamed else new.id  # name the record as the base branch knew it
        if not renamed and isinstance(data.get("id"), str) and data["id"] != old_id:
            self.at("finding-renamed", new, rel, ("id",),
                    f"the ID changed from {old_id} to {data['id']}; an ID is permanent "
                    f"(other records cite it): restore {old_id}, and raise a new finding "
                    "if this is new work")
            self.change("renamed", fid, rel, old_id, data["id"])
        for key in ("raised", "raised_by"):
            if old_data.get(key) != data.get(key):
                self.at("raised-changed", new, rel, (key,),
                        f"`{key}` changed from {old_data.get(key)!r} to {data.get(key)!r}; "
                        "when and by whom a finding was raised is part of the record: "
                        "restore it")
        before, after = old_data.get("status"), data.get("status")
        if before == "closed" and after in OPEN_STATUSES:
            self.at("reopened", new, rel, ("status",),
                    f"{fid} was closed and is reopened as {after}; the reviewer should "
                    "confirm why the earlier closure no longer holds")
            self.change("reopened", fid, rel, str(before), str(after))
        elif before != after:
            self.change("status", fid, rel, str(before), str(after))
            if after == "closed":
                items = _evidence_items(data)
                self.change("closed", fid, rel, "", str((data.get("closure") or {})
                                                       .get("closed", "")),
                            [_evidence_line(item) for item in items])
        if before == "closed" and after == "closed":
            self._closed(old, new, rel, new_raw or b"", fid)
        self._severity(old_data, new, rel)
        self._due(old_data, new, rel)

    def _closed(self, old: _Base, new: Finding, rel: str, new_raw: bytes, fid: str) -> None:
        """A closed record stays as it was: its fields, narrative, evidence and the
        evidence files themselves. A move may rewrite an evidence path so it names the
        same file from the new folder; that alone is no change."""
        assert old.data is not None
        match = self._match_evidence(old, new.data, rel)
        if old.raw != new_raw and not _only_paths_rewritten(old.raw, new_raw, match):
            fields = _changed_fields(_with_tokens(old.data, match.tokens_old),
                                     _with_tokens(new.data, match.tokens_new))
            if not fields:
                fields = ["narrative"] if old.body != new.body else ["formatting"]
            keypath: KeyPath = (fields[0],) if fields[0] not in ("narrative",
                                                                 "formatting") else ()
            self.at("closed-edited", new, rel, keypath or ("status",),
                    f"{fid} was closed on the base branch and is edited here "
                    f"({', '.join(fields)}); a closed record stays as it was: reopen it "
                    "(status: in-progress) to change it")
        for item in match.removed:
            self.at("evidence-removed", new, rel, ("closure", "evidence"),
                    f"closure evidence {_evidence_key(item)} was removed from closed "
                    f"finding {fid}; evidence of a closure is kept: restore it")
        for _old_item, new_item, target in match.pairs:
            if target is None or _evidence_target(rel, new_item.get("path")) != target:
                continue  # a URL, or the same content under another path
            status = self.changed.get(target)
            if status == "D":
                self.at("evidence-removed", new, rel, ("closure", "evidence"),
                        f"evidence file {target} of closed finding {fid} was deleted; "
                        "evidence of a closure is kept: restore it")
            elif status is not None:
                self.at("closed-edited", new, rel, ("closure", "evidence"),
                        f"evidence file {target} of closed finding {fid} was changed; a "
                        "closed record's evidence stays as it was: add a new file instead")

    def _match_evidence(self, old: _Base, new_data: dict[str, Any],
                        rel: str) -> _EvidenceMatch:
        """Pair each BASE evidence item with a HEAD item naming the same repository file
        (its path resolved from each side's folder), or else a file with the same blob;
        URLs pair when equal."""
        old_items, new_items = _evidence_items(old.data), _evidence_items(new_data)
        old_targets = [_evidence_target(old.path, i.get("path")) if "path" in i else None
                       for i in old_items]
        new_targets = [_evidence_target(rel, i.get("path")) if "path" in i else None
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
            before = self.blobs.base([old_targets[i] for i in lost])  # type: ignore[misc]
            after = self.blobs.after([new_targets[j] for j in spare])  # type: ignore[misc]
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
        return _EvidenceMatch(pairs, removed, tokens_old, tokens_new)

    def _severity(self, old: dict[str, Any], new: Finding, rel: str) -> None:
        before, after = old.get("severity"), new.data.get("severity")
        if before in SEVERITY_ORDER and after in SEVERITY_ORDER and (
                SEVERITY_ORDER.index(after) > SEVERITY_ORDER.index(before)):
            self.at("severity-lowered", new, rel, ("severity",),
                    f"severity lowered from {before} to {after}; the reviewer should confirm "
                    "the reason is recorded in the narrative")
            self.change("lowered", new.id, rel, before, after)

    def _due(self, old: dict[str, Any], new: Finding, rel: str) -> None:
        """due-extended, with each BASE action paired to its HEAD self by its text (then
        its owner), never by position: inserting an action before it must not hide an
        extension. When no pairing is possible, a BASE due date that disappeared while a
        later one appeared is reported as a possible extension."""
        was, now = _actions(old), _actions(new.data)
        pairs = _pair_actions(was, now)
        for i, j in pairs:
            before, after = as_date(was[i][1].get("due")), as_date(now[j][1].get("due"))
            if before and after and after > before:
                self._extended(new, rel, now[j][0], before, after,
                               f"corrective action {now[j][0] + 1} due date moved from "
                               f"{before} to {after} ({(after - before).days} days later); "
                               "record why", f"action {now[j][0] + 1}")
        old_dates = {as_date(a.get("due")) for _, a in was} - {None}
        new_dates = {as_date(a.get("due")) for _, a in now} - {None}
        paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
        gone = sorted(d for i, (_, a) in enumerate(was) if i not in paired_old
                      and (d := as_date(a.get("due"))) and d not in new_dates)
        fresh = sorted((d, index) for j, (index, a) in enumerate(now) if j not in paired_new
                       and (d := as_date(a.get("due"))) and d not in old_dates)
        for before in gone:
            later = next(((d, index) for d, index in fresh if d > before), None)
            if later is None:
                continue
            fresh.remove(later)
            after, index = later
            self._extended(new, rel, index, before, after,
                           f"a corrective action due {before} is gone and corrective action "
                           f"{index + 1}, due {after} ({(after - before).days} days later), "
                           "is new; their text and owner differ, so this may be the same "
                           "action extended: record why", f"action {index + 1} (reworded)")

    def _extended(self, new: Finding, rel: str, index: int, before: dt.date, after: dt.date,
                  message: str, action: str) -> None:
        self.at("due-extended", new, rel, ("corrective_actions", index, "due"), message)
        self.change("extended", new.id, rel, before.isoformat(), after.isoformat(), [action])


_Action = tuple[int, dict[str, Any]]  # position in the list, the action


def _actions(data: dict[str, Any]) -> list[_Action]:
    listed = data.get("corrective_actions")
    return [(index, item) for index, item in enumerate(listed if isinstance(listed, list)
                                                       else []) if isinstance(item, dict)]


def _text(value: Any) -> str | None:
    return " ".join(value.split()).casefold() if isinstance(value, str) else None


def _pair_actions(was: list[_Action], now: list[_Action]) -> list[tuple[int, int]]:
    """Positions in ``was`` and ``now`` of the same corrective action: the same text (and
    owner, when the text repeats); then, among the rest, the only action of an owner on
    each side."""
    pairs: list[tuple[int, int]] = []
    free = list(range(len(now)))
    for same_owner in (True, False):
        for i, (_, action) in enumerate(was):
            text = _text(action.get("action"))
            if text is None or any(i == a for a, _ in pairs):
                continue
            j = next((j for j in free if _text(now[j][1].get("action")) == text
                      and (not same_owner or now[j][1].get("owner") == action.get("owner"))),
                     None)
            if j is not None:
                pairs.append((i, j))
                free.remove(j)
    left = [i for i in range(len(was)) if all(i != a for a, _ in pairs)]
    for i in left:
        owner = was[i][1].get("owner")
        mine = [k for k in left if was[k][1].get("owner") == owner]
        theirs = [j for j in free if now[j][1].get("owner") == owner]
        if owner is not None and len(mine) == 1 and len(theirs) == 1:
            pairs.append((i, theirs[0]))
            free.remove(theirs[0])
    return pairs


def _with_tokens(data: dict[str, Any], tokens: dict[int, str]) -> dict[str, Any]:
    """The front matter with each evidence path replaced by the file it names, so that a
    path rewritten to reach the same file from another folder compares equal."""
    closure = data.get("closure")
    items = closure.get("evidence") if isinstance(closure, dict) else None
    if not isinstance(items, list):
        return data
    dicts = [i for i in items if isinstance(i, dict)]
    replaced = []
    for item in items:
        if isinstance(item, dict) and "path" in item:
            index = next(k for k, d in enumerate(dicts) if d is item)
            item = {**item, "path": tokens.get(index, item["path"])}
        replaced.append(item)
    return {**data, "closure": {**closure, "evidence": replaced}}


def _only_paths_rewritten(old_raw: bytes, new_raw: bytes, match: _EvidenceMatch) -> bool:
    """Whether HEAD's bytes are BASE's with evidence paths rewritten to paths that name
    the same file, and nothing else: not a comma, not a comment."""
    rewrites = sorted({(str(n["path"]), str(o["path"])) for o, n, _ in match.pairs
                       if "path" in o and o.get("path") != n.get("path")},
                      key=lambda pair: -len(pair[0]))
    if not rewrites:
        return False
    text = new_raw
    for written, was in rewrites:
        text = text.replace(written.encode(), was.encode())
    return text == old_raw


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    keys = list(dict.fromkeys([*new, *old]))
    return [key for key in keys if old.get(key) != new.get(key)]


def _evidence_line(item: dict[str, Any]) -> str:
    where = item.get("path") or item.get("url") or "?"
    description = item.get("description")
    return f"{where} ({description})" if description else str(where)


# --- the whole run --------------------------------------------------------------------

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

    head_config = _config_rel(root, cwd, config)
    cwd_rel = _rel_folder(cwd, root)
    config_rel = base_config(root, base, base_ref, head_config, config is not None, cwd_rel,
                             changed)
    settings = base_settings(root, base, base_ref, config_rel)
    # Where the settings' folders start, from BASE's text: resolving it on disk would
    # follow symlinks in HEAD's working tree.
    settings = dataclasses.replace(
        settings, base_dir=root / posixpath.dirname(config_rel) if config_rel else root)
    register = _setting_folder(root, config_rel, settings.register, "register")
    evidence = _setting_folder(root, config_rel, settings.evidence, "evidence")
    blobs = _Blobs(root, fork, head)
    judge = _Judge(settings, cwd, root, changed, blobs)

    capa_docs_repo = any(p.startswith("capa_docs/") for p in changed) and _is_capa_docs(
        root, (base, head_commit if head else None))
    configs = {config_rel, head_config}
    for path in sorted(changed):
        reason = _gate_reason(path, capa_docs_repo)
        if reason is None and posixpath.basename(path) in CONFIG_NAMES and path not in configs:
            reason = ("another MkDocs configuration file (mkdocs and capa read the first of "
                      f"{', '.join(CONFIG_NAMES)} they find, so it can take over)")
        if reason:
            judge.report("gate-changed", path, 1,
                         f"this change edits {reason}, which decides how changes are "
                         "judged; it needs review by the register's code owners")
    _gate_config(root, fork, head, config_rel, head_config, changed, judge)

    base_tree = ls_tree(root, fork, register)
    if register and not base_tree:
        _check_register_exists(root, fork, base_ref, register, evidence, settings, config_rel)
    findings = {p: s for p, s in changed.items() if _finding_path(p, register, evidence)}
    old_paths = [p for p, s in findings.items() if s in ("M", "D")]
    new_paths = [p for p, s in findings.items() if s in ("A", "M")]
    old_side = _read_side(root, base_tree, old_paths)
    evidence_hits = _evidence_touched(root, fork, base_tree, changed, register, evidence,
                                      set(old_paths) | set(new_paths))

    check = sorted(set(new_paths) | set(evidence_hits))
    head_side = _validate_head(root, head, settings, check, register, evidence, today, cwd)
    blobs.head_tree = head_side.tree
    for path, target in head_side.links.items():
        judge.problems.append(Problem(
            judge.shown(path), 1, "front-matter", ERROR,
            f"this finding file is a symbolic link (to {target}); a finding must be a "
            "regular file, or the record reviewed is not the file shown: replace the link "
            "with the finding itself"))
    judge.problems.extend(head_side.problems)

    _judge_pairs(judge, changed, old_side, head_side.findings, head_side.raw, old_paths,
                 new_paths)
    for path, (kind, target, old) in sorted(evidence_hits.items()):
        if old.get("status") != "closed":
            continue
        fid = _finding_id(old, path)
        head_f = head_side.findings.get(path)
        if kind == "D":
            judge.at("evidence-removed", head_f, path, ("closure", "evidence"),
                     f"evidence file {target} of closed finding {fid} was deleted; evidence "
                     "of a closure is kept: restore it")
        else:
            judge.at("closed-edited", head_f, path, ("closure", "evidence"),
                     f"evidence file {target} of closed finding {fid} was changed; a closed "
                     "record's evidence stays as it was: add a new file instead")

    gate = [p for p in judge.problems if p.rule == "gate-changed"]
    rest = sorted((p for p in judge.problems if p.rule != "gate-changed"),
                  key=lambda p: (p.path, p.line, p.rule, p.message))
    head_label = head_ref or "working tree"
    notes = head_side.notes
    notes.insert(0, f"compared {base_ref} (merge base {fork[:12]}) with {head_label}: "
                    f"{len(check)} changed finding file{'s' if len(check) != 1 else ''} checked "
                    f"with {base_ref}'s settings")
    return DiffResult(base_ref, head_label, [*gate, *rest], judge.changes, len(check), notes)


def _read_head_file(root: Path, head: str | None, rel: str) -> bytes | None:
    if head is None:
        path = root / rel
        if path.is_symlink():
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None
    result = git(root, "cat-file", "blob", f"{head}:{rel}")
    return result.stdout if result.returncode == 0 else None


def _gate_config(root: Path, fork: str, head: str | None, base_config: str | None,
                 head_config: str | None, changed: dict[str, str], judge: _Judge) -> None:
    """gate-changed for the capa block of mkdocs.yml (other mkdocs edits are not the gate),
    and for a configuration that moved: mkdocs would read another file from now on."""
    if base_config != head_config:
        if base_config is None:
            what = f"adds {head_config}, a MkDocs configuration the base branch does not have"
        elif head_config is None:
            what = f"moves or deletes {base_config}, the base branch's MkDocs configuration"
        else:
            what = f"moves the MkDocs configuration from {base_config} to {head_config}"
        shown = head_config or base_config
        assert shown is not None
        new_raw = _read_head_file(root, head, head_config) if head_config else None
        judge.report("gate-changed", shown, _capa_line(new_raw or b""),
                     f"this change {what}, so the capa settings (rule levels, SLAs, folders) "
                     "come from another file from now on; capa diff judged it with the base "
                     "branch's settings, and it needs review by the register's code owners")
        return
    rel = head_config or "mkdocs.yml"
    if rel not in changed:
        return
    old = git(root, "cat-file", "blob", f"{fork}:{rel}")
    new_raw = _read_head_file(root, head, rel)

    def block(raw: bytes | None) -> Any:
        if raw is None:
            return None
        try:
            return plugin_block_from_text(raw, rel)
        except ConfigError as error:
            return f"unreadable: {error}"

    if block(old.stdout if old.returncode == 0 else None) != block(new_raw):
        judge.report("gate-changed", rel, _capa_line(new_raw or b""),
                     "this change edits the capa settings in mkdocs.yml (rule levels, SLAs, "
                     "folders); capa diff judged it with the base branch's settings, and it "
                     "needs review by the register's code owners")


def _read_side(root: Path, tree: dict[str, Entry], paths: list[str]) -> dict[str, _Base]:
    side: dict[str, _Base] = {}
    present = [p for p in paths if p in tree]
    blobs = cat_blobs(root, [tree[p].sha for p in present])
    for path in present:
        raw = blobs.get(tree[path].sha, b"")
        loaded = _load(raw) if tree[path].mode != SYMLINK else None
        side[path] = _Base(path, loaded[0] if loaded else None, raw,
                           loaded[1] if loaded else "")
    return side


def _evidence_touched(root: Path, fork: str, base_tree: dict[str, Entry],
                      changed: dict[str, str], register: str, evidence: str,
                      already: set[str]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Unchanged findings whose evidence file was changed or deleted: finding path ->
    (M or D, evidence path, its data). One ``git grep`` on the base tree narrows the
    candidates to files that mention the evidence file's name. (Changed findings have
    their evidence files checked when they are paired, moved ones included.)"""
    touched = {p: s for p, s in changed.items()
               if s in "MD" and not _finding_path(p, register, evidence)}
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
        if path and path not in already and _finding_path(path, register, evidence):
            candidates.append(path)
    blobs = cat_blobs(root, [base_tree[p].sha for p in candidates if p in base_tree])
    hits: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path in candidates:
        if path not in base_tree:
            continue
        data = _parse(blobs.get(base_tree[path].sha, b""))
        for item in _evidence_items(data):
            target = _evidence_target(path, item.get("path"))
            if data is not None and target in touched:
                hits[path] = (touched[target], target, data)
                break
    return hits


@dataclass
class _Head:
    """HEAD's side of the changed findings, validated with BASE's settings."""

    findings: dict[str, Finding] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    """Finding paths that are symbolic links, and where they point: refused, never read."""
    tree: dict[str, Entry] | None = None


def _validate_head(root: Path, head: str | None, settings: Settings, paths: list[str],
                   register: str, evidence: str, today: dt.date, cwd: Path) -> _Head:
    """Validate HEAD's side of the changed findings with BASE's settings.

    A HEAD commit is validated in a private copy of the files validation reads (see
    materialise). A finding file that is a symlink is never followed: it could show the
    reviewer one file and record another (a file in the evidence folder, say).
    """
    side = _Head()
    if not paths:
        return side
    if head is None:
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
        result = validate(settings, root, today, [root / p for p in present], cwd=cwd,
                          workers=1, history={p: today for p in present})
        side.findings = {f.rel: f for f in result.findings}
        side.problems, side.notes = result.problems, result.notes
        return side
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
        stand_ins = [p for p in tree
                     if p not in wanted and _finding_path(p, register, evidence)]
        side.raw = materialise(root, tree, present, stand_ins, _evidence_paths, scratch)
        moved = dataclasses.replace(
            settings, base_dir=scratch / _rel_folder(settings.base_dir, root))
        # A file the change touched last changed at HEAD at the latest: never stale here.
        when = git(root, "show", "-s", "--format=%cs", head).stdout.decode().strip()
        history = {p: dt.date.fromisoformat(when) for p in present} if when else {}
        result = validate(moved, scratch, today, [scratch / p for p in present],
                          cwd=scratch / _rel_folder(cwd, root), workers=1, history=history)
        side.findings = {f.rel: f for f in result.findings}
        side.problems, side.notes = result.problems, result.notes
        return side
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _judge_pairs(judge: _Judge, changed: dict[str, str], old_side: dict[str, _Base],
                 head: dict[str, Finding], head_raw: dict[str, bytes], old_paths: list[str],
                 new_paths: list[str]) -> None:
    """Pair base and head files: in place, moved (same ID), renamed (new ID), or gone.
    Every BASE finding the change touched ends up judged, or reported."""
    gone = [p for p in old_paths if changed[p] == "D"]
    added = [p for p in new_paths if changed[p] == "A"]
    for path in old_paths:
        if changed[path] == "M" and path in old_side:
            judge.compare(old_side[path], head.get(path), path, head_raw.get(path))
    by_id: dict[str, str] = {}
    for path in added:
        data = head[path].data if path in head else None
        by_id.setdefault(_finding_id(data, path), path)
    unmatched: list[str] = []
    for path in gone:
        old = old_side.get(path, _Base(path, None))
        fid = _finding_id(old.data, path)
        target = by_id.pop(fid, None)
        if target is None:
            unmatched.append(path)
            continue
        added.remove(target)
        judge.change("moved", fid, target, judge.shown(path), judge.shown(target))
        judge.compare(old, head.get(target), target, head_raw.get(target))
    for path in unmatched:
        old = old_side.get(path, _Base(path, None))
        fid = _finding_id(old.data, path)
        match = next((p for p in added if p in head and _similar(old.data, head[p].data)),
                     None)
        if match is None:
            judge.report("finding-deleted", path, 1,
                         f"{fid} was deleted; findings are never deleted: restore the file "
                         "and close the finding with the reason (e.g. raised in error) as "
                         "evidence")
            judge.change("deleted", fid, path)
            continue
        added.remove(match)
        new = head[match]
        judge.at("finding-renamed", new, match, ("id",),
                 f"{fid} ({judge.shown(path)}) became {new.id}; an ID is permanent (other "
                 f"records cite it): restore {fid}, and raise a new finding if this is new work")
        judge.change("renamed", new.id, match, fid, new.id)
        judge.compare(old, new, match, head_raw.get(match), renamed=True)
    for path in added:
        new_f = head.get(path)
        data = new_f.data if new_f else {}
        judge.change("new", _finding_id(data, path), path, "", str(data.get("status", "")),
                     [str(data.get("severity", "")), str(data.get("title", ""))])
