"""The calendar feeds as iCalendar (RFC 5545) files, written with the `icalendar` library.

`icalendar` (PyPI, maintained by the collective/icalendar project since 2005, used by
Plone, CalDAV servers and Home Assistant's tooling) does the escaping, line folding and
value formats that calendar clients are strict about; writing that by hand is how feeds
end up rejected by one client and not another. Each event is built and serialised once
and its bytes are shared by ``register.ics`` and its owner's feed: at 10,000 findings the
serialisation is most of the cost.

Reproducible: ``DTSTAMP`` is the build's fixed "today" (``--today`` or
SOURCE_DATE_EPOCH), never the clock, so the same commit gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from .. import __version__
from ..contract.settings import Person
from .reminders import CalendarEvent

REGISTER_FEED = "register.ics"
OWNER_FOLDER = "calendar"
PRODID = f"-//capa-docs//capa-docs {__version__}//EN"

UrlOf = Callable[[str], str | None]


@dataclass(frozen=True)
class Feed:
    """One published calendar: where it lives, whose it is, and its bytes."""

    uri: str
    owner: str | None
    events: int
    content: bytes


def owner_slug(name: str) -> str:
    """A file name for an owner's feed: ASCII letters, digits and hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "owner"


def owner_feed_uris(owners: Iterable[str]) -> dict[str, str]:
    """Each owner's feed URI, told apart when two names give one slug (by name order)."""
    uris: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(set(owners), key=lambda n: (n.casefold(), n)):
        slug = base = owner_slug(name)
        number = 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        uris[name] = f"{OWNER_FOLDER}/{slug}.ics"
    return uris


def _event(item: CalendarEvent, *, stamp: dt.datetime, domain: str, alarm_days: int,
           url: str | None, contact: Person | None) -> bytes:
    event = Event()
    event.add("uid", f"{item.key.replace('/', '.')}@{domain}")
    event.add("dtstamp", stamp)
    event.add("dtstart", item.day)  # a date without DTEND: the whole day (RFC 5545 3.6.1)
    event.add("summary", item.summary)
    event.add("description", item.description)
    event.add("transp", "TRANSPARENT")  # a due date is not a meeting: it blocks no time
    if url:
        event.add("url", url)
    if contact is not None and contact.email and item.owner:
        attendee = vCalAddress(f"mailto:{contact.email}")
        attendee.params["cn"] = vText(item.owner)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    if alarm_days:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Due in {alarm_days} days")
        alarm.add("trigger", dt.timedelta(days=-alarm_days))
        event.add_component(alarm)
    return _to_ical(event)


def _to_ical(component: Event) -> bytes:
    """``component.to_ical()``, byte for byte, at a fraction of the cost: the library folds
    every content line one character at a time, yet a line of at most 74 octets folds to
    itself, and most lines of an event are that short. Long lines still go through the
    library's own folding (``Contentline.to_ical``)."""
    out = []
    for line in component.content_lines():
        if not line:
            continue
        data = line.encode("utf-8")
        out.append(data if len(data) < 75 else line.to_ical())
    return b"\r\n".join(out) + b"\r\n"


def _calendar(name: str, events: list[bytes]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # How often a subscribed client should fetch again (RFC 7986, and Outlook's name).
    calendar.add("refresh-interval", dt.timedelta(days=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "P1D")
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    return head[: -len(end)] + b"".join(events) + end


def calendar_feeds(events: list[CalendarEvent], *, site_name: str, today: dt.date,
                   alarm_days: int, contacts: dict[str, Person], url_of: UrlOf,
                   domain: str = "capa-docs") -> list[Feed]:
    """``register.ics`` with every event, then one feed per owner with theirs."""
    stamp = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    written: list[bytes] = []
    by_owner: dict[str, list[bytes]] = {}
    for item in events:
        data = _event(item, stamp=stamp, domain=domain, alarm_days=alarm_days,
                      url=url_of(item.finding_id),
                      contact=contacts.get(item.owner) if item.owner else None)
        written.append(data)
        if item.owner:
            by_owner.setdefault(item.owner, []).append(data)
    feeds = [Feed(REGISTER_FEED, None, len(written),
                  _calendar(f"{site_name}: corrective actions", written))]
    for owner, uri in owner_feed_uris(by_owner).items():
        feeds.append(Feed(uri, owner, len(by_owner[owner]),
                          _calendar(f"{site_name}: {owner}", by_owner[owner])))
    return feeds
