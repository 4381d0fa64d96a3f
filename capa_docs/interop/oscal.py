"""The register as an OSCAL Plan of Action and Milestones (POA&M), OSCAL 1.2.1 JSON.

Each finding is a ``poam-item`` linked to a ``risk`` that carries the status, deadline,
remediations (one task per corrective action) and a risk log. Every UUID is a uuid5 of
the finding ID and the part's role, so exporting the next commit gives the same UUIDs
and a tool tracking POA&M items across submissions sees the same items move on.

The risk log takes the business dates from the finding itself (open at ``raised``,
corrections and actions completed, the effectiveness review, closed at
``closure.closed``) and the status moves the file does not date (to in-progress, reopened,
an earlier close) from git history, at the commit that made them. Without history
(outside git, a shallow clone) only the finding's own dates are logged. Either way the
log ends in the risk's status, so a tool replaying the log agrees with ``status``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from ..contract.catalogue import Standards
from ..contract.model import Finding
from ..contract.settings import Settings
from ..git.history import RAISED, STATUS_KINDS, FindingHistory, RegisterHistory
from ..register.findings import Register, as_date

OSCAL_VERSION = "1.2.1"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://capa-docs.dev/ns/oscal")
PROP_NS = "https://capa-docs.dev/ns/oscal"
RISK_STATUS = {"open": "open", "in-progress": "remediating", "closed": "closed"}


def stable_uuid(*parts: str) -> str:
    """The same UUID for the same finding part in every export."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _when(day: dt.date) -> str:
    # OSCAL date-time needs a time zone; midnight UTC, in the form trestle writes back.
    return dt.datetime.combine(day, dt.time(), dt.UTC).isoformat()


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": PROP_NS, "value": value}


def _line(text: str) -> str:
    """OSCAL titles are one line."""
    return " ".join(str(text).split()) or "(untitled)"


def poam_document(register: Register, settings: Settings,
                  history: RegisterHistory | None = None) -> dict[str, Any]:
    """The whole POA&M: metadata dated by ``register.today``, one item and risk a finding."""
    items, risks = [], []
    for finding in register:
        past = history.for_path(finding.rel) if history is not None else None
        risk = _risk(finding, past if past is not None and past.complete else None,
                     register.today)
        risks.append(risk)
        items.append(_item(finding, risk["uuid"], settings.standards))
    scope = f"register:{settings.id_prefix}"
    poam: dict[str, Any] = {
        "uuid": stable_uuid(scope, "poam"),
        "metadata": {
            "title": f"{settings.id_prefix} corrective-action register: plan of action "
                     "and milestones",
            "last-modified": _when(register.today),
            "version": register.today.isoformat(),
            "oscal-version": OSCAL_VERSION,
        },
        "system-id": {"identifier-type": "http://ietf.org/rfc/rfc4122",
                      "id": stable_uuid(scope, "system")},
    }
    if risks:
        poam["risks"] = risks
    poam["poam-items"] = items
    return {"plan-of-action-and-milestones": poam}


def _item(finding: Finding, risk_uuid: str, standards: Standards) -> dict[str, Any]:
    props = [_prop("finding-id", finding.id), _prop("severity", finding.data["severity"]),
             _prop("source", finding.data["source"])]
    props += [_clause_prop(clause, standards) for clause in finding.get("clauses") or []]
    return {
        "uuid": stable_uuid(finding.id, "poam-item"),
        "title": _line(finding.data["title"]),
        "description": _description(finding),
        "props": props,
        "related-risks": [{"risk-uuid": risk_uuid}],
    }


def _clause_prop(ref: str, standards: Standards) -> dict[str, str]:
    """A clause reference as a prop: the number as its value, the standard named by the
    prop's class (an OSCAL token, ``iso-9001-2015``) and in words in its remarks."""
    found = standards.resolve(ref)
    if found is None:
        return _prop("clause", ref)
    catalogue, number = found.catalogue, found.number
    token = re.sub(r"[^a-z0-9]+", "-", catalogue.name.lower()).strip("-")
    title = catalogue.title_of(number)
    return {**_prop("clause", number), "class": token if token[:1].isalpha() else f"std-{token}",
            "remarks": f"{catalogue.name} {number}" + (f" {title}" if title else "")}


def _description(finding: Finding) -> str:
    body = finding.body.strip()
    return body or finding.data["title"]


def _statement(finding: Finding) -> str:
    parts = []
    requirement = finding.get("requirement") or {}
    for key, label in (("standard", "Requirement not met"), ("procedure", "Procedure")):
        if requirement.get(key):
            parts.append(f"{label}: {requirement[key]}")
    if finding.get("root_cause", "cause"):
        parts.append(f"Root cause: {finding.get('root_cause', 'cause')}")
    if finding.get("extent"):
        parts.append(f"Extent: {finding.get('extent')}")
    return "\n\n".join(parts) or finding.data["title"]


def _risk(finding: Finding, history: FindingHistory | None, today: dt.date) -> dict[str, Any]:
    fid = finding.id
    risk: dict[str, Any] = {
        "uuid": stable_uuid(fid, "risk"),
        "title": _line(finding.data["title"]),
        "description": _description(finding),
        "statement": _statement(finding),
        "props": [_prop("finding-id", fid), _prop("severity", finding.data["severity"])],
        "status": RISK_STATUS[finding.data["status"]],
    }
    actions = [a for a in finding.get("corrective_actions") or [] if isinstance(a, dict)]
    open_dues = [d for a in actions if not a.get("completed") and (d := as_date(a.get("due")))]
    if open_dues and finding.data["status"] != "closed":
        risk["deadline"] = _when(max(open_dues))
    remediations = _remediations(finding, actions)
    if remediations:
        risk["remediations"] = remediations
    risk["risk-log"] = {"entries": _log(finding, actions, remediations, history, today)}
    return risk


def _remediations(finding: Finding, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    fid, raised = finding.id, as_date(finding.data["raised"])
    result = []
    correction = finding.get("correction")
    if isinstance(correction, dict):
        result.append({
            "uuid": stable_uuid(fid, "remediation", "correction"),
            "lifecycle": "completed" if correction.get("completed") else "planned",
            "title": "Correction",
            "description": correction["action"],
            "props": [_prop("kind", "correction")],
        })
    if actions:
        tasks = []
        for index, action in enumerate(actions):
            task: dict[str, Any] = {
                "uuid": stable_uuid(fid, "task", str(index)),
                "type": "action",
                "title": _line(action["action"])[:200],
                "description": action["action"],
            }
            props = [_prop(k, str(action[k])) for k in ("owner", "due", "completed")
                     if action.get(k)]
            if props:
                task["props"] = props
            due = as_date(action.get("due"))
            if due is not None and raised is not None and due >= raised:
                task["timing"] = {"within-date-range": {"start": _when(raised),
                                                        "end": _when(due)}}
            elif due is not None:
                task["timing"] = {"on-date": {"date": _when(due)}}
            tasks.append(task)
        done = all(a.get("completed") for a in actions)
        result.append({
            "uuid": stable_uuid(fid, "remediation", "corrective-actions"),
            "lifecycle": "completed" if done else "planned",
            "title": "Corrective actions",
            "description": "Actions that remove the root cause so the nonconformity does "
                           "not recur (ISO/IEC 27001:2022 clause 10.2 c)).",
            "props": [_prop("kind", "corrective-actions")],
            "tasks": tasks,
        })
    return result


def _log(finding: Finding, actions: list[dict[str, Any]], remediations: list[dict[str, Any]],
         history: FindingHistory | None, today: dt.date) -> list[dict[str, Any]]:
    """Dated events of the finding and its git status moves, oldest first.

    The last status change always says what the risk's ``status`` says: a reader of the
    log alone must reach the same state as a reader of the status.
    """
    fid = finding.id
    status = finding.data["status"]
    by_kind = {r["props"][0]["value"]: r["uuid"] for r in remediations}
    entries: list[tuple[bool, str, int, dict[str, Any]]] = []

    def add(day: dt.date | dt.datetime | None, key: str, title: str, **extra: Any) -> None:
        if day is None:
            return
        start = (day.astimezone(dt.UTC).isoformat() if isinstance(day, dt.datetime)
                 else _when(day))
        entry = {"uuid": stable_uuid(fid, "log", key), "title": title, "start": start, **extra}
        # the opening comes first even when a commit in a time zone ahead of UTC made
        # the finding on its raised day, seemingly before midnight UTC
        entries.append((key != "raised", start, len(entries), entry))

    raised = as_date(finding.data["raised"])
    closed = as_date(finding.get("closure", "closed")) if status == "closed" else None
    for change, before, after in _status_moves(finding, history, closed):
        add(change.date, f"commit-{change.commit}-{after}",
            f"Status {before or 'new'} to {after}",
            description=f"Commit {change.commit[:12]} by {change.author}: {change.subject}",
            **{"status-change": RISK_STATUS[after]})

    add(raised, "raised", f"Raised by {_line(finding.data['raised_by'])}",
        **{"status-change": "open"})
    if history is None and status == "in-progress":
        add(raised, "in-progress", "Status open to in-progress",
            description="When work started is not recorded without git history: dated "
                        "at the raised date.", **{"status-change": "remediating"})
    completed = as_date(finding.get("correction", "completed"))
    if completed and "correction" in by_kind:
        add(completed, "correction", "Correction completed",
            **{"related-responses": [{"response-uuid": by_kind["correction"]}]})
    for index, action in enumerate(actions):
        day = as_date(action.get("completed"))
        if day and "corrective-actions" in by_kind:
            task = stable_uuid(fid, "task", str(index))
            add(day, f"action-{index}", f"Corrective action {index + 1} completed",
                **{"related-responses": [{
                    "response-uuid": by_kind["corrective-actions"],
                    "related-tasks": [{"task-uuid": task}]}]})
    review = finding.get("closure", "effectiveness")
    if isinstance(review, dict):
        add(as_date(review.get("reviewed")), "effectiveness",
            f"Effectiveness review: {review.get('result')}",
            description=f"Reviewed by {review.get('by')}."
            + (f" {review['method']}" if review.get("method") else ""))
    add(closed, "closed", "Closed", **{"status-change": "closed"})
    log = [entry for _, _, _, entry in sorted(entries, key=lambda e: e[:3])]
    last = next((e["status-change"] for e in reversed(log) if "status-change" in e), None)
    if last != RISK_STATUS[status]:
        # the file's status is dated by nothing: an uncommitted edit, or a closed
        # finding without closure.closed
        start = max([_when(today), *(e["start"] for e in log)])
        log.append({"uuid": stable_uuid(fid, "log", "status-now", status),
                    "title": f"Status {status}", "start": start,
                    "description": "The finding's file says so, but neither its dates nor its "
                                   "committed history record when: dated at the export.",
                    "status-change": RISK_STATUS[status]})
    return log


def _status_moves(finding: Finding, history: FindingHistory | None,
                  closed: dt.date | None):
    """Git's status moves that the finding's own dates do not already record.

    ``raised`` dates the opening and ``closure.closed`` the (last) closing; git adds
    when work started (also in the first commit, for a finding recorded already in
    progress), reopenings and earlier closings, at the commit that made them. The last
    close in git gives way to ``closure.closed`` only when no other move follows it.
    """
    if history is None:
        return []
    moves = [(e.change, e.before, e.after) for e in history.timeline()
             if e.kind in STATUS_KINDS and e.after in RISK_STATUS
             and (e.kind != RAISED or e.after not in ("open", "closed"))]
    if closed is not None and moves and moves[-1][2] == "closed":
        closing = dt.datetime.combine(closed, dt.time(), dt.UTC)
        if not any(change.date > closing for change, _, _ in moves[:-1]):
            del moves[-1]
    return moves
