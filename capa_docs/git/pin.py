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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract.evidence import (
    MISSING,
    NOT_A_FILE,
    OUTSIDE,
    lfs_pointer_oid,
    resolve_evidence,
    sha256_of,
)
from ..contract.frontmatter import Document, LoadError, decode, load_text
from ..contract.rewrite import write_atomically

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
    edits: list[_Edit] = []
    digests: dict[int, str] = {}
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
        if lfs_pointer_oid(resolved.file) is not None:
            result.outcomes.append(Outcome(path_line, REFUSED, (
                f"evidence-lfs-pointer: evidence `{item['path']}` not pinned: it is a Git LFS "
                "pointer, not the file; run `git lfs pull`, then pin")))
            continue
        digest = sha256_of(resolved.file)
        current = item.get("sha256")
        if isinstance(current, str) and current == digest:
            continue
        edit = _edit(document, lines, index, digest)
        if edit is None:
            result.outcomes.append(Outcome(
                document.lines.get((*keypath, "sha256"), path_line), REFUSED, (
                    f"evidence `{item['path']}` could not be pinned in place: it is written "
                    "in flow style ({path: ...}), on several lines, or its sha256 value is not "
                    "one word; write it as a block (`- path: ...`, one key a line, "
                    "`sha256: <anything>`) and pin again")))
            continue
        edits.append(edit)
        digests[index] = digest
        result.outcomes.append(
            Outcome(edit.line + 1, PINNED, f"evidence `{item['path']}` sha256 {digest}")
            if edit.insert else Outcome(edit.line, UPDATED, (
                f"evidence `{item['path']}` sha256 {digest} (was {current})")))
    if not edits:
        return result
    # Report lines as they stand in the pinned file.
    inserts = [edit.line for edit in edits if edit.insert]
    result.outcomes = [o if o.action == REFUSED else Outcome(
        o.line + sum(1 for after in inserts if after < o.line - (o.action == PINNED)),
        o.action, o.message) for o in result.outcomes]
    new = _apply(lines, edits)
    if not _same_data(new, pinned_data(document.data, digests)):
        result.outcomes = [o for o in result.outcomes if o.action == REFUSED]
        result.outcomes.append(Outcome(1, REFUSED, (
            "pinning would change more than the sha256 values (an unusual layout); the file "
            "is left as it was: add the sha256 lines by hand")))
        return result
    if write:
        write_atomically(path, new)
    result.changed = True
    return result


def pinned_text(raw: bytes, digests: Mapping[int, str]) -> bytes | None:
    """The bytes ``capa pin`` leaves when it pins evidence item ``i`` of the finding file
    ``raw`` to ``digests[i]``; None when it would refuse. The gate accepts exactly this as
    a change to a closed finding: the same edits, not a look-alike."""
    try:
        document = load_text(decode(raw))
    except LoadError:
        return None
    closure = document.data.get("closure")
    items = closure.get("evidence") if isinstance(closure, dict) else None
    if not isinstance(items, list) or not all(
            0 <= i < len(items) and isinstance(items[i], dict) for i in digests):
        return None
    lines = raw.splitlines(keepends=True)
    edits = [_edit(document, lines, i, digest) for i, digest in sorted(digests.items())]
    if not edits or any(edit is None for edit in edits):
        return None
    new = _apply(lines, [edit for edit in edits if edit is not None])
    return new if _same_data(new, pinned_data(document.data, digests)) else None


@dataclass(frozen=True)
class _Edit:
    """One line pinning writes: ``line`` replaced, or a new line inserted after it."""

    line: int
    text: bytes
    insert: bool


def _edit(document: Document, lines: list[bytes], index: int, digest: str) -> _Edit | None:
    """The edit that pins evidence item ``index``: its ``sha256:`` line rewritten, or one
    added after its ``path:`` line; None when the item is not laid out for that."""
    keypath = ("closure", "evidence", index)
    sha_line = document.lines.get((*keypath, "sha256"))
    if sha_line is not None:
        text = _replace_sha(lines, sha_line, digest)
        return None if text is None else _Edit(sha_line, text, False)
    path_line = document.lines.get((*keypath, "path"), 1)
    text = _sha_after_path(lines, path_line, digest)
    return None if text is None else _Edit(path_line, text, True)


def _apply(lines: list[bytes], edits: list[_Edit]) -> bytes:
    pinned = list(lines)
    for edit in edits:
        if not edit.insert:
            pinned[edit.line - 1] = edit.text
    for edit in sorted((e for e in edits if e.insert), key=lambda e: e.line, reverse=True):
        pinned.insert(edit.line, edit.text)
    return b"".join(pinned)


def pinned_data(data: dict[str, Any], digests: Mapping[int, str]) -> dict[str, Any]:
    """The front matter pinning must leave: ``data`` with the new hashes."""
    expected = copy.deepcopy(data)
    for index, digest in digests.items():
        expected["closure"]["evidence"][index]["sha256"] = digest
    return expected


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
