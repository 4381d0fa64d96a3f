"""Dates: a corrective action's due date moved later.

An action is paired with its HEAD self by its text (then its owner), never by position:
inserting an action before it must not hide an extension.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...contract.model import as_date
from .context import Judge, Pair

_Action = tuple[int, dict[str, Any]]  # position in the list, the action


def due_extended(judge: Judge, pair: Pair) -> None:
    """due-extended, for each paired action whose due date moved later. When no pairing
    is possible, a BASE due date that disappeared while a later one appeared is reported
    as a possible extension."""
    was, now = _actions(pair.old_data), _actions(pair.data)
    pairs = _pair_actions(was, now)
    for i, j in pairs:
        before, after = as_date(was[i][1].get("due")), as_date(now[j][1].get("due"))
        if before and after and after > before:
            _extended(judge, pair, now[j][0], before, after,
                      f"corrective action {now[j][0] + 1} due date moved from "
                      f"{before} to {after} ({(after - before).days} days later); "
                      "record why", f"action {now[j][0] + 1}")
    old_dates = {as_date(a.get("due")) for _, a in was} - {None}
    new_dates = {as_date(a.get("due")) for _, a in now} - {None}
    paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
    gone = sorted(d for i, (_, a) in enumerate(was) if i not in paired_old
                  and (d := as_date(a.get("due"))) and d not in new_dates)
    fresh = sorted((d, index) for j, (index, a) in enumerate(now) if j not in paired_new
                   and (d := as_date(a.get("due"))) and d not in old_dates)
    for before in gone:
        later = next(((d, index) for d, index in fresh if d > before), None)
        if later is None:
            continue
        fresh.remove(later)
        after, index = later
        _extended(judge, pair, index, before, after,
                  f"a corrective action due {before} is gone and corrective action "
                  f"{index + 1}, due {after} ({(after - before).days} days later), "
                  "is new; their text and owner differ, so this may be the same "
                  "action extended: record why", f"action {index + 1} (reworded)")


def _extended(judge: Judge, pair: Pair, index: int, before: dt.date, after: dt.date,
              message: str, action: str) -> None:
    judge.at("due-extended", pair.new, pair.rel, ("corrective_actions", index, "due"), message)
    judge.change("extended", pair.new.id, pair.rel, before.isoformat(), after.isoformat(),
                 [action])


def _actions(data: dict[str, Any]) -> list[_Action]:
    listed = data.get("corrective_actions")
    return [(index, item) for index, item in enumerate(listed if isinstance(listed, list)
                                                       else []) if isinstance(item, dict)]


def _text(value: Any) -> str | None:
    return " ".join(value.split()).casefold() if isinstance(value, str) else None


def _pair_actions(was: list[_Action], now: list[_Action]) -> list[tuple[int, int]]:
    """Positions in ``was`` and ``now`` of the same corrective action: the same text (and
    owner, when the text repeats); then, among the rest, the only action of an owner on
    each side."""
    pairs: list[tuple[int, int]] = []
    free = list(range(len(now)))
    for same_owner in (True, False):
        for i, (_, action) in enumerate(was):
            text = _text(action.get("action"))
            if text is None or any(i == a for a, _ in pairs):
                continue
            j = next((j for j in free if _text(now[j][1].get("action")) == text
                      and (not same_owner or now[j][1].get("owner") == action.get("owner"))),
                     None)
            if j is not None:
                pairs.append((i, j))
                free.remove(j)
    left = [i for i in range(len(was)) if all(i != a for a, _ in pairs)]
    for i in left:
        owner = was[i][1].get("owner")
        mine = [k for k in left if was[k][1].get("owner") == owner]
        theirs = [j for j in free if now[j][1].get("owner") == owner]
        if owner is not None and len(mine) == 1 and len(theirs) == 1:
            pairs.append((i, theirs[0]))
            free.remove(theirs[0])
    return pairs

