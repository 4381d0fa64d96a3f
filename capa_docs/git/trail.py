"""A finding's audit trail as its page shows it: what changed, who changed it, and when.

The history pass (``history.read_history``) already knows every commit of every finding
file; this module only words it for a reader: one timeline line per status move, due-date
or owner change and rename, then every commit (date, author, subject, short id), linked to
the repository's commit page when ``repo_url`` is known. Plain data out, no HTML: the
template escapes every value, since author names and commit subjects are anyone's text.
Imports nothing of MkDocs and calls no git.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from .closures import ClosureRecord, FieldChange
from .history import (
    CLOSED,
    DELETED,
    DUE_CHANGED,
    DUE_EXTENDED,
    OWNER_CHANGED,
    PROGRESSED,
    RAISED,
    RENAMED,
    REOPENED,
    STATUS_CHANGED,
    TRUNCATED,
    Change,
    Event,
    FindingHistory,
    RegisterHistory,
)

SHORT_SHA = 10
ARROW = " \u2192 "

_LABELS = {
    RAISED: "Raised",
    PROGRESSED: "In progress",
    CLOSED: "Closed",
    REOPENED: "Reopened",
    STATUS_CHANGED: "Status changed",
    DUE_EXTENDED: "Due date extended",
    DUE_CHANGED: "Due date changed",
    OWNER_CHANGED: "Owner changed",
    DELETED: "File deleted",
    TRUNCATED: "Earlier history missing",
}


@dataclass(frozen=True)
class Commit:
    """One commit as a row shows it."""

    sha: str
    short: str
    url: str | None
    day: str
    """YYYY-MM-DD in the committer's time zone, as ``git log`` shows it."""
    stamp: str
    """The full committer date with its UTC offset, for ``<time datetime>``."""
    author: str
    subject: str


@dataclass(frozen=True)
class TrailEvent:
    """One timeline line: ``label`` (e.g. Reopened), ``detail`` (closed -> in-progress)."""

    kind: str
    label: str
    detail: str
    commit: Commit


@dataclass
class Trail:
    """Everything the History section shows for one finding."""

    events: list[TrailEvent] = field(default_factory=list)
    log: list[Commit] = field(default_factory=list)
    """Every commit that touched the file, newest first (as ``git log`` lists them)."""
    note: str = ""
    """A plain sentence when the history is missing or incomplete; empty when whole."""


def commit_url(repo_url: str | None, sha: str) -> str | None:
    """``{repo_url}/commit/{sha}``: GitHub, Gitea and Forgejo serve it, GitLab redirects it
    to ``/-/commit/``. Only http(s) addresses become links."""
    if not repo_url:
        return None
    parts = urlsplit(repo_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{repo_url.strip().rstrip('/')}/commit/{quote(sha)}"


def _commit(change: Change, repo_url: str | None) -> Commit:
    return Commit(change.commit, change.commit[:SHORT_SHA], commit_url(repo_url, change.commit),
                  change.day.isoformat(), change.date.isoformat(), change.author,
                  change.subject)


def _moved(old: str | None, new: str | None) -> str:
    if old and new and PurePosixPath(old).parent == PurePosixPath(new).parent:
        return "Renamed"
    return "Moved"


def _detail(event: Event) -> str:
    before, after = event.before, event.after
    if event.kind == RAISED:
        return f"status {after}" if after else ""
    if event.kind in (DUE_EXTENDED, DUE_CHANGED):
        where = f"action {event.action + 1}: " if event.action is not None else ""
        return f"{where}{before or 'none'}{ARROW}{after or 'none'}"
    if event.kind == TRUNCATED:
        return "this build's clone starts here; earlier commits are not in it"
    if event.kind == DELETED:
        return ""
    if before is None and after is None:
        return ""
    if before is None:  # a finding committed already closed: "Raised" said the status
        return "" if event.kind in (CLOSED, PROGRESSED, REOPENED, STATUS_CHANGED) else str(after)
    return f"{before}{ARROW}{after if after is not None else 'none'}"


def trail_of(history: RegisterHistory | None, rel: str, repo_url: str | None = None,
             imported: object = None) -> Trail:
    """The History section of the finding file at ``rel`` (repository-relative, POSIX).

    ``imported`` is the finding's ``imported`` field: its first commit then reads
    "Imported on DATE from FILE", since the finding was raised in the spreadsheet, not
    by that commit."""
    if history is None:
        return Trail(note="The change history was not read for this build.")
    if not history.available:
        reason = history.note.removesuffix(": no history") or "git history is unavailable"
        return Trail(note=f"No change history: {reason}. The site was built from files "
                          "without their git history, so who changed this finding and when "
                          "cannot be shown.")
    past = history.for_path(rel)
    if past is None or not past.changes:
        return Trail(note="No change history yet: this file has not been committed. The "
                          "page shows the file as it is in the working tree.")
    return _trail(past, history, repo_url, imported if isinstance(imported, dict) else None)


def _imported(imported: dict, detail: str) -> str:
    said = f"on {imported.get('date')} from {imported.get('from')}"
    return f"{said}; {detail}" if detail else said


def _trail(past: FindingHistory, history: RegisterHistory, repo_url: str | None,
           imported: dict | None = None) -> Trail:
    commits: dict[str, Commit] = {}

    def commit(change: Change) -> Commit:
        found = commits.get(change.commit)
        if found is None:
            found = commits[change.commit] = _commit(change, repo_url)
        return found

    events = []
    for event in past.timeline():
        if event.kind == RENAMED:
            label, detail = _moved(event.before, event.after), f"{event.before}{ARROW}{event.after}"
        else:
            label, detail = _LABELS.get(event.kind, event.kind), _detail(event)
            if event.kind == RAISED and imported is not None:
                label, detail = "Imported", _imported(imported, detail)
        events.append(TrailEvent(event.kind, label, detail, commit(event.change)))
    log = [commit(change) for change in reversed(past.changes)]
    notes = []
    if not past.complete:
        first = next((c for c in past.changes if not c.boundary), None)
        since = f" before {first.day.isoformat()}" if first is not None else ""
        notes.append(f"Incomplete history: the site was built from a shallow clone, so "
                     f"commits{since} are missing and when this finding was raised is not "
                     "known from git. Build from a full clone (fetch-depth: 0) to show it all.")
    if not history.states_read:
        notes.append("Status and due dates at each commit were not read "
                     f"({history.note or 'file versions unavailable'}); the change log is "
                     "complete.")
    return Trail(events, log, " ".join(notes))


@dataclass(frozen=True)
class AfterClosure:
    """One commit that changed a closed finding without reopening it, as a row shows it."""

    commit: Commit
    fields: tuple[FieldChange, ...]


def after_closure(record: ClosureRecord | None, repo_url: str | None = None
                  ) -> list[AfterClosure]:
    """The changes a closed finding's record took after the commit that closed it."""
    if record is None:
        return []
    return [AfterClosure(_commit(a.change, repo_url), a.fields) for a in record.amendments]


def closing_commit(record: ClosureRecord | None, repo_url: str | None = None
                   ) -> tuple[Commit | None, Commit | None]:
    """The commit that closed the finding, and the one that recorded its review."""
    if record is None:
        return None, None
    review = _commit(record.review, repo_url) if record.review is not None else None
    return _commit(record.closing, repo_url), review


def last_changed_note(history: RegisterHistory) -> str:
    """What the `stale` rule misses without full history, in the CLI's words."""
    if not history.available:
        return f"{history.note}: the stale check is skipped" if history.note else ""
    if history.shallow:
        return ("shallow clone: files last changed before the clone's oldest commit have no "
                "date, so the stale check skips them; fetch full history (fetch-depth: 0)")
    return history.note
