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
from collections.abc import Callable
from dataclasses import dataclass, field

from ..contract.catalogue import Standards
from .findings import NONCONFORMITIES, SEVERITIES, Register, as_date
from .recurrence import clause_category_keys, clause_keys, closed_effective, months_before

CLOSED_WINDOW_DAYS = 90
NO_OWNER = "(no owner)"


@dataclass
class Group:
    """A set of findings that share a clause and something more: a root-cause category,
    the requirement, a ``related`` link."""

    kind: str
    key: str
    ids: list[str]
    clauses: list[str] = field(default_factory=list)
    """The clauses and controls the findings share."""
    also: list[str] = field(default_factory=list)
    """What else they share, as text: "root-cause category ownership", "linked by related"."""


@dataclass
class OverdueAction:
    """One corrective action past its due date, under the person who owns the action."""

    finding_id: str
    number: int
    """The action's place in the finding's list, from 1."""
    action: str
    owner: str
    due: dt.date
    days: int


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
    effective: list[str] = field(default_factory=list)
    effectiveness_questioned: list[str] = field(default_factory=list)
    """Closed effective, then recurred by a later finding: the verdict is in question."""
    closed_beyond_target: list[str] = field(default_factory=list)
    """Nonconformities closed later than their severity's target (``sla_days``)."""
    overdue_actions: list[OverdueAction] = field(default_factory=list)
    """Open actions past due, by action owner: the person who has to act."""
    median_days_to_close: dict[str, float | None] = field(default_factory=dict)
    median_nonconformity_days: float | None = None
    """Median days to close of majors and minors together: what "time to close" means."""
    closed_counts: dict[str, int] = field(default_factory=dict)
    recurring: list[Group] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        return sum(len(ids) for ids in self.open_by_severity.values())

    @property
    def open_nonconformities(self) -> int:
        return sum(len(self.open_by_severity.get(s, [])) for s in NONCONFORMITIES)

    @property
    def closed_nonconformities(self) -> int:
        return sum(self.closed_counts.get(s, 0) for s in NONCONFORMITIES)

    @property
    def open_others(self) -> int:
        return self.open_total - self.open_nonconformities

    @property
    def overdue_actions_by_owner(self) -> dict[str, list[OverdueAction]]:
        grouped: dict[str, list[OverdueAction]] = defaultdict(list)
        for item in self.overdue_actions:
            grouped[item.owner].append(item)
        return {owner: grouped[owner] for owner in sorted(grouped, key=str.lower)}


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
            result.overdue_actions += _overdue_actions(finding, today)
        elif computed.closed is not None:
            if window_start < computed.closed <= today:
                result.closed_recently.append(finding.id)
            if computed.days_to_close is not None:
                days_to_close[severity].append(computed.days_to_close)
            if computed.beyond_target_days > 0:
                result.closed_beyond_target.append(finding.id)
        verdict = finding.get("closure", "effectiveness", "result")
        if verdict == "not-effective":
            result.not_effective.append(finding.id)
        elif closed_effective(finding) is not None:
            result.effective.append(finding.id)
            if computed.recurred_as:
                result.effectiveness_questioned.append(finding.id)
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
    nonconformity_days = [d for s in NONCONFORMITIES for d in days_to_close[s]]
    result.median_nonconformity_days = (statistics.median(nonconformity_days)
                                        if nonconformity_days else None)
    result.closed_beyond_target.sort(key=lambda i: -register.computed[i].beyond_target_days)
    result.overdue_actions.sort(key=lambda a: (-a.days, a.finding_id, a.number))
    result.recurring = recurring(register)
    return result


def _overdue_actions(finding, today: dt.date) -> list[OverdueAction]:
    """The finding's open actions past due, each under its own owner (the finding's owner
    when the action names none)."""
    out = []
    fallback = finding.data.get("owner") or NO_OWNER
    for number, action in enumerate(finding.data.get("corrective_actions") or [], start=1):
        if not isinstance(action, dict) or action.get("completed"):
            continue
        due = as_date(action.get("due"))
        if due is not None and due < today:
            out.append(OverdueAction(finding.id, number, str(action.get("action") or ""),
                                     action.get("owner") or fallback, due, (today - due).days))
    return out


def _shared_keys(finding, standards: Standards) -> list[tuple[str, str]]:
    """What recurrence compares: each clause or control (one spelling per clause of each
    standard: ``8.1`` and ``27001:8.1`` are one clause, ``9001:8.1`` another), and the
    root-cause category."""
    keys = [("clause", key) for key in clause_keys(finding, standards)]
    category = finding.get("root_cause", "category")
    if isinstance(category, str):
        keys.append(("root-cause category", category))
    return keys


def recurring(register: Register) -> list[Group]:
    """Findings that may be one problem seen twice, raised within the recurrence window
    (``recurrence_months`` before the register's date).

    Clause 10.2 b) 3) asks whether similar nonconformities exist or could occur. A shared
    clause or control is where to look, but alone it is too common, and a root-cause
    category alone ("process") groups findings that have nothing to do with each other:
    a group needs a shared clause *and* something more, the same root-cause category or
    the same requirement. Findings linked by ``related`` that share a clause group at any
    date: someone judged them one problem. Groups of the same findings are shown once,
    with everything they share.
    """
    start = months_before(register.today, register.settings.recurrence_months)
    standards = register.settings.standards
    keyed: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    texts: dict[str, str] = {}
    for finding in register:
        if finding.data["severity"] == "conformity":
            continue
        raised = as_date(finding.data.get("raised"))
        if raised is None or not start <= raised <= register.today:
            continue
        for clause, category in clause_category_keys(finding, standards):
            keyed[("root-cause category", clause, category)].append(finding.id)
        for clause, requirement in _requirement_keys(finding, standards):
            written = texts.setdefault(requirement.lower(), requirement)
            keyed[("requirement", clause, written)].append(finding.id)
    merged: dict[tuple[str, ...], list[tuple[str, str, str]]] = defaultdict(list)
    for key, ids in keyed.items():
        if len(ids) > 1:
            merged[tuple(ids)].append(key)
    for component, clauses in _linked(register):
        merged[tuple(component)].extend(("related", clause, "") for clause in clauses)
    order = _clause_order(standards)
    groups = [_group(list(ids), keys, order) for ids, keys in merged.items()]
    groups.sort(key=lambda g: (order(g.clauses[0]), g.ids))
    return groups


def _requirement_keys(finding, standards: Standards) -> list[tuple[str, str]]:
    """(clause, requirement) pairs: the same requirement (case and spacing aside) is the
    same key; the text kept is the first finding's, as written."""
    requirement = finding.data.get("requirement")
    if not isinstance(requirement, dict):
        return []
    texts = [" ".join(requirement[k].split()) for k in ("standard", "procedure")
             if isinstance(requirement.get(k), str) and requirement[k].strip()]
    clauses = clause_keys(finding, standards)
    return list(dict.fromkeys((clause, text) for clause in clauses for text in texts))


def _group(ids: list[str], keys: list[tuple[str, str, str]],
           order: Callable[[str], tuple]) -> Group:
    """One group of findings with what they share: the clauses, then what else."""
    clauses = sorted({clause for _, clause, _ in keys}, key=order)
    also: list[str] = []
    for kind, _, value in sorted(keys):
        text = {"related": "linked by related", "requirement": f"same requirement ({value})",
                "root-cause category": f"root-cause category {value}"}[kind]
        if text not in also:
            also.append(text)
    kind = "related" if all(kind == "related" for kind, _, _ in keys) else "clause"
    return Group(kind, f"{', '.join(clauses)}; {', '.join(also)}", sorted(ids), clauses, also)


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
    standards = register.settings.standards
    dated: dict[tuple[str, str], list[tuple[dt.date, str]]] = defaultdict(list)
    for finding in register:
        raised = as_date(finding.data.get("raised"))
        if raised is None or finding.data["severity"] == "conformity":
            continue
        for key in _shared_keys(finding, standards):
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
            for kind, key in _shared_keys(finding, standards):
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


def _linked(register: Register) -> list[tuple[list[str], list[str]]]:
    """Connected groups of findings joined by ``related`` (either direction) where the two
    linked findings share a clause or control, with the clauses so shared."""
    standards = register.settings.standards
    neighbours: dict[str, set[str]] = defaultdict(set)
    shared: dict[str, set[str]] = defaultdict(set)
    for finding in register:
        if finding.data["severity"] == "conformity":
            continue  # evidence that a control works, not the problem seen again
        mine = set(clause_keys(finding, standards))
        for other in finding.data.get("related") or []:
            if (other not in register.by_id or other == finding.id
                    or register.by_id[other].data["severity"] == "conformity"):
                continue
            common = mine & set(clause_keys(register.by_id[other], standards))
            if common:
                neighbours[finding.id].add(other)
                neighbours[other].add(finding.id)
                shared[finding.id] |= common
                shared[other] |= common
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
        clauses = sorted(set().union(*(shared[i] for i in component)),
                         key=_clause_order(standards))
        components.append((sorted(component), clauses))
    return components


def _clause_order(standards: Standards) -> Callable[[str], tuple]:
    """Sort key of clause keys: by standard (the configured order), then in the standard's
    own order; a clause no catalogue holds last, numerically."""
    index = {c.id: n for n, c in enumerate(standards)}

    def order(key: str) -> tuple:
        found = standards.resolve(key)
        if found is None:
            return (len(index), (0, 0), clause_key(key))
        return (index[found.catalogue.id], found.catalogue.order(found.number), ())

    return order


def clause_key(clause: str) -> tuple:
    """Sort main-body clauses (4-10) before Annex A controls, numerically: 9.2 < 10.1."""
    annex = clause.startswith("A.")
    parts = clause[2:] if annex else clause
    numbers = tuple(int(p) if p.isdigit() else 0 for p in parts.split("."))
    return (annex, numbers, clause)
