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
               "stale", "last_changed", "first_recorded", "recorded_days_after_raised",
               "recorded_late", "closed", "days_to_close", "effectiveness",
               "effectiveness_questioned", "recurred_as", "recurs", "evidence", "risks",
               "related", "referenced_by", "tags", "source_file")
COMPUTED_COLUMNS = ("due", "overdue_days", "age_days", "stale", "last_changed",
                    "first_recorded", "recorded_days_after_raised", "recorded_late", "closed",
                    "days_to_close", "effectiveness_questioned", "recurred_as", "recurs",
                    "evidence", "referenced_by", "source_file")
"""The columns above that capa computes (from the date, git and the other findings), not
fields a person edits: `capa import` of the CSV reads past them."""


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


# Every field a person edits, after the columns above, so that `capa import` of the CSV
# gives back the same front matter: numbered action and evidence columns (as many as the
# finding with the most), and any field not named here as JSON in `more_fields`.
EDIT_COLUMNS = ("reference", "root_cause_method", "root_cause_whys", "extent", "correction",
                "correction_completed", "closure_closed", "effectiveness_reviewed",
                "effectiveness_by", "effectiveness_method", "isms_changes", "imported_from",
                "imported_on", "last_activity")
_ACTION_PARTS = ("", "_owner", "_due", "_completed")
_EVIDENCE_PARTS = ("_path", "_url", "_sha256", "_description", "_publish")
# the front matter the columns above carry; anything else travels in more_fields
_CARRIED = {
    "id": None, "title": None, "severity": None, "status": None, "source": None,
    "raised": None, "raised_by": None, "owner": None, "department": None, "clauses": None,
    "risks": None, "related": None, "tags": None, "reference": None, "extent": None,
    "isms_changes": None,
    "requirement": ("standard", "procedure"),
    "root_cause": ("method", "whys", "cause", "category"),
    "correction": ("action", "completed"),
    "corrective_actions": None,
    "closure": ("closed", "evidence", "effectiveness"),
    "imported": ("from", "date", "last_activity"),
}
_CARRIED_ACTION = ("action", "owner", "due", "completed")
_CARRIED_EVIDENCE = ("path", "url", "sha256", "description", "publish")
_CARRIED_REVIEW = ("reviewed", "by", "result", "method")


def _more_fields(data: dict[str, Any]) -> str:
    """What no column carries (fields the columns do not know yet), as JSON."""
    more: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _CARRIED:
            more[key] = value
            continue
        parts = _CARRIED[key]
        if parts is None or not isinstance(value, dict):
            continue
        extra = {k: v for k, v in value.items() if k not in parts}
        review = value.get("effectiveness") if key == "closure" else None
        if isinstance(review, dict) and any(k not in _CARRIED_REVIEW for k in review):
            extra["effectiveness"] = {k: v for k, v in review.items()
                                      if k not in _CARRIED_REVIEW}
        items = value.get("evidence") if key == "closure" else None
        if isinstance(items, list) and any(isinstance(i, dict) and set(i) - set(
                _CARRIED_EVIDENCE) for i in items):
            extra["evidence"] = [{k: v for k, v in i.items() if k not in _CARRIED_EVIDENCE}
                                 for i in items if isinstance(i, dict)]
        if extra:
            more[key] = extra
    actions = data.get("corrective_actions")
    if isinstance(actions, list) and any(
            isinstance(a, dict) and set(a) - set(_CARRIED_ACTION) for a in actions):
        more["corrective_actions"] = [{k: v for k, v in a.items() if k not in _CARRIED_ACTION}
                                      for a in actions if isinstance(a, dict)]
    return json.dumps(more, ensure_ascii=False, default=str) if more else ""


def _edit_row(f: Finding, actions: int, evidence: int) -> list[Any]:
    """The edit columns of one finding, in the order ``edit_columns`` names them."""
    review = f.get("closure", "effectiveness") or {}
    whys = f.get("root_cause", "whys")
    row: list[Any] = [
        f.data.get("reference"), f.get("root_cause", "method"),
        "\n".join(whys) if isinstance(whys, list) else whys, f.data.get("extent"),
        f.get("correction", "action"), f.get("correction", "completed"),
        f.get("closure", "closed"), review.get("reviewed") if isinstance(review, dict) else None,
        review.get("by") if isinstance(review, dict) else None,
        review.get("method") if isinstance(review, dict) else None,
        f.data.get("isms_changes"), f.get("imported", "from"), f.get("imported", "date"),
        f.get("imported", "last_activity")]
    listed = f.data.get("corrective_actions") or []
    for index in range(actions):
        action = listed[index] if index < len(listed) and isinstance(listed[index], dict) else {}
        row += [action.get(part) for part in _CARRIED_ACTION]
    items = f.get("closure", "evidence") or []
    for index in range(evidence):
        item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
        row += [item.get(part) for part in _CARRIED_EVIDENCE]
    return row


def edit_columns(actions: int, evidence: int) -> list[str]:
    names = list(EDIT_COLUMNS)
    names += [f"action_{n}{part}" for n in range(1, actions + 1) for part in _ACTION_PARTS]
    names += [f"evidence_{n}{part}" for n in range(1, evidence + 1) for part in _EVIDENCE_PARTS]
    return [*names, "more_fields", "as_of", "commit"]


def register_csv(register: Register, evidence_of: EvidenceOf, *,
                 source: Provenance | None = None) -> bytes:
    """One row per finding, UTF-8 with a byte-order mark so Excel reads accents right.

    The computed figures first, then every field a person edits, then the as-of date and
    commit the figures hold for: `capa import` of this file gives the front matter back.
    """
    n_actions = max([1, *(len(f.data.get("corrective_actions") or []) for f in register)])
    n_evidence = max([1, *(len(f.get("closure", "evidence") or []) for f in register)])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*CSV_COLUMNS, *edit_columns(n_actions, n_evidence)])
    stamp = [register.today.isoformat(), source.commit if source else None]
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
            "first_recorded": c.first_recorded,
            "recorded_days_after_raised": c.recorded_days_after_raised,
            # unknown (no history reaching back to the first commit) stays blank, not "no"
            "recorded_late": c.recorded_late if c.first_recorded is not None else None,
            "days_to_close": c.days_to_close,
            "effectiveness": f.get("closure", "effectiveness", "result"),
            "effectiveness_questioned": bool(c.recurred_as),
            "recurred_as": "; ".join(c.recurred_as), "recurs": "; ".join(c.recurs),
            "evidence": evidence, "risks": "; ".join(d.get("risks") or []),
            "related": "; ".join(d.get("related") or []),
            "referenced_by": "; ".join(c.referenced_by),
            "tags": "; ".join(d.get("tags") or []), "source_file": f.rel,
        }
        edits = [*_edit_row(f, n_actions, n_evidence), _more_fields(f.data), *stamp]
        writer.writerow([_cell(row[name]) for name in CSV_COLUMNS] + [_cell(v) for v in edits])
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
