"""The GitLab reminders: `capa init --ci gitlab`'s scheduled job and its script, run for real.

The script (capa_docs/cli/templates/gitlab-remind-issues.py, written by capa init to
.gitlab/scripts/remind-issues.py) runs as the job runs it, with `capa` as the command, on
the scripted register of tests/reminders.py, against a local HTTP server that answers as
GitLab's REST API v4 does for the calls it makes: issues listed by label and state, a
page at a time with X-Next-Page, created, edited, commented on and closed; a request
without the token is refused. The server keeps the issues, so each test checks what the
project holds afterwards, not only which calls were made.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import yaml

from capa_docs.cli.starter import default_install, starter_files

from ..helpers import TODAY, capa_command
from ..reminders import reminder_repo

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "capa_docs" / "cli" / "templates" / "gitlab-remind-issues.py"
TOKEN = "glpat-test-secret-0123456789"
PROJECT = "42"
PAGE = 2  # the server's page size, whatever per_page asks: listing takes several pages
LABEL = "capa-reminder"


class FakeGitLab:
    """Issues of one project, and every request made, as GitLab's API would hold them."""

    def __init__(self, issues: list[dict[str, Any]]) -> None:
        self.issues = {i["iid"]: {"state": "opened", "labels": [LABEL], "notes": [], **i}
                       for i in issues}
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self.refuse: int | None = None

    def handle(self, method: str, target: str, token: str | None,
               body: dict[str, Any] | None) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(target)
        self.requests.append((method, parts.path, body))
        if token != TOKEN:
            return 401, {"message": "401 Unauthorized"}, {}
        if self.refuse:
            return self.refuse, {"message": "403 Forbidden"}, {}
        prefix = f"/api/v4/projects/{PROJECT}/issues"
        if not parts.path.startswith(prefix):
            return 404, {"message": "404 Project Not Found"}, {}
        rest = parts.path[len(prefix):].strip("/").split("/") if parts.path != prefix else []
        if method == "GET" and not rest:
            return self._list(parse_qs(parts.query))
        if method == "POST" and not rest:
            iid = max(self.issues, default=0) + 1
            labels = [x for x in (body or {}).get("labels", "").split(",") if x]
            self.issues[iid] = {"iid": iid, "title": body["title"], "state": "opened",
                                "description": body.get("description"), "labels": labels,
                                "notes": []}
            return 201, self._public(self.issues[iid]), {}
        issue = self.issues.get(int(rest[0])) if rest and rest[0].isdigit() else None
        if issue is None:
            return 404, {"message": "404 Not found"}, {}
        if method == "PUT" and len(rest) == 1:
            for key in ("title", "description"):
                if key in body:
                    issue[key] = body[key]
            if body.get("state_event") == "close":
                issue["state"] = "closed"
            return 200, self._public(issue), {}
        if method == "POST" and rest[1:] == ["notes"]:
            issue["notes"].append(body["body"])
            return 201, {"body": body["body"]}, {}
        return 405, {"message": "405 Method Not Allowed"}, {}

    def _list(self, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        label, state = query.get("labels", [""])[0], query.get("state", ["all"])[0]
        found = [i for i in sorted(self.issues.values(), key=lambda i: -i["iid"])
                 if (not label or label in i["labels"]) and (state == "all" or i["state"] == state)]
        page = int(query.get("page", ["1"])[0])
        chunk = found[(page - 1) * PAGE:page * PAGE]
        more = page * PAGE < len(found)
        return 200, [self._public(i) for i in chunk], {"X-Next-Page": str(page + 1) if more
                                                         else ""}

    @staticmethod
    def _public(issue: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in issue.items() if k != "notes"}

    def writes(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        return [r for r in self.requests if r[0] != "GET"]

    def open_by_title(self) -> dict[str, dict[str, Any]]:
        return {i["title"]: i for i in self.issues.values() if i["state"] == "opened"}


@pytest.fixture
def server() -> Iterator[tuple[FakeGitLab, str]]:
    gitlab = FakeGitLab([])

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            assert not raw or self.headers.get("Content-Type") == "application/json"
            body = json.loads(raw) if raw else None
            status, payload, headers = gitlab.handle(
                self.command, self.path, self.headers.get("PRIVATE-TOKEN"), body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield gitlab, f"http://127.0.0.1:{httpd.server_address[1]}/api/v4"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reminder_repo(tmp_path_factory.mktemp("remind-gitlab") / "repo")


def _env(api: str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SOURCE_DATE_EPOCH", "CAPA_REMINDERS_TOKEN")}
    return {**env, "CI_API_V4_URL": api, "CI_PROJECT_ID": PROJECT,
            "CAPA_REMINDERS_TOKEN": TOKEN, "CAPA": " ".join(capa_command()), **more}


def _run(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=180)


def _marker(name: str) -> str:
    return f"<!-- capa-remind owner={quote(name)} -->"


def _seed(gitlab: FakeGitLab, issues: list[dict[str, Any]]) -> None:
    gitlab.issues = FakeGitLab(issues).issues


def test_opens_edits_and_closes_one_issue_per_owner(
        repo: Path, server: tuple[FakeGitLab, str]) -> None:
    gitlab, api = server
    _seed(gitlab, [
        # Jane's issue exists: edited. Marta owes nothing now: commented on and closed.
        {"iid": 7, "title": "Corrective actions owed: Jane Smith",
         "description": f"{_marker('Jane Smith')}\nLast week's list."},
        {"iid": 9, "title": "Corrective actions owed: Marta Kowalski",
         "description": f"{_marker('Marta Kowalski')}\nOld."},
        # Written by hand (no marker), closed already, or without the label: left alone.
        {"iid": 11, "title": "Corrective actions owed: Sam Ops", "description": "By hand."},
        {"iid": 12, "title": "Corrective actions owed: Lukas Meyer", "state": "closed",
         "description": f"{_marker('Lukas Meyer')}\nLast year."},
        {"iid": 13, "title": "Unrelated", "labels": ["bug"],
         "description": f"{_marker('Aisha Rahman')}\nCopied by hand."},
    ])
    result = _run(repo, _env(api), "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert "4 owner(s) owe something as of 2026-11-28" in result.stdout
    assert TOKEN not in result.stdout + result.stderr
    lists = [r for r in gitlab.requests if r[0] == "GET"]
    assert len(lists) == 2  # three labelled open issues, two a page
    opened = gitlab.open_by_title()
    created = {t: i for t, i in opened.items() if i["iid"] > 13}
    assert set(created) == {f"Corrective actions owed: {n}"
                            for n in ("Sam Ops", "Aisha Rahman", "Lukas Meyer")}
    assert all(i["labels"] == [LABEL] for i in created.values())
    sam = created["Corrective actions owed: Sam Ops"]["description"]
    assert sam.startswith(_marker("Sam Ops") + "\n**Sam Ops (@samops)** owes 2 items")
    jane = gitlab.issues[7]
    assert jane["state"] == "opened" and "CAPA-2026-201" in jane["description"]
    assert "27 days overdue" in jane["description"]
    assert jane["description"].startswith(_marker("Jane Smith") + "\n")
    marta = gitlab.issues[9]
    assert marta["state"] == "closed" and marta["notes"] == [
        f"Nothing is owed as of {TODAY}."]
    for untouched in (11, 12, 13):
        assert all(f"/issues/{untouched}" not in r[1] for r in gitlab.writes()), untouched
    assert gitlab.issues[11]["description"] == "By hand." and gitlab.issues[12][
        "state"] == "closed"


def test_a_second_run_writes_nothing(repo: Path, server: tuple[FakeGitLab, str]) -> None:
    gitlab, api = server
    assert _run(repo, _env(api), "--today", TODAY).returncode == 0
    first = len(gitlab.writes())
    assert first == 4  # one issue created per owner
    again = _run(repo, _env(api), "--today", TODAY)
    assert again.returncode == 0, again.stderr
    assert len(gitlab.writes()) == first and "0 API call(s)" in again.stdout


def test_duplicates_are_closed_and_everything_closes_when_nothing_is_owed(
        repo: Path, server: tuple[FakeGitLab, str]) -> None:
    gitlab, api = server
    _seed(gitlab, [{"iid": 3, "title": "x", "description": _marker("Jane Smith")},
                   {"iid": 5, "title": "y", "description": _marker("Jane Smith")}])
    assert _run(repo, _env(api), "--today", TODAY).returncode == 0
    assert gitlab.issues[3]["state"] == "opened"
    assert gitlab.issues[3]["title"] == "Corrective actions owed: Jane Smith"
    assert (gitlab.issues[5]["state"], gitlab.issues[5]["notes"]) == (
        "closed", ["A duplicate of #3."])
    result = _run(repo, _env(api), "--today", "2026-01-02")
    assert result.returncode == 0, result.stderr
    assert not gitlab.open_by_title()
    assert gitlab.issues[3]["notes"] == ["Nothing is owed as of 2026-01-02."]


def test_dry_run_reads_but_writes_nothing(repo: Path, server: tuple[FakeGitLab, str]) -> None:
    gitlab, api = server
    result = _run(repo, _env(api), "--today", TODAY, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("POST /issues ") == 4 and not gitlab.writes()


def test_a_refused_call_fails_loudly_without_the_token(
        repo: Path, server: tuple[FakeGitLab, str]) -> None:
    gitlab, api = server
    gitlab.refuse = 403
    result = _run(repo, _env(api), "--today", TODAY)
    assert result.returncode == 1
    assert "HTTP 403" in result.stderr and "scope" in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    wrong = _run(repo, _env(api, CAPA_REMINDERS_TOKEN="glpat-wrong"), "--today", TODAY)
    assert wrong.returncode == 1 and "HTTP 401" in wrong.stderr
    assert "glpat-wrong" not in wrong.stderr


def test_without_the_token_it_says_what_to_set(repo: Path) -> None:
    env = {k: v for k, v in _env("http://127.0.0.1:9/api/v4").items()
           if k != "CAPA_REMINDERS_TOKEN"}
    result = _run(repo, env, "--today", TODAY)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "CAPA_REMINDERS_TOKEN not set" in result.stderr and "scope api" in result.stderr


def _gitlab_files() -> dict[str, str]:
    return {f.path: f.content for f in starter_files("x", "gitlab", default_install())}


def test_capa_init_writes_the_script_and_a_scheduled_job() -> None:
    files = _gitlab_files()
    assert files[".gitlab/scripts/remind-issues.py"] == SCRIPT.read_text()
    data = yaml.safe_load(files[".gitlab-ci.yml"])
    job = data["capa-reminders"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert job["script"] == ["python .gitlab/scripts/remind-issues.py"]
    assert job["extends"] == ".capa"  # installs the pinned capa-docs, full history
    assert data["variables"]["GIT_DEPTH"] == "0"
    # the token is scoped to this job's environment, which records no deployment
    assert job["environment"] == {"name": "reminders", "action": "access"}
    assert job["interruptible"] is False and job["resource_group"] == "capa-reminders"
    # a schedule on the default branch makes a pipeline, in which nothing else runs
    assert {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"} in data["workflow"]["rules"]
    for name, spec in data.items():
        if isinstance(spec, dict) and "rules" in spec and name not in ("capa-reminders",
                                                                        "workflow"):
            assert all('$CI_PIPELINE_SOURCE != "schedule"' in rule["if"]
                       or "merge_request_event" in rule["if"] for rule in spec["rules"]), name
    assert "CAPA_REMINDERS_TOKEN" in files[".gitlab-ci.yml"]
    assert "scope api" in files[".gitlab-ci.yml"]


def test_the_job_as_a_runner_runs_it(repo: Path, server: tuple[FakeGitLab, str],
                                     tmp_path: Path) -> None:
    """The job's script lines from the written .gitlab-ci.yml, in the register's folder,
    with the variables GitLab sets; the date from SOURCE_DATE_EPOCH, as capa reads it."""
    gitlab, api = server
    files = _gitlab_files()
    job = yaml.safe_load(files[".gitlab-ci.yml"])["capa-reminders"]
    work = tmp_path / "checkout"
    shutil.copytree(repo, work)
    script = work / ".gitlab" / "scripts" / "remind-issues.py"
    script.parent.mkdir(parents=True)
    script.write_text(files[".gitlab/scripts/remind-issues.py"])
    epoch = dt.datetime.fromisoformat(f"{TODAY}T12:00:00+00:00").timestamp()
    env = _env(api, SOURCE_DATE_EPOCH=str(int(epoch)))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", "\n".join(job["script"])],
                            cwd=work, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(gitlab.open_by_title()) == {f"Corrective actions owed: {n}" for n in (
        "Jane Smith", "Sam Ops", "Aisha Rahman", "Lukas Meyer")}
