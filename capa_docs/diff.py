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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import (
    CONFIG_NAMES,
    ConfigError,
    Settings,
    find_config_file,
    plugin_block_from_text,
    settings_from_mapping,
)
from .frontmatter import LoadError, decode, load_text
from .gittree import (
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
)
from .model import OFF, Finding, KeyPath, Problem, as_date
from .rules import DIFF_RULES
from .validate import display_path, validate

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


@dataclass
class _Side:
    """One commit's view of a few findings: parsed data (None when unreadable) by path."""

    data: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)


# --- settings from BASE ---------------------------------------------------------------

def _config_rel(root: Path, cwd: Path, config: Path | None) -> str | None:
    """Where mkdocs.yml stands, relative to the repository, as found from ``cwd``."""
    if config is not None:
        found: Path | None = (cwd / config).resolve()
    else:
        found = find_config_file(cwd, root)
    if found is not None:
        try:
            return found.relative_to(root).as_posix()
        except ValueError:
            raise DiffError(f"{found} is outside the repository {root}") from None
    return None


def base_settings(root: Path, base: str, base_ref: str, config_rel: str | None) -> Settings:
    """Settings from BASE's own mkdocs.yml (or the defaults when BASE has none)."""
    candidates = [config_rel] if config_rel else list(CONFIG_NAMES)
    for rel in candidates:
        result = git(root, "cat-file", "blob", f"{base}:{rel}")
        if result.returncode == 0:
            where = f"{base_ref}:{rel}"
            block = plugin_block_from_text(result.stdout, where)
            return settings_from_mapping(block, root / posixpath.dirname(rel), Path(where))
    folder = posixpath.dirname(config_rel) if config_rel else ""
    return Settings(base_dir=(root / folder).resolve())


def _rel_folder(folder: Path, root: Path) -> str:
    try:
        rel = folder.relative_to(root).as_posix()
    except ValueError:
        raise DiffError(f"{folder} is outside the repository {root}") from None
    return "" if rel == "." else rel


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
_GATE_FILES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".pre-commit-config.yaml")


def _gate_reason(path: str) -> str | None:
    if path.startswith(_GATE_PATHS):
        return "a GitHub Actions workflow or local action"
    if path in _GATE_FILES:
        return "CODEOWNERS" if path.endswith("CODEOWNERS") else "the pre-commit configuration"
    name = posixpath.basename(path)
    if name.endswith(".schema.json") or "/schemas/" in f"/{path}":
        return "a JSON Schema"
    return None


def _capa_line(text: bytes) -> int:
    match = re.search(rb"^[ \t-]*capa[ \t]*:", text, re.MULTILINE)
    return text[: match.start()].count(b"\n") + 1 if match else 1


# --- the comparison -------------------------------------------------------------------

def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        return load_text(decode(raw)).data
    except LoadError:
        return None


def _finding_id(data: dict[str, Any] | None, path: str) -> str:
    value = (data or {}).get("id")
    return value if isinstance(value, str) else posixpath.splitext(posixpath.basename(path))[0]


def _evidence_items(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    closure = (data or {}).get("closure")
    items = closure.get("evidence") if isinstance(closure, dict) else None
    return [item for item in items or [] if isinstance(item, dict)]


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


class _Judge:
    """Collects the diff rules' problems at the levels BASE configures."""

    def __init__(self, settings: Settings, cwd: Path, root: Path) -> None:
        self.settings, self.cwd, self.root = settings, cwd, root
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

    def change(self, kind: str, finding_id: str, rel: str, before: str = "", after: str = "",
               detail: Iterable[str] = ()) -> None:
        self.changes.append(Change(kind, finding_id, self.shown(rel), before, after,
                                   tuple(detail)))

    def compare(self, old: dict[str, Any] | None, new: Finding | None, rel: str,
                same_bytes: bool) -> None:
        """Everything the diff rules say about one finding present on both sides."""
        if old is None or new is None:
            return
        data, fid = new.data, new.id
        old_id = _finding_id(old, rel)
        if isinstance(data.get("id"), str) and data["id"] != old_id:
            self.at("finding-renamed", new, rel, ("id",),
                    f"the ID changed from {old_id} to {data['id']}; an ID is permanent "
                    f"(other records cite it): restore {old_id}, and raise a new finding "
                    "if this is new work")
            self.change("renamed", fid, rel, old_id, data["id"])
        for key in ("raised", "raised_by"):
            if old.get(key) != data.get(key):
                self.at("raised-changed", new, rel, (key,),
                        f"`{key}` changed from {old.get(key)!r} to {data.get(key)!r}; when and "
                        "by whom a finding was raised is part of the record: restore it")
        before, after = old.get("status"), data.get("status")
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
            if not same_bytes:
                fields = _changed_fields(old, data)
                keypath: KeyPath = (fields[0],) if fields and fields[0] != "narrative" else ()
                self.at("closed-edited", new, rel, keypath or ("status",),
                        f"{fid} was closed on the base branch and is edited here "
                        f"({', '.join(fields) or 'formatting'}); a closed record stays as "
                        "it was: reopen it (status: in-progress) to change it")
            kept = {_evidence_key(item) for item in _evidence_items(data)}
            for item in _evidence_items(old):
                if _evidence_key(item) not in kept:
                    self.at("evidence-removed", new, rel, ("closure", "evidence"),
                            f"closure evidence {_evidence_key(item)} was removed from closed "
                            f"finding {fid}; evidence of a closure is kept: restore it")
        self._severity(old, new, rel)
        self._due(old, new, rel)

    def _severity(self, old: dict[str, Any], new: Finding, rel: str) -> None:
        before, after = old.get("severity"), new.data.get("severity")
        if before in SEVERITY_ORDER and after in SEVERITY_ORDER and (
                SEVERITY_ORDER.index(after) > SEVERITY_ORDER.index(before)):
            self.at("severity-lowered", new, rel, ("severity",),
                    f"severity lowered from {before} to {after}; the reviewer should confirm "
                    "the reason is recorded in the narrative")
            self.change("lowered", new.id, rel, before, after)

    def _due(self, old: dict[str, Any], new: Finding, rel: str) -> None:
        old_actions = old.get("corrective_actions") or []
        new_actions = new.data.get("corrective_actions") or []
        for index, (was, now) in enumerate(zip(old_actions, new_actions, strict=False)):
            if not isinstance(was, dict) or not isinstance(now, dict):
                continue
            before, after = as_date(was.get("due")), as_date(now.get("due"))
            if before and after and after > before:
                self.at("due-extended", new, rel, ("corrective_actions", index, "due"),
                        f"corrective action {index + 1} due date moved from {before} to "
                        f"{after} ({(after - before).days} days later); record why")
                self.change("extended", new.id, rel, before.isoformat(), after.isoformat(),
                            [f"action {index + 1}"])


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    keys = list(dict.fromkeys([*new, *old]))
    fields = [key for key in keys if old.get(key) != new.get(key)]
    return fields or ["narrative"]


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

    config_rel = _config_rel(root, cwd, config)
    settings = base_settings(root, base, base_ref, config_rel)
    register = _rel_folder(settings.register_dir, root)
    evidence = _rel_folder(settings.evidence_dir, root)
    judge = _Judge(settings, cwd, root)

    changed = changed_paths(root, fork, head)
    for path in sorted(changed):
        reason = _gate_reason(path)
        if reason:
            judge.report("gate-changed", path, 1,
                         f"this change edits {reason}, which decides how changes are "
                         "judged; it needs review by the register's code owners")
    _gate_config(root, fork, head, config_rel, changed, judge)

    base_tree = ls_tree(root, fork, register)
    findings = {p: s for p, s in changed.items() if _finding_path(p, register, evidence)}
    old_paths = [p for p, s in findings.items() if s in ("M", "D")]
    new_paths = [p for p, s in findings.items() if s in ("A", "M")]
    old_side = _read_side(root, base_tree, old_paths)
    evidence_hits = _evidence_touched(root, fork, base_tree, changed, register, evidence,
                                      set(old_paths) | set(new_paths))

    check = sorted(set(new_paths) | set(evidence_hits))
    head_findings, head_raw, validation_problems, notes = _validate_head(
        root, head, settings, check, register, evidence, today, cwd)
    judge.problems.extend(validation_problems)

    _judge_pairs(judge, changed, old_side, head_findings, head_raw, old_paths, new_paths)
    for path, (kind, target, old) in sorted(evidence_hits.items()):
        if old.get("status") != "closed":
            continue
        fid = _finding_id(old, path)
        head_f = head_findings.get(path)
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
    notes.insert(0, f"compared {base_ref} (merge base {fork[:12]}) with {head_label}: "
                    f"{len(check)} changed finding file{'s' if len(check) != 1 else ''} checked "
                    f"with {base_ref}'s settings")
    return DiffResult(base_ref, head_label, [*gate, *rest], judge.changes, len(check), notes)


def _gate_config(root: Path, fork: str, head: str | None, config_rel: str | None,
                 changed: dict[str, str], judge: _Judge) -> None:
    """gate-changed for the capa block of mkdocs.yml: other mkdocs edits are not the gate."""
    rel = config_rel or "mkdocs.yml"
    if rel not in changed:
        return
    old = git(root, "cat-file", "blob", f"{fork}:{rel}")
    if head is None:
        try:
            new_raw = (root / rel).read_bytes()
        except OSError:
            new_raw = None
    else:
        result = git(root, "cat-file", "blob", f"{head}:{rel}")
        new_raw = result.stdout if result.returncode == 0 else None

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


def _read_side(root: Path, tree: dict[str, Entry], paths: list[str]) -> _Side:
    side = _Side()
    present = [p for p in paths if p in tree]
    blobs = cat_blobs(root, [tree[p].sha for p in present])
    for path in present:
        raw = blobs.get(tree[path].sha, b"")
        side.raw[path] = raw
        side.data[path] = _parse(raw)
    return side


def _evidence_touched(root: Path, fork: str, base_tree: dict[str, Entry],
                      changed: dict[str, str], register: str, evidence: str,
                      already: set[str]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Unchanged findings whose evidence file was changed or deleted: finding path ->
    (M or D, evidence path, its data). One ``git grep`` on the base tree narrows the
    candidates to files that mention the evidence file's name."""
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


def _validate_head(root: Path, head: str | None, settings: Settings, paths: list[str],
                   register: str, evidence: str, today: dt.date,
                   cwd: Path) -> tuple[dict[str, Finding], dict[str, bytes], list[Problem],
                                       list[str]]:
    """Validate HEAD's side of the changed findings with BASE's settings.

    Returns the findings and their bytes by path, the problems, and notes. A HEAD commit
    is validated in a private copy of the files validation reads (see _materialise).
    """
    if not paths:
        return {}, {}, [], []
    if head is None:
        present = [p for p in paths if (root / p).is_file()]
        if not present:
            return {}, {}, [], []
        raw = {p: (root / p).read_bytes() for p in present}
        # A file this change touches is being worked on now, so it is not stale; reading
        # the whole history to say so would cost more than the rest of the diff.
        # `capa validate` judges staleness across the register.
        result = validate(settings, root, today, [root / p for p in present], cwd=cwd,
                          workers=1, history={p: today for p in present})
        return {f.rel: f for f in result.findings}, raw, result.problems, result.notes
    scratch = Path(tempfile.mkdtemp(prefix="capa-diff-", dir=memory_dir())).resolve()
    try:
        tree = ls_tree(root, head)
        present = [p for p in paths if p in tree and tree[p].mode != SYMLINK]
        wanted = set(present)
        stand_ins = [p for p in tree
                     if p not in wanted and _finding_path(p, register, evidence)]
        raw = materialise(root, tree, present, stand_ins, _evidence_paths, scratch)
        moved = dataclasses.replace(
            settings, base_dir=scratch / _rel_folder(settings.base_dir, root))
        # A file the change touched last changed at HEAD at the latest: never stale here.
        when = git(root, "show", "-s", "--format=%cs", head).stdout.decode().strip()
        history = {p: dt.date.fromisoformat(when) for p in present} if when else {}
        result = validate(moved, scratch, today, [scratch / p for p in present],
                          cwd=scratch / _rel_folder(cwd, root), workers=1, history=history)
        return {f.rel: f for f in result.findings}, raw, result.problems, result.notes
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _judge_pairs(judge: _Judge, changed: dict[str, str], old_side: _Side,
                 head: dict[str, Finding], head_raw: dict[str, bytes], old_paths: list[str],
                 new_paths: list[str]) -> None:
    """Pair base and head files: in place, moved (same ID), renamed (new ID), or gone."""
    gone = [p for p in old_paths if changed[p] == "D"]
    added = [p for p in new_paths if changed[p] == "A"]
    for path in old_paths:
        if changed[path] == "M":
            judge.compare(old_side.data.get(path), head.get(path), path, False)
    by_id: dict[str, str] = {}
    for path in added:
        data = head[path].data if path in head else None
        by_id.setdefault(_finding_id(data, path), path)
    unmatched: list[str] = []
    for path in gone:
        fid = _finding_id(old_side.data.get(path), path)
        target = by_id.pop(fid, None)
        if target is None:
            unmatched.append(path)
            continue
        added.remove(target)
        judge.change("moved", fid, target, judge.shown(path), judge.shown(target))
        same = old_side.raw.get(path) == head_raw.get(target)
        judge.compare(old_side.data.get(path), head.get(target), target, same)
    for path in unmatched:
        old = old_side.data.get(path)
        fid = _finding_id(old, path)
        match = next((p for p in added if p in head and _similar(old, head[p].data)), None)
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
        renamed = dict(new.data)
        renamed["id"] = fid  # already reported; judge the rest of the record on its merits
        judge.compare(old, dataclasses.replace(new, data=renamed), match, False)
    for path in added:
        new_f = head.get(path)
        data = new_f.data if new_f else {}
        judge.change("new", _finding_id(data, path), path, "", str(data.get("status", "")),
                     [str(data.get("severity", "")), str(data.get("title", ""))])
