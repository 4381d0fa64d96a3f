"""`capa import`: a messy spreadsheet register becomes finding files, nothing lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ..helpers import TODAY, commit_all, init_repo, run_capa

HEADINGS = ["NC No.", "Title", "Description", "Severity", "Status", "Source", "Date Raised",
            "Auditor", "Owner", "Clause", "Root Cause", "Extent", "Correction",
            "Corrective Action", "Due Date", "Completed", "Date closed", "Evidence",
            "Effectiveness", "Verified by", "Verification date", "Risk rating"]

ROWS = [
    # a complete closed minor, with dates as an Excel date, text and a serial number
    ["CAPA-2026-010", "Supplier assessments skipped", "Three vendors onboarded without one.",
     "Minor NC", "Closed", "Internal Audit", dt.datetime(2026, 3, 14), "A. Auditor",
     "Jane Smith", "A.5.19", "Procurement onboarding did not include the assessment step.",
     "Checked all 27 vendors; two more lacked assessments.",
     "Assessed the three vendors.", "Add the assessment to the onboarding checklist.",
     "2026-06-30", 46162, "15 Jul 2026", "See https://intranet.example.com/checklist",
     "Effective", "B. Reviewer", "10/07/2026", "High"],
    # a major in progress whose reference does not fit the ID pattern
    ["NC-2", "Patches not applied to the VPN gateway", None, "Major", "  In progress ",
     "Certification audit", "October 1, 2026", "C. Auditor", "Sam Lee",
     "ISO/IEC 27001:2022 A.8.8", "No owner for appliance patching in the patch procedure.",
     "All 14 appliances checked; one other unpatched.", "Patched the gateway.",
     "Name an owner for appliance patching and add appliances to the patch scan.",
     46371, None, None, None, None, None, None, "Very high"],
    [None] * len(HEADINGS),
    # closed without evidence: the file is written and the problem named
    ["NC-3", "Visitor log not reviewed", None, "Obs", "Closed", "Internal audit",
     "14/03/2026", "A. Auditor", None, "A.7.2", None, None, None, None, None, None,
     "2026-04-01", "Reviewed the log with reception", None, None, None, None],
    # a severity nobody defined, and a raised date as a bare serial number
    ["NC-4", "Backup restore never tested", None, "Critical", "Open", "Self-identified",
     46095, "D. Admin", "Kim Park", "8.13", None, None, None, None, None, None, None, None,
     None, None, None, None],
]


def _messy_xlsx(path: Path) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "NC register"
    ws["A1"] = "ISMS Nonconformity Register 2026"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    # group headings merged over the real header; "NC No." merged down over both rows
    ws["A2"] = "NC No."
    ws.merge_cells("A2:A3")
    ws["B2"] = "Finding"
    ws.merge_cells("B2:J2")
    ws["K2"] = "Analysis"
    ws.merge_cells("K2:M2")
    ws["N2"] = "Corrective action"
    ws.merge_cells("N2:P2")
    ws["Q2"] = "Closure"
    ws.merge_cells("Q2:U2")
    for column, heading in enumerate(HEADINGS[1:], start=2):
        ws.cell(row=3, column=column, value=f" {heading} ")
    ws.append([])  # a blank row between header and data
    for row in ROWS:
        ws.append(row)
    book.save(path)
    return path


def _repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    (repo / "register").mkdir()
    (repo / "README.md").write_text("register\n")
    commit_all(repo, "start", "2026-01-05")
    return repo


def _register_files(repo: Path) -> dict[str, str]:
    return {p.relative_to(repo).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((repo / "register").rglob("*.md"))}


def test_messy_xlsx_writes_every_row_and_names_problems(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _messy_xlsx(tmp_path / "register.xlsx")
    result = run_capa("import", str(source), "--today", TODAY, cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    files = _register_files(repo)
    # own IDs are kept; the others continue after the highest number in use
    assert sorted(files) == [
        "register/2026/CAPA-2026-010.md", "register/2026/CAPA-2026-011.md",
        "register/2026/CAPA-2026-012.md", "register/2026/CAPA-2026-013.md"]
    out = result.stdout
    assert "wrote register/2026/CAPA-2026-010.md (row 5): valid" in out
    assert "wrote register/2026/CAPA-2026-011.md (row 6): valid" in out
    assert "error closure-evidence" in out
    assert "`severity` must be one of" in out
    assert "4 rows: 4 written, 2 valid, 2 with errors, 0 skipped" in out

    closed = files["register/2026/CAPA-2026-010.md"]
    assert "raised: '2026-03-14'" in closed
    assert "completed: '2026-05-20'" in closed  # the serial number 46162
    assert "closed: '2026-07-15'" in closed
    assert "reviewed: '2026-07-10'" in closed
    assert "url: https://intranet.example.com/checklist" in closed
    assert "| Risk rating | High |" in closed  # an unmapped column is kept
    assert "## Description" in closed and "Three vendors onboarded" in closed

    major = files["register/2026/CAPA-2026-011.md"]
    assert "severity: major" in major and "status: in-progress" in major
    assert "raised: '2026-10-01'" in major and "due: '2026-12-15'" in major
    assert "- A.8.8" in major
    assert "Original reference: NC-2" in major

    no_evidence = files["register/2026/CAPA-2026-012.md"]
    assert "severity: observation" in no_evidence and "raised: '2026-03-14'" in no_evidence
    assert "## Import problems" in no_evidence and "closure-evidence" in no_evidence
    assert "Reviewed the log with reception" in no_evidence

    unknown = files["register/2026/CAPA-2026-013.md"]
    assert "severity: Critical" in unknown and "raised: '2026-03-14'" in unknown
    assert "## Import problems" in unknown

    # the real validator agrees: the two clean files pass, the others name their problems
    ok = run_capa("validate", "register/2026/CAPA-2026-010.md",
                  "register/2026/CAPA-2026-011.md", "--today", TODAY, cwd=repo)
    assert ok.returncode == 0, ok.stdout
    bad = run_capa("validate", "--today", TODAY, cwd=repo)
    assert bad.returncode == 1
    assert "CAPA-2026-012.md" in bad.stdout and "closure-evidence" in bad.stdout
    assert "CAPA-2026-013.md" in bad.stdout and "severity" in bad.stdout


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _messy_xlsx(tmp_path / "register.xlsx")
    result = run_capa("import", str(source), "--dry-run", "--today", TODAY, cwd=repo)
    assert result.returncode == 1
    assert "would write register/2026/CAPA-2026-010.md (row 5): valid" in result.stdout
    assert "register/2026/CAPA-2026-012.md:" in result.stdout  # problems at the real path
    assert "4 rows: 4 to write" in result.stdout
    assert _register_files(repo) == {}
    assert sorted(p.name for p in repo.iterdir()) == [".git", "README.md", "register"]


def test_reimport_overwrites_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _messy_xlsx(tmp_path / "register.xlsx")
    run_capa("import", str(source), "--today", TODAY, cwd=repo)
    edited = repo / "register" / "2026" / "CAPA-2026-010.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nEdited by hand.\n",
                      encoding="utf-8")
    before = _register_files(repo)
    again = run_capa("import", str(source), "--today", TODAY, cwd=repo)
    assert again.returncode == 1
    assert _register_files(repo) == before
    assert "skipped row 5: the register already has CAPA-2026-010" in again.stdout
    assert "skipped row 6: NC-2 was imported before" in again.stdout
    assert "4 rows: 0 written, 0 valid, 0 with errors, 4 skipped" in again.stdout


def test_semicolon_csv_in_windows_encoding(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    text = ("Nonconformity log;;;\r\n"
            "Ticket;Finding;Grade;Status;Origin;Raised;Raised by;Responsible;Control\r\n"
            ";;;;;;;;\r\n"
            "T-17;\"Café badge readers log no exits, doors unchecked\";OFI;WIP;Monitoring;"
            "14 Mar 2026;Renée Dupont;Luc Martin;\"A.7.2\r\n(physical entry)\"\r\n"
            "T-18;\"Visitor badges not returned\";OFI;Open;Monitoring;"
            "2026-03-15;Renée Dupont;Luc Martin;A.7.2\r\n")
    source = tmp_path / "log.csv"
    source.write_bytes(text.encode("cp1252"))
    result = run_capa("import", str(source), "--map", "Ticket=id", "--today", TODAY, cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wrote register/2026/CAPA-2026-001.md (row 4): valid" in result.stdout
    files = _register_files(repo)
    assert "wrote register/2026/CAPA-2026-002.md (row 6): valid" in result.stdout
    assert list(files) == ["register/2026/CAPA-2026-001.md", "register/2026/CAPA-2026-002.md"]
    text = files["register/2026/CAPA-2026-001.md"]
    assert "title: Café badge readers log no exits, doors unchecked" in text
    assert "severity: ofi" in text and "status: in-progress" in text
    assert "raised_by: Renée Dupont" in text and "Original reference: T-17" in text
    assert run_capa("validate", "--today", TODAY, cwd=repo).returncode == 0


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert run_capa("import", "missing.csv", cwd=repo).returncode == 2
    source = tmp_path / "x.csv"
    source.write_text("ID,Title\nCAPA-2026-001,x\n", encoding="utf-8")
    bad_map = run_capa("import", str(source), "--map", "ID=nonsense", cwd=repo)
    assert bad_map.returncode == 2 and "unknown field 'nonsense'" in bad_map.stderr
    nothing = tmp_path / "y.csv"
    nothing.write_text("a,b\n1,2\n", encoding="utf-8")
    assert run_capa("import", str(nothing), cwd=repo).returncode == 2


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_row_without_id_does_not_take_a_later_rows_id(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "c.csv", "NC No.,Title,Severity,Status\n"
                  ",No id row,Minor,Open\n"
                  "CAPA-2026-001,Own id row,Major,Open\n"
                  "CAPA-2026-001,Same id again,Minor,Open\n")
    result = run_capa("import", str(source), "--today", TODAY, cwd=repo)
    assert "0 skipped" in result.stdout, result.stdout + result.stderr
    files = _register_files(repo)
    assert sorted(files) == ["register/2026/CAPA-2026-001.md", "register/2026/CAPA-2026-002.md",
                             "register/2026/CAPA-2026-003.md"]
    assert "title: Own id row" in files["register/2026/CAPA-2026-001.md"]
    assert "title: No id row" in files["register/2026/CAPA-2026-002.md"]
    repeat = files["register/2026/CAPA-2026-003.md"]
    assert "title: Same id again" in repeat
    assert "Original reference: CAPA-2026-001" in repeat
    assert "row 3 of the spreadsheet has the same ID CAPA-2026-001" in repeat


def test_reimport_of_repeated_ids_files_nothing_twice(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "c.csv", "NC No.,Title,Severity,Status\n"
                  "CAPA-2026-001,First,Major,Open\n"
                  "CAPA-2026-001,Second,Minor,Open\n"
                  "NC-9,Third,Obs,Open\n"
                  "NC-9,Fourth,Obs,Open\n")
    first = run_capa("import", str(source), "--today", TODAY, cwd=repo)
    assert "4 rows: 4 written" in first.stdout, first.stdout + first.stderr
    before = _register_files(repo)
    again = run_capa("import", str(source), "--today", TODAY, cwd=repo)
    assert again.returncode == 1
    assert _register_files(repo) == before
    out = again.stdout
    assert ("skipped row 2: the register already has CAPA-2026-001 "
            "(register/2026/CAPA-2026-001.md); not overwritten") in out
    assert ("skipped row 3: CAPA-2026-001 was imported before as CAPA-2026-002 "
            "(register/2026/CAPA-2026-002.md); not imported twice") in out
    assert "skipped row 4: NC-9 was imported before as CAPA-2026-003 (" in out
    assert "skipped row 5: NC-9 was imported before as CAPA-2026-004 (" in out
    assert "4 rows: 0 written, 0 valid, 0 with errors, 4 skipped" in out


def test_id_of_a_hand_written_finding_is_not_overwritten(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    existing = repo / "register" / "2026" / "CAPA-2026-001.md"
    existing.parent.mkdir()
    existing.write_text("---\nid: CAPA-2026-001\n---\nBy hand.\n", encoding="utf-8")
    source = _csv(tmp_path / "c.csv", "NC No.,Title,Severity,Status\n"
                  "CAPA-2026-001,Clash,Major,Open\n"
                  "CAPA-2026-001,Clash again,Minor,Open\n")
    result = run_capa("import", str(source), "--today", TODAY, cwd=repo)
    assert "skipped row 2: the register already has CAPA-2026-001 (" in result.stdout
    assert existing.read_text(encoding="utf-8").endswith("By hand.\n")
    again = _register_files(repo)["register/2026/CAPA-2026-002.md"]
    assert "title: Clash again" in again and "Original reference: CAPA-2026-001" in again
    assert "the register already has CAPA-2026-001 (register/2026/CAPA-2026-001.md) " \
        "for another finding" in again


def test_formula_without_computed_value_is_kept(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    repo = _repo(tmp_path)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["NC No.", "Title", "Severity", "Status", "Date Raised", "Risk rating"])
    # openpyxl saves formulas without results, as a script-written workbook has them
    ws.append(["CAPA-2026-001", "Badges not returned", "Minor", "Open", "=TODAY()",
               '=IF(1<2,"High","Low")'])
    source = tmp_path / "formulas.xlsx"
    book.save(source)
    result = run_capa("import", str(source), "--today", TODAY, cwd=repo)
    assert "1 written" in result.stdout, result.stdout + result.stderr
    text = _register_files(repo)["register/2026/CAPA-2026-001.md"]
    assert "| Date Raised | =TODAY() |" in text
    assert '| Risk rating | =IF(1&lt;2,"High","Low") |' in text
    assert "'Date Raised' holds the formula `=TODAY()` with no computed value" in text
    assert "not read as raised" in text
    assert "raised:" not in text.split("\n---\n", 1)[0]  # not invented, not the formula


def test_map_of_a_heading_the_sheet_lacks_is_a_usage_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "c.csv", "Ticket,Title,Severity\nT-1,Badges,Minor\n")
    result = run_capa("import", str(source), "--map", "Tiket=id", "--today", TODAY, cwd=repo)
    assert result.returncode == 2
    assert "capa: --map 'Tiket=id': c.csv has no column headed 'Tiket'" in result.stderr
    assert "its headings: 'Ticket', 'Title', 'Severity'" in result.stderr
    assert "Traceback" not in result.stderr and _register_files(repo) == {}
    # the heading is matched as words, as guesses are: case and punctuation aside
    ok = run_capa("import", str(source), "--map", "ticket.=id", "--today", TODAY, cwd=repo)
    assert ok.returncode in (0, 1) and "Original reference: T-1" in \
        _register_files(repo)["register/2026/CAPA-2026-001.md"]


def test_out_writes_into_the_folder_given(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "c.csv", "NC No.,Title,Severity,Status\n"
                  "CAPA-2026-001,Badges,Minor,Open\n,No id,Minor,Open\n")
    result = run_capa("import", str(source), "--out", "staging", "--today", TODAY, cwd=repo)
    assert "2 rows: 2 written" in result.stdout, result.stdout + result.stderr
    assert "wrote staging/2026/CAPA-2026-001.md (row 2)" in result.stdout
    assert "wrote staging/2026/CAPA-2026-002.md (row 3)" in result.stdout
    assert sorted(p.relative_to(repo).as_posix() for p in (repo / "staging").rglob("*.md")) \
        == ["staging/2026/CAPA-2026-001.md", "staging/2026/CAPA-2026-002.md"]
    assert _register_files(repo) == {}
    # a second run into the same folder sees what the first wrote there
    again = run_capa("import", str(source), "--out", "staging", "--today", TODAY, cwd=repo)
    assert "skipped row 2: the register already has CAPA-2026-001 (" in again.stdout


def test_map_file_maps_columns_and_values_and_bad_ones_exit_2(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "c.csv", "Ticket,Title,Grade,Where,Raised,Raised by,Risk ref\n"
                  "T-1,Badges not returned,Cat Z,Parked,2026-03-14,A. Auditor,R-014\n")
    maps = tmp_path / "map.yaml"
    maps.write_text("columns:\n  Ticket: id\n  Where: status\n  Risk ref: risks\n"
                    "values:\n  severity: {Cat Z: ofi}\n  status: {Parked: open}\n"
                    "set:\n  source: internal-audit\n", encoding="utf-8")
    dry = run_capa("import", str(source), "--map-file", str(maps), "--dry-run",
                   "--today", TODAY, cwd=repo)
    assert "'Ticket' -> id (--map; 100%): e.g. 'T-1'" in dry.stdout, dry.stdout
    result = run_capa("import", str(source), "--map-file", str(maps), "--today", TODAY,
                      cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    text = _register_files(repo)["register/2026/CAPA-2026-001.md"]
    assert "severity: ofi" in text and "status: open" in text and "- R-014" in text
    assert "reference: T-1" in text and "source: internal-audit" in text
    for content, message in (
            ("columns: [unclosed\n", "not YAML"),
            ("values:\n  colour: {Red: major}\n", "unknown field 'colour'"),
            ("values:\n  status: {Parked: sleeping}\n", "'sleeping' is not one of"),
            ("columns:\n  Ticket: nonsense\n", "unknown field 'nonsense'")):
        maps.write_text(content, encoding="utf-8")
        bad = run_capa("import", str(source), "--map-file", str(maps), cwd=repo)
        assert bad.returncode == 2 and message in bad.stderr, bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1
    unreadable = tmp_path / "broken.xlsx"
    unreadable.write_bytes(b"not a zip")
    bad = run_capa("import", str(unreadable), cwd=repo)
    assert bad.returncode == 2 and "cannot be read as an XLSX workbook" in bad.stderr


def test_values_by_meaning(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "c.csv",
                  "Log #,Finding summary,Audit,Grade (Major / Minor / Obs),Requirement,"
                  "Current status,Raised,Assignee,Verified effective Y/N,Evidence\n"
                  "L1,Pending check,Surveillance audit (BSI),Minor,ISO/IEC 27001 A.8.2 and "
                  "Cl. 9.2,Closed - pending verification,2026-03-14,Jo,N,"
                  "report.pdf; https://wiki.example.com/x\n"
                  "L2,Parked,Incident INC-442,Obs,Cl. 7.5,On hold,2026-03-15,Jo,"
                  "\"Effective, re-audited on 12/05/2026\",\n")
    run_capa("import", str(source), "--today", TODAY, cwd=repo)
    files = _register_files(repo)
    first = files["register/2026/CAPA-2026-001.md"]
    assert "source: certification-audit" in first and "status: in-progress" in first
    assert "- A.8.2\n- '9.2'" in first and "effectiveness" not in first.split("\n---\n")[0]
    assert "url: https://wiki.example.com/x" in first
    assert "path: ../evidence/CAPA-2026-001/report.pdf" in first
    second = files["register/2026/CAPA-2026-002.md"]
    assert "source: incident" in second and "status: open" in second
    assert "result: effective" in second and "method: re-audited on 12/05/2026" in second
    assert "imported:\n  from: c.csv\n  date: '2026-11-28'\n  last_activity: '2026-05-12'" \
        in second


def test_two_columns_never_claim_one_field_silently(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "c.csv", "Ref,Title,Severity,Grade (old scale),Status\n"
                  "T-1,Badges,Minor,Cat 2,Open\nT-2,Doors,Major,Cat 1,Closed\n")
    out = run_capa("import", str(source), "--dry-run", "--today", TODAY, cwd=repo).stdout
    assert "'Severity' -> severity (heading 'Severity'" in out, out
    assert "unmapped columns" in out
    assert "'Grade (old scale)' (its reading was taken by 'Severity'): e.g. 'Cat 2'" in out


def test_a_data_row_repeating_heading_words_is_not_the_header(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "c.csv", "Supplier audit log 2026,,,,,\n"
                  "Finding,Severity,Status,Raised,Owner,Clause\n"
                  "Owner not named for audit,Minor,Closed,2026-03-14,Audit owner,A.5.2\n"
                  "Status report late,Observation,Open,2026-03-15,Raised by team,A.5.3\n")
    out = run_capa("import", str(source), "--dry-run", "--today", TODAY, cwd=repo).stdout
    assert out.startswith("mapping of c.csv (header on row 2, 2 filled rows)"), out
    assert "would write register/2026/CAPA-2026-001.md (row 3)" in out


def test_missing_raised_and_raised_by_name_the_options_that_fill_them(tmp_path: Path) -> None:
    """A sheet without who raised its findings or when: each row's problem names the
    --set (or --map) that fixes every row at once, and that option does."""
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "log.csv", "NC No.,Title,Severity,Status,Source,Owner\n"
                  "NC-1,Visitor badges not returned,OFI,Open,Monitoring,Luc Martin\n"
                  "NC-2,Door left open,OFI,Open,Monitoring,Luc Martin\n")
    dry = run_capa("import", str(source), "--dry-run", "--today", TODAY, cwd=repo)
    assert dry.returncode == 1, dry.stdout + dry.stderr
    problems = [line.strip() for line in dry.stdout.splitlines() if " error schema: " in line]
    assert len(problems) == 4, dry.stdout
    by = [p for p in problems if "missing required field `raised_by`" in p]
    on = [p for p in problems if "missing required field `raised`;" in p]
    assert len(by) == len(on) == 2
    assert all('--set raised_by="NAME"' in p and '--map "COLUMN=raised_by"' in p for p in by)
    assert all("--set raised=YYYY-MM-DD" in p and '--map "COLUMN=raised"' in p for p in on)
    fixed = run_capa("import", str(source), "--set", "raised_by=A. Auditor",
                     "--set", "raised=2026-03-14", "--today", TODAY, cwd=repo)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "2 rows: 2 written, 2 valid" in fixed.stdout
    assert all("raised_by: A. Auditor" in text and "raised: '2026-03-14'" in text
               for text in _register_files(repo).values())


def test_an_empty_raised_cell_names_its_column_and_the_set_option(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    source = _csv(tmp_path / "log.csv", "NC No.,Title,Severity,Status,Source,Date raised,"
                  "Auditor,Owner\n"
                  "NC-1,Visitor badges not returned,OFI,Open,Monitoring,2026-03-14,"
                  "A. Auditor,Luc Martin\n"
                  "NC-2,Door left open,OFI,Open,Monitoring,,,Luc Martin\n")
    result = run_capa("import", str(source), "--today", TODAY, cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = [line.strip() for line in result.stdout.splitlines() if " error " in line]
    assert problems == [
        "register/2026/CAPA-2026-002.md:1: error schema: missing required field `raised_by`; "
        "this row's 'Auditor' cell is empty: write it in the file or the sheet, or import "
        'with --set raised_by="NAME" (one value for every empty cell)',
        "register/2026/CAPA-2026-002.md:1: error schema: missing required field `raised`; "
        "this row's 'Date raised' cell is empty: write it in the file or the sheet, or "
        "import with --set raised=YYYY-MM-DD (one value for every empty cell)"]
