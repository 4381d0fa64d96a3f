"""Deletion and rename: a finding's file, its ID, and who raised it when, from what
source, are permanent.

Other records cite a finding by its ID, and an audit trail that can lose a finding, or
change when it was raised, is no trail. Where it came from decides who must see it closed
(a certification body's finding goes back to that body), so a changed `source` is shown.
"""

from __future__ import annotations

from ...contract.model import Finding
from ..base_side import Base
from ..findings import finding_id
from .context import Judge, Pair


def file_deleted(judge: Judge, path: str, fid: str) -> None:
    """finding-deleted: a BASE finding is gone and nothing on HEAD takes its place."""
    judge.report("finding-deleted", path, 1,
                 f"{fid} was deleted; findings are never deleted: restore the file "
                 "and close the finding with the reason (e.g. raised in error) as "
                 "evidence")
    judge.change("deleted", fid, path)


def file_renamed(judge: Judge, path: str, fid: str, new: Finding, rel: str) -> None:
    """finding-renamed: a BASE finding is gone and a similar one was added under a new ID."""
    judge.at("finding-renamed", new, rel, ("id",),
             f"{fid} ({judge.shown(path)}) became {new.id}; an ID is permanent (other "
             f"records cite it): restore {fid}, and raise a new finding if this is new work")
    judge.change("renamed", new.id, rel, fid, new.id)


def successor_unreadable(judge: Judge, old: Base, rel: str) -> None:
    """finding-deleted, failing closed: a BASE finding whose successor HEAD cannot read (a
    symlink, a submodule, a file that is not a regular file) must not escape every rule."""
    if not judge.failed(rel):
        fid = finding_id(old.data, old.path)
        judge.report("finding-deleted", rel, 1,
                     f"{fid} ({judge.shown(old.path)} on the base branch) has no "
                     f"finding file that can be read at {judge.shown(rel)}; findings "
                     "are never deleted: restore the file as a regular file")


def id_changed(judge: Judge, pair: Pair) -> None:
    """finding-renamed: the file stayed (or moved) and its ``id`` was edited."""
    new_id = pair.data.get("id")
    if not pair.renamed and isinstance(new_id, str) and new_id != pair.old_id:
        judge.at("finding-renamed", pair.new, pair.rel, ("id",),
                 f"the ID changed from {pair.old_id} to {new_id}; an ID is permanent "
                 f"(other records cite it): restore {pair.old_id}, and raise a new finding "
                 "if this is new work")
        judge.change("renamed", pair.fid, pair.rel, pair.old_id, new_id)


def raised_changed(judge: Judge, pair: Pair) -> None:
    """raised-changed: ``raised`` or ``raised_by`` differs from BASE."""
    for key in ("raised", "raised_by"):
        before, after = pair.old_data.get(key), pair.data.get(key)
        if before != after:
            judge.at("raised-changed", pair.new, pair.rel, (key,),
                     f"`{key}` changed from {before!r} to {after!r}; "
                     "when and by whom a finding was raised is part of the record: "
                     "restore it")


def source_changed(judge: Judge, pair: Pair) -> None:
    """source-changed: ``source`` differs from BASE (an audit finding made self-identified,
    say, so that no auditor follows it up)."""
    before, after = pair.old_data.get("source"), pair.data.get("source")
    if before != after:
        judge.at("source-changed", pair.new, pair.rel, ("source",),
                 f"`source` changed from {before} to {after}; where a finding came from "
                 "decides who must see it closed: the reviewer should confirm the reason is "
                 "recorded in the narrative")
        judge.change("source", pair.fid, pair.rel, str(before), str(after))
