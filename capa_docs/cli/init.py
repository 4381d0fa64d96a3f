"""``capa init``: a complete register repository from zero, never overwriting a file."""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from ..contract.settings import CONFIG_NAMES, ConfigError
from . import import_
from .common import EXIT_OK, Commands
from .starter import (
    CI_CHOICES,
    DEFAULT_NAME,
    SITE_CHOICES,
    default_install,
    starter_files,
    write_starter,
)


def add_parser(commands: Commands) -> None:
    init = commands.add_parser(
        "init", help="write a new register repository: settings, folders, README, CI",
        description="Write what a register repository needs: mkdocs.yml with every capa "
                    "setting, the register and evidence folders, a README for its users, "
                    "CODEOWNERS, the pre-commit hook, requirements.txt pinning capa-docs, "
                    "and CI (a pull-request gate and a private-by-default site). A file "
                    "that exists is left as it is; git init runs outside a repository; "
                    "nothing is committed.")
    init.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR",
                      help="folder to write into, created if missing (default: here)")
    init.add_argument("--name", default=DEFAULT_NAME,
                      help=f"the site's name, site_name (default: {DEFAULT_NAME})")
    init.add_argument("--ci", choices=CI_CHOICES, default="github",
                      help="github: a pull-request gate and a site workflow (default); "
                           "gitlab: .gitlab-ci.yml with the same gate on merge requests, "
                           "a pages job and scheduled reminders; none: no CI files")
    init.add_argument("--site", choices=SITE_CHOICES, default="mkdocs",
                      help="mkdocs: CI builds the site with the MkDocs plugin (default); "
                           "zensical: with capa render and Zensical, Material for MkDocs' "
                           "successor (requirements.txt pins it)")
    init.add_argument("--install", default=None, metavar="SPEC",
                      help="what CI and the pre-commit hook install: a pinned requirement "
                           f"(default: {default_install()}), a git URL "
                           "(capa-docs @ git+https://...@COMMIT) or a wheel path")
    init.add_argument("--from", dest="source", type=Path, default=None,
                      metavar="FILE.csv|FILE.xlsx",
                      help="import a spreadsheet register into the new register "
                           "(capa import; its exit code)")
    init.add_argument("--force", action="store_true",
                      help="replace files that exist (default: leave them as they are)")
    init.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root: Path = args.dir
    files = starter_files(args.name, args.ci, args.install or default_install(), args.site)
    if args.source is not None and not args.source.is_file():
        raise ConfigError(f"{args.source}: no such file to import")
    prepare(root)
    outcome = write_starter(root, files, args.force)
    for path in outcome.written:
        print(f"wrote {path}")
    for path in outcome.replaced:
        print(f"replaced {path}")
    for path, why in outcome.skipped:
        print(f"skipped {path}: {why}")
    top = repository_top(root)
    if top is None:
        git_init(root)
        print(f"git init: {root} is a new repository on branch main; nothing committed")
    elif top != root.resolve() and args.ci != "none":
        print(f"capa: note: {root} is inside the repository {top}: CI reads its files "
              "from there, so move the CI files to that folder or make this one a "
              "repository of its own")
    written = len(outcome.written) + len(outcome.replaced)
    print(f"capa init: {written} file{'s' if written != 1 else ''} written, "
          f"{len(outcome.skipped)} left as they were")
    if args.source is None:
        return EXIT_OK
    return import_.run(argparse.Namespace(
        file=args.source, out=None, dry_run=False, map=[], set=[], sheet=None, today=None,
        map_file=None,
        config=next((root / n for n in CONFIG_NAMES if (root / n).is_file()), None)))


def prepare(root: Path) -> None:
    """DIR as a folder capa init can write in, or one line saying why not (exit 2)."""
    if root.exists() and not root.is_dir():
        raise ConfigError(f"{root} is a file, not a folder: name a folder to write into")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as error:
        raise ConfigError(f"cannot write in {root}: {error.strerror or error}") from None


def repository_top(folder: Path) -> Path | None:
    """The git repository holding ``folder``, or None outside one (or without git)."""
    try:
        result = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder,
                                capture_output=True, text=True, check=False)
    except OSError:
        return None
    top = result.stdout.strip()
    return Path(top).resolve() if result.returncode == 0 and top else None


def git_init(folder: Path) -> None:
    try:
        result = subprocess.run(["git", "init", "--quiet", "--initial-branch=main", "."],
                                cwd=folder, capture_output=True, text=True, check=False)
    except OSError as error:
        raise ConfigError(f"git init: {error.strerror or error}; install git, then run "
                          "`git init` in the folder") from None
    if result.returncode != 0:
        raise ConfigError(f"git init in {folder} failed: {' '.join(result.stderr.split())}")
