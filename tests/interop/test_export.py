"""`capa export`: CSV for Excel, JSON for scripts, OSCAL POA&M that trestle accepts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from capa_docs.interop.oscal import PROP_NS

from ..helpers import TODAY, commit_all, finding, init_repo, run_capa, write_evidence, write_finding

OPEN_MAJOR = finding(
    id="CAPA-2026-007", title="=HYPERLINK(\"http://evil.example\")", severity="major",
    status="in-progress", raised="2026-10-01", closure=None,
    corrective_actions=[
        {"action": "Add a review step to the release checklist.", "owner": "Jane Smith",
         "due": "2026-12-15"},
        {"action": "Train the release managers on the new step.", "owner": "Jane Smith",
         "due": "2026-12-20", "completed": "2026-11-20"},
    ],
    correction={"action": "Reverted the unreviewed change.", "completed": "2026-10-02"},
)


def _register(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    register = repo / "register"
    write_finding(register, finding(), body="Three vendors onboarded without assessment.\n")
    write_evidence(register, "CAPA-2026-004")
    write_finding(register, OPEN_MAJOR)
    write_finding(register, finding(id="CAPA-2026-008", severity="observation",
                                    status="open", closure=None, root_cause=None,
                                    corrective_actions=None, correction=None, extent=None))
    commit_all(repo, "register", "2026-11-01")
    return repo


def _export(repo: Path, fmt: str) -> str:
    result = run_capa("export", "--format", fmt, "--today", TODAY, cwd=repo)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_csv_is_excel_safe_and_complete(tmp_path: Path) -> None:
    repo = _register(tmp_path)
    out = repo / "out.csv"
    result = run_capa("export", "--format", "csv", "-o", str(out), "--today", TODAY, cwd=repo)
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["id"] for r in rows] == ["CAPA-2026-004", "CAPA-2026-007", "CAPA-2026-008"]
    major = rows[1]
    assert major["title"].startswith("'=HYPERLINK")
    assert major["due"] == "2026-12-15"
    assert rows[0]["effectiveness"] == "effective"
    assert rows[0]["source_file"] == "register/2026/CAPA-2026-004.md"


def test_json_has_fields_and_computed(tmp_path: Path) -> None:
    document = json.loads(_export(_register(tmp_path), "json"))
    by_id = {f["fields"]["id"]: f for f in document["findings"]}
    assert by_id["CAPA-2026-004"]["fields"]["closure"]["effectiveness"]["result"] == "effective"
    assert by_id["CAPA-2026-004"]["narrative"].startswith("Three vendors")
    assert by_id["CAPA-2026-007"]["computed"]["due"] == "2026-12-15"
    assert by_id["CAPA-2026-004"]["computed"]["days_to_close"] == 123


def _text(value: object) -> object:
    """The plain value inside trestle's nested root models and enums."""
    while hasattr(value, "root"):
        value = value.root
    return getattr(value, "value", value)


def _trestle_poam(path: Path):
    # compliance-trestle is in the test extra: missing, this must fail, not skip
    from trestle.oscal.poam import PlanOfActionAndMilestones

    return PlanOfActionAndMilestones.oscal_read(path)


def test_oscal_poam_loads_in_trestle_and_round_trips(tmp_path: Path) -> None:
    repo = _register(tmp_path)
    out = tmp_path / "poam.json"
    out.write_text(_export(repo, "oscal-poam"), encoding="utf-8")
    model = _trestle_poam(out)
    original = json.loads(out.read_text(encoding="utf-8"))
    dumped = json.loads(model.oscal_serialize_json())
    assert dumped == original
    from trestle.oscal import OSCAL_VERSION

    assert model.metadata.oscal_version.root.root == OSCAL_VERSION
    risks = {r.uuid: r for r in model.risks}
    statuses = {}
    for item in model.poam_items:
        risk = risks[item.related_risks[0].risk_uuid]
        finding_id = next(p.value for p in item.props if p.name == "finding-id")
        statuses[finding_id] = risk
    closed, major = statuses["CAPA-2026-004"], statuses["CAPA-2026-007"]
    item = next(i for i in original["plan-of-action-and-milestones"]["poam-items"]
                if {"name": "finding-id", "ns": PROP_NS, "value": "CAPA-2026-004"} in i["props"])
    clauses = [p for p in item["props"] if p["name"] == "clause"]
    assert clauses[0] == {"name": "clause", "ns": PROP_NS, "value": "A.5.19",
                          "class": "iso-iec-27001-2022", "remarks": "ISO/IEC 27001:2022 A.5.19 "
                          "Information security in supplier relationships"}
    assert _text(closed.status) == "closed" and closed.deadline is None
    assert [_text(e.status_change) for e in closed.risk_log.entries if e.status_change] \
        == ["open", "closed"]
    assert _text(major.status) == "remediating"
    assert major.deadline.date().isoformat() == "2026-12-15"
    tasks = [r for r in major.remediations if r.title == "Corrective actions"][0].tasks
    assert len(tasks) == 2


def test_oscal_uuids_stable_across_an_edit(tmp_path: Path) -> None:
    repo = _register(tmp_path)
    before = json.loads(_export(repo, "oscal-poam"))
    path = repo / "register" / "2026" / "CAPA-2026-007.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: ", "title: Edited ", 1), encoding="utf-8")
    commit_all(repo, "edit", "2026-11-10")
    after = json.loads(_export(repo, "oscal-poam"))

    def uuids(document: dict) -> dict[str, str]:
        body = document["plan-of-action-and-milestones"]
        found = {"poam": body["uuid"]}
        for item in body["poam-items"]:
            found[item["props"][0]["value"] + "/item"] = item["uuid"]
        for risk in body["risks"]:
            found[risk["props"][0]["value"] + "/risk"] = risk["uuid"]
            for rem in risk.get("remediations", []):
                for task in rem.get("tasks", []):
                    found[task["uuid"]] = task["uuid"]
        return found

    assert uuids(before) == uuids(after)
    titles = [i["title"] for i in after["plan-of-action-and-milestones"]["poam-items"]]
    assert any(t.startswith("Edited") for t in titles)


def test_oscal_risk_log_takes_status_moves_from_git(tmp_path: Path) -> None:
    repo = _register(tmp_path)
    path = repo / "register" / "2026" / "CAPA-2026-008.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "status: open", "status: in-progress", 1), encoding="utf-8")
    commit_all(repo, "work started", "2026-11-10")
    body = json.loads(_export(repo, "oscal-poam"))["plan-of-action-and-milestones"]
    logs = {r["props"][0]["value"]: r["risk-log"]["entries"] for r in body["risks"]}
    moves = [(e["start"], e.get("status-change")) for e in logs["CAPA-2026-008"]]
    # opened at its raised date (from the file), work started at the commit (from git)
    assert moves == [("2026-03-14T00:00:00+00:00", "open"),
                     ("2026-11-10T12:00:00+00:00", "remediating")]
    # a finding committed already closed: its close is dated by closure.closed, once
    closed = [(e["start"], e.get("status-change")) for e in logs["CAPA-2026-004"]
              if e.get("status-change")]
    assert closed == [("2026-03-14T00:00:00+00:00", "open"),
                      ("2026-07-15T00:00:00+00:00", "closed")]


def test_export_is_reproducible_with_source_date_epoch(tmp_path: Path) -> None:
    repo = _register(tmp_path)
    env = {"SOURCE_DATE_EPOCH": "1795000000"}
    first = run_capa("export", "--format", "oscal-poam", cwd=repo, env=env)
    second = run_capa("export", "--format", "oscal-poam", cwd=repo, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    metadata = json.loads(first.stdout)["plan-of-action-and-milestones"]["metadata"]
    assert metadata["last-modified"].startswith("2026-11-18")


def test_export_usage_errors(tmp_path: Path) -> None:
    repo = _register(tmp_path)
    assert run_capa("export", "--format", "xml", cwd=repo).returncode == 2
    assert run_capa("export", cwd=repo).returncode == 2


def test_oscal_poam_of_an_empty_register_is_refused(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "register").mkdir()
    out = tmp_path / "poam.json"
    result = run_capa("export", "--format", "oscal-poam", "-o", str(out), "--today", TODAY,
                      cwd=repo)
    assert result.returncode == 1
    assert "capa: no findings to export: an OSCAL POA&M needs at least one poam-item" \
        in result.stderr
    assert not out.exists() and result.stdout == ""
    # every finding failing the schema leaves it as empty, and says why
    write_finding(repo / "register", finding(severity="catastrophic"))
    broken = run_capa("export", "--format", "oscal-poam", "--today", TODAY, cwd=repo)
    assert broken.returncode == 1
    assert "CAPA-2026-004.md: left out, it fails the schema" in broken.stderr
    # CSV and JSON of an empty register are still valid files
    assert run_capa("export", "--format", "json", "--today", TODAY, cwd=repo).returncode == 0


def test_unwritable_output_is_a_clean_error(tmp_path: Path) -> None:
    repo = _register(tmp_path)
    result = run_capa("export", "--format", "json", "-o", str(tmp_path / "nope" / "x.json"),
                      "--today", TODAY, cwd=repo)
    assert result.returncode == 2
    assert result.stderr.startswith("capa: cannot write ")
    assert "No such file or directory" in result.stderr and "Traceback" not in result.stderr
    source = tmp_path / "c.csv"
    source.write_text("NC No.,Title\nCAPA-2026-101,x\n", encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    for out in ("/proc/x", str(blocker / "sub")):
        imported = run_capa("import", str(source), "--out", out, "--today", TODAY, cwd=repo)
        assert imported.returncode == 2, imported.stdout + imported.stderr
        assert imported.stderr.startswith("capa: cannot write ")
        assert "Traceback" not in imported.stderr


def _last_statuses(document: dict) -> dict[str, tuple[str, str | None]]:
    """Each finding's risk status and the status its risk log ends with."""
    found = {}
    for risk in document["plan-of-action-and-milestones"]["risks"]:
        changes = [e["status-change"] for e in risk["risk-log"]["entries"]
                   if "status-change" in e]
        found[risk["props"][0]["value"]] = (risk["status"], changes[-1] if changes else None)
    return found


def test_oscal_risk_log_ends_in_the_risk_status(tmp_path: Path) -> None:
    import shutil

    repo = _register(tmp_path)
    body = json.loads(_export(repo, "oscal-poam"))
    # committed already in progress: work started at that first commit, after the opening
    log = {r["props"][0]["value"]: r["risk-log"]["entries"]
           for r in body["plan-of-action-and-milestones"]["risks"]}["CAPA-2026-007"]
    assert [(e["start"], e.get("status-change")) for e in log if e.get("status-change")] == [
        ("2026-10-01T00:00:00+00:00", "open"), ("2026-11-01T12:00:00+00:00", "remediating")]
    assert _last_statuses(body) == {"CAPA-2026-004": ("closed", "closed"),
                                    "CAPA-2026-007": ("remediating", "remediating"),
                                    "CAPA-2026-008": ("open", "open")}
    # without git history: in progress at the raised date, the only date there is
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    no_git = json.loads(_export(plain, "oscal-poam"))
    assert all(status == last for status, last in _last_statuses(no_git).values())
    log = {r["props"][0]["value"]: r["risk-log"]["entries"]
           for r in no_git["plan-of-action-and-milestones"]["risks"]}["CAPA-2026-007"]
    assert [(e["start"], e.get("status-change")) for e in log if e.get("status-change")] == [
        ("2026-10-01T00:00:00+00:00", "open"), ("2026-10-01T00:00:00+00:00", "remediating")]
    # an uncommitted status edit: dated at the export, still the last word
    path = repo / "register" / "2026" / "CAPA-2026-008.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "status: open", "status: in-progress", 1), encoding="utf-8")
    edited = json.loads(_export(repo, "oscal-poam"))
    assert _last_statuses(edited)["CAPA-2026-008"] == ("remediating", "remediating")
    out = tmp_path / "poam.json"
    out.write_text(json.dumps(edited), encoding="utf-8")
    _trestle_poam(out)
