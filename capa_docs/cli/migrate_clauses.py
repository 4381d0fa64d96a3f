"""``capa migrate-clauses``: rewrite ISO/IEC 27001:2013 Annex A numbers in `clauses` to
their ISO/IEC 27001:2022 controls, in place, keeping every other byte of the file."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..contract.migrate import migrate_bytes
from ..contract.rewrite import write_atomically
from ..contract.validate import discover, display_path
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    Commands,
    add_common,
    require_paths,
    require_register,
    settings_of,
)


def add_parser(commands: Commands) -> None:
    command = commands.add_parser(
        "migrate-clauses",
        help="rewrite ISO/IEC 27001:2013 Annex A numbers in `clauses` to 2022",
        description="Rewrite each ISO/IEC 27001:2013 Annex A control in a finding's "
                    "`clauses` to the 2022 control it became (ISO/IEC 27002:2022 Annex B), "
                    "editing only the numbers: comments, quoting, flow lists and CRLF line "
                    "ends stay. A 2013 control that became several 2022 controls is listed "
                    "and left for a person to choose; then the command exits 1.")
    command.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                         help="finding files or folders (default: the configured register)")
    command.add_argument("--check", action="store_true",
                         help="write nothing; exit 1 if any file would change")
    add_common(command)
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    require_paths(args.paths)
    if not args.paths:
        require_register(settings)
    cwd = Path.cwd().resolve()
    rewritten = files = left = refused = 0
    for path in discover(settings, args.paths or None):
        shown = display_path(path, cwd)
        try:
            migration = migrate_bytes(path.read_bytes(), settings.standards)
        except OSError as error:
            print(f"{shown}:1: not rewritten: cannot be read: {error.strerror}")
            refused += 1
            continue
        if migration.refused:
            print(f"{shown}:1: not rewritten: {migration.refused}")
            refused += 1
        for change in migration.changes:
            print(f"{shown}:{change.line}: {change.message}")
            left += not change.decided
        if migration.text is not None:
            files += 1
            rewritten += sum(1 for c in migration.changes if c.decided)
            if not args.check:
                write_atomically(path, migration.text)
    verb = "would be rewritten" if args.check else "rewritten"
    print(f"{rewritten} clause{'s' if rewritten != 1 else ''} {verb} in {files} "
          f"file{'s' if files != 1 else ''}; {left} left for a person to decide"
          + (f"; {refused} file{'s' if refused != 1 else ''} not rewritten" if refused else ""))
    failed = left or refused or (args.check and files)
    return EXIT_PROBLEMS if failed else EXIT_OK
