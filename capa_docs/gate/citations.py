"""Which closed findings a change reaches through their evidence, however they cite it.

A change can alter what a closed finding's evidence is without touching the finding: edit
or delete the file, retarget a symlink on the way to it, edit another finding it cites.
Looking for the changed file's name as written misses a citation in another spelling, so
the findings to check are found in two steps that never read the whole register:

1. one ``git grep`` over BASE's register keeps the findings whose text could spell a
   citation of a changed path: the name of a changed path or of any symlink (the name a
   citation ends in, or passes through, is one of those), or a backslash (YAML's
   double-quoted escapes can spell any name). A name is looked for by its longest run
   without a space or a quote, since YAML may fold a line at a space and doubles a quote;
2. each kept finding that is closed on BASE has its citations resolved in BASE's tree,
   symlinks followed; it is reached when the way to a cited file passes a changed path.

The judgement (`judgements.closed.untouched_evidence`) then compares what each citation
resolves to on both sides, by blob.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from ..git.files import Files, commit_files
from ..git.tree import SYMLINK, DiffError, cat_blobs, follow, git
from .evidence import evidence_items, evidence_target
from .findings import finding_path, parse


def closed_citing(root: Path, fork: str, changed: dict[str, str], register: str,
                  evidence: str, already: set[str]) -> dict[str, dict[str, Any]]:
    """BASE findings closed there, left alone by the change (not in ``already``), whose
    evidence the change reaches: finding path -> BASE's front matter."""
    if not changed:
        return {}
    base = commit_files(root, fork)
    names = _literals([*changed, *base.links])
    found = (_grep(root, fork, register, names) if names is not None
             else list(base.entries))  # a name with no literal: every finding is a candidate
    candidates = [p for p in found if p not in already and p in base.entries
                  and base.entries[p].mode != SYMLINK and finding_path(p, register, evidence)]
    blobs = cat_blobs(root, [base.entries[p].sha for p in candidates])
    hits: dict[str, dict[str, Any]] = {}
    for path in candidates:
        data = parse(blobs.get(base.entries[path].sha, b""))
        if data is not None and data.get("status") == "closed" and any(
                _reaches(base, path, item.get("path"), changed)
                for item in evidence_items(data)):
            hits[path] = data
    return hits


def _reaches(base: Files, finding_rel: str, written: Any, changed: dict[str, str]) -> bool:
    """Whether the way from a citation to its file, in BASE's tree, passes a changed path
    (the file itself, or a symlink on the way)."""
    via = evidence_target(finding_rel, written)
    return via is not None and any(
        path in changed for path in follow(base.entries, base.links, via).met)


_NOT_LITERAL = re.compile(r"[\s']+")


def _literals(paths: list[str]) -> list[str] | None:
    """What a finding's text must contain to cite one of ``paths`` (or pass through it):
    the longest run of its name without a space or a quote, or a backslash. None when a
    name has no such run."""
    found = {"\\"}
    for path in paths:
        piece = max(_NOT_LITERAL.split(posixpath.basename(path)), key=len)
        if not piece:
            return None
        found.add(piece)
    return sorted(found)


def _grep(root: Path, fork: str, register: str, names: list[str]) -> list[str]:
    """Files under ``register`` at ``fork`` holding any of ``names``: one ``git grep``."""
    patterns = "\n".join(names).encode("utf-8", "surrogateescape") + b"\n"
    result = git(root, "grep", "-l", "-z", "-F", "-f", "-", fork, "--", register or ".",
                 data=patterns)
    if result.returncode not in (0, 1):
        raise DiffError(f"git grep failed: {result.stderr.decode().strip()}")
    return [record.decode("utf-8", "surrogateescape").partition(":")[2]
            for record in result.stdout.split(b"\0") if record]
