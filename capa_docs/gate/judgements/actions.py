"""Corrective actions: which BASE action became which HEAD action, and what a closure may
not drop.

An action is paired with its HEAD self by its text (then, for reworded ones, as the only
action of its owner on each side), never by position: inserting an action before another
hides nothing. A closure is stricter: an action still open on BASE must be found in the
closed finding by its text, so that deleting it, or rewording it into something done, is
seen (two of three open actions deleted and the finding closed passed without a word).
"""

from __future__ import annotations

from typing import Any

from .context import Judge, Pair

Action = tuple[int, dict[str, Any]]  # position in the list, the action


def actions(data: dict[str, Any]) -> list[Action]:
    """A finding's corrective actions that are mappings, with their positions."""
    listed = data.get("corrective_actions")
    return [(index, item) for index, item in enumerate(listed if isinstance(listed, list)
                                                       else []) if isinstance(item, dict)]


def _text(value: Any) -> str | None:
    return " ".join(value.split()).casefold() if isinstance(value, str) else None


def same_text(was: list[Action], now: list[Action]) -> list[tuple[int, int]]:
    """Positions in ``was`` and ``now`` of actions with the same text (whitespace and case
    aside); the owner decides between repeated texts."""
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
    return pairs


def pair_actions(was: list[Action], now: list[Action]) -> list[tuple[int, int]]:
    """Positions in ``was`` and ``now`` of the same corrective action: the same text; then,
    among the rest, the only action of an owner on each side."""
    pairs = same_text(was, now)
    free = [j for j in range(len(now)) if all(j != b for _, b in pairs)]
    left = [i for i in range(len(was)) if all(i != a for a, _ in pairs)]
    for i in left:
        owner = was[i][1].get("owner")
        mine = [k for k in left if was[k][1].get("owner") == owner]
        theirs = [j for j in free if now[j][1].get("owner") == owner]
        if owner is not None and len(mine) == 1 and len(theirs) == 1:
            pairs.append((i, theirs[0]))
            free.remove(theirs[0])
    return pairs


def open_actions_removed(judge: Judge, pair: Pair) -> None:
    """action-removed: the change closes the finding, and a corrective action still open
    on BASE is not in the closed finding with its text."""
    if pair.old_data.get("status") == "closed" or pair.data.get("status") != "closed":
        return
    was, now = actions(pair.old_data), actions(pair.data)
    kept = {i for i, _ in same_text(was, now)}
    where = ("corrective_actions",) if "corrective_actions" in pair.data else ("status",)
    for i, (index, action) in enumerate(was):
        if i in kept or action.get("completed"):
            continue
        text = str(action.get("action", ""))
        shown = text if len(text) <= 60 else text[:57] + "..."
        judge.at("action-removed", pair.new, pair.rel, where,
                 f"corrective action {index + 1} of the base branch ({shown!r}), still open "
                 f"there, is not in {pair.fid} as this change closes it; an open action is "
                 "completed (add `completed`), not deleted or reworded as the finding "
                 "closes: restore it")
