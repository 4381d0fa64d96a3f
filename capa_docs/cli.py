"""The ``capa`` command: a thin adapter from arguments to the core, and back to exit codes.

Exit codes follow check-jsonschema, yamllint and ruff: 0 clean, 1 problems at a failing
level, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .contract.model import ERROR, WARNING
from .contract.report import FORMATS, WRITERS, append_step_summary, markdown_table
from .contract.scaffold import SEVERITIES, SOURCES, create_finding
from .contract.schema import schema_text
from .contract.settings import (
    ConfigError,
    Settings,
    load_settings,
    read_repo_url,
    resolve_today,
)
from .contract.validate import discover, display_path, validate
from .git.history import last_changed
from .git.tree import repository_root

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"capa: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="capa", description="A corrective-action register in git.")
    parser.add_argument("--version", action="version", version=f"capa-docs {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = commands.add_parser("validate", help="check findings against the contract")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="finding files or folders (default: the configured register)")
    _common(check)
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.add_argument("--format", choices=FORMATS, default=None,
                       help="output format (default: github under GitHub Actions, else text)")

    new = commands.add_parser("new", help="write a skeleton finding with the next free ID")
    new.add_argument("--severity", required=True, choices=SEVERITIES)
    new.add_argument("--title", required=True)
    new.add_argument("--source", default="self-identified", choices=SOURCES)
    new.add_argument("--raised-by", default=None, help="default: git user.name")
    new.add_argument("--owner", default=None, help="default: the person raising it")
    _common(new)

    commands.add_parser("schema", help="print the finding JSON Schema")
    _render_parser(commands)
    _diff_parser(commands)
    _import_export(commands)
    _pin_parser(commands)
    return parser


def _import_export(commands: argparse._SubParsersAction) -> None:
    from .interop.importer import FIELDS

    source = commands.add_parser("import", help="turn a CSV or XLSX register into findings")
    source.add_argument("file", type=Path, metavar="FILE.csv|FILE.xlsx")
    source.add_argument("--out", type=Path, default=None,
                        help="folder to write into (default: the configured register)")
    source.add_argument("--dry-run", action="store_true",
                        help="write nothing; print what would be written and its problems")
    source.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                        help=f"read a column as a field; fields: {', '.join(FIELDS)}")
    source.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="value for a field where its cell is empty, e.g. source=other")
    source.add_argument("--sheet", default=None, help="XLSX worksheet (default: the first)")
    _common(source)

    export = commands.add_parser("export", help="the register as CSV, JSON or OSCAL POA&M")
    export.add_argument("--format", choices=("csv", "json", "oscal-poam"), required=True)
    export.add_argument("-o", "--output", type=Path, default=None,
                        help="file to write (default: standard output)")
    _common(export)


def _diff_parser(commands: argparse._SubParsersAction) -> None:
    diff = commands.add_parser(
        "diff", help="check what a change does to the register, with BASE's settings",
        description="Compare the register at the merge base of BASE and HEAD with HEAD: "
                    "validate the changed findings and check that no record was deleted, "
                    "renamed, backdated or rewritten after closure.")
    diff.add_argument("base", metavar="BASE",
                      help="the branch or commit merged into, e.g. origin/main")
    diff.add_argument("head", nargs="?", default=None, metavar="HEAD",
                      help="a commit (default: the working tree, uncommitted files included)")
    _common(diff)
    diff.add_argument("--strict", action="store_true", help="warnings fail too")
    diff.add_argument("--format", choices=(*FORMATS, "markdown"), default=None,
                      help="output format (default: github under GitHub Actions, else text); "
                           "markdown is the review summary")


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", type=Path, default=None,
                         help="mkdocs.yml holding the capa plugin block (default: nearest)")
    command.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                         help="the date to judge against (default: SOURCE_DATE_EPOCH or today)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "schema":
            sys.stdout.write(schema_text())
            return EXIT_OK
        if args.command == "diff":
            return _diff(args)  # settings come from BASE, never from the change itself
        start = Path.cwd()
        settings = load_settings(args.config, start, repository_root(start))
        if args.command == "validate":
            return _validate(args, settings)
        if args.command == "render":
            return _render(args, settings)
        if args.command == "new":
            return _new(args, settings)
        if args.command == "import":
            return _import(args, settings)
        if args.command == "export":
            return _export(args, settings)
        if args.command == "pin":
            return _pin(args, settings)
    except ConfigError as error:
        print(f"capa: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return EXIT_USAGE


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    today = resolve_today(args.today)
    for path in args.paths:
        if not path.exists():
            raise ConfigError(f"{path}: no such file or folder")
    if not args.paths and not settings.register_dir.is_dir():
        raise ConfigError(f"register folder {settings.register_dir} does not exist; "
                          "create it or set `register:` in the capa plugin block")
    repo_root = repository_root(settings.base_dir)
    changed = last_changed(repo_root, settings.register_dir)
    result = validate(settings, repo_root, today, args.paths or None, keep_findings=False,
                      history=changed.dates, notes=[changed.note] if changed.note else [])
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    WRITERS[fmt](sys.stdout, result.files, result.problems, result.notes)
    if fmt == "github":
        append_step_summary(os.environ.get("GITHUB_STEP_SUMMARY"),
                            markdown_table("capa validate", result.files, result.problems))
    failing = {ERROR, WARNING} if args.strict else {ERROR}
    return EXIT_PROBLEMS if any(p.level in failing for p in result.problems) else EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from .gate.diff import diff_register
    from .gate.summary import review_markdown

    result = diff_register(args.base, args.head, resolve_today(args.today), config=args.config)
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    fmt = args.format or ("github" if in_actions else "text")
    if fmt == "markdown":
        sys.stdout.write(review_markdown(result))
        for note in result.notes:
            sys.stderr.write(f"capa: note: {note}\n")
    else:
        WRITERS[fmt](sys.stdout, result.files, result.problems, result.notes)
    if in_actions and fmt in ("github", "markdown"):
        append_step_summary(os.environ.get("GITHUB_STEP_SUMMARY"), review_markdown(result))
    failing = {ERROR, WARNING} if args.strict else {ERROR}
    return EXIT_PROBLEMS if any(p.level in failing for p in result.problems) else EXIT_OK


def _git_user(folder: Path) -> str:
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


def _new(args: argparse.Namespace, settings: Settings) -> int:
    today = resolve_today(args.today)
    raised_by = args.raised_by or _git_user(settings.base_dir)
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


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from .interop.importer import parse_maps, parse_sets, run_import

    today = resolve_today(args.today)
    out_dir = (args.out or settings.register_dir).resolve()
    try:
        outcome = run_import(args.file, settings, out_dir, today, parse_maps(args.map),
                             parse_sets(args.set), args.sheet, args.dry_run, Path.cwd())
    except OSError as error:  # the sheet unreadable, the register folder unlistable, ...
        where = f"{error.filename}: " if error.filename else ""
        raise ConfigError(f"{where}{error.strerror or error}") from None
    verb = "would write" if args.dry_run else "wrote"
    valid = 0
    for draft, problems in outcome.written:
        assert draft.target is not None
        shown = display_path(draft.target, Path.cwd())
        errors = sum(1 for p in problems if p.level == ERROR)
        warnings = len(problems) - errors
        state = f"{errors} error{'s' if errors != 1 else ''}" if errors else "valid"
        if warnings:
            state += f", {warnings} warning{'s' if warnings != 1 else ''}"
        valid += not errors
        print(f"{verb} {shown} (row {draft.row}): {state}")
        for problem in problems:
            print(f"  {problem}")
    for draft in outcome.skipped:
        print(f"skipped row {draft.row}: {draft.skipped}")
    rows = len(outcome.written) + len(outcome.skipped)
    print(f"{rows} row{'s' if rows != 1 else ''}: {len(outcome.written)} "
          f"{'to write' if args.dry_run else 'written'}, {valid} valid, "
          f"{len(outcome.written) - valid} with errors, {len(outcome.skipped)} skipped")
    return EXIT_PROBLEMS if outcome.errors or outcome.skipped else EXIT_OK


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from .interop.export import EmptyPoam, export_bytes

    today = resolve_today(args.today)
    if not settings.register_dir.is_dir():
        raise ConfigError(f"register folder {settings.register_dir} does not exist")
    try:
        data, notes = export_bytes(args.format, settings, repository_root(settings.base_dir),
                                   today)
    except EmptyPoam as refused:
        for note in refused.notes:
            print(f"capa: note: {note}", file=sys.stderr)
        print(f"capa: {refused}", file=sys.stderr)
        return EXIT_PROBLEMS
    for note in notes:
        print(f"capa: note: {note}", file=sys.stderr)
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        try:
            args.output.write_bytes(data)
        except OSError as error:
            raise ConfigError(f"cannot write {args.output}: {error.strerror or error}") from None
    return EXIT_OK


def _render_parser(commands: argparse._SubParsersAction) -> None:
    render = commands.add_parser(
        "render", help="write the published register as Markdown pages and files",
        description="Write the pages and files the MkDocs plugin publishes into OUTDIR, for "
                    "Zensical or any Markdown site generator (point its docs_dir at OUTDIR).")
    render.add_argument("outdir", type=Path, metavar="OUTDIR")
    render.add_argument("--links", choices=("source", "directory", "html"), default="source",
                        help="source: link source files (../register.md), for generators that "
                             "rewrite links, as Zensical does (default); directory or html: "
                             "final URLs (page/ or page.html), for those that do not")
    render.add_argument("--no-index", action="store_true",
                        help="do not write index.md (the site has its own home page)")
    _common(render)


def _render(args: argparse.Namespace, settings: Settings) -> int:
    from .site.render import build_site, write_site

    if not settings.register_dir.is_dir():
        raise ConfigError(f"register folder {settings.register_dir} does not exist")
    build = build_site(settings, repository_root(settings.base_dir), resolve_today(args.today),
                       links=args.links, with_index=not args.no_index,
                       repo_url=read_repo_url(settings.config_file))
    for note in build.notes:
        print(f"capa: note: {note}", file=sys.stderr)
    for problem in build.validation.problems:
        print(problem, file=sys.stderr)
    if build.rendered is None:
        print(f"capa: not rendered: {len(build.errors)} error(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    written = write_site(build.rendered, args.outdir)
    print(f"{len(build.rendered.pages)} pages, {len(written)} files written to {args.outdir}")
    return EXIT_OK


def _pin_parser(commands: argparse._SubParsersAction) -> None:
    pin = commands.add_parser(
        "pin", help="record the sha256 of every file evidence item in its finding",
        description="Add or update `sha256:` of each file evidence item, changing only those "
                    "lines; evidence that is missing or outside the repository is reported, "
                    "never pinned.")
    pin.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                     help="finding files or folders (default: the configured register)")
    pin.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 if any file would change")
    _common(pin)


def _pin(args: argparse.Namespace, settings: Settings) -> int:
    from .git.pin import pin_paths

    for path in args.paths:
        if not path.exists():
            raise ConfigError(f"{path}: no such file or folder")
    if not args.paths and not settings.register_dir.is_dir():
        raise ConfigError(f"register folder {settings.register_dir} does not exist")
    return pin_paths(discover(settings, args.paths or None), repository_root(settings.base_dir),
                     Path.cwd().resolve(), sys.stdout, check=args.check)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
