"""``capa offline``: the site as one zip an auditor opens from disk, with no server."""

from __future__ import annotations

import argparse
import calendar
import os
import sys
from pathlib import Path

from ..contract.settings import ConfigError, resolve_today
from .common import EXIT_OK, EXIT_PROBLEMS, Commands, add_common, require_register, settings_of


def add_parser(commands: Commands) -> None:
    offline = commands.add_parser(
        "offline", help="write the site as a zip that works opened from disk",
        description="Build the site from mkdocs.yml for reading from disk (file://, no web "
                    "server: every link names an .html file, the register's filters work, "
                    "the theme's search is left out) and write it to ZIP, under one folder "
                    "named after the zip. Evidence marked publish: false stays out.")
    offline.add_argument("zip", type=Path, metavar="ZIP", help="the zip file to write")
    add_common(offline)
    offline.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..site.offline import OfflineError, write_offline_copy

    settings = settings_of(args)
    if settings.config_file is None:
        raise ConfigError("no mkdocs.yml here or above: capa offline builds the site it "
                          "configures (or name one with --config)")
    require_register(settings)
    today = resolve_today(args.today)
    if args.zip.suffix.lower() != ".zip":
        raise ConfigError(f"{args.zip}: name the file to write with .zip at the end")
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if args.today:  # the build reads the date from SOURCE_DATE_EPOCH, as `mkdocs build`
        os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(today.timetuple()))
    try:
        count = write_offline_copy(settings.config_file, args.zip.resolve(), today)
    except OfflineError as error:
        print(f"capa: offline copy not written: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as error:
        raise ConfigError(f"cannot write {args.zip}: {error.strerror or error}") from None
    finally:
        if args.today:
            if saved is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = saved
    print(f"{count} files written to {args.zip}: unzip it and open "
          f"{args.zip.stem}/index.html in a browser")
    return EXIT_OK
