"""`capa import`: turn the rows of a spreadsheet register into finding files.

A team's spreadsheet is its audit trail until now, so nothing in it may be lost: every
row becomes a file, every original cell is kept in the narrative, and a value that
cannot be made valid is written as it was, so that validation names the field to fix
instead of the import guessing. Values are only translated where the meaning is plain
("Major NC" is `major`, "14/03/2026" is 2026-03-14); missing facts are never invented.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..contract.model import ERROR, Problem
from ..contract.scaffold import next_id
from ..contract.settings import ConfigError, Settings
from ..register.data import COMPUTED_COLUMNS
from . import values
from .columns import Decision, all_fields, decide, header_score, is_field
from .drafts import Draft, draft_row, dump, line
from .spreadsheet import Table, cell_text
from .values import words


def parse_maps(items: list[str]) -> dict[str, str]:
    """`--map "NC No.=id"` options as {heading as written: field}; a wrong one is a usage
    error. Whether the sheet has the heading is only known once it is read."""
    maps: dict[str, str] = {}
    for item in items:
        heading, sep, target = item.rpartition("=")
        target = target.strip()
        if not sep or not heading.strip():
            raise ConfigError(f"--map {item!r}: write COLUMN=FIELD, e.g. --map \"NC No.=id\"")
        if not is_field(target):
            raise ConfigError(f"--map {item!r}: unknown field {target!r}; "
                              f"fields: {all_fields()}")
        maps[" ".join(heading.split())] = target
    return maps


def check_maps(table: Table, maps: dict[str, str], option: str = "--map") -> dict[str, str]:
    """The maps as {heading words: field}, once every mapped heading is found in the sheet.

    A --map naming no column would otherwise be ignored without a word, and the column the
    user meant read by its guessed field or not at all.
    """
    known = {words(h) for h in table.headings}
    known |= {words(f"{g} {h}") for h, g in zip(table.headings, table.groups, strict=True)
              if g and g != h}
    missing = [heading for heading in maps if words(heading) not in known]
    if missing:
        listed = ", ".join(repr(h) for h in table.headings if h)
        heading = missing[0]
        raise ConfigError(f"{option} {heading + '=' + maps[heading]!r}: {table.source} has no "
                          f"column headed {heading!r}; its headings: {listed}")
    return {words(heading): target for heading, target in maps.items()}


_REFERENCE = re.compile(r"^(?:Original reference: |reference: )(.+)$", re.MULTILINE)


def assign_ids(drafts: list[Draft], settings: Settings, out_dir: Path, existing: list[Path],
               today: dt.date, show: Callable[[Path], str] = str) -> None:
    """Keep a row's own ID where it fits the pattern; give the others the next free one.

    Every own ID is reserved before any row is numbered, so a row without an ID never
    takes the ID a later row carries. A row repeating an ID already kept for an earlier
    row of the sheet gets a new ID, with its own kept as the original reference.

    A row an earlier import already filed is skipped: re-running an import must not
    overwrite a finding, nor file the same one twice. The n-th row carrying an ID matches
    the n-th finding filed for it: the file of that ID, then the files that keep it as
    their original reference (the sheet's repeats, renumbered).
    """
    used = {p.stem: p for p in existing}
    references = {line(d.data["id"]) for d in drafts if isinstance(d.data.get("id"), str)}
    filed = _filed_for(existing, used, references, settings.id_pattern)
    seen: dict[str, int] = {}
    kept: dict[str, int] = {}
    pending: list[tuple[Draft, str]] = []
    for draft in drafts:
        own = draft.data.get("id")
        if not isinstance(own, str) or not own:
            pending.append((draft, ""))
            continue
        key = line(own)
        index = seen.get(key, 0)
        seen[key] = index + 1
        earlier = filed.get(key, [])
        if index < len(earlier):
            before = earlier[index]
            draft.skipped = (f"the register already has {own} ({show(before)}); "
                             "not overwritten" if before.stem == own else
                             f"{own} was imported before as {before.stem} ({show(before)}); "
                             "not imported twice")
            continue
        if re.fullmatch(settings.id_pattern, own) and own not in used and own not in kept:
            kept[own] = draft.row
            _place(draft, own, out_dir, today, used, settings.evidence_dir)
            continue
        pending.append((draft, own))
    taken = [*existing, *(out_dir / f"{finding_id}.md" for finding_id in kept)]
    for draft, own in pending:
        finding_id = next_id(settings, _raised_year(draft, today), taken)
        if own:
            draft.reference = own
            draft.data = {"reference": line(own), **draft.data}
            if not re.fullmatch(settings.id_pattern, own):
                draft.notes.append(f"the spreadsheet's reference {own!r} does not match the "
                                   f"ID pattern {settings.id_pattern}; given ID {finding_id}.")
            elif own in kept:
                draft.notes.append(f"row {kept[own]} of the spreadsheet has the same ID "
                                   f"{own}; this row was given ID {finding_id}.")
            else:
                draft.notes.append(f"the register already has {own} ({show(used[own])}) "
                                   f"for another finding; this row was given ID {finding_id}.")
        _place(draft, finding_id, out_dir, today, used, settings.evidence_dir)
        taken.append(out_dir / f"{finding_id}.md")


def _raised_year(draft: Draft, today: dt.date) -> int:
    raised = draft.data.get("raised")
    return int(raised[:4]) if isinstance(raised, str) and _is_iso(raised) else today.year


def _place(draft: Draft, finding_id: str, out_dir: Path, today: dt.date,
           used: dict[str, Path], evidence_dir: Path) -> None:
    draft.data = {"id": finding_id, **{k: v for k, v in draft.data.items() if k != "id"}}
    draft.target = out_dir / str(_raised_year(draft, today)) / f"{finding_id}.md"
    used[finding_id] = draft.target
    if draft.files:
        # each file the sheet names goes in the finding's own evidence folder; until it is
        # there, validation names the missing file (evidence-missing) and where to put it
        folder = Path(os.path.relpath(evidence_dir / finding_id, draft.target.parent))
        items = [{"path": (folder / name).as_posix(), "description": said}
                 for name, said in draft.files]
        closure = draft.data.setdefault("closure", {})
        closure["evidence"] = [*closure.get("evidence", []), *items]
        draft.notes.append(f"the evidence names {len(items)} file"
                           f"{'s' if len(items) != 1 else ''}: put "
                           f"{'them' if len(items) != 1 else 'it'} in {folder.as_posix()}/.")


def _filed_for(existing: list[Path], used: dict[str, Path], references: set[str],
               id_pattern: str) -> dict[str, list[Path]]:
    """For each of the sheet's references, the findings already filed for it, in order.

    The finding of that ID comes first, then those that keep it as the original
    reference, by ID. The files are read only when a reference may have been filed
    under another ID: it does not fit the pattern, or the register already holds it.
    """
    found: dict[str, list[Path]] = {ref: [used[ref]] for ref in references if ref in used}
    if not any(ref in used or not re.fullmatch(id_pattern, ref) for ref in references):
        return found
    kept: dict[str, list[Path]] = {}
    for path in existing:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "reference: " in text:
            for match in _REFERENCE.finditer(text):
                reference = match[1].strip()
                if reference in references and path.stem != reference:
                    kept.setdefault(reference, []).append(path)
                    break
    for reference, paths in kept.items():
        found.setdefault(reference, []).extend(sorted(set(paths), key=lambda p: p.stem))
    return found


def _is_iso(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text))


# --- the file ---------------------------------------------------------------------------


def _table_cell(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.splitlines()) or " "


def render(draft: Draft, source: str) -> str:
    """The finding file: front matter, then the narrative that keeps every original cell."""
    front = dump(draft.data)
    parts = ["---", front.rstrip("\n"), "---", ""]
    if draft.description:
        parts += ["## Description", "", draft.description.strip(), ""]
    for heading, value in draft.narrative:
        parts += [f"## {' '.join(heading.split())}", "", value.strip(), ""]
    parts += [f"## Imported from {source}, row {draft.row}", ""]
    if draft.reference:
        parts += [f"Original reference: {line(draft.reference)}", ""]
    if draft.notes:
        parts += [f"- {note}" for note in draft.notes] + [""]
    parts += ["| Column | Value |", "|---|---|"]
    parts += [f"| {_table_cell(h)} | {_table_cell(v)} |" for h, v in draft.cells]
    parts.append("")
    return "\n".join(parts)


def problems_section(lines: list[str]) -> str:
    """Appended to a file that did not validate, so the problems travel with it."""
    body = "\n".join(f"- {line}" for line in lines)
    return f"\n## Import problems\n\n{body}\n"


# --- the run ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one import did (or, in a dry run, would do) with each row, and how it read
    the sheet: each column's decision, for ``--dry-run`` to show first."""

    written: list[tuple[Draft, list[Problem]]]
    skipped: list[Draft]
    errors: int
    table: Table | None = None
    decisions: list[Decision] = field(default_factory=list)


@dataclass
class Plan:
    """How to read one sheet: column maps, value maps and defaults (--map, --map-file,
    --set)."""

    maps: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None


# capa export's columns: a CSV with these is the register itself, read back field by field
EXPORT_MARKS = ("id", "as_of", "source_file", "stale", "age_days")
EXPORT_IGNORED = (*COMPUTED_COLUMNS, "as_of", "commit")


def is_export(table: Table) -> bool:
    return all(mark in table.headings for mark in EXPORT_MARKS)


def read_table(source: Path, plan: Plan) -> tuple[Table, list[Decision], bool]:
    """The sheet's table and each column's decision; a workbook's register sheet is the
    one whose header names the most fields (a lookup sheet of allowed values is not)."""
    from .spreadsheet import read_sheet, sheet_names, split_table

    score = header_score({words(h): t for h, t in plan.maps.items()})
    names = [plan.sheet] if plan.sheet is not None else sheet_names(source)
    best: tuple[float, Table] | None = None
    failure: ConfigError | None = None
    for name in names:
        try:
            table = split_table(read_sheet(source, name), score, source.name)
        except ConfigError as error:
            failure = failure or error
            continue
        value = score(table.headings)
        if best is None or value > best[0]:
            best = (value, table)
    if best is None:
        raise failure or ConfigError(f"{source}: no sheet holds a table")
    table = best[1]
    restore = is_export(table) and not plan.maps
    if restore:
        decisions = [_export_decision(i, h, table) for i, h in enumerate(table.headings)]
    else:
        decisions = decide(table, check_maps(table, plan.maps))
    if not any(d.field for d in decisions):
        raise ConfigError(f"{source}: no column could be matched to a field; use --map")
    return table, decisions, restore


def _export_decision(index: int, heading: str, table: Table) -> Decision:
    from .columns import heading_readings

    sample = next((cell_text(r[index]) for _, r in table.rows if cell_text(r[index])), "")
    if heading in EXPORT_IGNORED:
        return Decision(index, heading, None, "a figure capa computes, not a field", 1.0,
                        sample)
    if heading == "closure_closed":
        return Decision(index, heading, "closed", "capa export column", 1.0, sample)
    readings = heading_readings(heading)
    name = readings[0][0] if readings and readings[0][1] == 1.0 else None
    return Decision(index, heading, name, "capa export column" if name else "not a field",
                    1.0, sample)


def last_activity(draft: Draft, today: dt.date) -> str | None:
    """The latest date the sheet records something happening (not a plan such as a due
    date), for the stale clock of a finding imported open."""
    data = draft.data
    closure = data.get("closure") or {}
    found = [data.get("raised"), (data.get("correction") or {}).get("completed"),
             closure.get("closed"), (closure.get("effectiveness") or {}).get("reviewed")]
    found += [a.get("completed") for a in data.get("corrective_actions") or []]
    found += [d for _, text in draft.narrative for d in values.dates_in(text)]
    dated = [d for d in found if isinstance(d, str) and _is_iso(d) and d <= today.isoformat()]
    return max(dated, default=None)


def make_drafts(table: Table, decisions: list[Decision], plan: Plan, restore: bool,
                source: Path, today: dt.date) -> list[Draft]:
    drafts = [draft_row(n, cells, decisions, plan.defaults, plan.values, restore)
              for n, cells in table.rows]
    if not restore:
        for draft in drafts:
            record: dict[str, str] = {"from": source.name, "date": today.isoformat()}
            latest = last_activity(draft, today)
            if latest and draft.data.get("status") != "closed":
                record["last_activity"] = latest
            draft.data["imported"] = record
    return drafts


def run_import(source: Path, settings: Settings, out_dir: Path, today: dt.date,
               plan: Plan, dry_run: bool, cwd: Path) -> Outcome:
    """Read, draft, write with ``open(..., "x")``, then validate the new files for real.

    A dry run writes into a temporary folder laid out like ``out_dir`` and validates
    there against the real register, so what it reports is what a real run would get.
    The folder is a hidden one in the repository, removed afterwards: a finding outside
    the repository it is checked in is refused, so a system temporary folder would fail
    every file.
    """
    from ..contract.validate import discover, display_path

    table, decisions, restore = read_table(source, plan)
    drafts = make_drafts(table, decisions, plan, restore, source, today)
    existing = discover(settings) if settings.register_dir.is_dir() else []
    if out_dir.is_dir() and not out_dir.resolve().is_relative_to(settings.register_dir):
        existing += discover(settings, [out_dir])
    assign_ids(drafts, settings, out_dir, existing, today,
               lambda path: display_path(path.resolve(), cwd))
    outcome = write_and_validate(drafts, settings, out_dir, today, source, dry_run, cwd)
    outcome.table, outcome.decisions = table, decisions
    outcome.written = [(draft, [with_import_hint(p, decisions, dry_run) for p in problems])
                       for draft, problems in outcome.written]
    return outcome


_MISSING = re.compile(r"missing required field `([a-z_]+)`")
# what a --set value for a required field looks like, in the hint
_SET_EXAMPLES = {"raised": "raised=YYYY-MM-DD", "raised_by": 'raised_by="NAME"',
                 "title": 'title="TITLE"', "severity": "severity=minor",
                 "status": "status=open", "source": "source=internal-audit"}


def with_import_hint(problem: Problem, decisions: list[Decision], dry_run: bool) -> Problem:
    """A required field the sheet left empty, with the import options that fill it, so a
    whole sheet is fixed by one option instead of file by file.

    A sheet without the column is told to map the column that holds it (``--map``) or to
    give every row one value (``--set``); a row whose cell is empty, to fill the cell or
    ``--set`` a value for every empty one. A file already written can also be fixed in
    place (an import never overwrites it).
    """
    found = _MISSING.fullmatch(problem.message) if problem.rule == "schema" else None
    if found is None or found[1] not in _SET_EXAMPLES:
        return problem
    name = found[1]
    example = f"--set {_SET_EXAMPLES[name]}"
    column = next((d.heading for d in decisions if d.field == name), None)
    where = "the sheet" if dry_run else "the file"
    if column is None:
        hint = (f"no column of the sheet was read as `{name}`: write it in {where}, or "
                f"import with --map \"COLUMN={name}\" (the column that holds it) or "
                f"{example} (one value for every row)")
    else:
        hint = (f"this row's {column!r} cell is empty: write it in {where}"
                f"{'' if dry_run else ' or the sheet'}, or import with {example} "
                "(one value for every empty cell)")
    return replace(problem, message=f"{problem.message}; {hint}")


def write_and_validate(drafts: list[Draft], settings: Settings, out_dir: Path,
                       today: dt.date, source: Path, dry_run: bool, cwd: Path) -> Outcome:
    import contextlib
    import tempfile

    from ..contract.validate import display_path, validate
    from ..git.history import last_changed
    from ..git.tree import repository_root

    todo = [d for d in drafts if d.target is not None]
    repo_root = repository_root(settings.base_dir)
    scratch: contextlib.AbstractContextManager[str | None] = contextlib.nullcontext()
    if dry_run:
        try:
            scratch = tempfile.TemporaryDirectory(prefix=".capa-import-", dir=repo_root)
        except OSError:  # a read-only checkout: validate elsewhere, as well as it can
            scratch = tempfile.TemporaryDirectory(prefix="capa-import-")
    with scratch as folder:
        root = Path(folder) if folder else out_dir
        written: list[tuple[Draft, Path]] = []
        for draft in todo:
            assert draft.target is not None
            path = root / draft.target.relative_to(out_dir)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:  # FileExistsError here: a file where a folder must be
                raise _unwritable(draft.target, error, written, dry_run) from None
            try:
                with path.open("x", encoding="utf-8", newline="\n") as handle:
                    handle.write(render(draft, source.name))
            except FileExistsError:
                draft.skipped = f"{draft.target} already exists; not overwritten"
                continue
            except OSError as error:
                raise _unwritable(draft.target, error, written, dry_run) from None
            written.append((draft, path))
        result = None
        if written:
            changed = last_changed(repo_root, settings.register_dir)
            result = validate(settings, repo_root, today, [p for _, p in written],
                              cwd=root.resolve(), history=changed.dates,
                              notes=[changed.note] if changed.note else [])
        by_file: dict[str, list[Problem]] = {}
        for problem in result.problems if result else []:
            by_file.setdefault(problem.path, []).append(problem)
        outcome = Outcome([], [d for d in drafts if d.skipped], 0)
        for draft, path in written:
            assert draft.target is not None
            shown = display_path(draft.target.resolve(), cwd)
            found = by_file.get(display_path(path.resolve(), root.resolve()), [])
            shown_problems = [replace(p, path=shown) for p in found]
            outcome.errors += sum(1 for p in found if p.level == ERROR)
            if found:
                with path.open("a", encoding="utf-8", newline="\n") as handle:
                    handle.write(problems_section(
                        [f"line {p.line}: {p.level} {p.rule}: {p.message}" for p in found]))
            outcome.written.append((draft, shown_problems))
    return outcome


def _unwritable(target: Path, error: OSError, written: list, dry_run: bool) -> ConfigError:
    """Stop at the first file that cannot be written, saying what was written before it."""
    reason = error.strerror or str(error)
    if error.filename and Path(error.filename) != target:
        reason += f": {error.filename}"
    done = (f" ({len(written)} file{'s' if len(written) != 1 else ''} written before it)"
            if written and not dry_run else "")
    return ConfigError(f"cannot write {target}: {reason}{done}")


def parse_sets(items: list[str]) -> dict[str, str]:
    """`--set source=internal-audit`: a value for a field wherever its cell is empty."""
    sets: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not value.strip():
            raise ConfigError(f"--set {item!r}: write FIELD=VALUE, e.g. --set source=other")
        if not is_field(name) or name in ("id", "narrative"):
            raise ConfigError(f"--set {item!r}: unknown field {name!r}")
        sets[name] = value.strip()
    return sets
