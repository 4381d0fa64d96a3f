"""What ``capa render`` wrote into its folder the last time, so that what it no longer
writes goes: the page of a finding deleted or renamed, an evidence file no longer cited,
a review pack dropped. Without this the folder keeps the old page, and the generator
publishes a finding the register no longer holds, in the state it had then.

The record is ``.capa-render.json`` in the folder (site generators leave dot-files out of
the site): each file written, with the size and modification time it had just after.
A file goes only when the record names it and it is unchanged since: a file someone else
put in the folder, or edited there, stays, and the caller names it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

RECORD = ".capa-render.json"


def read_record(outdir: Path) -> dict[str, tuple[int, int]]:
    """The files the last run wrote (path in the folder -> size, modification time), or
    nothing when there is no record to trust."""
    try:
        data = json.loads((outdir / RECORD).read_text(encoding="utf-8"))
        files = data["files"]
        return {uri: (int(size), int(mtime)) for uri, (size, mtime) in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_record(outdir: Path, written: list[Path]) -> None:
    """Record what this run wrote, as it is now."""
    files = {}
    for path in written:
        stat = path.stat()
        files[path.relative_to(outdir).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    text = json.dumps({"written_by": "capa render (capa-docs); read by the next run",
                       "files": dict(sorted(files.items()))}, indent=0)
    (outdir / RECORD).write_text(text + "\n", encoding="utf-8")


def remove_stale(outdir: Path, previous: dict[str, tuple[int, int]],
                 written: list[Path]) -> tuple[list[str], list[str]]:
    """Remove what the last run wrote and this one did not, when unchanged since; return
    the paths removed and those left because they changed. Folders left empty go too."""
    top = outdir.resolve()
    now = {path.relative_to(outdir).as_posix() for path in written}
    removed: list[str] = []
    changed: list[str] = []
    for uri, (size, mtime) in sorted(previous.items()):
        if uri in now or uri == RECORD:
            continue
        path = outdir / uri
        try:
            inside = path.parent.resolve().is_relative_to(top)
            found = path.lstat() if inside else None
        except OSError:
            continue  # gone already
        if found is None or not stat.S_ISREG(found.st_mode):
            continue
        if (found.st_size, found.st_mtime_ns) != (size, mtime):
            changed.append(uri)
            continue
        path.unlink()
        removed.append(uri)
        _remove_empty_parents(path.parent, top)
    return removed, changed


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder.resolve() != top and folder.resolve().is_relative_to(top):
        try:
            os.rmdir(folder)
        except OSError:
            return  # not empty, or not ours to remove
        folder = folder.parent
