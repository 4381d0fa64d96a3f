"""The CSV carries what git and the other findings say about a finding: when it was first
recorded (and whether that was late), and which effective closures a recurrence questions.

An auditor filters the spreadsheet on these columns, so they must be in `capa export`'s CSV
and the site's register.csv alike; they are computed, so `capa import` of the CSV reads
past them and gives back the same front matter.

The history: an effective closure from 2025 committed in March 2026 (recorded late, after
its closure), a finding raised in March 2026 on the same control with the same root-cause
category and committed two days later (on time; it recurs the first), and one on another
control that recurs nothing. A fourth is committed in a later commit, on time.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from capa_docs.contract.frontmatter import load_text

from ..helpers import TODAY, commit_all, finding, init_repo, run_capa, write_evidence, write_finding
from ..sites import mkdocs_build, write_config

EARLY = finding(id="CAPA-2025-001", raised="2025-03-01",
                correction={"action": "Assessed the three vendors.", "completed": "2025-03-05"},
                corrective_actions=[{"action": "Add the assessment to onboarding.",
                                     "owner": "Jane Smith", "due": "2025-04-30",
                                     "completed": "2025-04-20"}])
EARLY["closure"].update(closed="2025-05-01")
EARLY["closure"]["effectiveness"]["reviewed"] = "2025-05-01"
EARLY["closure"]["evidence"][0]["path"] = "../evidence/CAPA-2025-001/checklist.txt"
AGAIN = finding(id="CAPA-2026-002", raised="2026-03-10", status="open", closure=None,
                title="Another vendor onboarded without a security assessment",
                clauses=["A.5.19"], related=None,
                correction={"action": "Assessed the vendor.", "completed": "2026-03-11"},
                corrective_actions=[{"action": "Review the onboarding checklist's use.",
                                     "owner": "Jane Smith", "due": "2026-12-20"}])
OTHER = finding(id="CAPA-2026-003", raised="2026-03-09", status="open", closure=None,
                clauses=["A.8.13"], title="Backups of the HR system not tested",
                correction={"action": "Ran a restore test.", "completed": "2026-03-10"},
                corrective_actions=[{"action": "Schedule quarterly restore tests.",
                                     "owner": "Omar Haddad", "due": "2026-12-31"}])
LATER = finding(id="CAPA-2026-004", raised="2026-06-01", status="open", closure=None,
                clauses=["5.1"], title="Management review minutes missing actions",
                root_cause={"method": "5-whys", "whys": ["No template."],
                            "cause": "No minutes template.", "category": "process"},
                correction={"action": "Wrote the actions up.", "completed": "2026-06-02"},
                corrective_actions=[{"action": "Adopt a minutes template.",
                                     "owner": "Omar Haddad", "due": "2026-12-31"}])


def _history(root: Path) -> Path:
    repo = init_repo(root)
    register = repo / "register"
    write_evidence(register, "CAPA-2025-001")
    write_finding(register, EARLY, folder="2025")
    write_finding(register, AGAIN)
    write_finding(register, OTHER)
    commit_all(repo, "Import the register from the spreadsheet", "2026-03-12")
    write_finding(register, LATER)
    commit_all(repo, "Raise CAPA-2026-004", "2026-06-03")
    return repo


def _rows(data: bytes) -> dict[str, dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return {row["id"]: row for row in reader}


def _assert_facts(rows: dict[str, dict[str, str]]) -> None:
    early, again, other, later = (rows[i] for i in (
        "CAPA-2025-001", "CAPA-2026-002", "CAPA-2026-003", "CAPA-2026-004"))
    assert early["first_recorded"] == "2026-03-12"
    assert early["recorded_days_after_raised"] == "376"
    assert early["recorded_late"] == "yes"
    assert (again["first_recorded"], again["recorded_days_after_raised"],
            again["recorded_late"]) == ("2026-03-12", "2", "no")
    assert (later["first_recorded"], later["recorded_days_after_raised"],
            later["recorded_late"]) == ("2026-06-03", "2", "no")
    assert early["effectiveness_questioned"] == "yes"
    assert early["recurred_as"] == "CAPA-2026-002" and early["recurs"] == ""
    assert again["recurs"] == "CAPA-2025-001" and again["recurred_as"] == ""
    assert again["effectiveness_questioned"] == "no"
    assert (other["recurs"], other["recurred_as"], other["effectiveness_questioned"]) == (
        "", "", "no")


def test_export_csv_says_which_findings_were_recorded_late_and_questioned(
        tmp_path: Path) -> None:
    repo = _history(tmp_path / "repo")
    out = tmp_path / "register.csv"
    result = run_capa("export", "--format", "csv", "-o", str(out), "--today", TODAY, cwd=repo)
    assert result.returncode == 0, result.stderr
    _assert_facts(_rows(out.read_bytes()))


def test_recorded_late_is_blank_without_history(tmp_path: Path) -> None:
    """Outside git nothing says when a finding was recorded: blank, never a false "no"."""
    register = tmp_path / "plain" / "register"
    write_evidence(register, "CAPA-2025-001")
    write_finding(register, EARLY, folder="2025")
    write_finding(register, AGAIN)
    result = run_capa("export", "--format", "csv", "--today", TODAY, cwd=tmp_path / "plain")
    assert result.returncode == 0, result.stderr
    rows = _rows(result.stdout.encode("utf-8"))
    assert {(r["first_recorded"], r["recorded_late"], r["recorded_days_after_raised"])
            for r in rows.values()} == {("", "", "")}
    assert rows["CAPA-2025-001"]["effectiveness_questioned"] == "yes"


def test_the_site_register_csv_carries_them_too(tmp_path: Path) -> None:
    repo = _history(tmp_path / "repo")
    write_config(repo, {})
    (repo / ".gitignore").write_text("site/\n")
    commit_all(repo, "Site configuration", "2026-06-04")
    mkdocs_build(repo / "mkdocs.yml")
    _assert_facts(_rows((repo / "site" / "register.csv").read_bytes()))


def test_import_of_the_csv_reads_past_the_computed_columns(tmp_path: Path) -> None:
    repo = _history(tmp_path / "repo")
    exported = tmp_path / "register.csv"
    result = run_capa("export", "--format", "csv", "-o", str(exported), "--today", TODAY,
                      cwd=repo)
    assert result.returncode == 0, result.stderr
    empty = init_repo(tmp_path / "empty")
    (empty / "register").mkdir()
    (empty / "README.md").write_text("empty register\n")
    commit_all(empty, "start", "2026-07-01")
    imported = run_capa("import", str(exported), "--today", TODAY, cwd=empty)
    assert "4 rows: 4 written" in imported.stdout, imported.stdout + imported.stderr
    for path in (repo / "register").rglob("CAPA-*.md"):
        back = next((empty / "register").rglob(path.name))
        assert load_text(back.read_text(encoding="utf-8")).data == load_text(
            path.read_text(encoding="utf-8")).data, path.name
