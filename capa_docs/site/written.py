"""What ``capa render`` wrote into its folder the last time, so that what it no longer
writes goes: the page of a finding deleted or renamed, an evidence file no longer cited,
a review pack dropped. Without this the folder keeps the old page, and the generator
publishes a finding the register no longer holds, in the state it had then.

The record is ``.capa-render.json`` in the folder (site generators leave dot-files out of
the site): each file written, with the size and modification time it had just after.
A file goes only when the record names it and it is unchanged since. One changed since
stays in the record, and the files of a folder that had no record (written before capa
render kept one, or by someone else: nothing says whose they are) are recorded as
unclaimed; both are named on every run until someone deletes them. The record is replaced
whole, never left half-written.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

RECORD = ".capa-render.json"


class OutsideFolder(ValueError):
    """A folder capa render writes into leads somewhere else (a link)."""


def write_here(path: Path, text: str, within: Path) -> None:
    """Write ``text`` to ``path`` itself: a link there is replaced, not written through,
    and a folder on the way that leads outside ``within`` is refused (``OutsideFolder``).
    The folders capa render writes may come from a branch."""
    if not path.parent.resolve().is_relative_to(within.resolve()):  # before making it
        raise OutsideFolder(f"{path.parent} leads outside {within} (a link): remove it")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    path.write_text(text, encoding="utf-8")


@dataclass
class Outcome:
    """What became of the files a run did not write."""

    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """Written by an earlier run, changed since: left, named, kept in the record."""
    unknown: list[str] = field(default_factory=list)
    """In a folder that had no record: left, named."""


@dataclass
class Record:
    """What the last run left: the files it wrote, and those it found and could not
    claim (named on every run while they are there)."""

    files: dict[str, tuple[int, int]]
    unclaimed: list[str] = field(default_factory=list)


def read_record(outdir: Path) -> Record | None:
    """The last run's record; None when there is none to trust. A path that could name
    something outside the folder is dropped: anyone who can write the folder can edit
    the record."""
    try:
        data = json.loads((outdir / RECORD).read_text(encoding="utf-8"))
        files = {uri: (int(size), int(mtime)) for uri, (size, mtime) in data["files"].items()
                 if _plain(uri)}
        unclaimed = [uri for uri in data.get("unclaimed", []) if _plain(uri)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Record(files, unclaimed)


def _plain(uri: object) -> bool:
    """A relative path of names only: no ``..``, no root, no NUL, no backslash."""
    if not isinstance(uri, str) or not uri or "\x00" in uri or "\\" in uri:
        return False
    path = PurePosixPath(uri)
    return not path.is_absolute() and ".." not in path.parts


def held_before(outdir: Path) -> bool:
    """Whether the folder holds anything yet (read before a run writes): a new folder
    (CI's fresh clone) has no leftovers to look for."""
    try:
        return any(outdir.iterdir())
    except OSError:
        return False


def settle(outdir: Path, previous: Record | None, written: list[Path], *,
           held: bool = True) -> Outcome:
    """Remove what the last run wrote and this one did not, when unchanged since (and the
    folders left empty); record what this run wrote, what was left as changed, and the
    files of a folder that had no record (``held``: it held something before this run,
    ``held_before``), so both are named on every run until someone deletes them."""
    top = outdir.resolve()
    now = {path.relative_to(outdir).as_posix() for path in written}
    outcome = Outcome()
    kept: dict[str, tuple[int, int]] = {}
    for uri, recorded in sorted((previous.files if previous else {}).items()):
        if uri in now or uri == RECORD:
            continue
        path = outdir / uri
        found = _regular_inside(path, top)
        if found is None:
            continue  # gone already, a link, or not in the folder
        if (found.st_size, found.st_mtime_ns) != recorded:
            outcome.changed.append(uri)
            kept[uri] = recorded
            continue
        try:
            path.unlink()
        except OSError:
            outcome.changed.append(uri)
            kept[uri] = recorded
            continue
        outcome.removed.append(uri)
        _remove_empty_parents(path.parent, top)
    if previous is not None:
        unknown = previous.unclaimed
    elif held:
        unknown = [p.relative_to(outdir).as_posix() for p in outdir.rglob("*")
                   if p.is_file() and not p.is_symlink()]
    else:
        unknown = []
    outcome.unknown = sorted(uri for uri in unknown if uri not in now and uri != RECORD
                             and not any(part.startswith(".") for part in uri.split("/"))
                             and _regular_inside(outdir / uri, top) is not None)
    _write_record(outdir, written, kept, outcome.unknown)
    return outcome
def _regular_inside(path: Path, top: Path) -> os.stat_result | None:
    try:
        if not path.parent.resolve().is_relative_to(top):
            return None
        found = path.lstat()
    except (OSError, ValueError):
        return None
    return found if stat.S_ISREG(found.st_mode) else None


def _write_record(outdir: Path, written: list[Path], kept: dict[str, tuple[int, int]],
                  unclaimed: list[str]) -> None:
    """Write the record whole or not at all (a run stopped halfway leaves the last one)."""
    files = {uri: list(recorded) for uri, recorded in kept.items()}
    for path in written:
        found = path.stat()
        files[path.relative_to(outdir).as_posix()] = [found.st_size, found.st_mtime_ns]
    text = json.dumps({"written_by": "capa render (capa-docs); read by the next run",
                       "files": dict(sorted(files.items())), "unclaimed": unclaimed},
                      indent=0)
    partial = outdir / f"{RECORD}.partial"
    write_here(partial, text + "\n", outdir)
    os.replace(partial, outdir / RECORD)  # replaces a link there, never its target


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder.resolve() != top and folder.resolve().is_relative_to(top):
        try:
            os.rmdir(folder)
        except OSError:
            return  # not empty, or not ours to remove
        folder = folder.parent
