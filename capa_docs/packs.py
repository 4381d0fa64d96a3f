"""Management review packs: the register as it stood on each review date, and what changed.

ISO/IEC 27001 Clause 9.3 makes the status of corrective actions and the trend in
nonconformities an input to each management review. A pack is that input for one review,
as the record stood on the review's date: each finding's file at its last commit on or
before that day (``RegisterHistory.state_at``), so a pack does not change when findings
move on later. The period is from the previous review (or the start of the register) to
this one; reopened findings and extended due dates come from each file's timeline.

Without git history the pack says so and works from the current files, judged as of the
review date (findings raised later left out, closures after the date undone).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .config import Settings, review_page_name
from .frontmatter import LoadError, decode, load_text
from .history import DUE_EXTENDED, REOPENED, Event, RegisterHistory, read_blobs, read_history
from .model import Finding
from .register import SEVERITIES, STATUSES, Register, as_date
from .rollup import Rollup, rollup

if TYPE_CHECKING:
    from .render import Page, Renderer

PACKS_INDEX = "reviews/index.md"
PACKS_TITLE = "Management review packs"


def pack_uri(review_id: str) -> str:
    """The pack's page; the settings refuse IDs whose pages would collide."""
    return f"reviews/{review_page_name(review_id) or 'review'}.md"


@dataclass
class Decision:
    """Something leadership must decide on, with the findings behind it."""

    title: str
    why: str
    ids: list[str]


@dataclass
class Pack:
    """One management review's figures, as of its date."""

    review_id: str
    date: dt.date
    previous_id: str | None
    start: dt.date | None
    """The previous review's date (exclusive); None: from the start of the register."""
    register: Register
    figures: Rollup
    from_git: bool
    notes: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    reopened: list[Event] = field(default_factory=list)
    extended: list[Event] = field(default_factory=list)
    effective: list[str] = field(default_factory=list)
    not_effective: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return pack_uri(self.review_id)

    def in_period(self, day: dt.date | None) -> bool:
        return day is not None and day <= self.date and (self.start is None or day > self.start)


def build_packs(settings: Settings, current: Register, repo_root: Path,
                history: RegisterHistory | None) -> list[Pack]:
    """One pack per configured review, oldest first."""
    reviews = [(rid, dt.date.fromisoformat(day)) for rid, day in settings.reviews.items()]
    if not reviews:
        return []
    from_git = history is not None and history.available and bool(history.files)
    if from_git:
        assert history is not None
        registers = _registers_from_git(settings, current, repo_root, history,
                                        [day for _, day in reviews])
        events = _events(history)
    else:
        registers = {day: _register_from_files(settings, current, day) for _, day in reviews}
        events = []
    packs = []
    previous: tuple[str, dt.date] | None = None
    for review_id, day in reviews:
        register, notes = registers[day]
        pack = Pack(review_id, day, previous[0] if previous else None,
                    previous[1] if previous else None, register, rollup(register), from_git,
                    list(notes))
        if not from_git:
            reason = history.note if history is not None and history.note else "no git history"
            pack.notes.insert(0, f"{reason}: figures computed from the current files as of "
                                 f"{day}; reopened findings and extended due dates are unknown")
        elif history is not None and history.note:
            pack.notes.insert(0, history.note)
        if from_git and not len(register):
            pack.notes.append(f"no finding file had been committed by {day}: the register's "
                              "git history starts later")
        _fill(pack, events)
        packs.append(pack)
        previous = (review_id, day)
    return packs


def _fill(pack: Pack, events: list[Event]) -> None:
    register = pack.register
    for finding in register:
        if pack.in_period(as_date(finding.data.get("raised"))):
            pack.raised.append(finding.id)
        if finding.data["status"] == "closed" and pack.in_period(register.of(finding).closed):
            pack.closed.append(finding.id)
        if pack.in_period(as_date(finding.get("closure", "effectiveness", "reviewed"))):
            result = finding.get("closure", "effectiveness", "result")
            (pack.not_effective if result == "not-effective" else pack.effective).append(
                finding.id)
    for event in events:
        if not pack.in_period(event.change.day):
            continue
        if event.kind == REOPENED:
            pack.reopened.append(event)
        elif event.kind == DUE_EXTENDED:
            pack.extended.append(event)
    pack.decisions = decisions(pack)


def decisions(pack: Pack) -> list[Decision]:
    """What the review must decide: the items a reviewer cannot just note."""
    figures, register = pack.figures, pack.register
    out = []
    majors = [i for i in figures.overdue if register.by_id[i].data["severity"] == "major"]
    if majors:
        out.append(Decision("Overdue major nonconformities",
                            "Accept a new date with a reason, add resources, or escalate.",
                            majors))
    if figures.not_effective:
        out.append(Decision("Corrective actions found not effective",
                            "The cause was not removed: approve a new root-cause analysis "
                            "and actions (clause 10.2 d)).", list(figures.not_effective)))
    if pack.reopened:
        out.append(Decision("Findings reopened in the period",
                            "A closure did not hold: confirm the new actions and owner.",
                            sorted({_id(e) for e in pack.reopened})))
    if pack.extended:
        out.append(Decision("Due dates extended in the period",
                            "Confirm each extension is justified and resourced.",
                            sorted({_id(e) for e in pack.extended})))
    for group in figures.recurring:
        if group.kind != "related" and len(group.ids) >= 3:
            out.append(Decision(f"Recurring: {group.kind} {group.key}",
                                "The same problem keeps appearing: review the risk assessment "
                                "(clause 6.1) and whether the controls are adequate.",
                                list(group.ids)))
    if figures.stale:
        out.append(Decision("Stale findings",
                            "No recorded progress for longer than the stale period: confirm "
                            "ownership.", list(figures.stale)))
    return out


def _id(event: Event) -> str:
    return PurePosixPath(event.change.path).stem


def _events(history: RegisterHistory) -> list[Event]:
    return [event for finding_history in history.files.values()
            for event in finding_history.timeline() if event.kind in (REOPENED, DUE_EXTENDED)]


# Registers as of a date -------------------------------------------------------------------

def git_blob_id(raw: bytes) -> str:
    """The id git gives a file's content: lets a past version reuse the current file's
    validated data instead of parsing it again when nothing changed since."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()


def _usable(data: Any) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("id"), str)
            and data.get("severity") in SEVERITIES and data.get("status") in STATUSES)


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        data = load_text(decode(raw)).data
    except LoadError:
        return None
    return data if _usable(data) else None


def _registers_from_git(settings: Settings, current: Register, repo_root: Path,
                        history: RegisterHistory, days: list[dt.date]
                        ) -> dict[dt.date, tuple[Register, list[str]]]:
    known: dict[str, dict[str, Any] | None] = {}
    for finding in current:
        try:
            known[git_blob_id(finding.path.read_bytes())] = finding.data
        except OSError:
            continue
    states = {day: history.state_at(day) for day in days}
    wanted = {c.blob for at in states.values() for c in at.values()
              if c.blob and c.blob not in known}
    for blob, raw in read_blobs(repo_root, wanted).items():
        known[blob] = _parse(raw)
    # A version nobody can read (a broken commit) stands for the last readable one before.
    missing: set[str] = set()
    for at in states.values():
        for path, change in at.items():
            if known.get(change.blob or "") is None:
                for earlier in reversed(history.files[path].changes):
                    if earlier.date <= change.date and earlier.blob and earlier is not change:
                        missing.add(earlier.blob)
    missing -= set(known)
    for blob, raw in read_blobs(repo_root, missing).items():
        known[blob] = _parse(raw)
    out = {}
    for day, at in states.items():
        findings, changed, unreadable = [], {}, []
        for path, change in at.items():
            data, used = known.get(change.blob or ""), change
            if data is None:
                used = next((e for e in reversed(history.files[path].changes)
                             if e.date <= change.date and e.blob and known.get(e.blob)), None)
                data = known.get(used.blob or "") if used is not None else None
                if PurePosixPath(path).suffix == ".md" and _looks_like_finding(path, settings):
                    unreadable.append(PurePosixPath(path).stem)
            if data is None:
                continue
            findings.append(Finding(repo_root / path, path, data, {}))
            if not change.boundary:
                changed[path] = change.day
        notes = []
        if unreadable:
            notes.append(f"{len(unreadable)} file(s) could not be read as they stood on {day} "
                         f"(the last readable version was used where there is one): "
                         + ", ".join(sorted(unreadable)[:20]))
        out[day] = (Register(findings, settings, day, changed), notes)
    return out


def _looks_like_finding(path: str, settings: Settings) -> bool:
    return re.fullmatch(settings.id_pattern, PurePosixPath(path).stem) is not None


def _register_from_files(settings: Settings, current: Register, day: dt.date
                         ) -> tuple[Register, list[str]]:
    findings = []
    for finding in current:
        raised = as_date(finding.data.get("raised"))
        if raised is None or raised > day:
            continue
        data = finding.data
        closed = as_date(finding.get("closure", "closed"))
        if data["status"] == "closed" and closed is not None and closed > day:
            data = {**data, "status": "in-progress"}
            data.pop("closure", None)
        findings.append(Finding(finding.path, finding.rel, data, {}))
    return Register(findings, settings, day), []


# Pages -----------------------------------------------------------------------------------

def pack_pages(renderer: Renderer, packs: list[Pack]) -> list[Page]:
    """The index of packs (in the nav) and one page per pack (not in the nav)."""
    from .render import Page  # render imports this module
    from .trends import charts_html

    if not packs:
        return []
    env = renderer.env
    index_link = renderer.linker(PACKS_INDEX)
    pages = [Page(PACKS_INDEX, env.get_template("review-packs.md.j2").render(
        packs=list(reversed(packs)), link=index_link, title=PACKS_TITLE), in_nav=True)]
    for pack in packs:
        link = renderer.linker(pack.uri)
        slug = re.sub(r"[^a-z0-9]+", "-", pack.review_id.lower()).strip("-")
        text = env.get_template("review-pack.md.j2").render(
            p=pack, r=pack.figures, register=pack.register, link=link,
            severities=SEVERITIES, stale_days=pack.register.settings.stale_days,
            months=pack.register.settings.recurrence_months,
            table=_table(renderer, pack.register, link), current=renderer.register,
            charts=charts_html(pack.register, f"capa-pack-{slug}"),
            meta_title=Markup(f'"Management review pack {_yaml_text(pack.review_id)}"'))
        pages.append(Page(pack.uri, text))
    return pages


def _yaml_text(text: str) -> str:
    return re.sub(r'[\\"\x00-\x1f]', "", text)


def _table(renderer: Renderer, register: Register, link):
    def table(ids: list[str], column: str = "") -> Markup:
        return Markup(renderer.env.get_template("_finding_table.j2").render(
            ids=ids, column=column, register=register, link=link))

    return table


def packs_for(register: Register, repo_root: Path) -> list[Pack]:
    """The packs of a build: from the build's history pass when it made one."""
    settings = register.settings
    if not settings.reviews:
        return []
    history = getattr(register, "history", None)
    if history is None:
        history = read_history(repo_root, settings.register_dir, settings.evidence_dir)
    return build_packs(settings, register, repo_root, history)
