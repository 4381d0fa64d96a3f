"""``capa render``: the published register as Markdown pages, for other site generators."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..contract.settings import (
    ConfigError,
    read_config_document,
    read_repo_url,
    read_site_url,
    resolve_today,
)
from ..git.tree import repository_root
from .common import EXIT_OK, EXIT_PROBLEMS, Commands, add_common, require_register, settings_of

if TYPE_CHECKING:
    from ..site.page import Rendered


def add_parser(commands: Commands) -> None:
    render = commands.add_parser(
        "render", help="write the published register as Markdown pages and files",
        description="Write the pages and files the MkDocs plugin publishes into OUTDIR, for "
                    "Zensical or any Markdown site generator (point its docs_dir at OUTDIR), "
                    "with robots.txt (unless public: true) and _headers for the host.")
    render.add_argument("outdir", type=Path, metavar="OUTDIR")
    render.add_argument("--links", choices=("source", "directory", "html"), default="source",
                        help="source: link source files (../register.md), for generators that "
                             "rewrite links, as Zensical does (default); directory or html: "
                             "final URLs (page/ or page.html), for those that do not")
    render.add_argument("--no-index", action="store_true",
                        help="do not write index.md (the site has its own home page)")
    render.add_argument("--zensical", nargs="?", const=Path("zensical.toml"), type=Path,
                        metavar="FILE",
                        help="also write the Zensical configuration that publishes OUTDIR "
                             "(default zensical.toml): the register's pages as the nav, "
                             "findings and review packs out of it; an existing FILE is left "
                             "as it is and the settings to merge into it are printed")
    add_common(render)
    render.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..site.hosting import generator_host_files
    from ..site.render import build_site, write_site

    settings = settings_of(args)
    require_register(settings)
    build = build_site(settings, repository_root(settings.base_dir), resolve_today(args.today),
                       links=args.links, with_index=not args.no_index,
                       repo_url=read_repo_url(settings.config_file),
                       site_url=read_site_url(settings.config_file)[0])
    for note in build.notes:
        print(f"capa: note: {note}", file=sys.stderr)
    for problem in build.validation.problems:
        print(problem, file=sys.stderr)
    if build.rendered is None:
        print(f"capa: not rendered: {len(build.errors)} error(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    build.rendered.assets.update(generator_host_files(settings))
    written = write_site(build.rendered, args.outdir)
    print(f"{len(build.rendered.pages)} pages, {len(written)} files written to {args.outdir}")
    if args.zensical is not None:
        _zensical(args, build.rendered, _site_name(settings.config_file))
    return EXIT_OK


def _zensical(args: argparse.Namespace, rendered: Rendered, site_name: str) -> None:
    """Write FILE, or say what to merge into the one that is there."""
    from ..site.zensical import merge_text, zensical_config

    target: Path = args.zensical
    directory_urls = args.links != "html"
    if target.exists():
        settings = merge_text(rendered, directory_urls=directory_urls)
        print(f"capa: {target} exists and is left as it is; to publish the register with "
              f"it, merge these settings into it (docs_dir = the folder holding "
              f"{args.outdir}'s pages; nav entries joined to your own; see Moving to "
              f"Zensical in the docs):\n\n{settings}", file=sys.stderr)
        return
    docs_dir = Path(os.path.relpath(args.outdir.resolve(), target.resolve().parent))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(zensical_config(rendered, site_name=site_name,
                                      docs_dir=docs_dir.as_posix(),
                                      directory_urls=directory_urls), encoding="utf-8")
    print(f"Zensical configuration written to {target}: zensical build -f {target}")


def _site_name(config_file: Path | None) -> str:
    """mkdocs.yml's site_name, so the Zensical site is called what the MkDocs one is."""
    if config_file is not None:
        try:
            document = read_config_document(config_file.read_bytes(), config_file).document
        except (OSError, ConfigError):
            document = {}
        name = document.get("site_name")
        if isinstance(name, str) and name.strip():
            return name
    return "Corrective-action register"
