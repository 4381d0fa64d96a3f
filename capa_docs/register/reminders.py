"""What each person owes on a date, and the dates their calendars should hold.

A register fails when owners forget. Two views of the same facts keep them moving: the
digest (``capa remind``, the weekly issue per owner) lists what is overdue, due soon,
awaiting an effectiveness review or gone stale; the calendar feeds hold every open
corrective action's due date and every effectiveness review's date. Both are computed
here from the ``Register`` and nothing else, so they agree with the site's figures and
with each other. Pure: no file is read or written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..contract.model import Finding, as_date
from .findings import Register

# What an owed item is, in the order the digest lists them.
KINDS = {
    "overdue": "Overdue corrective actions",
    "due-soon": "Corrective actions due soon",
    "review-overdue": "Effectiveness reviews overdue",
    "review-due": "Effectiveness reviews due soon",
    "stale": "Stale findings (no recorded progress)",
}


class Owed(NamedTuple):
    """One thing one person owes: an action, a review, or news of a stale finding.

    A named tuple, like ``CalendarEvent``: at 10,000 findings a build makes tens of
    thousands, and a tuple is built in one step and carries no ``__dict__``, where a
    frozen dataclass sets each field through ``object.__setattr__``."""

    kind: str
    finding_id: str
    title: str
    day: dt.date | None
    """The due date, the review's date, or (stale) the last change."""
    days: int
    """Days overdue (overdue, review-overdue), days left (due-soon, review-due), or days
    since the last change (stale)."""
    action: int | None = None
    """The corrective action's number (1-based), for an action."""
    text: str = ""
    """The corrective action as written, for an action."""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "finding": self.finding_id, "title": self.title,
                "date": self.day.isoformat() if self.day else None, "days": self.days,
                "action": self.action, "text": self.text}


class CalendarEvent(NamedTuple):
    """One date in the calendar feeds: an open corrective action's due date, or the day a
    finding's effectiveness review falls due."""

    key: str
    """Stable per action (``CAPA-2026-004/action-1``) or review (``.../effectiveness``):
    the event's UID, so editing the action's text or moving its date keeps one event."""
    day: dt.date
    kind: str
    """``action`` or ``effectiveness``."""
    finding_id: str
    title: str
    owner: str | None
    summary: str
    description: str


@dataclass
class Reminders:
    """Every person's owed items as of ``today``, and every calendar event."""

    today: dt.date
    window: int
    owed: dict[str, list[Owed]] = field(default_factory=dict)
    """Person -> owed items, in KINDS order then by date; people sorted by name."""
    events: list[CalendarEvent] = field(default_factory=list)

    def of(self, person: str) -> list[Owed]:
        return self.owed.get(person, [])


def _actions(finding: Finding) -> list[tuple[int, dict[str, Any]]]:
    return [(i, a) for i, a in enumerate(finding.data.get("corrective_actions") or [])
            if isinstance(a, dict)]


def _owner(value: Any, fallback: str | None) -> str | None:
    return value if isinstance(value, str) and value.strip() else fallback


def reminders(register: Register) -> Reminders:
    """Who owes what as of the register's date, and the calendar's events.

    An open action is owed by its own ``owner``, else the finding's; a review and a stale
    finding by the finding's owner. Items nobody owns are left out of the digest (the
    management review lists findings with no owner) but keep their calendar event.
    """
    today, window = register.today, register.settings.due_soon_days
    result = Reminders(today, window)
    owed: dict[str, list[Owed]] = defaultdict(list)
    for finding in register:
        if finding.data.get("status") == "closed":
            continue
        _collect(finding, register, owed, result.events)
    order = list(KINDS)
    result.owed = {person: sorted(items, key=lambda o: (order.index(o.kind),
                                                        o.day or today, o.finding_id,
                                                        o.action or 0))
                   for person, items in sorted(owed.items(), key=lambda i: i[0].casefold())}
    result.events.sort(key=lambda e: (e.day, e.key))
    return result


def _collect(finding: Finding, register: Register, owed: dict[str, list[Owed]],
             events: list[CalendarEvent]) -> None:
    today, window = register.today, register.settings.due_soon_days
    fid, title = finding.id, str(finding.data.get("title", ""))
    owner = _owner(finding.data.get("owner"), None)
    for index, action in _actions(finding):
        due = as_date(action.get("due"))
        if due is None or action.get("completed"):
            continue
        who = _owner(action.get("owner"), owner)
        text = str(action.get("action", ""))
        events.append(CalendarEvent(
            f"{fid}/action-{index + 1}", due, "action", fid, title, who,
            f"{fid} action {index + 1} due: {title}", text))
        left = (due - today).days
        if who is not None and left < 0:
            owed[who].append(Owed("overdue", fid, title, due, -left, index + 1, text))
        elif who is not None and left <= window:
            owed[who].append(Owed("due-soon", fid, title, due, left, index + 1, text))
    computed = register.of(finding)
    review = computed.effectiveness_due
    if review is not None:
        events.append(CalendarEvent(
            f"{fid}/effectiveness", review, "effectiveness", fid, title, owner,
            f"{fid} effectiveness review due: {title}",
            "Every corrective action is completed: review whether they worked and record "
            "closure.effectiveness."))
        left = (review - today).days
        if owner is not None and left < 0:
            owed[owner].append(Owed("review-overdue", fid, title, review, -left))
        elif owner is not None and left <= window:
            owed[owner].append(Owed("review-due", fid, title, review, left))
    if computed.stale and owner is not None and computed.last_changed is not None:
        owed[owner].append(Owed("stale", fid, title, computed.last_changed,
                                (today - computed.last_changed).days))
