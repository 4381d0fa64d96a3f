"""``capa schema``: print the finding JSON Schema, for editors and other tools.

The schema names the clauses of the register's configured standards (`standards` in the
capa block of mkdocs.yml), so an editor flags a clause the register does not know; with
no configuration it is the shipped file, ISO/IEC 27001:2022 alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..contract.schema import schema_text_for
from .common import EXIT_OK, Commands, settings_of


def add_parser(commands: Commands) -> None:
    command = commands.add_parser("schema", help="print the finding JSON Schema")
    command.add_argument("--config", type=Path, default=None,
                         help="mkdocs.yml holding the capa plugin block (default: nearest)")
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text_for(settings_of(args).standards))
    return EXIT_OK
