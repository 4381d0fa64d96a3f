"""What git knows about the register: every finding file's commits, and its state at each.

An auditor trusts a record system whose audit trail shows who changed a record, when, and
what it said before. Git holds all of that; this module reads it in one pass, never one
call per file (at 10,000 findings that would cost minutes):

- ``git rev-list --topo-order`` piped into one ``git diff-tree --raw -M`` lists every
  commit with the new blob id of each changed file (findings are picked here, not by a
  pathspec); renames are chained here, across folders, because ``git log --follow``
  follows one file only;
- one ``git cat-file --batch`` process returns every needed file version, whose front
  matter gives the status, due dates and owner at each commit.

The result is plain data (no git calls after the pass), so pages, rules and the
management review pack read it without caring how it was made. Outside git, in a shallow
clone or a partial clone, the result says so in ``note`` and carries what is known.
"""

from __future__ import annotations

import codecs
import datetime as dt
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .states import State, summarise

# Change kinds, in the order a page lists them for one commit.
RAISED = "raised"
PROGRESSED = "progressed"
CLOSED = "closed"
REOPENED = "reopened"
STATUS_CHANGED = "status-changed"
DUE_EXTENDED = "due-extended"
DUE_CHANGED = "due-changed"
OWNER_CHANGED = "owner-changed"
RENAMED = "renamed"
EDITED = "edited"
DELETED = "deleted"
TRUNCATED = "truncated"
STATUS_KINDS = (RAISED, PROGRESSED, CLOSED, REOPENED, STATUS_CHANGED)
TIMELINE_KINDS = (*STATUS_KINDS, DUE_EXTENDED, DUE_CHANGED, OWNER_CHANGED, RENAMED, DELETED,
                  TRUNCATED)

_NO_BLOB = "0" * 40
_LOG_FORMAT = "--format=%x1e%H%x1f%cI%x1f%aN%x1f%aE%x1f%aI%x1f%s"


@dataclass(frozen=True)
class Change:
    """One commit that touched one finding file, and what the file said after it."""

    commit: str
    date: dt.datetime
    """Committer date of this commit, with its UTC offset: when it was committed, on
    whichever branch. A commit merged from a branch keeps its own date, not the day the
    merge brought it into the main line, and a wrong clock shows as it was; the order of
    ``FindingHistory.changes`` is the history's, never these dates'."""
    author: str
    email: str
    author_date: dt.datetime
    subject: str
    path: str
    """The file's repository-relative path after this commit."""
    old_path: str | None = None
    """The path before this commit, when the commit renamed the file."""
    blob: str | None = None
    """The file version's blob id; None when the commit deleted the file."""
    state: State | None = None
    """None when states were not read (or the version is unavailable)."""
    kinds: tuple[str, ...] = ()
    boundary: bool = False
    """A shallow clone's oldest commit: it shows every file as added, so history before
    it is unknown and this entry says nothing about when the finding was raised."""

    @property
    def day(self) -> dt.date:
        """The commit's calendar day in the committer's time zone (as ``git log %cs``)."""
        return self.date.date()


@dataclass(frozen=True)
class Event:
    """One line of a finding's timeline: a status move, a due-date change, a rename."""

    kind: str
    change: Change
    before: str | None = None
    after: str | None = None
    action: int | None = None
    """For due-date events: the corrective action's index (0-based)."""


@dataclass
class FindingHistory:
    """Every commit of one finding file, oldest first, followed across renames."""

    path: str
    """The newest path: the file as it stands now (or where it was last, if deleted)."""
    changes: list[Change] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """False when a shallow clone hides the start of this file's history."""
        return not any(c.boundary for c in self.changes)

    @property
    def last_changed(self) -> dt.date | None:
        """The day of the newest commit that is known to have changed the file."""
        for change in reversed(self.changes):
            if not change.boundary:
                return change.day
        return None

    @property
    def first_recorded(self) -> Change | None:
        """The file's first commit, when the history reaches back to it (not in a shallow
        clone that cuts it off): where what git can prove about the finding begins."""
        if not self.changes or not self.complete:
            return None
        return self.changes[0]

    @property
    def raised(self) -> Change | None:
        return next((c for c in self.changes if RAISED in c.kinds), None)

    def timeline(self) -> list[Event]:
        """Status moves, due-date and owner changes, renames: the lines an auditor reads."""
        events: list[Event] = []
        previous: State | None = None
        for change in self.changes:
            state = change.state
            for kind in change.kinds:
                if kind in STATUS_KINDS:
                    before = previous.status if previous and kind != RAISED else None
                    events.append(Event(kind, change, before, state.status if state else None))
                elif kind == OWNER_CHANGED:
                    events.append(Event(kind, change, previous.owner if previous else None,
                                        state.owner if state else None))
                elif kind in (DUE_EXTENDED, DUE_CHANGED):
                    events.extend(_due_events(kind, change, previous, state))
                elif kind == RENAMED:
                    events.append(Event(kind, change, change.old_path, change.path))
                elif kind in (DELETED, TRUNCATED):
                    events.append(Event(kind, change))
            if state is not None and state.readable:
                previous = state
        return events

    def state_at(self, when: dt.date | dt.datetime) -> Change | None:
        """The file as it stood at ``when``: its last commit on or before then.

        A date means the end of that day in each commit's own time zone; a datetime must
        be timezone-aware. None when the file did not exist then, or had been deleted.
        Commits are taken in history order, so a commit dated later than its successor
        (a rebase, a skewed clock) does not reorder the record.
        """
        found: Change | None = None
        for change in self.changes:
            moment = change.day if not isinstance(when, dt.datetime) else change.date
            if moment <= when:
                found = change
        if found is None or found.blob is None:
            return None
        return found


def _due_events(kind: str, change: Change, previous: State | None,
                state: State | None) -> list[Event]:
    if previous is None or state is None:
        return []
    events = []
    for index, (old, new) in enumerate(zip(previous.due, state.due, strict=False)):
        if old != new and (_due_kind(old, new) == kind):
            events.append(Event(kind, change, old, new, index))
    return events


def _due_kind(old: str | None, new: str | None) -> str:
    if old is not None and new is not None and new > old:
        return DUE_EXTENDED
    return DUE_CHANGED


@dataclass
class RegisterHistory:
    """The history pass's result: one FindingHistory per finding file, and what is missing.

    ``available`` is False outside git (or when git fails); ``note`` then says why, in
    words a user can act on, and the histories are empty.
    """

    files: dict[str, FindingHistory] = field(default_factory=dict)
    note: str = ""
    available: bool = False
    shallow: bool = False
    states_read: bool = False
    _aliases: dict[str, str] = field(default_factory=dict, repr=False)

    def for_path(self, rel: str) -> FindingHistory | None:
        """The history of the file at ``rel`` (repository-relative, POSIX), or None when it
        was never committed. Old paths of a renamed file find its history too."""
        found = self.files.get(rel)
        if found is None and rel in self._aliases:
            found = self.files.get(self._aliases[rel])
        return found

    def last_changed(self) -> dict[str, dt.date]:
        """Newest known commit day per current path: what the `stale` rule reads."""
        dates = {}
        for path, history in self.files.items():
            day = history.last_changed
            if day is not None:
                dates[path] = day
        return dates

    def first_recorded(self) -> dict[str, dt.date]:
        """The day each finding file was first committed, per current path, where known."""
        days = {}
        for path, history in self.files.items():
            first = history.first_recorded
            if first is not None:
                days[path] = first.day
        return days

    def state_at(self, when: dt.date | dt.datetime) -> dict[str, Change]:
        """Every finding file as it stood at ``when``, keyed by its newest path.

        Each Change has the blob id; ``read_documents`` turns blob ids into full front
        matter, so a review pack can rebuild the register as it was on a date.
        """
        states = {}
        for path, history in self.files.items():
            change = history.state_at(when)
            if change is not None:
                states[path] = change
        return states


@dataclass
class LastChanged:
    """Last commit date per file (paths relative to the repository root, POSIX style)."""

    dates: dict[str, dt.date] = field(default_factory=dict)
    note: str = ""


def last_changed(repo_root: Path, folder: Path,
                 exclude: Path | None = None) -> LastChanged:
    """The newest commit date touching each file under ``folder``: the `stale` rule's input.

    Same pass as ``read_history`` without reading file versions, which only pages need.
    """
    history = read_history(repo_root, folder, exclude, states=False)
    note = history.note
    if not history.available and note:
        note += ": the stale check is skipped"
    elif history.shallow:
        note = ("shallow clone: files last changed before the clone's oldest commit have no "
                "date, so the stale check skips them; fetch full history (fetch-depth: 0)")
    return LastChanged(history.last_changed(), note)


def read_history(repo_root: Path, folder: Path, exclude: Path | None = None, *,
                 states: bool = True) -> RegisterHistory:
    """Every finding file's commits under ``folder`` (minus ``exclude``, the evidence
    folder), renames followed, and with ``states`` the status and due dates at each."""
    probe = _git(repo_root, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository",
                 "--git-path", "shallow")
    if probe is None:
        return RegisterHistory(note="git is not installed: no history")
    lines = probe.stdout.split("\n")
    if probe.returncode != 0 or lines[0] != "true":
        return RegisterHistory(note="not a git repository: no history")
    try:  # the register folder and, inside it, the evidence folder to leave out
        pathspec = [folder.resolve().relative_to(repo_root.resolve()).as_posix() or "."]
    except ValueError:
        return RegisterHistory(note=f"{folder} is outside the repository: no history")
    if exclude is not None:
        try:
            excluded = exclude.resolve().relative_to(repo_root.resolve()).as_posix()
        except ValueError:
            excluded = ""
        if excluded and (pathspec[0] == "." or excluded.startswith(pathspec[0] + "/")):
            pathspec.append(excluded)
    shallow = len(lines) > 1 and lines[1] == "true"
    boundary = _shallow_boundary(repo_root, lines[2]) if shallow and len(lines) > 2 else set()
    notes = []
    if shallow:
        notes.append("shallow clone: history before the clone's oldest commit is missing, so "
                     "when findings were raised and early changes are unknown; fetch full "
                     "history (actions/checkout with fetch-depth: 0)")
    if states and _partial_clone(repo_root):
        states = False
        notes.append("partial clone: file versions are not all present, so the status at "
                     "each commit is not shown; clone without --filter")
    history = RegisterHistory(available=True, shallow=shallow)
    in_scope = _in_scope(pathspec[0], pathspec[1] if len(pathspec) > 1 else "")
    failure = _run_pass(history, repo_root, in_scope, boundary, states)
    if failure is not None:
        if "does not have any commits" in failure:
            return RegisterHistory(note="no commits yet: no history")
        return RegisterHistory(note=f"git log failed ({failure}): no history")
    history.note = "; ".join(notes)
    return history


def _run_pass(history: RegisterHistory, repo_root: Path, in_scope: Callable[[str], bool],
              boundary: set[str], states: bool) -> str | None:
    """Run git log and, with ``states``, git cat-file side by side; None, or git's error.

    The blob ids go to cat-file as the log names them, and a thread summarises each
    version as it arrives, so the two git processes and the Python work overlap instead
    of running one after the other (git log alone is most of the pass on a long history).
    """
    # git log with a pathspec simplifies history and diffs each commit twice; rev-list
    # piped into diff-tree without a pathspec prints the same records for half the CPU
    # (5,000 commits: 1.34 s against 2.74 s of git time); in_scope keeps the findings.
    # --topo-order: by default rev-list orders by commit date, so with a skewed clock on a
    # merged branch a parent can come before its child, and a rename would be met after
    # older commits of the old path, splitting the file's history in two.
    revisions = _git(repo_root, "rev-list", "--topo-order", "HEAD")
    if revisions is None:
        return "git not found"
    if revisions.returncode != 0:
        head = _git(repo_root, "rev-parse", "--verify", "-q", "HEAD")
        if head is not None and head.returncode != 0:
            return "does not have any commits yet"
        return revisions.stderr.strip()
    command = ["git", "-C", str(repo_root), "diff-tree", "--stdin", "--root", "-r", "-M",
               "--raw", "--no-abbrev", "-z", "--no-color", _LOG_FORMAT]
    with tempfile.TemporaryFile() as errors:
        try:
            log = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=errors)
        except OSError as error:
            return str(error)
        feeder = threading.Thread(target=_feed, args=(log.stdin, revisions.stdout.encode()))
        feeder.start()
        reader: _Summaries | None = None
        cat = None
        if states:
            cat = subprocess.Popen(["git", "-C", str(repo_root), "cat-file", "--batch",
                                    "--buffer"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            reader = _Summaries(cat.stdout)  # type: ignore[arg-type]
            reader.start()
        sent: set[str] = set()

        def request(blob: str) -> None:
            if cat is not None and blob not in sent:
                sent.add(blob)
                cat.stdin.write(blob.encode() + b"\n")  # type: ignore[union-attr]

        try:
            _collect(history, _log_blocks(log.stdout), boundary, request,  # type: ignore[arg-type]
                     in_scope)
        finally:
            feeder.join()
            code = log.wait()
            if cat is not None and reader is not None:
                cat.stdin.close()  # type: ignore[union-attr]
                reader.join()
                cat.wait()
        if code != 0:
            errors.seek(0)
            return errors.read().decode("utf-8", "replace").strip() or f"exit code {code}"
    if reader is not None:
        _apply_states(history, reader.states)
    return None


def _feed(stream: BinaryIO, data: bytes) -> None:
    """Write the commit list to diff-tree from a thread, so neither side blocks the other."""
    try:
        stream.write(data)
    except BrokenPipeError:
        pass
    finally:
        stream.close()


def _log_blocks(stream: BinaryIO) -> Iterator[str]:
    """The log's commit blocks as they arrive; a character split across two reads is
    decoded whole."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    while chunk := stream.read1(1 << 16):  # type: ignore[attr-defined]
        blocks = (pending + decoder.decode(chunk)).split("\x1e")
        pending = blocks.pop()
        yield from blocks
    yield pending + decoder.decode(b"", final=True)


class _Summaries(threading.Thread):
    """Reads ``git cat-file --batch`` output as it comes and summarises each version."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.states: dict[str, State] = {}

    def run(self) -> None:
        buffer = bytearray()
        position = 0
        while chunk := self.stream.read1(1 << 16):  # type: ignore[attr-defined]
            buffer += chunk
            position = self._take(buffer, position)
            if position > 1 << 20:
                del buffer[:position]
                position = 0

    def _take(self, buffer: bytearray, position: int) -> int:
        while (end := buffer.find(b"\n", position)) >= 0:
            header = bytes(buffer[position:end]).split(b" ")
            if len(header) != 3:  # "<id> missing"
                position = end + 1
                continue
            size = int(header[2])
            if len(buffer) < end + size + 2:
                break
            self.states[header[0].decode()] = summarise(bytes(buffer[end + 1:end + 1 + size]))
            position = end + size + 2
        return position


def _git(repo_root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(["git", "-C", str(repo_root), *args], capture_output=True,
                              text=True, encoding="utf-8", errors="replace", check=False)
    except OSError:
        return None


def _shallow_boundary(repo_root: Path, git_path: str) -> set[str]:
    shallow_file = Path(git_path.strip())
    if not shallow_file.is_absolute():
        shallow_file = repo_root / shallow_file
    try:
        return set(shallow_file.read_text().split())
    except OSError:
        return set()


def _partial_clone(repo_root: Path) -> bool:
    result = _git(repo_root, "config", "--get", "extensions.partialClone")
    return result is not None and bool(result.stdout.strip())


@dataclass
class _Raw:
    """One file change as ``git log --raw`` lists it, before its state is known."""

    header: tuple[str, dt.datetime, str, str, dt.datetime, str]
    status: str
    blob: str
    path: str
    old_path: str | None
    boundary: bool


def _in_scope(folder: str, excluded: str) -> Callable[[str], bool]:
    """Whether a repository path is a finding file: Markdown under the register folder and
    not under the evidence folder (git is given no pathspec, which is faster; see above)."""
    inside = "" if folder in ("", ".") else folder + "/"
    outside = excluded + "/" if excluded else None

    def check(path: str) -> bool:
        return (path.endswith(".md") and path.startswith(inside)
                and not (outside is not None and path.startswith(outside)))

    return check


def _collect(history: RegisterHistory, blocks: Iterable[str], boundary: set[str],
             request: Callable[[str], None],
             in_scope: Callable[[str], bool] = lambda path: path.endswith(".md")) -> None:
    """Chain renames newest-first: once past a rename, older commits of the old path
    belong to the file's newest path. Walking newest-first makes a later file that
    reuses an old path keep its own history; it needs the commits in topological order
    (see _run_pass). A move into the register counts as the file's start, a move out of
    it as its deletion, as a pathspec would show them; a finding file deleted and one of
    the same ID added in one commit is a rename, however much the commit rewrote it."""
    alias: dict[str, str] = {}
    per_file: dict[str, list[_Raw]] = {}
    for block in blocks:
        fields = block.split("\x00")
        text = fields[0].split("\x1f")
        if len(text) != 6:
            continue
        # Dates parsed once per commit, not once per file the commit touches.
        header = (text[0], dt.datetime.fromisoformat(text[1]), text[2], text[3],
                  dt.datetime.fromisoformat(text[4]), text[5])
        is_boundary = text[0] in boundary
        entries: list[tuple[str, str, str, str | None]] = []  # status, blob, path, old path
        index = 1
        while index < len(fields):
            meta = fields[index].lstrip("\n")
            index += 1
            if not meta.startswith(":"):
                continue
            parts = meta.split(" ")
            status = parts[4][:1]
            if status in ("R", "C"):
                old_path, path = fields[index], fields[index + 1]
                index += 2
            else:
                old_path, path = None, fields[index]
                index += 1
            if old_path is not None and not (in_scope(old_path) and in_scope(path)):
                if in_scope(path):
                    status, old_path = "A", None
                elif in_scope(old_path):
                    status, path, old_path, parts[3] = "D", old_path, None, _NO_BLOB
                else:
                    continue
            elif not in_scope(path):
                continue
            entries.append((status, parts[3], path, old_path))
        for status, blob, path, old_path in _same_stem_renames(entries):
            key = alias.get(path, path)
            if status == "R":
                alias[old_path] = key  # type: ignore[index]
            else:
                old_path = None
            per_file.setdefault(key, []).append(
                _Raw(header, status, blob, path, old_path, is_boundary))
            if status != "D":
                request(blob)
    for key, raws in per_file.items():
        raws.reverse()
        history.files[key] = FindingHistory(key, [_change(raw) for raw in raws])
    history._aliases = {old: new for old, new in alias.items() if old not in history.files}


def _same_stem_renames(entries: list[tuple[str, str, str, str | None]]
                       ) -> list[tuple[str, str, str, str | None]]:
    """One commit's changes, with a deleted and an added finding file of the same stem (the
    same ID) taken as one file renamed.

    git pairs a rename only above 50% similarity, so a finding moved and closed with a long
    narrative in one commit would otherwise read as one finding deleted and another
    raised. The file stem is the finding's ID, so the pair is the same record. A stem
    deleted or added more than once in the commit is left as git reports it.
    """
    if len(entries) < 2:
        return entries
    deleted: dict[str, list[int]] = {}
    added: dict[str, list[int]] = {}
    for position, (status, _blob, path, _old) in enumerate(entries):
        if status in ("D", "A"):
            stem = path.rsplit("/", 1)[-1][:-3]
            (deleted if status == "D" else added).setdefault(stem, []).append(position)
    if not deleted or not added:
        return entries
    dropped: set[int] = set()
    for stem, gone in deleted.items():
        new = added.get(stem, [])
        if len(gone) == 1 and len(new) == 1:
            _status, blob, path, _old = entries[new[0]]
            entries[new[0]] = ("R", blob, path, entries[gone[0]][2])
            dropped.add(gone[0])
    return [entry for position, entry in enumerate(entries) if position not in dropped]


def _change(raw: _Raw) -> Change:
    sha, committed, author, email, authored, subject = raw.header
    blob = None if raw.status == "D" or raw.blob == _NO_BLOB else raw.blob
    return Change(sha, committed, author, email, authored, subject, raw.path, raw.old_path, blob,
                  boundary=raw.boundary)


def _apply_states(history: RegisterHistory, states: dict[str, State]) -> None:
    """Give each change its state and name what it did, file by file, oldest first."""
    for finding in history.files.values():
        previous: State | None = None
        previous_blob: str | None = None
        changes = []
        for change in finding.changes:
            state = states.get(change.blob) if change.blob is not None else None
            kinds = classify(previous, state, change, previous_blob)
            changes.append(_replace(change, state, kinds))
            previous_blob = change.blob
            if change.blob is None:
                previous = None
            elif state is not None and state.readable:
                previous = state
        finding.changes = changes
    history.states_read = True


def _replace(change: Change, state: State | None, kinds: tuple[str, ...]) -> Change:
    return Change(change.commit, change.date, change.author, change.email, change.author_date,
                  change.subject, change.path, change.old_path, change.blob, state, kinds,
                  change.boundary)


def classify(previous: State | None, state: State | None, change: Change,
             previous_blob: str | None = None) -> tuple[str, ...]:
    """Name what one commit did to a finding, from its state before and after.

    ``previous`` is the last readable state (a broken version in between does not make
    a status move disappear); None before the file existed or after a deletion. A commit
    that changes none of the followed fields is ``edited``; so is a rename with edits.
    """
    if change.boundary:
        return (TRUNCATED,)
    if change.blob is None:
        return (DELETED,)
    kinds: list[str] = []
    if change.old_path is not None:
        kinds.append(RENAMED)
    if state is None or not state.readable:
        return (*kinds, RAISED) if previous is None and not kinds else (*kinds, EDITED)
    if previous is None:
        if kinds:  # renamed after a version nobody could read
            return (*kinds, EDITED)
        return (RAISED, CLOSED) if state.status == "closed" else (RAISED,)
    if state.status != previous.status:
        kinds.append(_status_kind(previous.status, state.status))
    due_kinds = {_due_kind(old, new) for old, new in zip(previous.due, state.due, strict=False)
                 if old != new}
    kinds.extend(kind for kind in (DUE_EXTENDED, DUE_CHANGED) if kind in due_kinds)
    if state.owner != previous.owner:
        kinds.append(OWNER_CHANGED)
    if not kinds or (kinds == [RENAMED] and change.blob != previous_blob):
        kinds.append(EDITED)
    return tuple(kinds)


def _status_kind(before: str | None, after: str | None) -> str:
    if after == "closed":
        return CLOSED
    if before == "closed":
        return REOPENED
    if before == "open" and after == "in-progress":
        return PROGRESSED
    return STATUS_CHANGED


def read_blobs(repo_root: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs from one ``git cat-file --batch`` process.

    ``communicate`` writes the ids and reads the answers concurrently; writing them all
    before reading would deadlock once cat-file fills the output pipe.
    """
    ids = sorted(set(blobs))
    if not ids:
        return {}
    try:
        process = subprocess.run(["git", "-C", str(repo_root), "cat-file", "--batch"],
                                 input="\n".join(ids).encode() + b"\n", capture_output=True,
                                 check=False)
    except OSError:
        return {}
    out = process.stdout
    contents: dict[str, bytes] = {}
    position = 0
    while position < len(out):
        end = out.find(b"\n", position)
        if end < 0:
            break
        header = out[position:end].split(b" ")
        position = end + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        contents[header[0].decode()] = out[position:position + size]
        position += size + 1
    return contents
