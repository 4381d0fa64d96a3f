"""Write the spreadsheet registers `capa import` is measured on, and what a person makes of them.

Seven findings, each kept by eight teams in their own words: ISO 9001 NCR logs, ISO/IEC
27001 audit trackers, CAR logs, a semicolon CSV with dd.mm.yyyy dates, XLSX files with
title rows, merged headings, a lookup sheet and Excel dates. For each file it writes

- the file itself (CSV, or XLSX through openpyxl);
- ``<name>.expected.yaml``: the mapping a person would make (each column's heading and
  its field, or null to keep it only as written) and, per row, the facts that person would record
  (severity, status, raised, owner, clauses, due, closed, effectiveness) from the cells
  as written: a "No" under "Is it closed?" is `open`, whatever the finding's fuller story.

The files are committed; run ``python tests/data/registers/make_corpus.py`` after editing
this script to write them again (byte-stable: fixed dates, no timestamps in the XLSX).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
D = dt.date

# The findings, as the contract would hold them.
FINDINGS: list[dict[str, Any]] = [
    dict(ref=1, title="Supplier security assessments skipped for three vendors",
         severity="minor", status="closed", source="internal-audit", raised=D(2026, 2, 10),
         raised_by="A. Auditor", owner="Jane Smith", dept="Procurement", clauses=["A.5.19"],
         cause="Procurement onboarding did not include the assessment step.",
         correction="Assessed the three vendors.", action="Add the assessment to onboarding.",
         due=D(2026, 5, 30), completed=D(2026, 5, 20), closed=D(2026, 7, 15),
         effective="effective", reviewed=D(2026, 7, 10), verifier="B. Reviewer",
         method="re-sampled ten vendors onboarded since", evidence="checklist-v3.pdf; "
         "https://intranet.example.com/capa/1"),
    dict(ref=2, title="VPN gateway missing three critical patches", severity="major",
         status="in-progress", source="certification-audit", raised=D(2026, 3, 4),
         raised_by="C. Lead (BSI)", owner="Sam Lee", dept="IT", clauses=["A.8.8"],
         cause="No owner for appliance patching.", correction="Patched the gateway.",
         action="Name an owner and add appliances to the patch scan.", due=D(2026, 6, 1),
         completed=None, closed=None, effective=None, reviewed=None, verifier=None,
         method=None, evidence=None),
    dict(ref=3, title="Incident response plan not followed for phishing report",
         severity="observation", status="open", source="incident", raised=D(2026, 4, 22),
         raised_by="SOC", owner="Kim Park", dept="Security", clauses=["A.5.24", "A.5.26"],
         cause=None, correction=None, action="Retrain the service desk on triage.",
         due=D(2026, 9, 30), completed=None, closed=None, effective=None, reviewed=None,
         verifier=None, method=None, evidence=None),
    dict(ref=4, title="Access review KPI below target two quarters running", severity="minor",
         status="pending", source="kpi", raised=D(2026, 5, 5), raised_by="ISMS manager",
         owner="Ana Gomez", dept="HR", clauses=["9.1"],
         cause="Review reminders went to a shared mailbox nobody read.",
         correction="Ran the overdue reviews.", action="Send reminders to named reviewers.",
         due=D(2026, 8, 31), completed=D(2026, 8, 20), closed=None, effective=None,
         reviewed=None, verifier=None, method=None, evidence="reminder-config.png"),
    dict(ref=5, title="Awareness training could use short videos", severity="ofi",
         status="hold", source="management-review", raised=D(2026, 6, 18),
         raised_by="Top management", owner="Luc Martin", dept="HR", clauses=["7.2"],
         cause=None, correction=None, action=None, due=None, completed=None, closed=None,
         effective=None, reviewed=None, verifier=None, method=None, evidence=None),
    dict(ref=6, title="Customer data shared with subprocessor without agreement",
         severity="major", status="closed", source="external-audit", raised=D(2026, 1, 12),
         raised_by="Customer auditor", owner="Priya Shah", dept="Legal", clauses=["A.5.20"],
         cause="Contract template lacked the data processing clause.",
         correction="Signed the agreement.", action="Update the contract template.",
         due=D(2026, 4, 10), completed=D(2026, 3, 30), closed=D(2026, 5, 2),
         effective="effective", reviewed=D(2026, 5, 20), verifier="D. Verifier",
         method="re-audited in May, no gaps", evidence="dpa-signed.pdf"),
    dict(ref=7, title="Internal audit programme missed two processes", severity="minor",
         status="in-progress", source="internal-audit", raised=D(2026, 7, 1),
         raised_by="E. Auditor", owner="Tom Becker", dept="Quality", clauses=["9.2", "10.1"],
         cause="Programme built from last year's list.", correction="Scheduled both audits.",
         action="Build the programme from the process map.", due=D(2026, 12, 15),
         completed=None, closed=None, effective=None, reviewed=None, verifier=None,
         method=None, evidence=None),
]

Render = Callable[[dict[str, Any]], Any]


def iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def dmy(sep: str) -> Callable[[dt.date | None], str | None]:
    return lambda d: d.strftime(f"%d{sep}%m{sep}%Y") if d else None


def mdy_words(d: dt.date | None) -> str | None:
    return f"{d.strftime('%b')} {d.day}, {d.year}" if d else None


def excel(d: dt.date | None) -> dt.datetime | None:
    return dt.datetime(d.year, d.month, d.day) if d else None


# Each dialect's words for the contract's values: (cell, what a person records).
SEVERITY = {
    "plain": {"major": "Major", "minor": "Minor", "observation": "Observation", "ofi": "OFI"},
    "nc": {"major": "Major NC", "minor": "Minor NC", "observation": "Obs", "ofi": "OFI"},
    "cat": {"major": "Cat 1", "minor": "Cat 2", "observation": "Observation",
            "ofi": "Opportunity for improvement"},
    "grade": {"major": "Major nonconformity", "minor": "Minor nonconformity",
              "observation": "Area of concern", "ofi": "Recommendation"},
}
STATUS = {  # the finding's story -> (cell, recorded status)
    "rich": {"open": ("Open", "open"), "in-progress": ("In progress", "in-progress"),
             "closed": ("Closed", "closed"),
             "pending": ("Closed - pending verification", "in-progress"),
             "hold": ("On hold", "open")},
    "terse": {"open": ("New", "open"), "in-progress": ("WIP", "in-progress"),
              "closed": ("Done", "closed"), "pending": ("Awaiting verification", "in-progress"),
              "hold": ("Deferred", "open")},
    "yes-no": {"open": ("No", "open"), "in-progress": ("No", "open"),
               "closed": ("Yes", "closed"), "pending": ("No", "open"),
               "hold": ("No", "open")},
}
SOURCE = {
    "internal-audit": "Internal audit 2025", "certification-audit": "Surveillance audit (BSI)",
    "incident": "Incident INC-442", "kpi": "KPI review", "management-review":
    "Management review", "external-audit": "Customer audit",
}


def recorded_status(f: dict[str, Any], words: str) -> str:
    return STATUS[words][f["status"]][1]


def verdict_yn(f: dict[str, Any]) -> tuple[str, str | None]:
    """Y/N effectiveness: N on a finding not closed means not verified yet."""
    if f["effective"] == "effective":
        return "Y", "effective"
    return "N", None


def verdict_words(f: dict[str, Any]) -> tuple[str | None, str | None]:
    if f["effective"] is None:
        return None, None
    return f"Effective, {f['method']}", "effective"


def clauses_text(style: str) -> Render:
    def render(f: dict[str, Any]) -> str:
        if style == "iso":
            return "ISO/IEC 27001 " + " / ".join(f["clauses"])
        if style == "cl":
            return "Cl. " + ", ".join(f["clauses"])
        return "; ".join(f["clauses"])
    return render


def column(heading: str, field: str | None, render: Render,
           fact: Callable[[dict[str, Any]], Any] | None = None) -> dict[str, Any]:
    return {"heading": heading, "field": field, "render": render, "fact": fact}


def facts(date: Callable[[Any], Any], severity: str, status: str, owner: str = "owner",
          clauses: str = "list") -> dict[str, Callable]:
    """The fact columns every dialect has, in its own words and date format."""
    return {
        "severity": lambda f: (SEVERITY[severity][f["severity"]], f["severity"]),
        "status": lambda f: (STATUS[status][f["status"]][0], recorded_status(f, status)),
        "raised": lambda f: (date(f["raised"]), iso(f["raised"])),
        "owner": lambda f: (f["owner"], f["owner"]),
        "clauses": lambda f: (clauses_text(clauses)(f), f["clauses"]),
        "due": lambda f: (date(f["due"]), iso(f["due"])),
        "closed": lambda f: (date(f["closed"]), iso(f["closed"])),
    }


def split(pair_of: Callable) -> tuple[Render, Callable]:
    return (lambda f: pair_of(f)[0]), (lambda f: pair_of(f)[1])


def fact_column(heading: str, name: str, table: dict[str, Callable]) -> dict[str, Any]:
    render, fact = split(table[name])
    return column(heading, name, render, fact)


def text(key: str) -> Render:
    return lambda f: f[key]


def dialects() -> dict[str, dict[str, Any]]:
    """Eight registers: file name -> how it is written and its columns."""
    out: dict[str, dict[str, Any]] = {}
    t = facts(dmy("/"), "nc", "rich", clauses="list")
    eff_yn = split(verdict_yn)
    out["iso9001-ncr-log.csv"] = {"columns": [
        column("NCR #", "id", lambda f: f"NCR-{f['ref']:03d}"),
        fact_column("Date Raised", "raised", t),
        column("Raised By", "raised_by", text("raised_by")),
        column("Department", "department", text("dept")),
        column("Nonconformance Description", "title", text("title")),
        fact_column("NC grade", "severity", t),
        fact_column("ISO ref", "clauses", t),
        column("Immediate containment", "correction", text("correction")),
        column("Why it happened", "root_cause", text("cause")),
        column("CAPA plan", "corrective_action", text("action")),
        fact_column("Process owner", "owner", t),
        fact_column("Target date", "due", t),
        column("Done on", "completed", lambda f: dmy("/")(f["completed"])),
        fact_column("Current status", "status", t),
        column("Verified effective Y/N", "effectiveness", eff_yn[0], eff_yn[1]),
        fact_column("Date closed", "closed", t)]}
    t = facts(iso, "plain", "yes-no", clauses="iso")
    out["isms-audit-tracker.csv"] = {"columns": [
        column("Log #", "id", lambda f: f"L{f['ref']}"),
        column("Finding summary", "title", text("title")),
        column("Audit", "source", lambda f: SOURCE[f["source"]]),
        fact_column("Grade (Major / Minor / Obs)", "severity", t),
        fact_column("Standard ref / control", "clauses", t),
        fact_column("Assignee", "owner", t),
        column("Planned fix", "corrective_action", text("action")),
        fact_column("Deadline", "due", t),
        fact_column("Is it closed?", "status", t),
        fact_column("Closed on", "closed", t),
        column("Verified? (Yes/No)", "effectiveness",
               lambda f: "Yes" if f["effective"] else "No", lambda f: f["effective"]),
        column("Reason?", "root_cause", text("cause")),
        column("Evidence", "evidence", text("evidence"))]}
    t = facts(mdy_words, "cat", "rich", clauses="cl")
    eff = split(verdict_words)
    out["car-log.csv"] = {"columns": [
        column("CAR No.", "id", lambda f: f"CAR-26-{f['ref']:02d}"),
        fact_column("Date opened", "raised", t),
        column("Issue", "title", text("title")),
        fact_column("Category", "severity", t),
        column("Origin", "source", lambda f: SOURCE[f["source"]]),
        fact_column("Requirement", "requirement", {"requirement": lambda f: (
            f"{clauses_text('cl')(f)} of the management system manual", f["clauses"])}),
        fact_column("Responsible", "owner", t),
        column("Corrective action", "corrective_action", text("action")),
        fact_column("Due by", "due", t),
        column("Completion date", "completed", lambda f: mdy_words(f["completed"])),
        fact_column("Status", "status", t),
        column("Effectiveness check", "effectiveness", eff[0], eff[1]),
        column("Verified by", "effectiveness_by", text("verifier")),
        fact_column("Closure date", "closed", t)]}
    t = facts(dmy("."), "grade", "terse", clauses="list")
    out["semicolon-eu.csv"] = {"delimiter": ";", "columns": [
        column("Nr.", "id", lambda f: f"{f['ref']}/2026"),
        column("Befund / finding", "title", text("title")),
        fact_column("Einstufung (grade)", "severity", t),
        fact_column("Status", "status", t),
        fact_column("Festgestellt am (found on)", "raised", t),
        column("Auditor", "raised_by", text("raised_by")),
        fact_column("Verantwortlich (responsible)", "owner", t),
        fact_column("Annex A / Klausel", "clauses", t),
        column("Massnahme (action)", "corrective_action", text("action")),
        fact_column("Frist (by when?)", "due", t),
        fact_column("Geschlossen am (closed on)", "closed", t),
        column("Wirksam? (effective?)", "effectiveness", eff_yn[0], eff_yn[1]),
        column("Bemerkungen (notes)", "narrative",
               lambda f: f"{dmy('.')(f['completed'])} Massnahme umgesetzt"
               if f["completed"] else None)]}
    out.update(xlsx_dialects())
    return out


def xlsx_dialects() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    t = facts(excel, "nc", "rich", clauses="list")
    eff = split(verdict_words)
    out["title-rows.xlsx"] = {"title": "Information security nonconformity register 2026",
                              "groups": {1: "Finding", 7: "Action", 10: "Closure"},
                              "columns": [
        column("Ref", "id", lambda f: f"ISMS-{f['ref']:03d}"),
        column("What was found", "title", text("title")),
        fact_column("Rating", "severity", t),
        fact_column("Date", "raised", t),
        fact_column("Control", "clauses", t),
        fact_column("Owner", "owner", t),
        column("Root cause", "root_cause", text("cause")),
        column("Action", "corrective_action", text("action")),
        fact_column("Due", "due", t),
        column("Done", "completed", lambda f: excel(f["completed"])),
        fact_column("Date", "closed", t),
        fact_column("Status", "status", t),
        column("Effectiveness", "effectiveness", eff[0], eff[1]),
        column("Risk rating", None, lambda f: "High" if f["severity"] == "major" else "Low")]}
    t = facts(excel, "cat", "terse", clauses="iso")
    out["lookup-sheet.xlsx"] = {"lookup": True, "columns": [
        column("ID", "id", lambda f: f"QMS-{f['ref']:02d}"),
        fact_column("Raised", "raised", t),
        column("Area", "department", text("dept")),
        column("Description of nonconformity", "title", text("title")),
        fact_column("Category", "severity", t),
        fact_column("Clause", "clauses", t),
        fact_column("Owner", "owner", t),
        fact_column("Target", "due", t),
        fact_column("Status", "status", t),
        fact_column("Closed", "closed", t),
        column("Effective?", "effectiveness", *split(verdict_yn))]}
    t = facts(lambda d: d.strftime("%d-%b-%y") if d else None, "plain", "rich")
    out["merged-headings.xlsx"] = {"merged": True, "columns": [
        column("Item", "id", lambda f: f"#{f['ref']}"),
        column("Observation text", "title", text("title")),
        fact_column("Class", "severity", t),
        fact_column("Flag", "status", t),
        fact_column("Code", "clauses", t),
        fact_column("When", "raised", t),
        fact_column("Who", "owner", t),
        column("Next step", "corrective_action", text("action")),
        fact_column("When (2)", "due", t),
        fact_column("Closed date", "closed", t),
        column("Result of check", "effectiveness", *split(verdict_words))]}
    t = facts(dmy("/"), "nc", "rich", clauses="iso")
    out["incident-kpi-log.xlsx"] = {"columns": [
        column("Ticket", "id", lambda f: f"INC-{440 + f['ref']}"),
        fact_column("Reported", "raised", t),
        column("Summary", "title", text("title")),
        fact_column("Impact", "severity", t),
        column("Where from", "source", lambda f: SOURCE[f["source"]]),
        fact_column("Control ref", "clauses", t),
        fact_column("Who owns it?", "owner", t),
        column("Containment", "correction", text("correction")),
        fact_column("Fix by", "due", t),
        fact_column("State", "status", t),
        fact_column("Resolved on", "closed", t),
        column("Effectiveness", "effectiveness", *split(verdict_words)),
        column("Evidence links", "evidence", text("evidence")),
        column("Updates", "narrative", lambda f: f"{dmy('/')(f['completed'])}: action done"
               if f["completed"] else None)]}
    return out


def rows_of(spec: dict[str, Any]) -> tuple[list[str], list[list[Any]], list[dict[str, Any]]]:
    headings = [c["heading"] for c in spec["columns"]]
    rows, expected = [], []
    for finding in FINDINGS:
        rows.append([c["render"](finding) for c in spec["columns"]])
        recorded: dict[str, Any] = {}
        for c in spec["columns"]:
            if c["fact"] is None:
                continue
            name = "clauses" if c["field"] == "requirement" else c["field"]
            cell = c["render"](finding)
            if cell is not None:
                recorded[name] = c["fact"](finding)
        expected.append(recorded)
    return headings, rows, expected


def write_csv(path: Path, headings: list[str], rows: list[list[Any]], delimiter: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headings)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(out.getvalue().encode("utf-8"))


def write_xlsx(path: Path, spec: dict[str, Any], headings: list[str],
               rows: list[list[Any]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    if spec.get("lookup"):
        ws.title = "Lists"
        ws.append(["Category", "Status"])
        for pair in (("Cat 1", "New"), ("Cat 2", "WIP"), ("Observation", "Done"),
                     ("Opportunity for improvement", "Deferred")):
            ws.append(list(pair))
        ws = book.create_sheet("Register")
    else:
        ws.title = "Register"
    top = 1
    if spec.get("title"):
        ws.cell(row=1, column=1, value=spec["title"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
        ws.cell(row=2, column=1, value="Owner: ISMS manager. Reviewed monthly.")
        top = 3
    if spec.get("groups"):
        starts = sorted(spec["groups"])
        for i, start in enumerate(starts):
            end = (starts[i + 1] - 1) if i + 1 < len(starts) else len(headings)
            ws.cell(row=top, column=start, value=spec["groups"][start])
            if end > start:
                ws.merge_cells(start_row=top, start_column=start, end_row=top, end_column=end)
        top += 1
    if spec.get("merged"):
        # each heading merged down over two rows, as a banded header is
        for index, heading in enumerate(headings, start=1):
            ws.cell(row=top, column=index, value=heading)
            ws.merge_cells(start_row=top, start_column=index, end_row=top + 1,
                           end_column=index)
        top += 1
    else:
        for index, heading in enumerate(headings, start=1):
            ws.cell(row=top, column=index, value=heading)
    for offset, row in enumerate(rows, start=1):
        for index, value in enumerate(row, start=1):
            if value is not None:
                cell = ws.cell(row=top + offset, column=index, value=value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "dd/mm/yyyy"
    book.properties.created = dt.datetime(2026, 1, 1)
    book.properties.modified = dt.datetime(2026, 1, 1)
    book.save(path)


def main() -> None:
    for name, spec in dialects().items():
        headings, rows, expected = rows_of(spec)
        path = HERE / name
        if name.endswith(".csv"):
            write_csv(path, headings, rows, spec.get("delimiter", ","))
        else:
            write_xlsx(path, spec, headings, rows)
        mapping = [[c["heading"], c["field"]] for c in spec["columns"]]
        document = {"file": name, "mapping": mapping, "rows": expected}
        (HERE / f"{Path(name).stem}.expected.yaml").write_text(
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8")
        print(f"wrote {name}: {len(rows)} rows, {len(headings)} columns")


if __name__ == "__main__":
    main()
