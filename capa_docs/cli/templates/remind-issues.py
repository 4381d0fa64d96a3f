"""Keep one GitHub issue per owner up to date with what they owe in the register.

Run weekly by the reminders workflow (.github/workflows/*remind*.yml) with a token that
may write issues and read contents, nothing more. It asks `capa remind --format json`
what each person owes, then, through the `gh` CLI:

- opens an issue for a person who owes something and has none open,
- edits the open issue's body when what they owe changed (and leaves it alone when not,
  so nobody is notified of nothing),
- closes the open issue, with a comment, of a person who owes nothing any more.

Each issue carries the label `capa-reminder` and, as the first line of its body, a
comment naming its owner, which is how the next run finds it again; renaming the issue
changes nothing. Written by capa init (capa-docs); the same script runs in the capa-docs
repository, where a test runs it against a stub `gh` that records every call.

Usage: python remind-issues.py [--today YYYY-MM-DD] [--dry-run]
Environment: GH_TOKEN (for gh), CAPA (the capa command, default `capa`).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from urllib.parse import quote, unquote

LABEL = "capa-reminder"
MARKER = "<!-- capa-remind owner="
FOOTER = ("\n---\nKept up to date every week by the reminders workflow from the "
          "corrective-action register; it closes itself when nothing is owed.\n")


def run(command: list[str], stdin: str | None = None) -> str:
    result = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"remind-issues: `{shlex.join(command)}` failed "
                 f"(exit {result.returncode}): {result.stderr.strip()}")
    return result.stdout


def marker(name: str) -> str:
    return f"{MARKER}{quote(name)} -->"


def owner_of(body: str) -> str | None:
    first = (body or "").lstrip().split("\n", 1)[0].strip()
    if first.startswith(MARKER) and first.endswith("-->"):
        return unquote(first[len(MARKER):-3].strip())
    return None


def open_issues() -> dict[str, list[dict]]:
    """Open reminder issues by owner, oldest first."""
    listed = json.loads(run(["gh", "issue", "list", "--label", LABEL, "--state", "open",
                             "--limit", "1000", "--json", "number,title,body"]) or "[]")
    issues: dict[str, list[dict]] = {}
    for issue in sorted(listed, key=lambda i: i["number"]):
        owner = owner_of(issue.get("body", ""))
        if owner is not None:
            issues.setdefault(owner, []).append(issue)
    return issues


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One GitHub issue per owner of the register.")
    parser.add_argument("--today", default=None, help="the date to judge against")
    parser.add_argument("--dry-run", action="store_true", help="print the gh calls only")
    args = parser.parse_args(argv)
    capa = shlex.split(os.environ.get("CAPA", "capa"))
    remind = [*capa, "remind", "--format", "json"]
    if args.today:
        remind += ["--today", args.today]
    digest = json.loads(run(remind))
    owed = {person["name"]: person for person in digest["people"] if person["owed"]}
    calls: list[tuple[list[str], str | None]] = []
    if owed:
        calls.append((["gh", "label", "create", LABEL, "--force", "--color", "d93f0b",
                       "--description", "What an owner owes in the corrective-action register"],
                      None))
    issues = open_issues()
    for name, person in owed.items():
        body = f"{marker(name)}\n{person['markdown']}{FOOTER}"
        title = f"Corrective actions owed: {name}"
        mine = issues.get(name, [])
        if not mine:
            calls.append((["gh", "issue", "create", "--title", title, "--label", LABEL,
                           "--body-file", "-"], body))
            continue
        first, *duplicates = mine
        if first.get("body", "").strip() != body.strip() or first.get("title") != title:
            calls.append((["gh", "issue", "edit", str(first["number"]), "--title", title,
                           "--body-file", "-"], body))
        for extra in duplicates:
            calls.append((["gh", "issue", "close", str(extra["number"]), "--comment",
                           f"A duplicate of #{first['number']}."], None))
    for name, mine in issues.items():
        if name not in owed:
            for issue in mine:
                calls.append((["gh", "issue", "close", str(issue["number"]), "--comment",
                               f"Nothing is owed as of {digest['today']}."], None))
    for command, stdin in calls:
        if args.dry_run:
            print(shlex.join(command))
        else:
            run(command, stdin)
    print(f"remind-issues: {len(owed)} owner(s) owe something as of {digest['today']}; "
          f"{len(calls)} gh call(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
