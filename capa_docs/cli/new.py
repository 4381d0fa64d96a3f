"""``capa new``: write a skeleton finding with the next free ID."""

from __future__ import annotations

import argparse
import getpass
import subprocess
from pathlib import Path

from ..contract.scaffold import SEVERITIES, SOURCES, create_finding
from ..contract.settings import ConfigError, resolve_today
from ..contract.validate import discover
from .common import EXIT_OK, Commands, add_common, settings_of


def add_parser(commands: Commands) -> None:
    new = commands.add_parser("new", help="write a skeleton finding with the next free ID")
    new.add_argument("--severity", required=True, choices=SEVERITIES)
    new.add_argument("--title", required=True)
    new.add_argument("--source", default="self-identified", choices=SOURCES)
    new.add_argument("--raised-by", default=None, help="default: git user.name")
    new.add_argument("--owner", default=None, help="default: the person raising it")
    add_common(new)
    new.set_defaults(run=run)


def git_user(folder: Path) -> str:
    """git's user.name, else the login name: who raises a finding unless told."""
    try:
        name = subprocess.run(["git", "config", "user.name"], cwd=folder, capture_output=True,
                              text=True, check=False).stdout.strip()
    except OSError:
        name = ""
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    today = resolve_today(args.today)
    raised_by = args.raised_by or git_user(settings.base_dir)
    if not raised_by:
        raise ConfigError("cannot tell who raises the finding: pass --raised-by NAME")
    existing = discover(settings) if settings.register_dir.is_dir() else []
    path = create_finding(settings, args.severity, args.title, args.source, today, raised_by,
                          args.owner, existing)
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    print(shown)
    return EXIT_OK
