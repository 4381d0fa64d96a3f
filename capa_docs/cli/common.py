"""What the commands share: the parser class, common options, settings, exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from .. import __version__
from ..contract.model import ERROR, WARNING, Problem
from ..contract.settings import ConfigError, Settings, load_settings
from ..git.tree import repository_root

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_CRASH = 70  # sysexits.h EX_SOFTWARE: capa itself failed
Commands = argparse._SubParsersAction


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"capa: error: {message}\n")


def version_text() -> str:
    return f"capa-docs {__version__}"


def add_common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", type=Path, default=None,
                         help="mkdocs.yml holding the capa plugin block (default: nearest)")
    command.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                         help="the date to judge against (default: SOURCE_DATE_EPOCH or today)")


def settings_of(args: argparse.Namespace) -> Settings:
    """The capa block of --config, else of the nearest mkdocs.yml, else the defaults."""
    start = Path.cwd()
    return load_settings(args.config, start, repository_root(start))


def require_register(settings: Settings, hint: str = "") -> None:
    if not settings.register_dir.is_dir():
        raise ConfigError(f"register folder {settings.register_dir} does not exist{hint}")


def require_paths(paths: Iterable[Path]) -> None:
    for path in paths:
        if not path.exists():
            raise ConfigError(f"{path}: no such file or folder")


def output_format(chosen: str | None) -> str:
    """--format, else github under GitHub Actions (yamllint's auto), else text."""
    return chosen or ("github" if in_github_actions() else "text")


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def verdict(problems: Iterable[Problem], strict: bool) -> int:
    """Exit 1 when a problem is at a failing level (warnings fail too under --strict)."""
    failing = {ERROR, WARNING} if strict else {ERROR}
    return EXIT_PROBLEMS if any(p.level in failing for p in problems) else EXIT_OK
