"""The indexed recurrence check finds exactly the pairs its definition names.

`register.recurrence.recurrences` indexes effective closures by (clause, root-cause
category) and looks each later finding up by bisection, for speed at 10,000 findings
(bench/recurrence.py). Here a generated register is judged both ways: by the index, and
pair by pair straight from the definition (every earlier finding against every later
one), which is slow but plain. The register is built to hit the edges: closures on the
window's first and last day and the day after, a month-end window, several clauses per
finding (a pair sharing two keys is one pair), clause spellings that are one clause
(`8.1`, `27001:8.1`) or not (`9001:8.1`), `related` naming an effective closure outside
any shared key, a finding naming itself, conformities, findings raised after today,
closures not `effective`, and a finding without a root-cause category.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from capa_docs.contract.model import Finding, as_date
from capa_docs.contract.settings import Settings
from capa_docs.register.recurrence import (
    clause_category_keys,
    closed_effective,
    months_before,
    recurrences,
)

TODAY = dt.date(2026, 11, 28)
CLAUSES = ["8.1", "27001:8.1", "9001:8.1", "A.5.19", "A.8.8", "9.2", "A.5.15"]
CATEGORIES = ["process", "training", "ownership", "supplier"]
RESULTS = ["effective", "effective", "effective", "not-effective", None]


def _finding(fid: str, fields: dict[str, Any]) -> Finding:
    path = Path(f"/repo/register/{fid[5:9]}/{fid}.md")
    return Finding(path, f"register/{fid[5:9]}/{fid}.md", {"id": fid, **fields}, {}, "")


def generated(n: int, seed: int) -> list[Finding]:
    """A register of ``n`` findings raised from 2024 to past TODAY, closures packed close
    together so that windows and keys overlap often."""
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    made: list[tuple[str, dt.date | None]] = []
    findings = []
    for number in range(n):
        fid = f"CAPA-{2024 + number * 3 // n}-{number:04d}"
        raised = start + dt.timedelta(days=rng.randint(0, 1100))
        fields: dict[str, Any] = {
            "raised": raised.isoformat(),
            "severity": rng.choice(["major", "minor", "minor", "observation", "conformity"]),
            "status": rng.choice(["open", "closed", "closed"]),
            "clauses": rng.sample(CLAUSES, rng.randint(1, 3)),
        }
        if rng.random() < 0.9:
            fields["root_cause"] = {"category": rng.choice(CATEGORIES)}
        closed = None
        if fields["status"] == "closed":
            closed = raised + dt.timedelta(days=rng.randint(0, 120))
            review = {"result": rng.choice(RESULTS)}
            fields["closure"] = {"closed": closed.isoformat(), "effectiveness": review}
        if made and rng.random() < 0.3:
            fields["related"] = [rng.choice(made)[0]]
        if rng.random() < 0.02:
            fields["related"] = [fid]
        made.append((fid, closed))
        findings.append(_finding(fid, fields))
    findings += _edges()
    rng.shuffle(findings)
    return findings


def _edges() -> list[Finding]:
    """An effective closure on 2025-03-31 and later findings at the window's edges."""
    base = {"severity": "minor", "root_cause": {"category": "process"}}
    closure = {"closed": "2025-03-31", "effectiveness": {"result": "effective"}}
    earlier = _finding("CAPA-2025-9000", {**base, "raised": "2025-01-10", "status": "closed",
                                          "clauses": ["8.1", "A.8.8"], "closure": closure})
    laters = [
        ("CAPA-2026-9001", "2026-03-31", ["27001:8.1", "A.8.8"]),  # last day, two keys
        ("CAPA-2026-9002", "2026-04-01", ["8.1"]),  # the day after the window
        ("CAPA-2025-9003", "2025-03-31", ["A.8.8"]),  # raised the day it closed
        ("CAPA-2026-9004", "2026-02-28", ["9001:8.1"]),  # another standard's 8.1
    ]
    found = [earlier]
    for fid, raised, clauses in laters:
        found.append(_finding(fid, {**base, "raised": raised, "status": "open",
                                    "clauses": clauses}))
    found.append(_finding("CAPA-2026-9005", {
        "severity": "minor", "raised": "2026-03-30", "status": "open", "clauses": ["9.2"],
        "related": ["CAPA-2025-9000"]}))  # no category, no shared clause: named
    found.append(_finding("CAPA-2027-9006", {**base, "raised": "2027-01-05",
                                             "status": "open", "clauses": ["8.1"]}))
    return found


def pairwise(findings: list[Finding], months: int, today: dt.date,
             settings: Settings) -> set[tuple[str, str]]:
    """Every (earlier, later) pair, judged finding against finding from the definition."""
    by_id = {f.id: f for f in findings}
    pairs = set()
    for later in findings:
        raised = as_date(later.data.get("raised"))
        if raised is None or raised > today or later.data.get("severity") == "conformity":
            continue
        window = (months_before(raised, months), raised)
        keys = set(clause_category_keys(later, settings.standards))
        related = later.data.get("related") or []
        for earlier in findings:
            closed = closed_effective(earlier)
            if closed is None or earlier.id == later.id or not window[0] <= closed <= window[1]:
                continue
            shared = keys & set(clause_category_keys(earlier, settings.standards))
            named = earlier.id in related and by_id[earlier.id] is earlier
            if shared or named:
                pairs.add((earlier.id, later.id))
    return pairs


def _pairs_of(found) -> set[tuple[str, str]]:
    pairs = {(earlier, later) for earlier, laters in found.recurred_as.items()
             for later in laters}
    assert pairs == {(earlier, later) for later, earliers in found.recurs.items()
                     for earlier in earliers}
    return pairs


@pytest.mark.parametrize(("seed", "months"), [(1, 12), (2, 12), (3, 3), (4, 1)])
def test_the_index_finds_exactly_the_pairs_of_the_definition(seed: int, months: int) -> None:
    findings = generated(600, seed)
    settings = Settings()
    found = recurrences(findings, months, TODAY, settings.standards)
    expected = pairwise(findings, months, TODAY, settings)
    assert len(expected) > 200  # the generated register has plenty to find
    assert _pairs_of(found) == expected
    for mapping in (found.recurred_as, found.recurs):  # lists in ID order, each ID once
        assert all(ids == sorted(set(ids)) for ids in mapping.values())
    assert list(found.recurred_as) == sorted(found.recurred_as)


def test_the_window_edges_and_spellings() -> None:
    found = recurrences(_edges(), 12, TODAY, Settings().standards)
    assert found.recurred_as == {"CAPA-2025-9000": [
        "CAPA-2025-9003", "CAPA-2026-9001", "CAPA-2026-9005"]}
    assert found.recurs["CAPA-2026-9001"] == ["CAPA-2025-9000"]
    assert "CAPA-2026-9002" not in found.recurs  # a day past the window
    assert "CAPA-2026-9004" not in found.recurs  # ISO 9001's 8.1 is another clause
    assert "CAPA-2027-9006" not in found.recurs  # raised after today
