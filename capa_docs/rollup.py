"""Management review input (ISO/IEC 27001 Clause 9.3): the register's figures as of a date.

Top management is asked to review the status of corrective actions and the trend in
nonconformities. Each figure keeps the IDs behind it, so the page can link every number
to the findings that make it, and an auditor can check the arithmetic.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from .register import SEVERITIES, Register

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
    result.median_days_to_close = {
        s: (statistics.median(days_to_close[s]) if days_to_close[s] else None)
        for s in SEVERITIES}
    result.closed_counts = {s: len(days_to_close[s]) for s in SEVERITIES}
    result.recurring = recurring(register)
    return result


def recurring(register: Register) -> list[Group]:
    """Findings that may be one problem seen twice: same clause, same cause, or linked.

    Clause 10.2 b) 3) asks whether similar nonconformities exist or could occur; a clause
    or root-cause category shared by several findings is where to look first.
    """
    by_clause: dict[str, list[str]] = defaultdict(list)
    by_category: dict[str, list[str]] = defaultdict(list)
    for finding in register:
        if finding.data["severity"] == "conformity":
            continue
        for clause in dict.fromkeys(finding.data.get("clauses") or []):
            by_clause[clause].append(finding.id)
        category = finding.get("root_cause", "category")
        if isinstance(category, str):
            by_category[category].append(finding.id)
    groups = [Group("clause", key, ids) for key, ids in sorted(by_clause.items(),
                                                               key=lambda i: clause_key(i[0]))
              if len(ids) > 1]
    groups += [Group("root-cause category", key, ids)
               for key, ids in sorted(by_category.items()) if len(ids) > 1]
    groups += [Group("related", component[0], component) for component in _linked(register)]
    return groups


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
