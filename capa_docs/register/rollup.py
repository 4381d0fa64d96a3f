"""Management review input (ISO/IEC 27001 Clause 9.3): the register's figures as of a date.

Top management is asked to review the status of corrective actions and the trend in
nonconformities. Each figure keeps the IDs behind it, so the page can link every number
to the findings that make it, and an auditor can check the arithmetic.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from .findings import SEVERITIES, Register, as_date

CLOSED_WINDOW_DAYS = 90
NO_OWNER = "(no owner)"


@dataclass
class Group:
    """A set of findings that share something: a clause, a root-cause category, a link."""

    kind: str
    key: str
    ids: list[str]


@dataclass
class Rollup:
    """The figures of one management review; every list holds finding IDs."""

    today: dt.date
    due_soon_days: int
    open_by_severity: dict[str, list[str]] = field(default_factory=dict)
    open_by_owner: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    overdue: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    due_soon: list[str] = field(default_factory=list)
    closed_recently: list[str] = field(default_factory=list)
    not_effective: list[str] = field(default_factory=list)
    effectiveness_overdue: list[str] = field(default_factory=list)
    """Every action completed, and the effectiveness review is past its date."""
    median_days_to_close: dict[str, float | None] = field(default_factory=dict)
    closed_counts: dict[str, int] = field(default_factory=dict)
    recurring: list[Group] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        return sum(len(ids) for ids in self.open_by_severity.values())


def rollup(register: Register) -> Rollup:
    """Compute the review figures from a register, as of the register's date."""
    today = register.today
    result = Rollup(today, register.settings.due_soon_days)
    result.open_by_severity = {severity: [] for severity in SEVERITIES}
    by_owner: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    days_to_close: dict[str, list[int]] = defaultdict(list)
    window_start = today - dt.timedelta(days=CLOSED_WINDOW_DAYS)
    for finding in register:
        computed = register.of(finding)
        severity = finding.data["severity"]
        if finding.data["status"] != "closed":
            result.open_by_severity[severity].append(finding.id)
            owner = finding.data.get("owner") or NO_OWNER
            by_owner[owner][severity].append(finding.id)
            if computed.overdue:
                result.overdue.append(finding.id)
            if computed.stale:
                result.stale.append(finding.id)
            if computed.due_soon:
                result.due_soon.append(finding.id)
            if computed.effectiveness_overdue:
                result.effectiveness_overdue.append(finding.id)
        elif computed.closed is not None:
            if window_start < computed.closed <= today:
                result.closed_recently.append(finding.id)
            if computed.days_to_close is not None:
                days_to_close[severity].append(computed.days_to_close)
        if finding.get("closure", "effectiveness", "result") == "not-effective":
            result.not_effective.append(finding.id)
    result.open_by_owner = {owner: {s: list(ids) for s, ids in counts.items()}
                            for owner, counts in sorted(by_owner.items(),
                                                        key=lambda item: item[0].lower())}
    result.overdue.sort(key=lambda i: -register.computed[i].overdue_days)
    result.due_soon.sort(key=lambda i: register.computed[i].due or today)  # earliest first
    result.effectiveness_overdue.sort(
        key=lambda i: register.computed[i].effectiveness_due or today)
    result.median_days_to_close = {
        s: (statistics.median(days_to_close[s]) if days_to_close[s] else None)
        for s in SEVERITIES}
    result.closed_counts = {s: len(days_to_close[s]) for s in SEVERITIES}
    result.recurring = recurring(register)
    return result


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _shared_keys(finding) -> list[tuple[str, str]]:
    """What recurrence compares: each clause or control, and the root-cause category."""
    keys = [("clause", clause) for clause in dict.fromkeys(finding.data.get("clauses") or [])
            if isinstance(clause, str)]
    category = finding.get("root_cause", "category")
    if isinstance(category, str):
        keys.append(("root-cause category", category))
    return keys


def recurring(register: Register) -> list[Group]:
    """Findings that may be one problem seen twice: same clause, same cause, or linked.

    Clause 10.2 b) 3) asks whether similar nonconformities exist or could occur; a clause
    or root-cause category shared by several findings raised within the recurrence window
    (``recurrence_months`` before the register's date) is where to look first. Links by
    ``related`` count whenever they were made: someone judged the findings one problem.
    """
    start = months_before(register.today, register.settings.recurrence_months)
    by_clause: dict[str, list[str]] = defaultdict(list)
    by_category: dict[str, list[str]] = defaultdict(list)
    for finding in register:
        if finding.data["severity"] == "conformity":
            continue
        raised = as_date(finding.data.get("raised"))
        if raised is None or not start <= raised <= register.today:
            continue
        for kind, key in _shared_keys(finding):
            (by_clause if kind == "clause" else by_category)[key].append(finding.id)
    groups = [Group("clause", key, ids) for key, ids in sorted(by_clause.items(),
                                                               key=lambda i: clause_key(i[0]))
              if len(ids) > 1]
    groups += [Group("root-cause category", key, ids)
               for key, ids in sorted(by_category.items()) if len(ids) > 1]
    groups += [Group("related", component[0], component) for component in _linked(register)]
    return groups


SIMILAR_SHOWN = 5


@dataclass
class Similar:
    """What one finding shares with others raised within the window around it."""

    kind: str
    key: str
    count: int
    """How many other findings share it within the window (more than are listed)."""
    nearest: list[str]
    """Up to ``SIMILAR_SHOWN`` of them, nearest in date first."""


def similar(register: Register) -> dict[str, list[Similar]]:
    """For each finding, the clauses and root-cause category it shares with findings raised
    within ``recurrence_months`` of it (before or after), and the findings linked to it by
    ``related`` (either direction, any date).

    A large register can have a thousand findings on one control, so each finding gets a
    count and its nearest few per shared key, found by bisection in date order: the work
    grows with findings times keys, not with pairs.
    """
    months = register.settings.recurrence_months
    dated: dict[tuple[str, str], list[tuple[dt.date, str]]] = defaultdict(list)
    for finding in register:
        raised = as_date(finding.data.get("raised"))
        if raised is None or finding.data["severity"] == "conformity":
            continue
        for key in _shared_keys(finding):
            dated[key].append((raised, finding.id))
    for entries in dated.values():
        entries.sort()
    out: dict[str, list[Similar]] = {}
    for finding in register:
        found: list[Similar] = []
        raised = as_date(finding.data.get("raised"))
        if raised is not None and finding.data["severity"] != "conformity":
            low_day = months_before(raised, months)
            high_day = _months_after(raised, months)
            for kind, key in _shared_keys(finding):
                entries = dated[(kind, key)]
                low = bisect.bisect_left(entries, (low_day, ""))
                high = bisect.bisect_right(entries, (high_day, "\uffff"))
                if high - low < 2:
                    continue
                here = bisect.bisect_left(entries, (raised, ""))
                near = entries[max(low, here - SIMILAR_SHOWN):
                               min(high, here + 2 * SIMILAR_SHOWN + 1)]
                others = [e for e in near if e[1] != finding.id]
                others.sort(key=lambda e: (abs((e[0] - raised).days), e[1]))
                found.append(Similar(kind, key, high - low - 1,
                                     [fid for _, fid in others[:SIMILAR_SHOWN]]))
        linked = sorted({*(i for i in finding.data.get("related") or []
                           if i in register.by_id and i != finding.id),
                         *register.of(finding).referenced_by})
        if linked:
            found.append(Similar("related", "", len(linked), linked))
        if found:
            out[finding.id] = found
    return out


def _months_after(day: dt.date, months: int) -> dt.date:
    return months_before(day, -months)


def _linked(register: Register) -> list[list[str]]:
    """Connected groups of findings joined by ``related``, in either direction."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for finding in register:
        for other in finding.data.get("related") or []:
            if other in register.by_id and other != finding.id:
                neighbours[finding.id].add(other)
                neighbours[other].add(finding.id)
    seen: set[str] = set()
    components = []
    for start in sorted(neighbours):
        if start in seen:
            continue
        stack, component = [start], []
        seen.add(start)
        while stack:
            node = stack.pop()
            component.append(node)
            for other in neighbours[node] - seen:
                seen.add(other)
                stack.append(other)
        components.append(sorted(component))
    return components


def clause_key(clause: str) -> tuple:
    """Sort main-body clauses (4-10) before Annex A controls, numerically: 9.2 < 10.1."""
    annex = clause.startswith("A.")
    parts = clause[2:] if annex else clause
    numbers = tuple(int(p) if p.isdigit() else 0 for p in parts.split("."))
    return (annex, numbers, clause)
