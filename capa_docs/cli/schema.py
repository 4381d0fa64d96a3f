"""``capa schema``: print the finding JSON Schema, for editors and other tools."""

from __future__ import annotations

import argparse
import sys

from ..contract.schema import schema_text
from .common import EXIT_OK, Commands


def add_parser(commands: Commands) -> None:
    commands.add_parser("schema", help="print the finding JSON Schema").set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text())
    return EXIT_OK
