"""The calendar feeds as iCalendar (RFC 5545) files, written with the `icalendar` library.

`icalendar` (PyPI, maintained by the collective/icalendar project since 2005, used by
Plone, CalDAV servers and Home Assistant's tooling) does the escaping, line folding and
value formats that calendar clients are strict about; writing that by hand is how feeds
end up rejected by one client and not another. Each event is serialised once, line by
line through the library (``_EventWriter``), and its bytes are shared by ``register.ics``
and its owner's feed: at 10,000 findings the serialisation is most of the cost.

Reproducible: ``DTSTAMP`` is the build's fixed "today" (``--today`` or
SOURCE_DATE_EPOCH), never the clock, so the same commit gives the same bytes.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from icalendar import Alarm, Calendar, vCalAddress, vDDDTypes, vText, vUri
from icalendar.parser import Contentline, Parameters

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


class _EventWriter:
    """Writes one VEVENT as icalendar's ``Event.to_ical()`` writes it, byte for byte, at a
    quarter of the cost (10,000 findings give thousands of events each build).

    Every content line still comes from the library: ``Contentline.from_parts`` with the
    library's value types (vText, vDDDTypes, vUri, vCalAddress) does the escaping, the
    parameters and the value formats, and ``Contentline.to_ical`` folds the lines longer
    than 74 octets (a shorter line folds to itself); the two lines new in every event
    (SUMMARY, UID) take the shorter way of ``_text_line``, escaped by ``vText``. What is
    saved is the per-event machinery around them: the properties every event shares
    (DTSTAMP, TRANSP) and the alarm, itself a library ``Alarm``, are written once per
    feed, lines that repeat (a date, an owner, a description, a page) once per build,
    and no ``Event`` with its type look-ups is built per event. Lines come in the order
    the library's ``Event.canonical_order`` and then the alphabet give;
    tests/register/test_calendar.py compares the result with ``Event.to_ical()`` for
    awkward text (commas, semicolons, backslashes, newlines, long and non-ASCII lines, a
    byte-order mark) and for events sharing the lines written once.
    """

    def __init__(self, stamp: dt.datetime, domain: str, alarm_days: int) -> None:
        self.domain = domain
        self.stamp = _line("DTSTAMP", vDDDTypes(stamp))
        self.transp = _text_line(b"TRANSP:", "TRANSPARENT")
        self.alarm = b""
        if alarm_days:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Due in {alarm_days} days")
            alarm.add("trigger", dt.timedelta(days=-alarm_days))
            self.alarm = alarm.to_ical()

    def write(self, item: CalendarEvent, url: str | None, contact: Person | None) -> bytes:
        lines = [b"BEGIN:VEVENT", _text_line(b"SUMMARY:", item.summary),
                 # a date without DTEND: the whole day (RFC 5545 3.6.1)
                 self._start(item.day), self.stamp,
                 _text_line(b"UID:", f"{item.key.replace('/', '.')}@{self.domain}")]
        if contact is not None and contact.email and item.owner:
            lines.append(self._attendee(item.owner, contact.email))
        lines.append(self._description(item.description))
        lines.append(self.transp)  # a due date is not a meeting: it blocks no time
        if url:
            lines.append(self._url(url))
        return b"\r\n".join(lines) + b"\r\n" + self.alarm + b"END:VEVENT\r\n"

    # Lines many events share (a date, an owner, a finding's page, a description) are
    # written once.
    @functools.cache  # noqa: B019 - one writer per feed build; the cache dies with it
    def _start(self, day: dt.date) -> bytes:
        return _line("DTSTART", vDDDTypes(day))

    @functools.cache  # noqa: B019
    def _attendee(self, owner: str, email: str) -> bytes:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["CN"] = vText(owner)
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        return _line("ATTENDEE", attendee)

    @functools.cache  # noqa: B019
    def _description(self, text: str) -> bytes:
        # an action's text repeats across findings, a review's is one sentence for all
        return _text_line(b"DESCRIPTION:", text)

    @functools.cache  # noqa: B019
    def _url(self, url: str) -> bytes:
        return _line("URL", vUri(url))


_NO_PARAMETERS = Parameters()
_BOM = codecs.BOM_UTF8
_FOLD = 74  # characters per folded piece: 75 octets with the continuation's space


def _line(name: str, value: Any) -> bytes:
    """One content line as the library writes it (``Component.content_line``)."""
    line = Contentline.from_parts(name, getattr(value, "params", None) or _NO_PARAMETERS,
                                  value)
    if line.isascii():
        return (line if len(line) <= _FOLD else _fold_ascii(line)).encode("ascii")
    data = line.encode("utf-8")
    return data if len(data) <= _FOLD else line.to_ical()


def _text_line(head: bytes, text: str) -> bytes:
    """A TEXT property without parameters (``head`` is ``NAME:``), as ``_line`` writes it
    at a third of the cost: the summary and UID are new for every event. The library
    escapes the value (``vText.to_ical``); ``Contentline.from_parts`` would only decode
    it (dropping a leading byte-order mark, as its ``utf-8-sig`` decoding does) and join
    ``NAME:value``, which is done here on the bytes; folding is ``_line``'s."""
    value = vText(text).to_ical()
    if value.startswith(_BOM):
        value = value[len(_BOM):]
    line = head + value
    if len(line) <= _FOLD:
        return line
    if line.isascii():
        return _fold_ascii(line.decode("ascii")).encode("ascii")
    return Contentline(line.decode("utf-8")).to_ical()


def _fold_ascii(line: str) -> str:
    """``Contentline.to_ical()``'s folding for an ASCII line, a piece at a time instead of
    a character at a time (the library's loop is most of a feed's cost): pieces of 74
    characters, and one fewer when a piece would end in a backslash or ``^``, which moves
    to the next piece so an escape is never split (the library's rule, its issue #1501).
    Other lines go through the library itself; tests compare the two on random lines."""
    pieces, start, size = [], 0, len(line)
    while size - start > _FOLD:
        end = start + _FOLD
        if line[end - 1] in "\\^":
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return "\r\n ".join(pieces)


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
    writer = _EventWriter(dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC), domain,
                          alarm_days)
    written: list[bytes] = []
    by_owner: dict[str, list[bytes]] = {}
    for item in events:
        data = writer.write(item, url_of(item.finding_id),
                            contacts.get(item.owner) if item.owner else None)
        written.append(data)
        if item.owner:
            by_owner.setdefault(item.owner, []).append(data)
    feeds = [Feed(REGISTER_FEED, None, len(written),
                  _calendar(f"{site_name}: corrective actions", written))]
    for owner, uri in owner_feed_uris(by_owner).items():
        feeds.append(Feed(uri, owner, len(by_owner[owner]),
                          _calendar(f"{site_name}: {owner}", by_owner[owner])))
    return feeds
