"""Management review packs: the register as it stood on each review date, and what changed.

ISO/IEC 27001 Clause 9.3 makes the status of corrective actions and the trend in
nonconformities an input to each management review. A pack is that input for one review,
as the record stood on the review's date: each finding's file at its last commit on or
before that day (``RegisterHistory.state_at``), so a pack does not change when findings
move on later. The period is from the previous review (or the start of the register) to
this one; reopened findings and extended due dates come from each file's timeline.

Without git history the pack says so and works from the current files, judged as of the
review date (findings raised later left out, closures after the date undone).

The period's figures add up from one pack to the next: a finding is raised in the pack
whose register first holds it, and closed (or reviewed) in the pack whose register first
shows that closure, so a record committed after a review but dated before it counts in
the next pack, marked "recorded late", instead of in none. Each past version must pass
the finding schema; one that does not is replaced by the file's last valid version before
it (or left out), and the pack's notes name it.

This module works out the figures; ``site.pages.packs`` turns them into pages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..contract.frontmatter import LoadError, decode, load_text
from ..contract.model import Finding
from ..contract.schema import is_valid, schema_errors
from ..contract.settings import Settings, review_page_name
from ..git.history import (
    CLOSED,
    DUE_EXTENDED,
    REOPENED,
    Change,
    Event,
    RegisterHistory,
    read_blobs,
    read_history,
)
from ..register.findings import SEVERITIES, STATUSES, Register, as_date
from ..register.rollup import Rollup, rollup

PACKS_INDEX = "reviews/index.md"


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
    removed: list[str] = field(default_factory=list)
    """In the previous pack's register, not in this one (deleted, moved out, unreadable)."""
    late: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per list ("raised", "closed", "reviewed"): finding ID -> why it counts here though
    its date is before the period (recorded late)."""
    decisions: list[Decision] = field(default_factory=list)
    reconstructed: list[str] = field(default_factory=list)
    """Findings first committed after the review date: counted from their own dates
    (raised, closed, completed, reviewed), not from history."""

    @property
    def uri(self) -> str:
        return pack_uri(self.review_id)

    @property
    def history_state(self) -> str:
        """``history`` when git holds every finding of the pack; ``partial`` when some are
        reconstructed from their own dates; ``reconstructed`` when all are; ``none`` when
        nothing at all is known for the date (no history, nothing raised by then)."""
        if not self.from_git:
            return "reconstructed" if len(self.register) else "none"
        if not self.reconstructed:
            return "history" if len(self.register) else "none"
        return "partial" if len(self.reconstructed) < len(self.register) else "reconstructed"

    @property
    def events_known(self) -> bool:
        """Whether git shows the period's reopenings and extended due dates: not when every
        finding of the pack comes from its own dates (those record neither)."""
        return self.history_state in ("history", "partial")

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
        histories = history
    else:
        registers = {day: (*_register_from_files(settings, current, day), [])
                     for _, day in reviews}
        events = []
        histories = None
    packs: list[Pack] = []
    previous: tuple[str, dt.date] | None = None
    for review_id, day in reviews:
        register, notes, rebuilt = registers[day]
        pack = Pack(review_id, day, previous[0] if previous else None,
                    previous[1] if previous else None, register, rollup(register), from_git,
                    list(notes), reconstructed=rebuilt)
        if not from_git:
            reason = history.note if history is not None and history.note else "no git history"
            pack.notes.insert(0, f"{reason}: figures computed from the current files as of "
                                 f"{day}; reopened findings and extended due dates are unknown")
        elif history is not None and history.note:
            pack.notes.insert(0, history.note)
        if from_git and not len(register):
            pack.notes.append(f"no finding file had been committed by {day}, and none "
                              "records being raised by then: the register's git history "
                              "starts later")
        elif rebuilt:
            pack.notes.append(
                f"{len(rebuilt)} finding(s) were first committed after {day}: they are "
                "reconstructed from recorded dates, not from history (each file's own "
                "raised, closed, completed and reviewed dates, as it stands now): "
                + ", ".join(rebuilt[:20]) + (", ..." if len(rebuilt) > 20 else ""))
        _fill(pack, events, packs[-1].register if packs else None, histories)
        packs.append(pack)
        previous = (review_id, day)
    return packs


def _fill(pack: Pack, events: list[Event], previous: Register | None,
          history: RegisterHistory | None) -> None:
    """The period's lists, by what this pack's register shows that the previous one did
    not: every finding raised, closed or reviewed is counted in exactly one pack."""
    for event in events:
        if not pack.in_period(event.change.day):
            continue
        if event.kind == REOPENED:
            pack.reopened.append(event)
        elif event.kind == DUE_EXTENDED:
            pack.extended.append(event)
    reopened = {_id(e) for e in pack.reopened}
    register = pack.register
    before = previous.by_id if previous is not None else {}
    late: dict[str, dict[str, str]] = {"raised": {}, "closed": {}, "reviewed": {}}
    for finding in register:
        fid = finding.id
        was = before.get(fid)
        if was is None:
            pack.raised.append(fid)
            raised = as_date(finding.data.get("raised"))
            if pack.start is not None and raised is not None and raised <= pack.start:
                late["raised"][fid] = (f"recorded late (raised {raised}, "
                                       f"{_entered(pack, finding, history)})")
        closed = register.of(finding).closed
        if finding.data["status"] == "closed" and (
                was is None or was.data["status"] != "closed" or fid in reopened
                or previous.of(was).closed != closed):  # type: ignore[union-attr]
            pack.closed.append(fid)
            if pack.start is not None and closed is not None and closed <= pack.start:
                late["closed"][fid] = (f"recorded late (closed {closed}, "
                                       f"{_recorded(pack, finding, history, CLOSED)})")
        review = _review(finding)
        if review is not None and (was is None or _review(was) != review or fid in reopened):
            reviewed, result = review
            (pack.not_effective if result == "not-effective" else pack.effective).append(fid)
            if pack.start is not None and reviewed is not None and reviewed <= pack.start:
                late["reviewed"][fid] = (f"recorded late (reviewed {reviewed}, "
                                         f"{_recorded(pack, finding, history, None)})")
    pack.late = {kind: ids for kind, ids in late.items() if ids}
    pack.removed = sorted(set(before) - set(register.by_id))
    if pack.removed:
        pack.notes.append(f"{len(pack.removed)} finding(s) in the previous pack's register are "
                          "not in this one (deleted, moved out of the register folder, or "
                          "no longer readable): " + ", ".join(pack.removed[:20])
                          + (", ..." if len(pack.removed) > 20 else ""))
    pack.decisions = decisions(pack)


def _review(finding: Finding) -> tuple[dt.date | None, Any] | None:
    """The effectiveness review a finding records, or None."""
    reviewed = finding.get("closure", "effectiveness", "reviewed")
    if reviewed is None:
        return None
    return as_date(reviewed), finding.get("closure", "effectiveness", "result")


def _period_changes(pack: Pack, finding: Finding, history: RegisterHistory | None
                    ) -> list[Change]:
    found = history.for_path(finding.rel) if history is not None else None
    if found is None:
        return []
    return [c for c in found.changes if c.blob is not None and pack.in_period(c.day)]


def _entered(pack: Pack, finding: Finding, history: RegisterHistory | None) -> str:
    """When the finding's file came into the register: its first commit in the period."""
    changes = _period_changes(pack, finding, history)
    if not changes:
        return "recorded after the previous review"
    found = history.for_path(finding.rel) if history is not None else None
    first = found is not None and found.changes[0] is changes[0]
    if changes[0].boundary:
        return f"first seen {changes[0].day} (shallow clone)"
    return f"{'first committed' if first else 'committed again'} {changes[0].day}"


def _recorded(pack: Pack, finding: Finding, history: RegisterHistory | None,
              kind: str | None) -> str:
    """The commit in the period that recorded it: the last one of ``kind``, else the last."""
    changes = _period_changes(pack, finding, history)
    if kind is not None:
        changes = [c for c in changes if kind in c.kinds] or changes
    return f"recorded {changes[-1].day}" if changes else "recorded after the previous review"


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
    if figures.effectiveness_questioned:
        out.append(Decision("Effective closures questioned by recurrence",
                            "A finding closed effective came back: confirm whether its cause "
                            "was removed, and re-open or re-analyse it (clause 10.2 d)).",
                            list(figures.effectiveness_questioned)))
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
            out.append(Decision(f"Recurring: {group.key}",
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
    """What a pack's figures rely on: the finding schema (``clauses: A.5.19`` as text would
    otherwise count as the clauses "A", ".", "5", ...). The compiled check is fast enough
    for every past version of a large register."""
    return (isinstance(data, dict) and isinstance(data.get("id"), str)
            and data.get("severity") in SEVERITIES and data.get("status") in STATUSES
            and is_valid(data))


_UNREADABLE = "unreadable front matter"


def _parse(raw: bytes, refused: dict[str, Any]) -> dict[str, Any] | None:
    """A past version's data when it is a valid finding; else None, and why in ``refused``
    (the data itself for a schema failure: the message is worked out only if shown)."""
    try:
        data = load_text(decode(raw)).data
    except LoadError as error:
        refused[git_blob_id(raw)] = f"{_UNREADABLE}: {error.message}"
        return None
    if _usable(data):
        return data
    refused[git_blob_id(raw)] = data
    return None


def _why(refused: Any) -> str:
    if isinstance(refused, str):
        return refused
    for _keypath, message in schema_errors(refused):
        return f"schema: {message}"
    if not isinstance(refused, dict):
        return "schema: the front matter is not a mapping"
    return "schema: id, severity or status missing or not one the contract allows"


def _registers_from_git(settings: Settings, current: Register, repo_root: Path,
                        history: RegisterHistory, days: list[dt.date]
                        ) -> dict[dt.date, tuple[Register, list[str], list[str]]]:
    known: dict[str, dict[str, Any] | None] = {}
    for finding in current:
        try:
            known[git_blob_id(finding.path.read_bytes())] = finding.data
        except OSError:
            continue
    refused: dict[str, Any] = {}
    states = {day: history.state_at(day) for day in days}
    wanted = {c.blob for at in states.values() for c in at.values()
              if c.blob and c.blob not in known}
    for blob, raw in read_blobs(repo_root, wanted).items():
        known[blob] = _parse(raw, refused)
    # A version nobody can read, or that fails the schema (a broken commit), stands for
    # the file's last valid one before it.
    missing: set[str] = set()
    for at in states.values():
        for path, change in at.items():
            if known.get(change.blob or "") is None:
                for earlier in reversed(history.files[path].changes):
                    if earlier.date <= change.date and earlier.blob and earlier is not change:
                        missing.add(earlier.blob)
    missing -= set(known)
    for blob, raw in read_blobs(repo_root, missing).items():
        known[blob] = _parse(raw, refused)
    out = {}
    for day, at in states.items():
        findings, changed, replaced = [], {}, []
        for path, change in at.items():
            data, used = known.get(change.blob or ""), change
            if data is None:
                used = next((e for e in reversed(history.files[path].changes)
                             if e.date <= change.date and e.blob and known.get(e.blob)), None)
                data = known.get(used.blob or "") if used is not None else None
                if PurePosixPath(path).suffix == ".md" and _looks_like_finding(path, settings):
                    why = _why(refused.get(change.blob or "", "not in the repository"))
                    what = (f"the version of {used.day} used" if data is not None
                            else "left out")
                    replaced.append(f"{PurePosixPath(path).stem} ({why}; {what})")
            if data is None:
                continue
            findings.append(Finding(repo_root / path, path, data, {}))
            if not change.boundary:
                changed[path] = change.day
        notes = []
        if replaced:
            replaced.sort()
            notes.append(f"{len(replaced)} finding file(s) as they stood on {day} could not be "
                         "read or failed the finding schema; each stands for its last valid "
                         "version before then, or is left out: " + "; ".join(replaced[:20])
                         + ("; ..." if len(replaced) > 20 else ""))
        rebuilt = _not_yet_committed(current, history, day, {f.id for f in findings})
        findings.extend(rebuilt)
        out[day] = (Register(findings, settings, day, changed), notes, [f.id for f in rebuilt])
    return out


def _not_yet_committed(current: Register, history: RegisterHistory, day: dt.date,
                       present: set[str]) -> list[Finding]:
    """Findings of today's register first committed after ``day`` (or never), as their
    own dates say they stood on ``day``: without this a register started or imported after
    its review dates would show those reviews an empty register."""
    out = []
    for finding in current:
        if finding.id in present:
            continue
        past = history.for_path(finding.rel)
        if past is not None and past.changes and not past.complete:
            continue  # a shallow clone: the pack's note says history is cut off
        first = past.first_recorded if past is not None else None
        if first is not None and first.day <= day:
            continue  # in git by then: its file as it stood is used, or it was not there
        rebuilt = as_of(finding, day)
        if rebuilt is not None:
            out.append(rebuilt)
    return out


def as_of(finding: Finding, day: dt.date) -> Finding | None:
    """The finding as its own dates say it stood on ``day``: None if raised later; a
    closure, completion or effectiveness review dated later is undone."""
    data = finding.data
    raised = as_date(data.get("raised"))
    if raised is None or raised > day:
        return None
    data = dict(data)
    closure = data.get("closure")
    closed = as_date(closure.get("closed")) if isinstance(closure, dict) else None
    if data["status"] == "closed" and (closed is None or closed > day):
        data["status"] = "in-progress"
        data.pop("closure", None)
    elif isinstance(closure, dict) and isinstance(closure.get("effectiveness"), dict):
        reviewed = as_date(closure["effectiveness"].get("reviewed"))
        if reviewed is None or reviewed > day:
            data["closure"] = {k: v for k, v in closure.items() if k != "effectiveness"}
    actions = data.get("corrective_actions")
    if isinstance(actions, list):
        data["corrective_actions"] = [_undone(a, day) for a in actions]
    correction = data.get("correction")
    if isinstance(correction, dict):
        data["correction"] = _undone(correction, day)
    return Finding(finding.path, finding.rel, data, {})


def _undone(item: Any, day: dt.date) -> Any:
    """An action or correction with a completion dated after ``day`` shown as not done."""
    if not isinstance(item, dict):
        return item
    completed = as_date(item.get("completed"))
    if completed is not None and completed > day:
        return {k: v for k, v in item.items() if k != "completed"}
    return item


def _looks_like_finding(path: str, settings: Settings) -> bool:
    return re.fullmatch(settings.id_pattern, PurePosixPath(path).stem) is not None


def _register_from_files(settings: Settings, current: Register, day: dt.date
                         ) -> tuple[Register, list[str]]:
    findings = [f for f in (as_of(finding, day) for finding in current) if f is not None]
    return Register(findings, settings, day), []


def packs_for(register: Register, repo_root: Path) -> list[Pack]:
    """The packs of a build: from the build's history pass when it made one."""
    settings = register.settings
    if not settings.reviews:
        return []
    history = getattr(register, "history", None)
    if history is None:
        history = read_history(repo_root, settings.register_dir, settings.evidence_dir)
    return build_packs(settings, register, repo_root, history)
