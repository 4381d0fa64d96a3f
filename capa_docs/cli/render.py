"""``capa render``: the published register as Markdown pages, for other site generators."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..contract.settings import read_repo_url, read_site_url, resolve_today
from ..git.tree import repository_root
from .common import EXIT_OK, EXIT_PROBLEMS, Commands, add_common, require_register, settings_of


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
    return EXIT_OK
