"""``capa validate``: check findings against the contract."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..contract.report import FORMATS, WRITERS, append_step_summary, markdown_table
from ..contract.settings import resolve_today
from ..contract.validate import validate
from ..git.history import last_changed
from ..git.tree import repository_root
from .common import (
    Commands,
    add_common,
    output_format,
    require_paths,
    require_register,
    settings_of,
    verdict,
)


def add_parser(commands: Commands) -> None:
    check = commands.add_parser("validate", help="check findings against the contract")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="finding files or folders (default: the configured register)")
    add_common(check)
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.add_argument("--format", choices=FORMATS, default=None,
                       help="output format (default: github under GitHub Actions, else text)")
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    today = resolve_today(args.today)
    require_paths(args.paths)
    if not args.paths:
        require_register(settings, "; create it or set `register:` in the capa plugin block")
    repo_root = repository_root(settings.base_dir)
    changed = last_changed(repo_root, settings.register_dir)
    result = validate(settings, repo_root, today, args.paths or None, keep_findings=False,
                      history=changed.dates, notes=[changed.note] if changed.note else [])
    fmt = output_format(args.format)
    WRITERS[fmt](sys.stdout, result.files, result.problems, result.notes)
    if fmt == "github":
        append_step_summary(os.environ.get("GITHUB_STEP_SUMMARY"),
                            markdown_table("capa validate", result.files, result.problems))
    return verdict(result.problems, args.strict)
