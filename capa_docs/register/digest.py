"""The reminder digest as text, Markdown or JSON: what ``capa remind`` prints and the
weekly issue per owner shows.

The Markdown is posted to a forge where every ``@name`` notifies someone, and the text in
it comes from finding files anyone may edit: it is escaped, and ``@`` in finding text is
broken with a zero-width space so only the owners map can mention an account.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Callable

from ..contract.settings import Person
from .reminders import KINDS, Owed, Reminders

FORMATS = ("text", "markdown", "json")
UrlOf = Callable[[str], str | None]


def _when(item: Owed) -> str:
    day = item.day.isoformat() if item.day else "?"
    plural = "s" if item.days != 1 else ""
    if item.kind in ("overdue", "review-overdue"):
        return f"due {day}, {item.days} day{plural} overdue"
    if item.kind in ("due-soon", "review-due"):
        return f"due {day}, " + ("today" if item.days == 0 else f"in {item.days} day{plural}")
    return f"unchanged since {day}, {item.days} day{plural}"


def _what(item: Owed) -> str:
    if item.action is not None:
        return f"action {item.action}: {item.text}"
    if item.kind.startswith("review"):
        return f"effectiveness review: {item.title}"
    return item.title


def _one_line(text: str) -> str:
    return " ".join(text.split())


def text_digest(reminders: Reminders, people: list[str]) -> str:
    """Plain lines for a terminal: one block per person."""
    lines = [f"What each person owes as of {reminders.today} (due soon: within "
             f"{reminders.window} days)"]
    for person in people:
        items = reminders.of(person)
        lines.append("")
        lines.append(f"{person}: {len(items)} item{'s' if len(items) != 1 else ''}")
        for item in items:
            lines.append(f"  {item.kind:<14} {item.finding_id} {_one_line(_what(item))} "
                         f"({_when(item)})")
    if not people:
        lines += ["", "Nothing is owed."]
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


@functools.lru_cache(maxsize=8192)
def _md(text: str) -> str:
    """Finding text made inert in Markdown: punctuation escaped, mentions broken.

    Cached: an action's text, a title, an owner's name come back for many items (19,605
    items but a few thousand texts at 10,000 findings), and the escaping is pure."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(text)).replace("@", "@\u200b")


def mention(person: str, contact: Person | None) -> str:
    """The person's name, with their handle when the owners map gives one."""
    name = _md(person)
    return f"{name} ({contact.handle})" if contact and contact.handle else name


def markdown_digest(reminders: Reminders, person: str, contact: Person | None,
                    url_of: UrlOf) -> str:
    """One person's digest, as the body of their reminder issue."""
    items = reminders.of(person)
    lines = [f"**{mention(person, contact)}** owes {len(items)} "
             f"item{'s' if len(items) != 1 else ''} in the corrective-action register as of "
             f"{reminders.today}."]
    # The items come in KINDS order: one pass, a heading where the kind changes.
    for kind, group in itertools.groupby(items, key=lambda item: item.kind):
        of_kind = list(group)
        lines += ["", f"### {KINDS[kind]} ({len(of_kind)})", ""]
        for item in of_kind:
            url = url_of(item.finding_id)
            name = f"[{item.finding_id}]({url})" if url else item.finding_id
            lines.append(f"- **{name}** {_md(_what(item))} ({_when(item)})")
    if not items:
        lines += ["", "Nothing is owed."]
    return "\n".join(lines) + "\n"


def markdown_all(reminders: Reminders, people: list[str], contacts: dict[str, Person],
                 url_of: UrlOf) -> str:
    """Every person's digest under their own heading."""
    parts = [f"# What each person owes as of {reminders.today}\n"]
    for person in people:
        parts.append(f"## {_md(person)}\n\n"
                     + markdown_digest(reminders, person, contacts.get(person), url_of))
    if not people:
        parts.append("Nothing is owed.\n")
    return "\n".join(parts)


def json_digest(reminders: Reminders, people: list[str], contacts: dict[str, Person],
                url_of: UrlOf) -> str:
    """Everything, for scripts (the weekly issue's script reads this).

    The bytes of ``json.dumps`` of the whole document, written a person at a time: only
    one person's item dicts are alive at once, not tens of thousands at 10,000 findings
    (a page's URL is looked up once per finding, not once per item and again in the
    Markdown)."""
    url_of = functools.cache(url_of)
    head = json.dumps({"today": reminders.today.isoformat(),
                       "due_soon_days": reminders.window})
    # One line: the C encoder (indent would switch to the pure-Python one, 5x slower at
    # 10,000 findings); `python -m json.tool` or jq indent it for reading.
    body = ", ".join(json.dumps(_person(reminders, person, contacts, url_of),
                                ensure_ascii=False) for person in people)
    return f'{head[:-1]}, "people": [{body}]}}\n'


def _person(reminders: Reminders, person: str, contacts: dict[str, Person],
            url_of: UrlOf) -> dict[str, object]:
    contact = contacts.get(person)
    return {
        "name": person,
        "email": contact.email if contact is not None else None,
        "handle": contact.handle if contact is not None else None,
        "owed": [{**item.as_dict(), "url": url_of(item.finding_id)}
                 for item in reminders.of(person)],
        "markdown": markdown_digest(reminders, person, contact, url_of),
    }
