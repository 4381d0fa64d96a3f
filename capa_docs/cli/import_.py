"""``capa import``: turn a CSV or XLSX register into findings."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..contract.model import ERROR
from ..contract.settings import ConfigError, resolve_today
from ..contract.validate import display_path
from .common import EXIT_OK, EXIT_PROBLEMS, Commands, add_common, settings_of


def add_parser(commands: Commands) -> None:
    from ..interop.columns import all_fields

    source = commands.add_parser("import", help="turn a CSV or XLSX register into findings")
    source.add_argument("file", type=Path, metavar="FILE.csv|FILE.xlsx")
    source.add_argument("--out", type=Path, default=None,
                        help="folder to write into (default: the configured register)")
    source.add_argument("--dry-run", action="store_true",
                        help="write nothing; print what would be written and its problems")
    source.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                        help=f"read a column as a field; fields: {all_fields()}")
    source.add_argument("--map-file", type=Path, default=None, metavar="FILE",
                        help="YAML with column maps, value maps (e.g. status: {On hold: "
                             "open}), defaults and the sheet: a migration made repeatable")
    source.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="value for a field where its cell is empty, e.g. source=other")
    source.add_argument("--sheet", default=None, help="XLSX worksheet (default: the first)")
    add_common(source)
    source.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..interop.importer import run_import

    settings = settings_of(args)
    today = resolve_today(args.today)
    out_dir = (args.out or settings.register_dir).resolve()
    plan = plan_of(args)
    try:
        outcome = run_import(args.file, settings, out_dir, today, plan, args.dry_run,
                             Path.cwd())
    except OSError as error:  # the sheet unreadable, the register folder unlistable, ...
        where = f"{error.filename}: " if error.filename else ""
        raise ConfigError(f"{where}{error.strerror or error}") from None
    if args.dry_run:
        print_mapping(outcome)
    verb = "would write" if args.dry_run else "wrote"
    valid = 0
    for draft, problems in outcome.written:
        assert draft.target is not None
        shown = display_path(draft.target, Path.cwd())
        errors = sum(1 for p in problems if p.level == ERROR)
        warnings = len(problems) - errors
        state = f"{errors} error{'s' if errors != 1 else ''}" if errors else "valid"
        if warnings:
            state += f", {warnings} warning{'s' if warnings != 1 else ''}"
        valid += not errors
        print(f"{verb} {shown} (row {draft.row}): {state}")
        for problem in problems:
            print(f"  {problem}")
    for draft in outcome.skipped:
        print(f"skipped row {draft.row}: {draft.skipped}")
    rows = len(outcome.written) + len(outcome.skipped)
    print(f"{rows} row{'s' if rows != 1 else ''}: {len(outcome.written)} "
          f"{'to write' if args.dry_run else 'written'}, {valid} valid, "
          f"{len(outcome.written) - valid} with errors, {len(outcome.skipped)} skipped")
    return EXIT_PROBLEMS if outcome.errors or outcome.skipped else EXIT_OK


def plan_of(args: argparse.Namespace):
    """--map-file first, then --map, --set and --sheet on top (the command line wins)."""
    from ..interop.importer import Plan, parse_maps, parse_sets
    from ..interop.mapfile import read_map_file

    plan = Plan()
    map_file = getattr(args, "map_file", None)
    if map_file is not None:
        loaded = read_map_file(map_file)
        plan.maps.update(loaded["columns"])
        plan.values.update(loaded["values"])
        plan.defaults.update(loaded["set"])
        plan.sheet = loaded["sheet"]
    plan.maps.update(parse_maps(args.map))
    plan.defaults.update(parse_sets(args.set))
    if args.sheet is not None:
        plan.sheet = args.sheet
    return plan


def _clip(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def print_mapping(outcome) -> None:
    """Each column, the field it went to, why, how sure, and a sample; then the columns
    left unmapped (their cells are kept in each finding's import table)."""
    table = outcome.table
    print(f"mapping of {table.source} (header on row {table.header_row}, "
          f"{len(table.rows)} filled row{'s' if len(table.rows) != 1 else ''}):")
    unmapped = []
    for decision in outcome.decisions:
        if decision.field is None:
            unmapped.append(decision)
            continue
        print(f"  {decision.heading!r} -> {decision.field} ({decision.reason}; "
              f"{round(decision.confidence * 100)}%): e.g. {_clip(decision.sample)!r}")
    if unmapped:
        print("unmapped columns (kept as written in each finding's import table):")
        for decision in unmapped:
            why = f" ({decision.reason})" if decision.reason else ""
            print(f"  {decision.heading!r}{why}: e.g. {_clip(decision.sample)!r}")
    print("rows:")
