"""Keep one GitLab issue per owner up to date with what they owe in the register.

Run weekly by the `capa-reminders` job of .gitlab-ci.yml, on a pipeline schedule, with
a project access token (role Reporter, scope `api`) in the masked, protected CI/CD
variable CAPA_REMINDERS_TOKEN, scoped to the environment `reminders` so that no other
job receives it. The job's own CI_JOB_TOKEN cannot write issues. It asks
`capa remind --format json` what each person owes, then, through GitLab's REST API:

- opens an issue for a person who owes something and has none open,
- edits the open issue's description when what they owe changed (and leaves it alone
  when not, so nobody is notified of nothing),
- closes the open issue, with a comment, of a person who owes nothing any more.

Each issue carries the label `capa-reminder` (GitLab creates the label with the first
issue) and, as the first line of its description, a comment naming its owner, which is
how the next run finds it again; renaming the issue changes nothing. The same steps as
the GitHub workflow's .github/scripts/remind-issues.py. Written by capa init
(capa-docs); a test in the capa-docs repository runs it against a local HTTP server
that answers as GitLab's API does. Only the Python standard library: nothing to install.

Usage: python remind-issues.py [--today YYYY-MM-DD] [--dry-run]
Environment: CAPA_REMINDERS_TOKEN, CI_API_V4_URL and CI_PROJECT_ID (set by GitLab CI),
CAPA (the capa command, default `capa`).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from typing import NoReturn
from urllib.parse import quote, unquote, urlencode

LABEL = "capa-reminder"
MARKER = "<!-- capa-remind owner="
FOOTER = ("\n---\nKept up to date every week by the reminders job from the "
          "corrective-action register; it closes itself when nothing is owed.\n")
TOKEN = "CAPA_REMINDERS_TOKEN"


def fail(message: str) -> NoReturn:
    sys.exit(f"remind-issues: {message}")


def run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"`{shlex.join(command)}` failed (exit {result.returncode}): "
             f"{result.stderr.strip()}")
    return result.stdout


class GitLab:
    """The few calls of GitLab's REST API (v4) this script makes, on one project."""

    def __init__(self, api: str, project: str, token: str) -> None:
        self.base = f"{api.rstrip('/')}/projects/{quote(project, safe='')}"
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[object, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"PRIVATE-TOKEN": self.token, "Content-Type": "application/json",
                     "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode("utf-8")
                return (json.loads(text) if text else None), dict(response.headers)
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace").strip()[:300]
            hint = (f" (is {TOKEN} a project access token with the api scope and at least "
                    "the Reporter role?)" if error.code in (401, 403) else "")
            fail(f"{method} {self.base}{path} failed: HTTP {error.code} {detail}{hint}")
        except (urllib.error.URLError, OSError) as error:
            fail(f"{method} {self.base}{path} failed: {getattr(error, 'reason', error)}")

    def open_issues(self) -> list[dict]:
        """Every open issue with the label, page by page (100 a page)."""
        found: list[dict] = []
        page = "1"
        while page:
            query = urlencode({"labels": LABEL, "state": "opened", "per_page": 100,
                               "page": page})
            listed, headers = self.call("GET", f"/issues?{query}")
            found += listed if isinstance(listed, list) else []
            page = {k.lower(): v for k, v in headers.items()}.get("x-next-page", "").strip()
        return found


def marker(name: str) -> str:
    return f"{MARKER}{quote(name)} -->"


def owner_of(body: str) -> str | None:
    first = (body or "").lstrip().split("\n", 1)[0].strip()
    if first.startswith(MARKER) and first.endswith("-->"):
        return unquote(first[len(MARKER):-3].strip())
    return None


def by_owner(issues: list[dict]) -> dict[str, list[dict]]:
    """Open reminder issues by owner, oldest first (issues without the marker left out)."""
    mine: dict[str, list[dict]] = {}
    for issue in sorted(issues, key=lambda i: i["iid"]):
        owner = owner_of(issue.get("description") or "")
        if owner is not None:
            mine.setdefault(owner, []).append(issue)
    return mine


def plan(digest: dict, issues: dict[str, list[dict]]) -> list[tuple[str, str, dict]]:
    """The API calls that bring the issues in line with the digest: (method, path, body)."""
    owed = {person["name"]: person for person in digest["people"] if person["owed"]}
    calls: list[tuple[str, str, dict]] = []
    for name, person in owed.items():
        body = f"{marker(name)}\n{person['markdown']}{FOOTER}"
        title = f"Corrective actions owed: {name}"
        first, *duplicates = issues.get(name) or [None]
        if first is None:
            calls.append(("POST", "/issues", {"title": title, "labels": LABEL,
                                              "description": body}))
            continue
        if (first.get("description") or "").strip() != body.strip() or \
                first.get("title") != title:
            calls.append(("PUT", f"/issues/{first['iid']}", {"title": title,
                                                             "description": body}))
        for extra in duplicates:
            calls += close(extra, f"A duplicate of #{first['iid']}.")
    for name, mine in issues.items():
        if name not in owed:
            for issue in mine:
                calls += close(issue, f"Nothing is owed as of {digest['today']}.")
    return calls


def close(issue: dict, why: str) -> list[tuple[str, str, dict]]:
    return [("POST", f"/issues/{issue['iid']}/notes", {"body": why}),
            ("PUT", f"/issues/{issue['iid']}", {"state_event": "close"})]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One GitLab issue per owner of the register.")
    parser.add_argument("--today", default=None, help="the date to judge against")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the API calls only (the open issues are still read)")
    args = parser.parse_args(argv)
    missing = [name for name in (TOKEN, "CI_API_V4_URL", "CI_PROJECT_ID")
               if not os.environ.get(name)]
    if missing:
        fail(f"{', '.join(missing)} not set: run in GitLab CI, with a project access "
             f"token (role Reporter, scope api) in the masked CI/CD variable {TOKEN}")
    capa = shlex.split(os.environ.get("CAPA", "capa"))
    remind = [*capa, "remind", "--format", "json"]
    if args.today:
        remind += ["--today", args.today]
    digest = json.loads(run(remind))
    gitlab = GitLab(os.environ["CI_API_V4_URL"], os.environ["CI_PROJECT_ID"],
                    os.environ[TOKEN])
    calls = plan(digest, by_owner(gitlab.open_issues()))
    for method, path, body in calls:
        if args.dry_run:
            print(method, path, json.dumps(body, ensure_ascii=False)[:120])
        else:
            gitlab.call(method, path, body)
    owing = sum(1 for person in digest["people"] if person["owed"])
    print(f"remind-issues: {owing} owner(s) owe something as of {digest['today']}; "
          f"{len(calls)} API call(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
