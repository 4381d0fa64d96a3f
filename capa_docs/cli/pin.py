"""``capa pin``: record the sha256 of every file evidence item in its finding."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..contract.validate import discover
from ..git.tree import repository_root
from .common import Commands, add_common, require_paths, require_register, settings_of


def add_parser(commands: Commands) -> None:
    pin = commands.add_parser(
        "pin", help="record the sha256 of every file evidence item in its finding",
        description="Add or update `sha256:` of each file evidence item, changing only those "
                    "lines; evidence that is missing or outside the repository is reported, "
                    "never pinned.")
    pin.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                     help="finding files or folders (default: the configured register)")
    pin.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 if any file would change")
    add_common(pin)
    pin.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..git.pin import pin_paths

    settings = settings_of(args)
    require_paths(args.paths)
    if not args.paths:
        require_register(settings)
    return pin_paths(discover(settings, args.paths or None), repository_root(settings.base_dir),
                     Path.cwd().resolve(), sys.stdout, check=args.check)
