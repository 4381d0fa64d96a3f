"""closure-signature: with ``allowed_signers`` set on BASE, the commit that closes a finding,
the one that records its effectiveness review, and any later commit of the change that
edits the finding again must be signed by a key BASE lists.

Anyone who can push can write ``status: closed``; a signature by a listed key says who
vouched for it. The key list is BASE's file, read from BASE's tree, never HEAD's: a
change that adds its own key to the list must not approve itself (and the list is a gate
file, so editing it is reported as `gate-changed`). The commits come from one ``git log``
over the change's commits for all findings it closes, and git verifies their signatures
in one more call (``git.signatures``). A closure in the working tree, not committed yet,
is unsigned by definition.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...contract.model import Finding
from ...git.signatures import Signature, verify_commits
from ...git.tree import cat_blobs, git, read_file_at
from ..config import GateSettings
from ..findings import finding_id, parse
from ..sides import Sides
from .context import Judge

RULE = "closure-signature"


@dataclass
class _Wanted:
    """A finding the change closes, or whose effectiveness review it records."""

    rel: str
    fid: str
    paths: tuple[str, ...]
    """Its path on HEAD and, if it moved, on BASE: the log follows both."""
    base: dict[str, Any] | None
    head: Finding
    raw: bytes = b""
    """HEAD's bytes of the finding (the working tree's, when HEAD is the working tree)."""


def signers_path(judging: GateSettings) -> str | None:
    """The allowed-signers file as a repository path, from BASE's configuration."""
    name = judging.settings.allowed_signers
    if not name:
        return None
    folder = posixpath.dirname(judging.config) if judging.config else ""
    return posixpath.normpath(posixpath.join(folder, name))


def closures_signed(judge: Judge, sides: Sides, root: Path, base: str, fork: str,
                    head: str | None, judging: GateSettings) -> None:
    """Report every closure or effectiveness review in the change not signed by a key in
    BASE's allowed-signers file."""
    signers = signers_path(judging)
    if signers is None:
        return
    wanted = _wanted(sides)
    if not wanted:
        return
    listed = read_file_at(root, base, signers)
    if listed is None:
        for item in wanted:
            judge.report(RULE, item.rel, 1, f"{item.fid} is closed here, but the base "
                         f"branch has no allowed-signers file {signers} (setting "
                         "allowed_signers), so no signature can be verified: add the file "
                         "on the base branch first")
        return
    steps = _commits(root, fork, head, [p for item in wanted for p in item.paths])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "allowed_signers"
        path.write_bytes(listed)
        commits = {sha for sha, _changes in steps}
        verdicts = verify_commits(root, commits, path)
    blobs = cat_blobs(root, {blob for _sha, changes in steps for blob in changes.values()})
    for item in wanted:
        _judge(judge, item, steps, blobs, verdicts, head, signers)


def _wanted(sides: Sides) -> list[_Wanted]:
    by_id = {finding_id(b.data, p): b for p, b in sides.base.items() if b.data is not None}
    out = []
    for rel in sides.new_paths:
        new = sides.head.findings.get(rel)
        if new is None or new.data.get("status") != "closed":
            continue
        old = sides.base.get(rel) or by_id.get(new.id)
        old_data = old.data if old is not None else None
        closing = old_data is None or old_data.get("status") != "closed"
        review = _review(new.data)
        if closing or (review is not None and review != _review(old_data)):
            paths = (rel,) if old is None or old.path == rel else (rel, old.path)
            out.append(_Wanted(rel, new.id, paths, old_data, new,
                               sides.head.raw.get(rel, b"")))
    return out


def _review(data: dict[str, Any] | None) -> Any:
    closure = (data or {}).get("closure")
    return closure.get("effectiveness") if isinstance(closure, dict) else None


def _commits(root: Path, fork: str, head: str | None, paths: list[str]
             ) -> list[tuple[str, dict[str, str]]]:
    """The change's commits touching ``paths``, oldest first, with each file's new blob
    (a deleted file's is left out)."""
    tip = head or "HEAD"
    result = git(root, "log", "--format=%x1e%H", "--raw", "-z", "--no-abbrev", "--no-renames",
                 "--reverse", "--no-color", f"{fork}..{tip}", "--", *sorted(set(paths)))
    steps = []
    for block in os.fsdecode(result.stdout).split("\x1e")[1:]:
        fields = block.split("\x00")
        sha, changes = fields[0].strip(), {}
        for meta, path in zip(fields[1::2], fields[2::2], strict=False):
            parts = meta.strip().split(" ")
            if len(parts) >= 5 and parts[4][:1] != "D":
                changes[path] = parts[3]
        steps.append((sha, changes))
    return steps


def _judge(judge: Judge, item: _Wanted, steps: list[tuple[str, dict[str, str]]],
           blobs: dict[str, bytes], verdicts: dict[str, Signature], head: str | None,
           signers: str) -> None:
    """Walk the finding's versions through the change; check the last commit that closed
    it, the one that recorded its review as it stands, and every later one that changed it
    (the closure merged must be the one signed)."""
    previous = item.base
    closing: str | None = None
    review: str | None = None
    later: list[str] = []
    last = b""
    final_review = _review(item.head.data)
    for sha, changes in steps:
        blob = next((changes[p] for p in item.paths if p in changes), None)
        if blob is None:
            continue
        last = blobs.get(blob, b"")
        data = parse(last)
        if data is None:
            later += [sha] if closing else []
            continue
        if data.get("status") == "closed" and (previous or {}).get("status") != "closed":
            closing, later = sha, []
        elif closing:
            later.append(sha)
        if final_review is not None and _review(data) != _review(previous):
            review = sha if _review(data) == final_review else None
        previous = data
    committed = previous or {}
    if head is None and committed.get("status") != "closed":
        closing = ""  # closed in the working tree only
    if head is None and final_review is not None and _review(committed) != final_review:
        review = ""
    base_closed = (item.base or {}).get("status") == "closed"
    if not base_closed or closing:
        _check(judge, item, "closure", "status", closing, verdicts, signers)
    reviewed = final_review is not None and final_review != _review(item.base)
    if reviewed:
        _check(judge, item, "effectiveness review", "closure", review, verdicts, signers)
    if closing and verdicts.get(closing, Signature(closing, "")).good:
        unchecked = [sha for sha in later if not (reviewed and sha == review)]
        _after_closure(judge, item, closing, unchecked, verdicts, signers, last != item.raw)


def _after_closure(judge: Judge, item: _Wanted, closing: str, later: list[str],
                   verdicts: dict[str, Signature], signers: str, unrecorded: bool) -> None:
    """A commit after the signed closing one that changes the finding again (new evidence,
    say) must be signed too, or the closure merged is not the one signed; and HEAD must
    hold the version the last of them records (``unrecorded``: it does not, changed in the
    working tree or by a merge commit, whose changes `git log --raw` does not list)."""
    for sha in later:
        verdict = verdicts.get(sha)
        if verdict is not None and verdict.good:
            continue
        text = verdict.describe() if verdict is not None else "not found"
        judge.at(RULE, item.head, item.rel, ("closure",),
                 f"commit {sha[:10]} changed {item.fid} after the signed commit "
                 f"{closing[:10]} that closed it, and is {text}; the closure merged must be "
                 f"the one signed: sign every later commit that changes the finding with a "
                 f"key listed in {signers}, or fold the change into the closing commit")
    if unrecorded:
        judge.at(RULE, item.head, item.rel, ("closure",),
                 f"{item.fid} as this change leaves it is not the version the signed commit "
                 f"{closing[:10]} that closed it, or a later signed commit, records (it was "
                 "changed in the working tree, or in a merge commit): commit the change on "
                 f"its own, signed with a key listed in {signers}")


def _check(judge: Judge, item: _Wanted, what: str, key: str, sha: str | None,
           verdicts: dict[str, Signature], signers: str) -> None:
    if sha == "":
        judge.at(RULE, item.head, item.rel, (key,),
                     f"the {what} of {item.fid} is not committed yet, so it is not signed; "
                     f"commit it signed with a key listed in {signers} (git commit -S, "
                     "gpg.format=ssh)")
        return
    if sha is None:
        judge.at(RULE, item.head, item.rel, (key,),
                     f"the commit that records the {what} of {item.fid} is not among this "
                     f"change's commits (a merge?), so its signature cannot be checked; "
                     f"record it in a commit signed with a key listed in {signers}")
        return
    verdict = verdicts.get(sha)
    if verdict is not None and verdict.good:
        judge.change("signed", item.fid, item.rel, detail=[
            f"{what} {sha[:10]} signed by {verdict.signer} ({verdict.fingerprint})"])
        return
    text = verdict.describe() if verdict is not None else "not found"
    judge.at(RULE, item.head, item.rel, (key,),
                 f"commit {sha[:10]}, which records the {what} of {item.fid}, is {text}; "
                 f"a {what} must be committed signed with a key listed in {signers} "
                 "(git commit -S with gpg.format=ssh and user.signingkey)")


