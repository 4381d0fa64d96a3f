"""``capa diff``: the pull-request gate, judged with BASE's settings."""

from __future__ import annotations

import argparse
import os
import sys

from ..contract.report import FORMATS, WRITERS, append_step_summary
from ..contract.settings import resolve_today
from .common import Commands, add_common, in_github_actions, output_format, verdict


def add_parser(commands: Commands) -> None:
    diff = commands.add_parser(
        "diff", help="check what a change does to the register, with BASE's settings",
        description="Compare the register at the merge base of BASE and HEAD with HEAD: "
                    "validate the changed findings and check that no record was deleted, "
                    "renamed, backdated or rewritten after closure.")
    diff.add_argument("base", metavar="BASE",
                      help="the branch or commit merged into, e.g. origin/main")
    diff.add_argument("head", nargs="?", default=None, metavar="HEAD",
                      help="a commit (default: the working tree, uncommitted files included)")
    add_common(diff)
    diff.add_argument("--strict", action="store_true", help="warnings fail too")
    diff.add_argument("--format", choices=(*FORMATS, "markdown"), default=None,
                      help="output format (default: github under GitHub Actions, else text); "
                           "markdown is the review summary")
    diff.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Settings come from BASE, never from the change itself, so none are loaded here."""
    from ..gate.diff import diff_register
    from ..gate.summary import review_markdown

    result = diff_register(args.base, args.head, resolve_today(args.today), config=args.config)
    fmt = output_format(args.format)
    if fmt == "markdown":
        sys.stdout.write(review_markdown(result))
        for note in result.notes:
            sys.stderr.write(f"capa: note: {note}\n")
    else:
        WRITERS[fmt](sys.stdout, result.files, result.problems, result.notes)
    if in_github_actions() and fmt in ("github", "markdown"):
        append_step_summary(os.environ.get("GITHUB_STEP_SUMMARY"), review_markdown(result))
    return verdict(result.problems, args.strict)
