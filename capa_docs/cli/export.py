"""``capa export``: the register as CSV, JSON or OSCAL POA&M."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..contract.settings import ConfigError, resolve_today
from ..git.tree import repository_root
from .common import EXIT_OK, EXIT_PROBLEMS, Commands, add_common, require_register, settings_of


def add_parser(commands: Commands) -> None:
    export = commands.add_parser("export", help="the register as CSV, JSON or OSCAL POA&M")
    export.add_argument("--format", choices=("csv", "json", "oscal-poam"), required=True)
    export.add_argument("-o", "--output", type=Path, default=None,
                        help="file to write (default: standard output)")
    add_common(export)
    export.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..interop.export import EmptyPoam, export_bytes

    settings = settings_of(args)
    today = resolve_today(args.today)
    require_register(settings)
    try:
        data, notes = export_bytes(args.format, settings, repository_root(settings.base_dir),
                                   today)
    except EmptyPoam as refused:
        for note in refused.notes:
            print(f"capa: note: {note}", file=sys.stderr)
        print(f"capa: {refused}", file=sys.stderr)
        return EXIT_PROBLEMS
    for note in notes:
        print(f"capa: note: {note}", file=sys.stderr)
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        try:
            args.output.write_bytes(data)
        except OSError as error:
            raise ConfigError(f"cannot write {args.output}: {error.strerror or error}") from None
    return EXIT_OK
