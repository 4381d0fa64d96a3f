"""`capa remind` on a scripted register, and the weekly issues' script against a stub gh.

The register (tests/reminders.py) is a real git repository whose owed items on
2026-11-28 are known one by one; the digest must list exactly those. The script that
keeps one issue per owner runs for real, with `capa` as the command and a `gh` on PATH
that records every call and answers `issue list` from a file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ..helpers import TODAY, capa_command, run_capa
from ..reminders import SITE_URL, reminder_repo

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".github" / "scripts" / "remind-issues.py"
TEMPLATE = ROOT / "capa_docs" / "cli" / "templates" / "remind-issues.py"

OWED = {
    "Jane Smith": [("overdue", "CAPA-2026-201", "2026-11-01", 27, 1)],
    "Sam Ops": [("due-soon", "CAPA-2026-201", "2026-12-10", 12, 2),
                ("review-overdue", "CAPA-2026-202", "2026-11-16", 12, None)],
    "Aisha Rahman": [("review-due", "CAPA-2026-203", "2026-12-19", 21, None)],
    "Lukas Meyer": [("stale", "CAPA-2026-204", "2026-08-01", 119, None)],
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reminder_repo(tmp_path_factory.mktemp("remind") / "repo")


def _remind(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_capa("remind", "--today", TODAY, *args, cwd=repo)


def test_json_lists_exactly_what_each_person_owes(repo: Path) -> None:
    result = _remind(repo, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["today"] == TODAY and document["due_soon_days"] == 30
    found = {p["name"]: [(o["kind"], o["finding"], o["date"], o["days"], o["action"])
                         for o in p["owed"]] for p in document["people"]}
    assert found == OWED
    assert [p["name"] for p in document["people"]] == sorted(OWED, key=str.casefold)
    sam = next(p for p in document["people"] if p["name"] == "Sam Ops")
    assert sam["handle"] == "@samops" and sam["email"] == "sam.ops@example.com"
    assert sam["owed"][0]["url"] == f"{SITE_URL}findings/CAPA-2026-201/"
    assert sam["owed"][0]["text"] == "Add the assessment step to onboarding."
    assert sam["markdown"].startswith("**Sam Ops (@samops)** owes 2 items")


def test_text_names_every_item_and_nothing_else(repo: Path) -> None:
    result = _remind(repo)
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines() if line.startswith("  ")]
    assert sorted((words[0], words[1]) for words in lines) == sorted(
        (kind, fid) for items in OWED.values() for kind, fid, *_ in items)
    assert "CAPA-2026-205" not in result.stdout
    assert "Re-sample ten vendors" not in result.stdout  # due 2027-03-01: not soon


def test_owner_filter_and_markdown(repo: Path) -> None:
    result = _remind(repo, "--owner", "Sam Ops", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "## Sam Ops" in result.stdout and "Jane Smith" not in result.stdout
    assert "### Corrective actions due soon (1)" in result.stdout
    assert "### Effectiveness reviews overdue (1)" in result.stdout
    assert f"[CAPA-2026-202]({SITE_URL}findings/CAPA-2026-202/)" in result.stdout


def test_owner_who_owes_nothing_and_owner_nobody_is(repo: Path) -> None:
    later = run_capa("remind", "--today", "2026-06-01", "--owner", "Jane Smith",
                     cwd=repo)
    assert later.returncode == 0 and "Nothing is owed." in later.stdout
    typo = _remind(repo, "--owner", "J. Smith")
    assert typo.returncode == 2 and typo.stdout == ""
    assert "did you mean 'Jane Smith'?" in typo.stderr and len(typo.stderr.splitlines()) == 1


def test_finding_text_cannot_mention_or_format_in_the_issue(tmp_path: Path) -> None:
    from capa_docs.register.digest import _md

    assert _md("ping @everyone <script> [x](y)") == (
        "ping @\u200beveryone \\<script\\> \\[x\\]\\(y\\)")


# --- the weekly issues ------------------------------------------------------------------

STUB_GH = '''#!{python}
import json, os, sys
log = os.environ["GH_STUB_LOG"]
stdin = sys.stdin.read() if "-" in sys.argv and "--body-file" in sys.argv else None
with open(log, "a") as out:
    out.write(json.dumps({{"args": sys.argv[1:], "stdin": stdin}}) + "\\n")
if sys.argv[1:3] == ["issue", "list"]:
    sys.stdout.write(open(os.environ["GH_STUB_ISSUES"]).read())
'''


def _stub(tmp_path: Path, issues: list[dict]) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(STUB_GH.format(python=sys.executable))
    gh.chmod(0o755)
    (tmp_path / "issues.json").write_text(json.dumps(issues))
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "GH_STUB_LOG": str(tmp_path / "calls.jsonl"),
            "GH_STUB_ISSUES": str(tmp_path / "issues.json"),
            "CAPA": " ".join(capa_command())}


def _calls(tmp_path: Path) -> list[dict]:
    log = tmp_path / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _marker(name: str) -> str:
    from urllib.parse import quote

    return f"<!-- capa-remind owner={quote(name)} -->"


def test_script_opens_edits_and_closes_one_issue_per_owner(repo: Path, tmp_path: Path) -> None:
    issues = [
        # Jane's issue exists: edited. Marta owes nothing now: closed. Someone else's
        # issue without the marker is left alone, whatever its title says.
        {"number": 7, "title": "Corrective actions owed: Jane Smith",
         "body": f"{_marker('Jane Smith')}\nLast week's list."},
        {"number": 9, "title": "Corrective actions owed: Marta Kowalski",
         "body": f"{_marker('Marta Kowalski')}\nOld."},
        {"number": 11, "title": "Corrective actions owed: Sam Ops", "body": "By hand."},
    ]
    env = _stub(tmp_path, issues)
    result = subprocess.run([sys.executable, str(SCRIPT), "--today", TODAY], cwd=repo,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    calls = _calls(tmp_path)
    verbs = [tuple(c["args"][:2]) for c in calls]
    # The list comes first; the label exists before any issue is created with it.
    assert verbs[:2] == [("issue", "list"), ("label", "create")]
    created = {c["args"][c["args"].index("--title") + 1]: c["stdin"] for c in calls
               if c["args"][:2] == ["issue", "create"]}
    assert set(created) == {f"Corrective actions owed: {n}"
                            for n in ("Sam Ops", "Aisha Rahman", "Lukas Meyer")}
    sam = created["Corrective actions owed: Sam Ops"]
    assert sam.startswith(_marker("Sam Ops") + "\n**Sam Ops (@samops)** owes 2 items")
    assert all("--label" in c["args"] and "capa-reminder" in c["args"] for c in calls
               if c["args"][:2] == ["issue", "create"])
    edited = [c for c in calls if c["args"][:2] == ["issue", "edit"]]
    assert [c["args"][2] for c in edited] == ["7"]
    assert "CAPA-2026-201" in edited[0]["stdin"] and "27 days overdue" in edited[0]["stdin"]
    closed = [c for c in calls if c["args"][:2] == ["issue", "close"]]
    assert [c["args"][2] for c in closed] == ["9"]
    assert f"Nothing is owed as of {TODAY}." in closed[0]["args"]


def test_script_closes_everything_when_nothing_is_owed(repo: Path, tmp_path: Path) -> None:
    env = _stub(tmp_path, [{"number": 3, "title": "x", "body": _marker("Jane Smith")}])
    result = subprocess.run([sys.executable, str(SCRIPT), "--today", "2026-01-02"], cwd=repo,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert [c["args"][:3] for c in _calls(tmp_path)] == [["issue", "list", "--label"],
                                                         ["issue", "close", "3"]]


def test_script_an_unchanged_issue_is_not_edited(repo: Path, tmp_path: Path) -> None:
    env = _stub(tmp_path, [])
    subprocess.run([sys.executable, str(SCRIPT), "--today", TODAY], cwd=repo, env=env,
                   check=True, capture_output=True, timeout=120)
    bodies = [(c["args"][c["args"].index("--title") + 1], c["stdin"])
              for c in _calls(tmp_path) if c["args"][:2] == ["issue", "create"]]
    (tmp_path / "calls.jsonl").unlink()
    (tmp_path / "issues.json").write_text(json.dumps(
        [{"number": 20 + i, "title": title, "body": body}
         for i, (title, body) in enumerate(bodies)]))
    subprocess.run([sys.executable, str(SCRIPT), "--today", TODAY], cwd=repo, env=env,
                   check=True, capture_output=True, timeout=120)
    verbs = [c["args"][:2] for c in _calls(tmp_path)]
    assert len(bodies) == 4
    assert verbs == [["issue", "list"], ["label", "create"]]  # no edit, create or close


def test_script_fails_loudly_when_gh_fails(repo: Path, tmp_path: Path) -> None:
    env = _stub(tmp_path, [])
    (tmp_path / "bin" / "gh").write_text("#!/bin/sh\necho 'HTTP 403: no' >&2\nexit 1\n")
    result = subprocess.run([sys.executable, str(SCRIPT), "--today", TODAY], cwd=repo,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "HTTP 403" in result.stderr
    assert "Traceback" not in result.stderr


def test_capa_init_writes_the_same_script() -> None:
    assert TEMPLATE.read_bytes() == SCRIPT.read_bytes()


@pytest.mark.parametrize("workflow", [ROOT / ".github/workflows/remind.yml",
                                      ROOT / "capa_docs/cli/templates/github-remind.yml"],
                         ids=["repository", "capa-init"])
def test_workflow_is_weekly_with_the_least_permissions(workflow: Path) -> None:
    data = yaml.safe_load(workflow.read_text())
    triggers = data[True]  # YAML 1.1 reads `on` as True
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "1"]  # Mondays
    assert data["permissions"] == {}
    job = data["jobs"]["remind"]
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    last = job["steps"][-1]
    assert last["run"] == "python .github/scripts/remind-issues.py"
    assert last["env"]["GH_TOKEN"] == "${{ github.token }}"
