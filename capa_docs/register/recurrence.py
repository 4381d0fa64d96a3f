"""Recurrence: which effective closures a later finding puts in question.

Clause 10.2 d) asks whether corrective actions were effective; a finding closed
"effective" whose problem comes back is the plainest evidence that they were not. A later
finding recurs an earlier one when it is raised after the earlier one's closure and
within the recurrence window (``recurrence_months``) of it, and either shares a clause or
control *and* a root-cause category with it, or names it in ``related``. A category alone
is too broad ("process", "ownership") and a clause alone too common to say so.

The work grows with findings times keys, plus the pairs found: effective closures are
indexed by (clause, category) in date order and each later finding looks up its own keys
by bisection; never finding against finding.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..contract.catalogue import Standards
from ..contract.model import Finding, as_date


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def clause_keys(finding: Finding, standards: Standards | None = None) -> list[str]:
    """A finding's clauses, one spelling per clause of each standard when ``standards``
    are given (``8.1`` and ``27001:8.1`` are one clause, ``9001:8.1`` another)."""
    clauses = (c for c in finding.data.get("clauses") or [] if isinstance(c, str))
    if standards is None:
        return list(dict.fromkeys(clauses))
    return list(dict.fromkeys(standards.key(c) for c in clauses))


def clause_category_keys(finding: Finding,
                         standards: Standards | None = None) -> list[tuple[str, str]]:
    """Each (clause, root-cause category) pair a finding has: what recurrence compares."""
    category = finding.get("root_cause", "category")
    if not isinstance(category, str):
        return []
    return [(clause, category) for clause in clause_keys(finding, standards)]


def closed_effective(finding: Finding) -> dt.date | None:
    """The closure date of a finding closed with an ``effective`` review, else None (a
    conformity never: it records a requirement met, not actions that worked)."""
    if (finding.data.get("status") != "closed" or finding.data.get("severity") == "conformity"
            or finding.get("closure", "effectiveness", "result") != "effective"):
        return None
    return as_date(finding.get("closure", "closed"))


@dataclass
class Recurrences:
    """Both directions of every recurrence found, as finding IDs in ID order."""

    recurred_as: dict[str, list[str]] = field(default_factory=dict)
    """Earlier finding (closed effective) -> the later findings that recur it."""
    recurs: dict[str, list[str]] = field(default_factory=dict)
    """Later finding -> the earlier effective closures it questions."""


def recurrences(findings: Iterable[Finding], months: int, today: dt.date,
                standards: Standards | None = None) -> Recurrences:
    """Every (earlier, later) recurrence among ``findings`` raised on or before ``today``.

    Each later finding gathers the earlier IDs it recurs in a set of its own (a pair
    shows once per key the two share), and the lists are built from those sets in ID
    order: no set of every pair is built and sorted, which at 10,000 findings and
    300,000 pairs was most of the cost.
    """
    keyed = [(f, clause_category_keys(f, standards), closed_effective(f)) for f in findings]
    # a finding named in `related`, by ID (the last of one ID, as a dict by ID keeps it)
    effective = {f.id: closed for f, _, closed in keyed}
    closures: dict[tuple[str, str], list[tuple[dt.date, str]]] = defaultdict(list)
    for finding, keys, closed in keyed:
        if closed is not None:
            for key in keys:
                closures[key].append((closed, finding.id))
    index: dict[tuple[str, str], tuple[list[dt.date], list[str]]] = {}
    for key, entries in closures.items():
        entries.sort()
        index[key] = ([day for day, _ in entries], [fid for _, fid in entries])
    found: dict[str, set[str]] = {}
    for later, keys, _ in keyed:
        raised = as_date(later.data.get("raised"))
        if raised is None or raised > today or later.data.get("severity") == "conformity":
            continue
        low = months_before(raised, months)
        earlier = found.setdefault(later.id, set())
        for key in keys:
            dates, ids = index.get(key, _NO_CLOSURES)
            earlier.update(ids[bisect.bisect_left(dates, low):bisect.bisect_right(dates, raised)])
        for named in later.data.get("related") or []:
            closed = effective.get(named) if isinstance(named, str) else None
            if closed is not None and low <= closed <= raised:
                earlier.add(named)
    result = Recurrences()
    for later_id in sorted(found):
        earlier = found[later_id]
        earlier.discard(later_id)
        if earlier:
            result.recurs[later_id] = ids = sorted(earlier)
            for fid in ids:
                result.recurred_as.setdefault(fid, []).append(later_id)
    result.recurred_as = dict(sorted(result.recurred_as.items()))
    return result


_NO_CLOSURES: tuple[list[dt.date], list[str]] = ([], [])
