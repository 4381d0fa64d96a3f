"""After `capa import`: what the import could not decide stays visible (rule
`unfinished-text`), the history says where the finding came from, the stale clock starts
at the sheet's last activity, and the spreadsheet's reference is shown and searchable."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..helpers import TODAY, commit_all, init_repo, run_capa


def _imported_repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    (repo / "register").mkdir()
    (repo / "README.md").write_text("register\n")
    commit_all(repo, "start", "2026-01-05")
    sheet = tmp_path / "nc-log.csv"
    sheet.write_text(
        "NC ref,Finding summary,Grade,Current status,Date raised,Raised by,Owner,Audit,"
        "Clause,Updates\n"
        "NC-7,Visitor log not reviewed,Obs,Open,2026-03-14,A. Auditor,Kim Park,"
        "Internal audit,A.7.2,\"2026-04-02 reminded reception\"\n"
        "NC-8,Backups never restore-tested,Major,Closed,2026-03-20,A. Auditor,Kim Park,"
        "Internal audit,A.8.13,\n", encoding="utf-8")
    result = run_capa("import", str(sheet), "--today", TODAY, cwd=repo)
    assert "2 rows: 2 written, 1 valid, 1 with errors" in result.stdout, result.stdout
    commit_all(repo, "import the NC log", TODAY)
    return repo


def test_leftovers_warn_and_the_stale_clock_starts_at_the_last_activity(
        tmp_path: Path) -> None:
    repo = _imported_repo(tmp_path)
    result = run_capa("validate", "--today", TODAY, cwd=repo)
    out = result.stdout
    # the file that did not validate still carries its problem section: a warning says so
    assert "register/2026/CAPA-2026-002.md" in out
    assert "warning unfinished-text: the narrative still holds the import's \"Import " \
        "problems\" section" in out
    # committed today, but its last activity in the sheet was 2026-04-02 (a dated update)
    assert ("CAPA-2026-001.md:6: warning stale: open and unchanged for 240 days (last "
            "activity in nc-log.csv: 2026-04-02)") in out
    # an edit after the import restarts the clock from git
    path = repo / "register/2026/CAPA-2026-001.md"
    path.write_text(path.read_text().replace("title: Visitor", "title: The visitor"))
    commit_all(repo, "progress", "2026-11-29")
    later = run_capa("validate", "--today", "2026-11-30", cwd=repo)
    assert "CAPA-2026-001.md:6: warning stale" not in later.stdout


def test_placeholder_text_of_capa_new_warns(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "register").mkdir()
    made = run_capa("new", "--severity", "minor", "--title", "Backups untested",
                    "--today", TODAY, cwd=repo)
    assert made.returncode == 0, made.stderr
    out = run_capa("validate", "--today", TODAY, cwd=repo).stdout
    assert "warning unfinished-text: `requirement.standard` still holds the placeholder " \
        "'TODO:'" in out
    assert "warning unfinished-text: `corrective_actions[0].action` still holds" in out
    assert "warning unfinished-text: the narrative still holds the placeholder 'TODO:'" in out


def test_reference_and_history_are_shown_and_exported(tmp_path: Path) -> None:
    repo = _imported_repo(tmp_path)
    (repo / "register/2026/CAPA-2026-002.md").unlink()
    commit_all(repo, "drop the broken one", TODAY)
    rendered = run_capa("render", str(tmp_path / "out"), "--today", TODAY, cwd=repo)
    assert rendered.returncode == 0, rendered.stderr
    register = (tmp_path / "out/register.md").read_text(encoding="utf-8")
    assert '<span class="capa-reference"' in register and ">NC-7</span>" in register
    page = (tmp_path / "out/findings/CAPA-2026-001.md").read_text(encoding="utf-8")
    assert "NC-7 (in nc-log.csv)" in page
    assert "Imported" in page and "on 2026-11-28 from nc-log.csv" in page
    exported = run_capa("export", "--format", "csv", "--today", TODAY, cwd=repo).stdout
    row = next(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert row["reference"] == "NC-7" and row["imported_from"] == "nc-log.csv"
    data = json.loads(run_capa("export", "--format", "json", "--today", TODAY, cwd=repo).stdout)
    assert data["findings"][0]["fields"]["reference"] == "NC-7"
