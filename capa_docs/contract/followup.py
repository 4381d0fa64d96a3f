"""When a finding's effectiveness review falls due, and who an owner name means.

Clause 10.2 d) asks the organisation to review the effectiveness of the corrective action
taken, and a review nobody schedules is a review nobody does. Once every corrective action
of a finding is completed, its review falls due a configured number of days later
(``effectiveness_days``, per severity). The rule ``effectiveness-overdue``, the register's
computed figures, the reminder digest and the calendar feeds all read this one function,
so they never disagree about the date.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from typing import Any

from .model import Finding, as_date


def _add_days(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def effectiveness_due(finding: Finding, effectiveness_days: dict[str, int]) -> dt.date | None:
    """The date the effectiveness review falls due, or None when there is none to await.

    A review is awaited when the finding is not closed, its severity has a period, it has
    at least one corrective action, every action has a completed date, and no
    effectiveness review is recorded. The date is the last completion plus the period.
    """
    data = finding.data
    if data.get("status") == "closed" or finding.get("closure", "effectiveness"):
        return None
    days = effectiveness_days.get(data.get("severity"))  # type: ignore[arg-type]
    actions: list[Any] = data.get("corrective_actions") or []
    if days is None or not actions:
        return None
    completed = [as_date(a.get("completed")) if isinstance(a, dict) else None for a in actions]
    if any(day is None for day in completed):
        return None
    return _add_days(max(day for day in completed if day is not None), days)


def _folded(name: str) -> str:
    """A name as people write it in many ways: case, dots and spacing do not matter."""
    return " ".join(re.findall(r"\w+", name.casefold()))


def nearest_name(name: str, known: Iterable[str]) -> str | None:
    """The known name most like ``name`` (``J. Smith`` -> ``Jane Smith``), or None when
    none is close. Compares folded names with difflib; an initial that matches a known
    first name's first letter, with the same surname, counts as close whatever the ratio."""
    names = list(known)
    folded = {_folded(k): k for k in names}
    wanted = _folded(name)
    words = wanted.split()
    if len(words) >= 2 and len(words[0]) == 1:
        for key, original in folded.items():
            other = key.split()
            if len(other) >= 2 and other[-1] == words[-1] and other[0][0] == words[0]:
                return original
    close = difflib.get_close_matches(wanted, list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None

