"""The calendar feeds: register.ics and one feed per owner, built for real and read back.

Each feed is read with the library that writes it (icalendar) and with a second,
independent reader (ics, its own grammar), so a feed one client would reject fails here.
Builds go through the real `capa render`; the site's own build and its links are checked
in tests/site/test_reminders_site.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import ics
import pytest

from capa_docs.register.ics import owner_feed_uris, owner_slug

from ..helpers import TODAY, commit_all, git, run_capa
from ..reminders import EVENTS, OWNERS, SITE_URL, reminder_repo, write_config

OWNER_FEEDS = {"Jane Smith": "calendar/jane-smith.ics", "Sam Ops": "calendar/sam-ops.ics",
               "Aisha Rahman": "calendar/aisha-rahman.ics",
               "Lukas Meyer": "calendar/lukas-meyer.ics"}


def _render(repo: Path, out: Path) -> dict[str, bytes]:
    result = run_capa("render", str(out), "--today", TODAY, cwd=repo)
    assert result.returncode == 0, result.stderr
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.ics")}


def _uids(content: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    root = tmp_path_factory.mktemp("calendar")
    repo = reminder_repo(root / "repo")
    return repo, _render(repo, root / "first")


def test_one_event_per_open_action_and_awaited_review(built) -> None:
    _, feeds = built
    assert set(feeds) == {"register.ics", *OWNER_FEEDS.values()}
    events = _uids(feeds["register.ics"])
    assert set(events) == {f"{key}@isms.example.com" for key in EVENTS}
    action = events["CAPA-2026-201.action-2@isms.example.com"]
    assert action.decoded("DTSTART") == dt.date(2026, 12, 10)
    assert str(action["URL"]) == f"{SITE_URL}findings/CAPA-2026-201/"
    assert str(action["DESCRIPTION"]) == "Add the assessment step to onboarding."
    assert str(action["SUMMARY"]).startswith("CAPA-2026-201 action 2 due: ")
    review = events["CAPA-2026-202.effectiveness@isms.example.com"]
    assert review.decoded("DTSTART") == dt.date(2026, 11, 16)
    # DTSTAMP is the build's "today", never the clock.
    assert action.decoded("DTSTAMP") == dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    alarms = action.walk("VALARM")
    assert len(alarms) == 1 and alarms[0].decoded("TRIGGER") == dt.timedelta(days=-7)


def test_a_second_reader_agrees(built) -> None:
    _, feeds = built
    for uri, content in feeds.items():
        parsed = ics.Calendar(content.decode("utf-8"))
        assert {e.uid for e in parsed.events} == set(_uids(content)), uri
    register = ics.Calendar(feeds["register.ics"].decode("utf-8"))
    by_uid = {e.uid: e for e in register.events}
    event = by_uid["CAPA-2026-201.action-1@isms.example.com"]
    assert event.begin.date() == dt.date(2026, 11, 1) and event.all_day
    assert event.url == f"{SITE_URL}findings/CAPA-2026-201/"


def test_each_owner_feed_holds_only_their_events(built) -> None:
    _, feeds = built
    for owner, uri in OWNER_FEEDS.items():
        expected = {f"{key}@isms.example.com" for key, who in EVENTS.items() if who == owner}
        events = _uids(feeds[uri])
        assert set(events) == expected, owner
        for event in events.values():
            attendee = event.get("ATTENDEE")
            email = (OWNERS[owner] if isinstance(OWNERS[owner], str)
                     else OWNERS[owner]["email"])
            if "@" in email and not email.startswith("@"):
                assert str(attendee) == f"mailto:{email}"
                assert attendee.params["CN"] == owner
            else:  # a handle only: nobody to invite
                assert attendee is None


def test_stable_across_builds_and_an_edit_of_the_action_text(built, tmp_path: Path) -> None:
    repo, first = built
    assert _render(repo, tmp_path / "again") == first  # byte for byte
    path = repo / "register" / "2026" / "CAPA-2026-201.md"
    text = path.read_text()
    path.write_text(text.replace("Add the assessment step to onboarding.",
                                 "Add the security assessment step to vendor onboarding.")
                    .replace("due: '2026-12-10'", "due: '2026-12-14'"))
    assert path.read_text() != text
    commit_all(repo, "reword and move action 2", date="2026-11-21")
    try:
        edited = _uids(_render(repo, tmp_path / "edited")["register.ics"])
    finally:
        git(repo, "reset", "-q", "--hard", "HEAD~1")
    before = _uids(first["register.ics"])
    assert set(edited) == set(before)  # the same events: none added, none lost
    moved = edited["CAPA-2026-201.action-2@isms.example.com"]
    assert str(moved["DESCRIPTION"]) == "Add the security assessment step to vendor onboarding."
    assert moved.decoded("DTSTART") == dt.date(2026, 12, 14)


def test_alarm_setting_and_no_site_url(tmp_path: Path) -> None:
    repo = reminder_repo(tmp_path / "repo")
    write_config(repo, calendar_alarm_days=0)
    config = (repo / "mkdocs.yml").read_text().replace(f"site_url: {SITE_URL}\n", "")
    (repo / "mkdocs.yml").write_text(config)
    feeds = _render(repo, tmp_path / "out")
    events = _uids(feeds["register.ics"])
    assert set(events) == {f"{key}@capa-docs" for key in EVENTS}
    assert all(not e.walk("VALARM") and "URL" not in e for e in events.values())


def test_owner_feed_names_are_safe_and_distinct() -> None:
    assert owner_slug("Zoë O'Brien (IT Ops)") == "zoe-o-brien-it-ops"
    assert owner_slug("../../etc") == "etc" and owner_slug("張偉") == "owner"
    uris = owner_feed_uris(["Jane Smith", "jane smith", "張偉", "李娜"])
    assert len(set(uris.values())) == 4
    assert all(u.startswith("calendar/") and u.endswith(".ics") for u in uris.values())


def _library_event(item, stamp: dt.datetime, domain: str, alarm_days: int,
                   url: str | None, email: str | None) -> bytes:
    """The same event built as a library ``Event`` and written by ``Event.to_ical()``."""
    event = icalendar.Event()
    event.add("uid", f"{item.key.replace('/', '.')}@{domain}")
    event.add("dtstamp", stamp)
    event.add("dtstart", item.day)
    event.add("summary", item.summary)
    event.add("description", item.description)
    event.add("transp", "TRANSPARENT")
    if url:
        event.add("url", url)
    if email:
        attendee = icalendar.vCalAddress(f"mailto:{email}")
        attendee.params["CN"] = icalendar.vText(item.owner)
        attendee.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    if alarm_days:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Due in {alarm_days} days")
        alarm.add("trigger", dt.timedelta(days=-alarm_days))
        event.add_component(alarm)
    return event.to_ical()


AWKWARD = [
    "Plain.",
    "Commas, semicolons; a backslash \\ and a colon: all escaped.",
    "Two lines\nof text, and a third\r\nwith CRLF.",
    "Zoë's café in Zürich: naïve façade " * 6,
    "張偉负责供应商评估流程的所有者" * 8,
    "x" * 74, "x" * 75, "y" * 149, "é" * 37, "é" * 38,
    '"Quoted", <angled> & 100% ' * 4,
    "\ufeffA byte-order mark first, which the library's decoding drops.",
]


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
@pytest.mark.parametrize("alarm_days", [0, 7])
def test_fast_writer_writes_what_the_library_writes(text: str, alarm_days: int) -> None:
    from capa_docs.contract.settings import Person
    from capa_docs.register.ics import _EventWriter
    from capa_docs.register.reminders import CalendarEvent

    stamp = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    item = CalendarEvent("CAPA-2026-004/action-2", dt.date(2026, 12, 10), "action",
                         "CAPA-2026-004", text[:80], "Zoë O'Brien, IT; Ops",
                         f"CAPA-2026-004 action 2 due: {text[:90]}", text)
    writer = _EventWriter(stamp, "isms.example.com", alarm_days)
    for url, email in ((None, None), ("https://isms.example.com/register/findings/"
                                      "CAPA-2026-004/?a=1,2;b", "zoe.obrien@example.com")):
        contact = Person(email, None) if email else None
        assert writer.write(item, url, contact) == _library_event(
            item, stamp, "isms.example.com", alarm_days, url, email)


def test_lines_shared_between_events_are_each_events_own() -> None:
    """One writer, many events: the lines it writes once and reuses (a date's DTSTART, an
    owner's ATTENDEE, a description, a finding's URL) are right for every event that
    shares them, across owners, dates and folding, non-ASCII and not."""
    from capa_docs.contract.settings import Person
    from capa_docs.register.ics import _EventWriter
    from capa_docs.register.reminders import CalendarEvent

    stamp = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    writer = _EventWriter(stamp, "isms.example.com", 7)
    texts = ["Rotate the keys.", "Zoë's café, naïve; façade\n " * 5, AWKWARD[4]]
    owners = {"Zoë O'Brien": "zoe@example.com", "Jane Smith": "jane@example.com"}
    for number in range(12):
        fid = f"CAPA-2026-{number % 4:03d}"
        owner = list(owners)[number % 2]
        text = texts[number % 3]
        item = CalendarEvent(f"{fid}/action-{number}", dt.date(2026, 12, 1 + number % 2),
                             "action", fid, text[:60], owner,
                             f"{fid} action {number} due: {text[:60]}", text)
        url = f"https://isms.example.com/register/findings/{fid}/"
        expected = _library_event(item, stamp, "isms.example.com", 7, url, owners[owner])
        assert writer.write(item, url, Person(owners[owner], None)) == expected


def test_ascii_folding_is_the_librarys() -> None:
    """The fast fold of ASCII lines gives what Contentline.to_ical() gives: random lines
    of every length around the boundaries, dense with backslashes and carets."""
    import random

    from icalendar.parser import Contentline

    from capa_docs.register.ics import _fold_ascii

    rng = random.Random(16)
    alphabet = "ab\\^;,: x"
    lengths = [*range(70, 80), *range(144, 154), *range(218, 228), 1000]
    for length in lengths:
        for _ in range(40):
            line = "".join(rng.choice(alphabet) for _ in range(length))
            assert _fold_ascii(line).encode() == Contentline(line).to_ical(), line
    assert _fold_ascii("\\" * 200).encode() == Contentline("\\" * 200).to_ical()
