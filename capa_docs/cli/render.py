"""``capa render``: the published register as Markdown pages, for other site generators."""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..contract.settings import (
    ConfigError,
    Settings,
    read_config_document,
    read_repo_url,
    read_site_url,
    resolve_today,
)
from ..git.tree import repository_root
from .common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    Commands,
    add_common,
    require_register,
    settings_of,
)

if TYPE_CHECKING:
    from ..site.page import Rendered


def add_parser(commands: Commands) -> None:
    render = commands.add_parser(
        "render", help="write the published register as Markdown pages and files",
        description="Write the pages and files the MkDocs plugin publishes into OUTDIR, for "
                    "Zensical or any Markdown site generator (point its docs_dir at OUTDIR), "
                    "with robots.txt (unless public: true) and _headers for the host. What "
                    "an earlier run wrote there and the register no longer publishes (a "
                    "deleted finding's page and evidence) is removed, unless changed since; "
                    "OUTDIR/.capa-render.json records what each run wrote.")
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
                             "findings and review packs out of it, and the theme override "
                             "(capa-theme/ beside FILE) that gives every page its "
                             "Content-Security-Policy; an existing FILE is left as it is and "
                             "the settings to merge into it are printed")
    render.add_argument("--pages", type=Path, default=None, metavar="DIR",
                        help="also publish the site's own pages from DIR (the plugin's "
                             "docs_dir, such as docs): its Markdown files in the navigation "
                             "after the register's, its other files as they are")
    render.add_argument("--site-dir", default="site", metavar="DIR",
                        help="with --zensical: the folder the written configuration builds "
                             "the site into, beside FILE (default site)")
    add_common(render)
    render.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..site.editurl import edit_urls
    from ..site.hosting import generator_host_files
    from ..site.render import add_own_pages, build_site, write_site
    from ..site.written import RECORD, OutsideFolder, held_before, read_record, settle
    from ..site.zensicalcsp import ZensicalMissing, mark_styles, templates_dir
    from ..site.zensicaledit import edit_features, mark_edit_urls

    settings = settings_of(args)
    require_register(settings)
    if args.pages is not None and not args.pages.is_dir():
        raise ConfigError(f"--pages {args.pages}: no such folder")
    _check_outdir(args.outdir, settings, args.pages)
    if args.zensical is not None:
        try:
            templates_dir()
        except ZensicalMissing as error:
            print(f"capa: {error}", file=sys.stderr)
            return EXIT_USAGE
    site_url = read_site_url(settings.config_file)[0]
    build = build_site(settings, repository_root(settings.base_dir), resolve_today(args.today),
                       links=args.links, with_index=not args.no_index,
                       repo_url=read_repo_url(settings.config_file), site_url=site_url,
                       sources=(args.pages,) if args.pages is not None else ())
    for note in build.notes:
        print(f"capa: note: {note}", file=sys.stderr)
    for problem in build.validation.problems:
        print(problem, file=sys.stderr)
    if build.rendered is None:
        print(f"capa: not rendered: {len(build.errors)} error(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    build.rendered.assets.update(generator_host_files(settings))
    refused = ([] if args.pages is None else
               add_own_pages(build.rendered, args.pages, repository_root(settings.base_dir)))
    if refused:
        print(f"capa: --pages {args.pages}: {'; '.join(refused)} (rename a page of yours, "
              f"or --no-index for an index.md of your own); nothing written", file=sys.stderr)
        return EXIT_USAGE
    document = _mkdocs_document(settings.config_file)
    edit_url = (edit_urls(document, settings.config_file.parent)
                if args.zensical is not None and settings.config_file is not None else None)
    if args.zensical is not None:
        mark_styles(build.rendered)
        mark_edit_urls(build.rendered, edit_url, repository_root(settings.base_dir))
    previous, held = read_record(args.outdir), held_before(args.outdir)
    try:
        written = write_site(build.rendered, args.outdir)
    except OutsideFolder as error:
        print(f"capa: {error}; nothing written", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:  # a folder where a page goes, a full disk, no permission
        print(f"capa: cannot write {error.filename or args.outdir}: {error.strerror or error}"
              f"; the folder holds part of the site: fix that and run again",
              file=sys.stderr)
        return EXIT_USAGE
    outcome = settle(args.outdir, previous, written, held=held)
    for uri in outcome.changed:
        print(f"capa: note: {args.outdir / uri} was left: the register no longer publishes "
              f"it, but it changed since capa render wrote it (delete it if it is not "
              f"yours, or the site publishes it)", file=sys.stderr)
    if outcome.unknown:
        shown = ", ".join(outcome.unknown[:5]) + (", ..." if len(outcome.unknown) > 5 else "")
        print(f"capa: note: {args.outdir} holds {len(outcome.unknown)} file(s) this run did "
              f"not write and no earlier run recorded ({shown}): if capa render wrote them "
              f"before it kept {RECORD}, or they are not meant for the site, delete them, "
              f"or the site publishes them", file=sys.stderr)
    removed = outcome.removed
    gone = (f"; removed {len(removed)} the register no longer publishes" if removed else "")
    print(f"{len(build.rendered.pages)} pages, {len(written)} files written to "
          f"{args.outdir}{gone}")
    if args.zensical is not None:
        theme = document.get("theme")
        features = edit_features(theme.get("features") if isinstance(theme, dict) else None,
                                 edit_url)
        try:
            _zensical(args, build.rendered, settings, document, features, site_url)
        except OutsideFolder as error:
            print(f"capa: {error}; the theme override is not written", file=sys.stderr)
            return EXIT_USAGE
    return EXIT_OK


def _check_outdir(outdir: Path, settings: Settings, pages: Path | None) -> None:
    """OUTDIR is a folder of capa render's own: each run writes over it and removes what
    an earlier run wrote there and no longer publishes, so it must not hold, be, or sit
    in what people write (the repository's top, the register, mkdocs.yml, the --pages
    folder), and a link must not lead it out of the repository."""
    top = repository_root(settings.base_dir).resolve()
    out = outdir.resolve()
    if outdir.exists() and not outdir.is_dir():
        raise ConfigError(f"OUTDIR {outdir} is a file: name a folder (it is made if missing)")
    if outdir.is_symlink() and not out.is_relative_to(top):
        raise ConfigError(f"{outdir} is a link to {out}, outside the repository: write the "
                          f"pages into a folder of the repository (such as site-src)")
    theirs = [("the repository", top), ("the register", settings.register_dir.resolve()),
              ("the evidence folder", settings.evidence_dir.resolve())]
    if settings.config_file is not None:
        theirs.append((settings.config_file.name, settings.config_file.resolve()))
    if pages is not None:
        theirs.append((f"--pages {pages}", pages.resolve()))
    for name, path in theirs:
        relation = ("is" if out == path else "holds" if path.is_relative_to(out)
                    else "is in" if out.is_relative_to(path) and path != top else None)
        if relation is not None:
            raise ConfigError(f"OUTDIR {outdir} {relation} {name}: "
                              f"capa render writes over its folder and removes what it no "
                              f"longer publishes there, so give it one of its own (such as "
                              f"site-src)")


def _zensical(args: argparse.Namespace, rendered: Rendered, settings: Settings,
              document: dict[str, Any], features: list[str], site_url: str | None) -> None:
    """Write FILE and the theme override beside it, or, when FILE is there, the override
    and what to merge into FILE."""
    from ..site.zensical import merge_text, unedited, zensical_config
    from ..site.zensicalcsp import SITEMAP, THEME_DIR, templates_dir, write_theme
    from ..site.zensicaledit import ACTIONS, write_actions

    target: Path = args.zensical
    directory_urls = args.links != "html"
    text = _read_text(target)
    ours = unedited(text)
    own = {} if ours else _project_table(text)
    extra = own.get("extra")
    theme = write_theme(target.parent / THEME_DIR, private=not settings.public,
                        site_urls=(site_url, _text(own.get("site_url"))),
                        scopes=[_text(extra.get("scope") if isinstance(extra, dict) else None)])
    write_actions(theme.parent, templates_dir())
    if target.exists() and not ours:
        theme_table = own.get("theme")
        custom = _text(theme_table.get("custom_dir")) if isinstance(theme_table, dict) else None
        if custom and custom != THEME_DIR:
            policy = (f"your custom_dir {custom} stays: copy the site_meta block of {theme} "
                      f"into its main.html, which gives every page its "
                      f"Content-Security-Policy, and again after upgrading Zensical"
                      + ("" if settings.public else
                         f"; copy {theme.parent / SITEMAP} into it too, or the sitemap "
                         f"lists every finding's address once site_url is set")
                      + ("" if not features else
                         f"; copy {theme.parent / ACTIONS} into it for the edit links"))
        else:
            custom = None
            policy = (f"custom_dir = the folder holding {theme}, which gives every page its "
                      f"Content-Security-Policy")
        settings_text = merge_text(rendered, directory_urls=directory_urls,
                                   custom_dir=None if custom else THEME_DIR,
                                   features=features)
        print(f"capa: {target} exists and is left as it is; to publish the register with "
              f"it, merge these settings into it (docs_dir = the folder holding "
              f"{args.outdir}'s pages; nav entries joined to your own; {policy}; see "
              f"Moving to Zensical in the docs):\n\n{settings_text}", file=sys.stderr)
        return
    docs_dir = Path(os.path.relpath(args.outdir.resolve(), target.resolve().parent))
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        target.unlink()  # write the configuration here, not wherever a link points
    target.write_text(zensical_config(rendered, site_name=_site_name(document),
                                      docs_dir=docs_dir.as_posix(),
                                      directory_urls=directory_urls, custom_dir=THEME_DIR,
                                      site_dir=args.site_dir,
                                      site_url=site_url,
                                      features=features),
                      encoding="utf-8")
    print(f"Zensical configuration {'rewritten' if ours else 'written'} to {target} "
          f"(theme override: {theme}): zensical build -f {target}")


def _read_text(path: Path) -> str:
    """FILE's text, or nothing when there is none to read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _project_table(text: str) -> dict[str, Any]:
    """The ``[project]`` table of an existing FILE (its site_url and extra.scope change
    the base_url the theme's scripts name), or nothing when it cannot be read."""
    try:
        project = tomllib.loads(text).get("project", {})
    except tomllib.TOMLDecodeError:
        return {}
    return project if isinstance(project, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _mkdocs_document(config_file: Path | None) -> dict[str, Any]:
    """mkdocs.yml as read, or nothing when there is none to read (the capa block's
    problems are reported where the settings are read)."""
    if config_file is None:
        return {}
    try:
        document = read_config_document(config_file.read_bytes(), config_file).document
    except (OSError, ConfigError):
        return {}
    return document if isinstance(document, dict) else {}


def _site_name(document: dict[str, Any]) -> str:
    """mkdocs.yml's site_name, so the Zensical site is called what the MkDocs one is."""
    name = document.get("site_name")
    if isinstance(name, str) and name.strip():
        return name
    return "Corrective-action register"
