"""``capa pin``: record the SHA-256 of every file evidence item in its finding.

A pinned hash lets `evidence-hash` prove that the evidence an auditor reads is the file
that closed the finding. Finding files are hand-written and reviewed line by line in pull
requests, so pinning edits only the ``sha256:`` lines, in place, on the raw bytes: the
rest of the file (comments, quoting, key order, blank lines, CRLF line endings, a BOM)
stays byte-identical. Every edit is checked by reloading the file: the data must equal
the old data plus the hashes, or the file is left alone.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract.evidence import MISSING, NOT_A_FILE, OUTSIDE, resolve_evidence, sha256_of
from ..contract.frontmatter import LoadError, decode, load_text

PINNED = "pinned"
UPDATED = "updated"
REFUSED = "refused"

# The value may be empty, a placeholder (`3f5a...`, `~`, `TODO`) or a stale digest: any
# one-word plain or quoted scalar is replaced.
_SHA_LINE = re.compile(
    rb"^([ ]*(?:-[ ]+)?sha256[ ]*:[ ]*)(['\"]?)([^'\"#\s]*)\2([ ]*(?:#.*)?)$")
_PATH_LINE = re.compile(rb"^([ ]*)(-[ ]+)?path[ ]*:[ ]*[^{\[]")
_RULE_OF = {MISSING: "evidence-missing", NOT_A_FILE: "evidence-missing",
            OUTSIDE: "evidence-outside-repo"}


@dataclass(frozen=True)
class Outcome:
    """What happened to one evidence item (or to a whole file that could not be read)."""

    line: int
    action: str
    message: str


@dataclass
class FileResult:
    """Everything ``pin_file`` did to one finding file."""

    path: Path
    outcomes: list[Outcome] = field(default_factory=list)
    changed: bool = False

    @property
    def refused(self) -> bool:
        return any(o.action == REFUSED for o in self.outcomes)


def pin_file(path: Path, repo_root: Path, *, write: bool = True) -> FileResult:
    """Add or update ``sha256`` for each file evidence item of one finding file."""
    result = FileResult(path)
    try:
        raw = path.read_bytes()
        document = load_text(decode(raw))
    except LoadError as error:
        result.outcomes.append(Outcome(error.line, REFUSED, f"{error.rule}: {error.message}; "
                                       "fix the file, then pin"))
        return result
    except OSError as error:
        result.outcomes.append(Outcome(1, REFUSED, f"cannot be read: {error.strerror}"))
        return result
    closure = document.data.get("closure")
    items = closure.get("evidence") if isinstance(closure, dict) else None
    if not isinstance(items, list):
        return result
    lines = raw.splitlines(keepends=True)
    expected = copy.deepcopy(document.data)
    inserts: list[tuple[int, bytes]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        keypath = ("closure", "evidence", index)
        path_line = document.lines.get((*keypath, "path"), 1)
        resolved = resolve_evidence(path, item["path"], repo_root)
        if not resolved.ok or resolved.file is None:
            result.outcomes.append(Outcome(path_line, REFUSED, (
                f"{_RULE_OF.get(resolved.status, 'evidence-missing')}: evidence "
                f"`{item['path']}` not pinned: {resolved.reason}")))
            continue
        digest = sha256_of(resolved.file)
        current = item.get("sha256")
        if isinstance(current, str) and current == digest:
            continue
        sha_line = document.lines.get((*keypath, "sha256"))
        edit = (_replace_sha(lines, sha_line, digest) if sha_line is not None
                else _sha_after_path(lines, path_line, digest))
        if edit is None:
            result.outcomes.append(Outcome(sha_line or path_line, REFUSED, (
                f"evidence `{item['path']}` could not be pinned in place: it is written in "
                "flow style ({path: ...}), on several lines, or its sha256 value is not one "
                "word; write it as a block (`- path: ...`, one key a line, "
                "`sha256: <anything>`) and pin again")))
            continue
        if sha_line is not None:
            lines[sha_line - 1] = edit
            result.outcomes.append(Outcome(sha_line, UPDATED, (
                f"evidence `{item['path']}` sha256 {digest} (was {current})")))
        else:
            inserts.append((path_line, edit))
            result.outcomes.append(Outcome(path_line + 1, PINNED, (
                f"evidence `{item['path']}` sha256 {digest}")))
        expected["closure"]["evidence"][index]["sha256"] = digest
    if not inserts and not any(o.action == UPDATED for o in result.outcomes):
        return result
    for after, text in sorted(inserts, reverse=True):
        lines.insert(after, text)
    # Report lines as they stand in the pinned file.
    result.outcomes = [o if o.action == REFUSED else Outcome(
        o.line + sum(1 for after, _ in inserts if after < o.line - (o.action == PINNED)),
        o.action, o.message) for o in result.outcomes]
    new = b"".join(lines)
    if not _same_data(new, expected):
        result.outcomes = [o for o in result.outcomes if o.action == REFUSED]
        result.outcomes.append(Outcome(1, REFUSED, (
            "pinning would change more than the sha256 values (an unusual layout); the file "
            "is left as it was: add the sha256 lines by hand")))
        return result
    if write:
        _write_atomically(path, new)
    result.changed = True
    return result


def _replace_sha(lines: list[bytes], line: int, digest: str) -> bytes | None:
    """The ``sha256:`` line with its value replaced, keeping quotes, comment and ending."""
    text, ending = _split_ending(lines[line - 1])
    match = _SHA_LINE.match(text)
    if match is None:
        return None
    prefix, quote, value, rest = match.groups()
    if not quote and not value:
        # `sha256:` with no value: the spaces after the colon belong before the comment,
        # and one must follow the colon (`sha256:<digest>` would read as one string).
        head = prefix.rstrip(b" ")
        spaces, prefix = prefix[len(head):], head + b" "
        rest = (spaces or b" ") + rest if rest else rest
    return prefix + quote + digest.encode() + quote + rest + ending


def _sha_after_path(lines: list[bytes], line: int, digest: str) -> bytes | None:
    """A new ``sha256:`` line for the item whose ``path:`` is on ``line``, indented as
    that item's keys are, with the same line ending."""
    text, ending = _split_ending(lines[line - 1])
    match = _PATH_LINE.match(text)
    if match is None:
        return None
    column = len(match.group(1)) + len(match.group(2) or b"")
    return b" " * column + b"sha256: " + digest.encode() + (ending or b"\n")


def _split_ending(line: bytes) -> tuple[bytes, bytes]:
    for ending in (b"\r\n", b"\n", b"\r"):
        if line.endswith(ending):
            return line[: -len(ending)], ending
    return line, b""


def _same_data(new: bytes, expected: dict[str, Any]) -> bool:
    try:
        return load_text(decode(new)).data == expected
    except LoadError:
        return False


def _write_atomically(path: Path, content: bytes) -> None:
    """Replace the file in one step, so an interrupted run never leaves half a finding."""
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def pin_paths(paths: list[Path], repo_root: Path, cwd: Path,
              out: Any, *, check: bool = False) -> int:
    """Pin every finding file in ``paths``; print each change and refusal as
    ``path:line: action: message``; 0 when nothing was refused, else 1.

    With ``check`` nothing is written: the exit code says whether pinning would change
    or refuse anything, for a CI step that wants every closure pinned.
    """
    from ..contract.validate import display_path

    changed = items = refused = 0
    for path in paths:
        result = pin_file(path, repo_root, write=not check)
        shown = display_path(path, cwd)
        for outcome in result.outcomes:
            out.write(f"{shown}:{outcome.line}: {outcome.action}: {outcome.message}\n")
            items += outcome.action in (PINNED, UPDATED)
            refused += outcome.action == REFUSED
        changed += result.changed
    verb = "would change" if check else "changed"
    out.write(f"{len(paths)} finding file{'s' if len(paths) != 1 else ''}: {changed} {verb} "
              f"({items} evidence item{'s' if items != 1 else ''}), {refused} refused\n")
    return 1 if refused or (check and changed) else 0
