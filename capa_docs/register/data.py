"""The register as data files: CSV for spreadsheets, JSON for scripts.

The site offers these as downloads and ``capa export`` writes them, from these same
functions, so the file a user exports and the one the site offers are the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from ..contract.model import Finding
from ..git.provenance import Provenance
from .evidence import EvidenceView
from .findings import Register

EvidenceOf = Callable[[Finding], list[EvidenceView]]

CSV_COLUMNS = ("id", "title", "severity", "status", "source", "raised", "raised_by", "owner",
               "department", "requirement_standard", "requirement_procedure", "clauses",
               "root_cause_category", "root_cause", "due", "overdue_days", "age_days",
               "stale", "last_changed", "closed", "days_to_close", "effectiveness",
               "evidence", "risks", "related", "referenced_by", "tags", "source_file")


def _cell(value: Any) -> str:
    """Text for a spreadsheet cell; a leading = + - @ is quoted so Excel never runs it
    as a formula (the finding is untrusted)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _evidence_cell(view: EvidenceView) -> str:
    if view.held:
        return f"{view.repo_path} (held in the repository, not published)"
    return view.url or view.uri or view.path or ""


def register_csv(register: Register, evidence_of: EvidenceOf) -> bytes:
    """One row per finding, UTF-8 with a byte-order mark so Excel reads accents right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for f in register:
        d, c = f.data, register.of(f)
        evidence = "; ".join(_evidence_cell(e) for e in evidence_of(f))
        row = {
            "id": f.id, "title": d.get("title"), "severity": d.get("severity"),
            "status": d.get("status"), "source": d.get("source"), "raised": d.get("raised"),
            "raised_by": d.get("raised_by"), "owner": d.get("owner"),
            "department": d.get("department"),
            "requirement_standard": f.get("requirement", "standard"),
            "requirement_procedure": f.get("requirement", "procedure"),
            "clauses": "; ".join(d.get("clauses") or []),
            "root_cause_category": f.get("root_cause", "category"),
            "root_cause": f.get("root_cause", "cause"),
            "due": c.due, "overdue_days": c.overdue_days, "age_days": c.age_days,
            "stale": c.stale, "last_changed": c.last_changed, "closed": c.closed,
            "days_to_close": c.days_to_close,
            "effectiveness": f.get("closure", "effectiveness", "result"),
            "evidence": evidence, "risks": "; ".join(d.get("risks") or []),
            "related": "; ".join(d.get("related") or []),
            "referenced_by": "; ".join(c.referenced_by),
            "tags": "; ".join(d.get("tags") or []), "source_file": f.rel,
        }
        writer.writerow([_cell(row[name]) for name in CSV_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def register_json(register: Register, evidence_of: EvidenceOf, *,
                  source: Provenance | None = None) -> bytes:
    """Every field as written, the narrative, and the computed figures, per finding."""
    findings = []
    for f in register:
        computed = register.of(f).as_dict()
        computed["evidence"] = [
            {"path": e.path, "url": e.url, "published": e.uri, "held": e.held,
             "size": e.size or None, "sha256": e.sha256 or None} for e in evidence_of(f)]
        findings.append({"fields": f.data, "narrative": f.body, "source_file": f.rel,
                         "computed": computed})
    document: dict[str, Any] = {"version": 1, "as_of": register.today.isoformat()}
    if source is not None:
        document["built_from"] = source.as_dict()
    document.update(count=len(findings), findings=findings)
    return (json.dumps(document, ensure_ascii=False, default=str) + "\n").encode()
