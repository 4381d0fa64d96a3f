"""Validate a register: find the files, load each strictly, check schema and rules.

Per-file work (read, parse, schema, per-finding rules, evidence hashes) is independent,
so large registers are split across processes; the register-wide rules (duplicate IDs,
unknown related findings) run after, in the parent, over every finding at once.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import re
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .frontmatter import LoadError, decode, load_text, read_finding
from .model import OFF, Finding, Problem
from .rules import FINDING_RULES, RULES, Context
from .schema import fast_validator, schema_errors
from .settings import Settings

# Below this many files a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 400


@dataclass
class Validation:
    """Everything one validation run found: the findings that loaded, and the problems."""

    findings: list[Finding]
    problems: list[Problem]
    files: int
    notes: list[str] = field(default_factory=list)

    def count(self, level: str) -> int:
        return sum(1 for p in self.problems if p.level == level)


NOT_FINDINGS = ("readme.md", "index.md")
"""Markdown a register folder may hold that is not a finding, whatever its case: a
folder's README (the forge shows it) and index page (MkDocs publishes either as the
folder's page). They are skipped with a note, never judged."""


def is_finding_name(name: str) -> bool:
    return name.endswith(".md") and name.lower() not in NOT_FINDINGS


def discover(settings: Settings, paths: list[Path] | None = None) -> list[Path]:
    """Finding files: Markdown under the given paths (default the register), not evidence.

    Folders are resolved and walked without following symlinks; a file named on the
    command line keeps its own name (only its folder is resolved), so a symlinked finding
    reaches `check_file` as the link it is, and is refused there.
    """
    return [f for f in _markdown(settings, paths) if is_finding_name(f.name)]


def _markdown(settings: Settings, paths: list[Path] | None) -> list[Path]:
    """Every Markdown file under the paths (or named), outside the evidence folder."""
    roots = paths or [settings.register_dir]
    evidence = str(settings.evidence_dir)
    found: set[str] = set()
    for root in roots:
        if not root.is_dir():
            named = Path(os.path.abspath(root))
            named = named.parent.resolve() / named.name
            if not named.is_relative_to(evidence):
                found.add(str(named))
            continue
        root = root.resolve()
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")
                           and os.path.join(dirpath, d) != evidence]
            found.update(os.path.join(dirpath, name) for name in filenames
                         if name.endswith(".md"))
    if not paths or any(evidence.startswith(str(r.resolve())) for r in roots):
        found = {f for f in found if not f.startswith(evidence + os.sep)}
    return [Path(f) for f in sorted(found)]


def display_path(path: Path, cwd: Path) -> str:
    """A path as the user would type it: relative to where they stand, when it can be."""
    text, base = str(path), str(cwd)
    if text.startswith(base + os.sep):
        return text[len(base) + 1 :].replace(os.sep, "/")
    return os.path.relpath(text, base) if path.is_relative_to(cwd.parent) else text


def check_file(path: Path, ctx: Context, cwd: Path) -> tuple[Finding | None, list[Problem]]:
    """Load one file and run everything that needs only that file."""
    shown = display_path(path, cwd)
    problems: list[Problem] = []

    def report(rule: str, line: int, message: str) -> None:
        level = ctx.settings.level(rule, RULES[rule].level)
        if level != OFF:
            problems.append(Problem(shown, line, rule, level, message))

    if not str(path).startswith(ctx.repo_root_text):
        # Discovery resolves every folder, so this lexical test is the resolved one.
        report("front-matter", 1, f"the file is outside the repository ({ctx.repo_root}); "
                                  "a finding must be a file in the repository it is checked in")
        return None, problems
    try:
        document = load_text(decode(read_finding(path)))
    except LoadError as error:
        report(error.rule, error.line, error.message)
        return None, problems
    rel = _relative(path, ctx.repo_root)
    finding = Finding(path, rel, document.data, document.lines, document.body,
                      document.body_line)
    for line, message in document.duplicates:
        report("duplicate-key", line, message)
    try:
        fast_validator()(document.data)
    except Exception:  # noqa: BLE001 - any failure of the fast path means: explain it
        # The fast path judges; jsonschema explains. Should they ever disagree, the
        # finding is judged by the explanation, so it never fails without a message.
        for keypath, message in schema_errors(document.data):
            finding.schema_valid = False
            report("schema", finding.line_of(keypath), message)
    if finding.schema_valid:
        for rule in FINDING_RULES:
            assert rule.check is not None
            for keypath, message in rule.check(finding, ctx):
                report(rule.name, finding.line_of(keypath), message)
    return finding, problems


def _relative(path: Path, repo_root: Path) -> str:
    """The repository-relative POSIX path that git history is keyed by."""
    text, base = str(path), str(repo_root)
    if text.startswith(base + os.sep):
        return text[len(base) + 1 :].replace(os.sep, "/")
    return path.as_posix()


_worker_context: tuple[Context, Path, bool] | None = None


def _init_worker(ctx: Context, cwd: Path, keep: bool) -> None:
    global _worker_context
    _worker_context = (ctx, cwd, keep)


def _check_chunk(paths: list[Path]) -> list[tuple[Finding | None, list[Problem]]]:
    assert _worker_context is not None
    ctx, cwd, keep = _worker_context
    with _no_gc():
        results = [check_file(path, ctx, cwd) for path in paths]
    if keep:
        return results
    return [(_slim(f) if f is not None else None, problems) for f, problems in results]


def _slim(finding: Finding) -> Finding:
    """Only what the register-wide rules read: sending whole findings back costs more
    than checking them when the caller wants just the verdict."""
    data = {key: finding.data[key] for key in ("id", "related") if key in finding.data}
    lines = {key: line for key, line in finding.lines.items()
             if key[0] in ("id", "related")}
    return Finding(finding.path, finding.rel, data, lines, schema_valid=finding.schema_valid)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while findings pile up.

    Loading creates many small objects and frees none of them in cycles, so every
    generation-2 pass rescans all findings kept so far: 15% of a 10,000-finding run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_all(paths: list[Path], ctx: Context, cwd: Path, workers: int,
               keep: bool) -> list[tuple[Finding | None, list[Problem]]]:
    with _no_gc():
        return _check_all_collecting(paths, ctx, cwd, workers, keep)


def _check_all_collecting(paths: list[Path], ctx: Context, cwd: Path, workers: int,
                          keep: bool) -> list[tuple[Finding | None, list[Problem]]]:
    # fork is cheap and inherits the compiled schema; it is unsafe once other threads
    # exist (mkdocs serve), so then the work stays in this process.
    if (workers <= 1 or len(paths) < _PARALLEL_THRESHOLD or threading.active_count() > 1
            or "fork" not in multiprocessing.get_all_start_methods()):
        return [check_file(path, ctx, cwd) for path in paths]
    fast_validator()
    size = max(50, len(paths) // (workers * 4))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_init_worker, initargs=(ctx, cwd, keep))
    with pool:
        return [item for chunk in pool.map(_check_chunk, chunks) for item in chunk]


def validate(settings: Settings, repo_root: Path, today: dt.date,
             paths: list[Path] | None = None, *, cwd: Path | None = None,
             workers: int | None = None, history: dict[str, dt.date],
             notes: Sequence[str] = (), keep_findings: bool = True) -> Validation:
    """Validate the register (or the given files against the whole register).

    ``history`` is each file's last commit day (repository-relative POSIX path), which
    the `stale` rule reads; the caller asks git for it (``git.history.last_changed``) or
    knows it, so the contract never reads git. ``notes`` are passed through to the
    report (why some dates are missing).

    With ``keep_findings=False`` the findings returned carry only their ID and related
    list: enough for a verdict, and much cheaper to collect from worker processes.
    """
    cwd = (cwd or Path.cwd()).resolve()
    ctx = Context(settings, today, repo_root, history)
    markdown = _markdown(settings, paths)
    files = [f for f in markdown if is_finding_name(f.name)]
    notes = [*notes, *(f"{display_path(f, cwd)}: skipped, a folder's {f.name} is not a "
                       "finding" for f in markdown if not is_finding_name(f.name))]
    results = _check_all(files, ctx, cwd, workers or os.cpu_count() or 1, keep_findings)
    findings = [f for f, _ in results if f is not None]
    problems = [p for _, found in results for p in found]
    everything = discover(settings) if paths else files
    problems.extend(_register_problems(findings, everything, ctx, cwd))
    problems.sort(key=lambda p: (p.path, p.line, p.rule, p.message))
    return Validation(findings, problems, len(files), list(notes))


def _register_problems(findings: list[Finding], register_files: list[Path], ctx: Context,
                       cwd: Path) -> list[Problem]:
    """id-duplicate and related-unknown: the rules that need every finding at once.

    Other files' IDs come from their names (id-filename makes name and ID agree), so
    checking a few files, as a pre-commit hook does, needs no parse of the rest.
    """
    problems: list[Problem] = []

    def report(rule: str, finding: Finding, keypath: tuple, message: str) -> None:
        level = ctx.settings.level(rule, RULES[rule].level)
        if level != OFF:
            problems.append(Problem(display_path(finding.path, cwd), finding.line_of(keypath),
                                    rule, level, message))

    loaded = {f.path for f in findings}
    owners: dict[str, list[Path]] = defaultdict(list)
    for f in findings:
        owners[f.id].append(f.path)
    for path in register_files:
        if path not in loaded:
            owners[path.stem].append(path)
    for f in findings:
        others = [p for p in owners[f.id] if p != f.path]
        if others:
            names = ", ".join(display_path(p, cwd) for p in others)
            report("id-duplicate", f, ("id",),
                   f"ID {f.id} is also used by {names}; every finding needs its own ID "
                   "(capa new picks the next free one)")
    for f in findings:
        related = f.data.get("related") if f.schema_valid else None
        for index, other in enumerate(related or []):
            if other == f.id:
                report("related-unknown", f, ("related", index),
                       f"`related` lists this finding itself ({other}); list other findings")
            elif other not in owners:
                close = _closest(other, owners)
                hint = f"; did you mean {close}?" if close else ""
                report("related-unknown", f, ("related", index),
                       f"`related` names {other}, which is not in the register{hint}")
    return problems


def _closest(wanted: str, ids: dict[str, list[Path]]) -> str | None:
    digits = re.sub(r"\D", "", wanted)
    for candidate in ids:
        if digits and re.sub(r"\D", "", candidate) == digits:
            return candidate
    return None
