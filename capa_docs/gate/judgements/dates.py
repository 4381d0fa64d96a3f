"""Dates: a corrective action's due date moved later, or dropped.

Actions are paired by `actions.pair_actions`. Pairing alone can be fooled: reword the
action, give it the new date, and add a decoy that takes the old one. So, over the whole
set, every due date of an action with no pair that is later than the due date of a BASE
action with no pair is reported as a possible extension, whatever else holds the old date.
"""

from __future__ import annotations

import datetime as dt

from ...contract.model import as_date
from .actions import actions, pair_actions
from .context import Judge, Pair


def due_extended(judge: Judge, pair: Pair) -> None:
    """due-extended, for each paired action whose due date moved later or was dropped while
    the action is open, and each unpaired HEAD action due later than an unpaired BASE one."""
    was, now = actions(pair.old_data), actions(pair.data)
    pairs = pair_actions(was, now)
    for i, j in pairs:
        index, action = now[j]
        before, after = as_date(was[i][1].get("due")), as_date(action.get("due"))
        if before and after and after > before:
            _extended(judge, pair, index, before, after,
                      f"corrective action {index + 1} due date moved from {before} to "
                      f"{after} ({(after - before).days} days later); record why",
                      f"action {index + 1}")
        elif before and after is None and not action.get("completed"):
            _extended(judge, pair, index, before, None,
                      f"corrective action {index + 1} was due {before} and has no due date "
                      "now, while it is still open; give it one, or record why",
                      f"action {index + 1} (no due date)")
    paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
    gone = [d for i, (_, a) in enumerate(was)
            if i not in paired_old and (d := as_date(a.get("due")))]
    for j, (index, action) in enumerate(now):
        after = as_date(action.get("due"))
        earlier = [d for d in gone if after and d < after] if j not in paired_new else []
        if after and earlier:
            before = max(earlier)
            _extended(judge, pair, index, before, after,
                      f"a corrective action due {before} is gone or reworded and corrective "
                      f"action {index + 1}, due {after} ({(after - before).days} days later), "
                      "is new or reworded; this may be the same action extended: record why",
                      f"action {index + 1} (reworded?)")


def _extended(judge: Judge, pair: Pair, index: int, before: dt.date, after: dt.date | None,
              message: str, action: str) -> None:
    judge.at("due-extended", pair.new, pair.rel, ("corrective_actions", index, "due"), message)
    judge.change("extended", pair.new.id, pair.rel, before.isoformat(),
                 after.isoformat() if after else "none", [action])
