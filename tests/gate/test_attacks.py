"""Issue 11, "the gate, attacked": changes an attacker with write access to a branch made
pass `capa diff main HEAD`, each on a real repository built from a small register of the
test's own, and the legitimate changes next to them that must still pass.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..helpers import (
    CLOSED_MINOR,
    TODAY,
    commit_all,
    finding,
    git,
    init_repo,
    problems_json,
    run_capa,
    write_evidence,
    write_finding,
)

IN_PROGRESS: dict[str, Any] = {
    "id": "CAPA-2026-005", "status": "in-progress", "closure": None, "raised": "2026-10-01",
    "title": "Leavers keep access for weeks",
    "correction": {"action": "Removed the three accounts.", "completed": "2026-10-20"},
    "corrective_actions": [
        {"action": "Add the access review to the leavers checklist.", "owner": "Jane Smith",
         "due": "2026-12-15"},
        {"action": "Automate the account removal from the HR feed.", "owner": "Jane Smith",
         "due": "2026-12-31"},
        {"action": "Train line managers on the leavers process.", "owner": "C. Trainer",
         "due": "2026-12-20"},
    ],
}


def in_progress(**changes: Any) -> dict[str, Any]:
    """A valid in-progress minor finding with three open corrective actions."""
    return finding(**{**IN_PROGRESS, **changes})


def closed_from(data: dict[str, Any], **closure: Any) -> dict[str, Any]:
    """``data`` closed properly: every action completed, evidence and an effective review."""
    done = copy.deepcopy(data)
    done["status"] = "closed"
    for action in done.get("corrective_actions") or []:
        action["completed"] = "2026-11-10"
    done["closure"] = {"closed": "2026-11-20",
                       "evidence": [{"url": "https://intranet.example.com/leavers"}],
                       "effectiveness": {"reviewed": "2026-11-18",
                                         "by": "B. Reviewer (Internal Audit)",
                                         "result": "effective", "method": "Sampled 5 leavers."},
                       **closure}
    return done


def make_repo(tmp_path: Path, *findings: dict[str, Any]) -> Path:
    """A base branch `main` holding ``findings`` (and CAPA-2026-004's pinned evidence file),
    with a branch `pr` checked out on it."""
    root = init_repo(tmp_path / "repo")
    write_evidence(root / "register", "CAPA-2026-004")
    for data in findings:
        write_finding(root / "register", data)
    commit_all(root, "Base register", "2026-11-01")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def diff_json(root: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = run_capa("diff", "main", *args, "--today", TODAY, "--format", "json", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, problems_json(result)


def found(problems: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((p["rule"], p["level"]) for p in problems)


def json_notes(result: subprocess.CompletedProcess[str]) -> list[str]:
    return json.loads(result.stdout)["notes"]


# --- D. closure written as a list or a string --------------------------------------------

@pytest.mark.parametrize("closure", [["closed", "2026-11-20"], "closed on 2026-11-20"])
@pytest.mark.parametrize("base", ["in-progress", "closed"])
def test_closure_that_is_not_a_mapping_gets_the_schema_message(
        tmp_path: Path, closure: Any, base: str) -> None:
    root = make_repo(tmp_path, in_progress() if base == "in-progress" else finding())
    data = closed_from(in_progress()) if base == "in-progress" else finding()
    data["closure"] = closure
    write_finding(root / "register", data)
    for head in ((), ("pr",)):
        if head:
            commit_all(root, "Close with a malformed closure")
        code, problems = diff_json(root, *head)
        schema = [p for p in problems if p["rule"] == "schema"]
        assert code == 1 and len(schema) == 1
        assert schema[0]["message"].startswith("`closure` must be an object")


# --- D. source --------------------------------------------------------------------------

def test_source_changed_is_a_warning_like_severity_lowered(tmp_path: Path) -> None:
    root = make_repo(tmp_path, in_progress(source="certification-audit"))
    write_finding(root / "register", in_progress(source="self-identified"))
    code, problems = diff_json(root)
    assert code == 0 and found(problems) == [("source-changed", "warning")]
    assert "from certification-audit to self-identified" in problems[0]["message"]
    assert problems[0]["line"] == 6
    assert run_capa("diff", "main", "--strict", "--today", TODAY, cwd=root).returncode == 1
    summary = run_capa("diff", "main", "--format", "markdown", "--today", TODAY, cwd=root)
    assert "### Source changed (1)" in summary.stdout
    assert "| CAPA-2026-005 | certification-audit → self-identified |" in summary.stdout


# --- B. closed means closed -------------------------------------------------------------

EVIDENCE = "../evidence/CAPA-2026-004/checklist.txt"


def unpinned(**changes: Any) -> dict[str, Any]:
    """The closed minor with its evidence file not pinned (an evidence-unpinned warning)."""
    data = finding(**changes)
    del data["closure"]["evidence"][0]["sha256"]
    return data


@pytest.mark.parametrize("detour", ["../evidence/CAPA-2026-004/../CAPA-2026-004/checklist.txt",
                                    "../2026/../evidence/CAPA-2026-004/checklist.txt",
                                    "./../evidence//CAPA-2026-004/checklist.txt"])
def test_evidence_path_rewritten_in_place_through_a_detour_is_an_edit(
        tmp_path: Path, detour: str) -> None:
    root = make_repo(tmp_path, finding())
    data = finding()
    data["closure"]["evidence"][0]["path"] = detour
    write_finding(root / "register", data)
    code, problems = diff_json(root)
    assert code == 1 and found(problems) == [("closed-edited", "error")]
    assert "edited here (closure)" in problems[0]["message"]


def test_capa_pin_on_a_closed_finding_passes_with_a_note(tmp_path: Path) -> None:
    """What the evidence-unpinned warning asks for: run capa pin and commit the result."""
    root = make_repo(tmp_path, unpinned())
    path = root / "register" / "2026" / "CAPA-2026-004.md"
    pin = run_capa("pin", "register/2026/CAPA-2026-004.md", cwd=root)
    assert pin.returncode == 0 and "pinned" in pin.stdout
    assert CLOSED_MINOR["closure"]["evidence"][0]["sha256"] in path.read_text()
    for head in ((), ("pr",)):
        if head:
            commit_all(root, "capa pin")
        result = run_capa("diff", "main", *head, "--today", TODAY, "--format", "json",
                          cwd=root)
        assert (result.returncode, problems_json(result)) == (0, [])
        notes = [n for n in json_notes(result) if "CAPA-2026-004" in n]
        assert len(notes) == 1 and "only has its evidence pinned by `capa pin`" in notes[0]
        summary = run_capa("diff", "main", *head, "--format", "markdown", "--today", TODAY,
                           cwd=root).stdout
        assert "### Evidence pinned (1)" in summary
        assert f"| CAPA-2026-004 | {EVIDENCE} |" in summary


def test_capa_pin_fixing_a_pin_passes_with_a_note(tmp_path: Path) -> None:
    """An upper-case pin is right but not as capa pin writes it; pin rewrites the line."""
    data = finding()
    data["closure"]["evidence"][0]["sha256"] = data["closure"]["evidence"][0]["sha256"].upper()
    root = make_repo(tmp_path, data)
    assert run_capa("pin", "register", cwd=root).returncode == 0
    code, problems = diff_json(root)
    assert (code, problems) == (0, [])


def test_a_pin_with_anything_else_is_an_edit(tmp_path: Path) -> None:
    root = make_repo(tmp_path, unpinned())
    path = root / "register" / "2026" / "CAPA-2026-004.md"
    assert run_capa("pin", "register", cwd=root).returncode == 0
    path.write_text(path.read_text().replace("Narrative.", "Narrative, reworded."))
    code, problems = diff_json(root)
    assert code == 1 and found(problems) == [("closed-edited", "error")]
    assert "(narrative)" in problems[0]["message"]


def test_a_pin_that_does_not_match_the_file_fails(tmp_path: Path) -> None:
    root = make_repo(tmp_path, unpinned())
    data = unpinned()
    data["closure"]["evidence"][0]["sha256"] = "0" * 64
    write_finding(root / "register", data)
    code, problems = diff_json(root)
    # Not capa pin's layout (the line sits elsewhere) and a wrong hash besides.
    assert code == 1 and ("evidence-hash", "error") in found(problems)


def test_removing_a_pin_is_an_edit(tmp_path: Path) -> None:
    root = make_repo(tmp_path, finding())
    write_finding(root / "register", unpinned())
    code, problems = diff_json(root)
    assert code == 1 and ("closed-edited", "error") in found(problems)


# --- A. evidence whose change the gate could not see -----------------------------------

def citing(root: Path, written: str, files: dict[str, bytes | str]) -> Path:
    """Commit, as the base, the closed minor citing its evidence as ``written`` (raw YAML,
    unpinned) and ``files`` under register/evidence/CAPA-2026-004 (str: a symlink to it)."""
    folder = root / "register" / "evidence" / "CAPA-2026-004"
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.symlink_to(content)
        else:
            target.write_bytes(content)
    path = write_finding(root / "register", unpinned())
    text = path.read_text()
    path.write_text(text.replace(f"path: {EVIDENCE}", f"path: {written}", 1))
    commit_all(root, "Base", "2026-11-01")
    git(root, "checkout", "-q", "-b", "pr")
    valid = run_capa("validate", "--today", TODAY, "--format", "json", cwd=root)
    assert found(problems_json(valid)) == [("evidence-unpinned", "warning")], valid.stdout
    assert diff_json(root) == (0, [])
    return folder


def bare_repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def assert_caught(root: Path, rule: str, *words: str) -> None:
    """The change is refused in the working tree and as a commit, on the closed finding."""
    for head in ((), ("pr",)):
        if head:
            commit_all(root, "The change")
        code, problems = diff_json(root, *head)
        hits = [p for p in problems if p["rule"] == rule]
        assert code == 1 and len(hits) == 1, problems
        assert hits[0]["path"] == "register/2026/CAPA-2026-004.md"
        assert all(word in hits[0]["message"] for word in words), hits[0]["message"]


@pytest.mark.parametrize("written", [
    r'"../evidence/CAPA-2026-004/check\x6Cist.txt"',
    r'"../evidence/CAPA-2026-004/\u0063hecklist.txt"',
    '"../evidence/CAPA-2026-004/check\\\n      list.txt"',
])
def test_evidence_cited_with_yaml_escapes_is_protected(tmp_path: Path, written: str) -> None:
    folder = citing(bare_repo(tmp_path), written, {"checklist.txt": b"v3\n"})
    (folder / "checklist.txt").write_bytes(b"forged\n")
    assert_caught(folder.parents[2], "closed-edited",
                  "evidence file register/evidence/CAPA-2026-004/checklist.txt", "was changed")


def test_evidence_named_with_a_space_folded_over_two_lines_is_protected(
        tmp_path: Path) -> None:
    folder = citing(bare_repo(tmp_path), "../evidence/CAPA-2026-004/access\n      review.txt",
                    {"access review.txt": b"v3\n"})
    (folder / "access review.txt").unlink()
    assert_caught(folder.parents[2], "evidence-removed", "was deleted")


def test_evidence_named_without_a_literal_run_is_protected(tmp_path: Path) -> None:
    folder = citing(bare_repo(tmp_path), "../evidence/CAPA-2026-004/x/'",
                    {"x/'": b"v3\n"})
    (folder / "x" / "'").write_bytes(b"forged\n")
    assert_caught(folder.parents[2], "closed-edited", "was changed")


def test_evidence_reached_through_a_file_symlink_is_protected(tmp_path: Path) -> None:
    folder = citing(bare_repo(tmp_path), "../evidence/CAPA-2026-004/latest.txt",
                    {"checklist-v3.txt": b"v3\n", "latest.txt": "checklist-v3.txt"})
    (folder / "checklist-v3.txt").write_bytes(b"forged\n")
    assert_caught(folder.parents[2], "closed-edited",
                  "register/evidence/CAPA-2026-004/checklist-v3.txt (cited as "
                  "register/evidence/CAPA-2026-004/latest.txt) of closed finding "
                  "CAPA-2026-004 was changed")


@pytest.mark.parametrize("change", ["edit the file", "retarget the folder link"])
def test_evidence_reached_through_a_folder_symlink_is_protected(
        tmp_path: Path, change: str) -> None:
    root = bare_repo(tmp_path)
    archive = root / "archive" / "2026"
    for name, content in (("a/checklist.txt", b"v3\n"), ("b/checklist.txt", b"forged\n")):
        (archive / name).parent.mkdir(parents=True, exist_ok=True)
        (archive / name).write_bytes(content)
    (root / "register" / "evidence").mkdir(parents=True)
    (root / "register" / "evidence" / "CAPA-2026-004").symlink_to("../../archive/2026/a")
    citing(root, EVIDENCE, {})
    link = root / "register" / "evidence" / "CAPA-2026-004"
    if change == "edit the file":
        (archive / "a" / "checklist.txt").write_bytes(b"forged\n")
        assert_caught(root, "closed-edited", "archive/2026/a/checklist.txt", "was changed")
    else:
        link.unlink()
        link.symlink_to("../../archive/2026/b")
        assert_caught(root, "closed-edited", "archive/2026/a/checklist.txt",
                      "its path now leads to archive/2026/b/checklist.txt")


def test_a_finding_cited_as_evidence_is_protected(tmp_path: Path) -> None:
    """A closed finding may cite another finding (an audit's record, say): editing that
    one edits the closed finding's evidence."""
    root = bare_repo(tmp_path)
    write_finding(root / "register", in_progress(id="CAPA-2026-003"))
    citing(root, "CAPA-2026-003.md", {})
    write_finding(root / "register", in_progress(id="CAPA-2026-003", title="Reworded"))
    assert_caught(root, "closed-edited", "evidence file register/2026/CAPA-2026-003.md of "
                  "closed finding CAPA-2026-004 was changed")


@pytest.mark.parametrize("mode", ["worktree", "commit"])
def test_a_mode_change_of_an_evidence_file_is_no_change(tmp_path: Path, mode: str) -> None:
    root = make_repo(tmp_path, finding())
    (root / "register" / "evidence" / "CAPA-2026-004" / "checklist.txt").chmod(0o755)
    if mode == "commit":
        commit_all(root, "chmod +x")
        assert "100755" in git(root, "ls-tree", "-r", "pr", "register/evidence")
    assert diff_json(root, *(["pr"] if mode == "commit" else [])) == (0, [])


# --- B. reopening keeps the earlier closure's files -------------------------------------

def reopened(**changes: Any) -> dict[str, Any]:
    data = finding(status="in-progress", closure=None, **changes)
    data["corrective_actions"].append({"action": "Automate the vendor check.",
                                       "owner": "Jane Smith", "due": "2027-01-31"})
    return data


def test_reopening_that_deletes_the_closure_and_its_files_is_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path, finding())
    write_finding(root / "register", reopened())
    (root / "register" / "evidence" / "CAPA-2026-004" / "checklist.txt").unlink()
    assert_caught(root, "evidence-removed",
                  "evidence file register/evidence/CAPA-2026-004/checklist.txt of "
                  "CAPA-2026-004's closure on the base branch was deleted",
                  "stays as the record of what was claimed")
    assert ("reopened", "warning") in found(diff_json(root, "pr")[1])


def test_reopening_that_rewrites_the_closure_files_is_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path, finding())
    write_finding(root / "register", reopened())
    write_evidence(root / "register", "CAPA-2026-004", content=b"forged\n")
    assert_caught(root, "closed-edited", "closure on the base branch was changed")


def test_reopening_that_keeps_the_files_is_a_warning(tmp_path: Path) -> None:
    root = make_repo(tmp_path, finding())
    write_finding(root / "register", reopened())
    code, problems = diff_json(root)
    assert code == 0 and found(problems) == [("reopened", "warning")]


# --- C. closing by removing what is owed ------------------------------------------------

def test_a_major_lowered_and_closed_is_judged_as_a_major(tmp_path: Path) -> None:
    """Lowered to observation, its actions deleted, closed with one URL: the closure must
    still meet what closing a major needs."""
    base = in_progress(severity="major", status="open", root_cause=None, extent=None,
                       correction=None)
    root = make_repo(tmp_path, base)
    data = finding(**{key: base[key] for key in ("id", "title", "raised")},
                   severity="observation", root_cause=None, extent=None, correction=None,
                   corrective_actions=None,
                   closure={"closed": "2026-11-20",
                            "evidence": [{"url": "https://intranet.example.com/leavers"}]})
    write_finding(root / "register", data)
    for head in ((), ("pr",)):
        if head:
            commit_all(root, "Close it")
        code, problems = diff_json(root, *head)
        assert code == 1
        assert set(found(problems)) == {
            ("severity-lowered", "warning"), ("action-removed", "error"),
            ("root-cause", "error"), ("actions-open", "error"), ("effectiveness", "error")}
        effectiveness = next(p for p in problems if p["rule"] == "effectiveness")
        assert effectiveness["message"].startswith(
            "judged as a major finding, its severity on the base branch (lowered to "
            "observation in the change that closes it): a major finding cannot be closed")
        assert len([p for p in problems if p["rule"] == "root-cause"]) == 3


def test_a_lowered_closure_that_meets_the_stricter_rules_is_a_warning(tmp_path: Path) -> None:
    root = make_repo(tmp_path, in_progress())
    write_finding(root / "register", closed_from(in_progress(severity="observation")))
    code, problems = diff_json(root)
    assert code == 0 and found(problems) == [("severity-lowered", "warning")]


def test_open_actions_deleted_in_the_change_that_closes_are_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path, in_progress())
    data = closed_from(in_progress())
    data["corrective_actions"] = data["corrective_actions"][:1]
    write_finding(root / "register", data)
    assert_two_removed(root)


def assert_two_removed(root: Path) -> None:
    for head in ((), ("pr",)):
        if head:
            commit_all(root, "Close")
        code, problems = diff_json(root, *head)
        assert code == 1 and found(problems) == [("action-removed", "error")] * 2
        assert "corrective action 2 of the base branch ('Automate the account removal " in (
            problems[0]["message"])
        assert "still open there, is not in CAPA-2026-005 as this change closes it" in (
            problems[0]["message"])


def test_open_actions_swapped_for_done_decoys_at_closure_are_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path, in_progress())
    data = closed_from(in_progress())
    for action in data["corrective_actions"][1:]:
        action["action"] = "Done."
    write_finding(root / "register", data)
    assert_two_removed(root)


def test_closing_with_every_open_action_completed_passes(tmp_path: Path) -> None:
    root = make_repo(tmp_path, in_progress())
    write_finding(root / "register", closed_from(in_progress()))
    assert diff_json(root) == (0, [])


def test_due_date_pushed_while_a_decoy_takes_the_old_date(tmp_path: Path) -> None:
    root = make_repo(tmp_path, in_progress())
    data = in_progress()
    data["corrective_actions"][0] = {
        "action": "Add an access review step to the leavers checklist.",
        "owner": "Jane Smith", "due": "2027-04-15"}
    data["corrective_actions"].append({"action": "Check the leavers list weekly.",
                                       "owner": "Jane Smith", "due": "2026-12-15"})
    write_finding(root / "register", data)
    code, problems = diff_json(root)
    assert code == 0 and found(problems) == [("due-extended", "warning")]
    assert problems[0]["message"].startswith(
        "a corrective action due 2026-12-15 is gone or reworded and corrective action 1, "
        "due 2027-04-15 (121 days later), is new or reworded")


def test_a_due_date_dropped_from_an_open_action(tmp_path: Path) -> None:
    root = make_repo(tmp_path, in_progress(severity="observation"))
    data = in_progress(severity="observation")
    del data["corrective_actions"][1]["due"]
    write_finding(root / "register", data)
    code, problems = diff_json(root)
    assert code == 0 and found(problems) == [("due-extended", "warning")]
    assert problems[0]["message"].startswith("corrective action 2 was due 2026-12-31 and has "
                                             "no due date now")


def test_a_problem_the_lowered_closure_has_anyway_is_reported_once(tmp_path: Path) -> None:
    """What HEAD's own validation finds is not reported again as the stricter severity's."""
    root = make_repo(tmp_path, in_progress())
    data = closed_from(in_progress(severity="observation"))
    del data["corrective_actions"][0]["completed"]
    write_finding(root / "register", data)
    code, problems = diff_json(root)
    assert code == 1 and found(problems) == [("actions-open", "error"),
                                             ("severity-lowered", "warning")]


# --- D. an LFS pointer as evidence ----------------------------------------------------------

LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:" + b"4d7a" * 16 + b"\nsize 48213\n")


@pytest.mark.parametrize("pinned", [False, True])
def test_closing_on_an_lfs_pointer_is_refused(tmp_path: Path, pinned: bool) -> None:
    """A branch that commits only the pointer (no LFS object, or a checkout without
    `git lfs pull`) closes on a file nobody can see; pinning the pointer proves nothing."""
    root = make_repo(tmp_path, in_progress())
    write_evidence(root / "register", "CAPA-2026-005", "access-review.pdf", LFS_POINTER)
    item: dict[str, Any] = {"path": "../evidence/CAPA-2026-005/access-review.pdf"}
    if pinned:
        item["sha256"] = hashlib.sha256(LFS_POINTER).hexdigest()
    write_finding(root / "register", closed_from(in_progress(), evidence=[item]))
    commit_all(root, "Close on the review export")
    code, problems = diff_json(root, "pr")
    assert code == 1
    lfs = [p for p in problems if p["rule"] == "evidence-lfs-pointer"]
    assert len(lfs) == 1 and lfs[0]["level"] == "error"
    assert "git lfs pull" in lfs[0]["message"]


# --- E. what judges the change comes from BASE ------------------------------------------
# A branch writes its own mkdocs.yml, catalogue and signers file; `capa diff` must judge it
# with BASE's. Already covered elsewhere, and not repeated here: rule levels (test_diff.py
# test_gate_changed_is_shown_first_and_base_settings_judge and
# test_rule_level_from_base_settings_can_silence), an INHERIT chain and hooks
# (test_gate_changed.py), the register folder (test_diff.py
# test_register_folder_comes_from_base, test_gate_changed.py moved-register tests), the
# configuration renamed or moved (test_diff.py), BASE's settings the run would not find
# (test_diff.py), a key added to BASE's allowed-signers file and its edit flagged
# (test_signed.py), an edited catalogue flagged (test_gate_changed.py), and the schema,
# which is capa-docs' own (a schema file in the repository is a gate-changed file:
# test_gate_changed.py).

POLICIES = "id: POL\nstandard: ACME policies\nclauses:\n  POL-01: Handling of media\n"
CATALOGUE = "policies/catalogue.yaml"
WITH_POLICIES: dict[str, Any] = {"standards": ["27001", CATALOGUE]}


def write_settings(root: Path, block: dict[str, Any]) -> None:
    """mkdocs.yml with ``block`` as the capa plugin's settings."""
    (root / "mkdocs.yml").write_text("site_name: Register\n" + yaml.safe_dump(
        {"plugins": [{"capa": block}]}, sort_keys=False))


def settings_repo(tmp_path: Path, block: dict[str, Any],
                  files: dict[str, str] | None = None) -> Path:
    """`main` with ``block`` as its settings, ``files`` beside it and the in-progress
    finding; branch `pr` checked out."""
    root = init_repo(tmp_path / "repo")
    write_settings(root, block)
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    write_finding(root / "register", in_progress())
    commit_all(root, "Base register", "2026-11-01")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def citing_policy(clause: str) -> dict[str, Any]:
    return in_progress(id="CAPA-2026-006", clauses=["A.5.19", clause])


def gate_messages(problems: list[dict[str, Any]]) -> dict[str, str]:
    return {p["path"]: p["message"] for p in problems if p["rule"] == "gate-changed"}


@pytest.mark.parametrize("mode", ["worktree", "commit"])
def test_a_clause_the_change_adds_to_the_catalogue_is_unknown(tmp_path: Path,
                                                             mode: str) -> None:
    """The known hole: the catalogue was read from the working tree, so a branch could
    add a made-up clause to it and cite that clause in the same change."""
    root = settings_repo(tmp_path, WITH_POLICIES, {CATALOGUE: POLICIES})
    (root / CATALOGUE).write_text(POLICIES + "  POL-99: Whatever this change needs\n")
    write_finding(root / "register", citing_policy("POL:POL-99"))
    head = ("pr",) if mode == "commit" else ()
    if head:
        commit_all(root, "A clause of our own, and a finding citing it")
    code, problems = diff_json(root, *head)
    assert code == 1
    assert problems[0]["path"] == CATALOGUE and problems[0]["rule"] == "gate-changed"
    assert problems[0]["line"] == 1 and problems[0]["level"] == "warning"
    assert "land the catalogue change first, in a pull request of its own" in (
        problems[0]["message"])
    unknown = [p for p in problems if p["rule"] == "clause-unknown"]
    assert [(p["path"], p["level"]) for p in unknown] == [
        ("register/2026/CAPA-2026-006.md", "error")]
    assert "POL:POL-99 is not a clause or control of ACME policies" in unknown[0]["message"]
    text = run_capa("diff", "main", *head, "--today", TODAY, cwd=root).stdout
    assert text.splitlines()[0].startswith(
        f"{CATALOGUE}:1: warning gate-changed: this change edits a clause catalogue")


def test_the_catalogue_change_in_its_own_pull_request_then_the_finding_pass(
        tmp_path: Path) -> None:
    """What the message asks for works: the catalogue change alone is a warning for the
    code owners, and once it is on main a finding may cite the new clause."""
    root = settings_repo(tmp_path, WITH_POLICIES, {CATALOGUE: POLICIES})
    (root / CATALOGUE).write_text(POLICIES + "  POL-02: Supplier onboarding\n")
    code, problems = diff_json(root)
    assert code == 0 and list(gate_messages(problems)) == [CATALOGUE] == [
        p["path"] for p in problems]
    commit_all(root, "POL-02")
    git(root, "branch", "-f", "main", "pr")
    write_finding(root / "register", citing_policy("POL:POL-02"))
    assert diff_json(root) == (0, [])


def test_a_catalogue_the_change_adds_and_names_judges_nothing(tmp_path: Path) -> None:
    """A branch that writes its own catalogue and names it in its own settings: BASE's
    standards judge, and both files are reported."""
    root = settings_repo(tmp_path, {})
    (root / CATALOGUE).parent.mkdir()
    (root / CATALOGUE).write_text(POLICIES)
    write_settings(root, WITH_POLICIES)
    write_finding(root / "register", citing_policy("POL:POL-01"))
    code, problems = diff_json(root)
    assert code == 1
    assert sorted(gate_messages(problems)) == ["mkdocs.yml", CATALOGUE]
    assert "a file the base branch does not have counts for nothing" in (
        gate_messages(problems)[CATALOGUE])
    assert [p["message"] for p in problems if p["rule"] == "clause-unknown"] == [
        "`clauses[1]`: POL:POL-01 names no standard of this register: `POL` is not one of "
        "27001 (ISO/IEC 27001:2022); qualify a clause with one of those IDs, e.g. 27001:4"]


@pytest.mark.parametrize("on_base", ["missing", "a symbolic link"])
def test_a_catalogue_base_names_but_does_not_hold_is_not_taken_from_the_change(
        tmp_path: Path, on_base: str) -> None:
    """BASE's settings name a catalogue BASE does not hold as a file: the branch's copy
    (or whatever the link reaches in the checkout) must not fill the gap."""
    files = {"policies/real.yaml": POLICIES}
    root = settings_repo(tmp_path, WITH_POLICIES, files)
    if on_base == "a symbolic link":
        (root / CATALOGUE).symlink_to("real.yaml")
        commit_all(root, "Catalogue as a link", "2026-11-02")
        git(root, "branch", "-f", "main", "pr")
        (root / "policies/real.yaml").write_text(POLICIES + "  POL-99: Anything\n")
    else:
        (root / CATALOGUE).write_text(POLICIES + "  POL-99: Anything\n")
    write_finding(root / "register", citing_policy("POL:POL-99"))
    result = run_capa("diff", "main", "--today", TODAY, cwd=root)
    assert result.returncode == 2, result.stdout
    assert result.stderr.count("\n") == 1 and f"standards[1]: main:{CATALOGUE}" in result.stderr
    if on_base == "missing":
        assert "main does not have this catalogue file" in result.stderr
        assert "add the catalogue to main first, in a change of its own" in result.stderr
    else:
        assert "is a symbolic link" in result.stderr and "commit the file itself" in (
            result.stderr)


@pytest.mark.parametrize("kind", ["a link to /dev/zero", "a named pipe"])
def test_a_catalogue_the_change_names_is_never_opened(tmp_path: Path, kind: str) -> None:
    """HEAD's settings are read for its folders only: a catalogue they name could be a
    link to /dev/zero (read until memory runs out) or, in a working tree, a named pipe
    (opening it waits for a writer forever)."""
    root = settings_repo(tmp_path, {})
    if kind == "a named pipe":
        os.mkfifo(root / "endless.yaml")
    else:
        (root / "endless.yaml").symlink_to("/dev/zero")
    write_settings(root, {"standards": ["27001", "endless.yaml"]})
    heads = [()] if kind == "a named pipe" else [(), ("pr",)]
    for head in heads:
        if head:
            commit_all(root, "An endless catalogue")
        result = run_capa("diff", "main", *head, "--today", TODAY, "--format", "json",
                          cwd=root, timeout=60)
        assert result.returncode == 0, result.stderr
        flagged = sorted(gate_messages(problems_json(result)))
        assert flagged == (["mkdocs.yml"] if kind == "a named pipe"
                           else ["endless.yaml", "mkdocs.yml"])


@pytest.mark.parametrize("attack", ["INHERIT through a folder link", "pyproject.toml link"])
def test_a_working_tree_file_read_through_a_link_to_dev_is_not_read(
        tmp_path: Path, attack: str) -> None:
    """In CI the gate reads HEAD from the checkout. A committed link to /dev (a folder)
    or to /dev/zero must not make it read forever: INHERIT `dev/zero` passes through a
    folder link, and pyproject.toml is read to tell capa-docs's own repository (a
    `capa_docs/` path in the change makes the gate ask)."""
    root = settings_repo(tmp_path, {})
    if attack == "INHERIT through a folder link":
        (root / "dev").symlink_to("/dev")
        (root / "mkdocs.yml").write_text("site_name: Register\nINHERIT: dev/zero\n")
        expected = ["mkdocs.yml"]
    else:
        (root / "pyproject.toml").symlink_to("/dev/zero")
        (root / "capa_docs").mkdir()
        (root / "capa_docs" / "notes.txt").write_text("not capa-docs\n")
        expected = ["pyproject.toml"]
    result = run_capa("diff", "main", "--today", TODAY, "--format", "json", cwd=root,
                      timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(gate_messages(problems_json(result))) == expected


def alias_bomb(key: str) -> str:
    """mkdocs.yml whose capa `key` is nine levels of nine YAML aliases: a few lines that
    stand for 387 million items once written out."""
    lines = ["site_name: Register", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join([*lines, "plugins:", "  - capa:", f"      {key}: *a8", ""])


@pytest.mark.parametrize("key", ["register", "reviews"])
def test_a_yaml_alias_bomb_in_the_change_settings_is_reported_not_expanded(
        tmp_path: Path, key: str) -> None:
    """HEAD's settings are read for their folders, and a setting of the wrong kind is
    named in the message: writing the value out would never end."""
    root = settings_repo(tmp_path, {})
    bomb = alias_bomb(key)
    if key == "reviews":
        bomb = bomb.replace("      reviews: *a8", "      reviews: {MR-2026-Q4: *a8}")
    (root / "mkdocs.yml").write_text(bomb)
    result = run_capa("diff", "main", "--today", TODAY, "--format", "json", cwd=root,
                      timeout=60)
    assert result.returncode == 0, result.stderr
    assert list(gate_messages(problems_json(result))) == ["mkdocs.yml"]
    validate = run_capa("validate", "--today", TODAY, cwd=root, timeout=60)
    assert validate.returncode == 2 and len(validate.stderr) < 500, validate.stderr
    assert "[[[[...]" in validate.stderr


CI_STEPS = {
    "a local action": {
        ".github/workflows/ci.yml": "on: pull_request\njobs:\n  gate:\n    runs-on: x\n"
                                    "    steps:\n      - uses: ./.github/actions/gate\n",
        ".github/actions/gate/action.yml": "runs:\n  using: composite\n  steps:\n"
                                           "    - run: bash tools/check.sh\n"
                                           "      shell: bash\n"},
    "a GitLab include": {
        ".gitlab-ci.yml": "include:\n  - local: .gitlab/ci/gate.yml\n",
        ".gitlab/ci/gate.yml": "gate:\n  script:\n    - bash tools/check.sh\n"},
}


@pytest.mark.parametrize("where", sorted(CI_STEPS))
def test_a_script_ci_runs_through_a_local_action_or_include_is_flagged(
        tmp_path: Path, where: str) -> None:
    """The steps that run tools/check.sh are not in the workflow file: a change that makes
    the script lenient must still be reviewed as part of the gate."""
    root = settings_repo(tmp_path, {}, {**CI_STEPS[where], "tools/check.sh": "capa diff\n"})
    (root / "tools/check.sh").write_text("exit 0\n")
    code, problems = diff_json(root)
    assert code == 0 and list(gate_messages(problems)) == ["tools/check.sh"]
    assert "a script the project's CI runs" in problems[0]["message"]


def test_an_evidence_folder_moved_over_the_findings_deletes_them(tmp_path: Path) -> None:
    """`evidence:` pointed at a folder of findings would make them evidence, out of the
    register: each is judged as deleted."""
    root = settings_repo(tmp_path, {})
    write_settings(root, {"evidence": "register/2026"})
    code, problems = diff_json(root)
    assert code == 1 and list(gate_messages(problems)) == ["mkdocs.yml"]
    assert [(p["path"], p["rule"]) for p in problems[1:]] == [
        ("register/2026/CAPA-2026-005.md", "finding-deleted")]


# Each setting a branch could loosen to pass, with BASE's value, the branch's, and a new
# finding that breaks BASE's value: the problem is reported when only the branch has the
# new value, and goes once the new value is on main (so it is the setting that decides).
SETTING_ATTACKS: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]] = {
    "sla_days": ({}, {"sla_days": {"minor": 3650}},
                 in_progress(id="CAPA-2026-006", corrective_actions=[
                     {"action": "Replace the HR feed.", "owner": "Jane Smith",
                      "due": "2030-06-30"}]), "due-beyond-sla"),
    "id_pattern": ({}, {"id_pattern": "^CAPA-[0-9]+(-[0-9]+)*$"},
                   in_progress(id="CAPA-77"), "id-filename"),
    "id_format": ({}, {"id_format": "ISMS-{seq:03}"}, in_progress(id="ISMS-001"),
                  "id-filename"),
    "owners": ({"owners": {"Jane Smith": "jane@example.com", "C. Trainer": "@trainer"}},
               {"owners": {"Jane Smith": "jane@example.com", "C. Trainer": "@trainer",
                           "M. Allory": "@mallory"}},
               in_progress(id="CAPA-2026-006", owner="M. Allory"), "owner-unknown"),
    "shallow_causes": ({}, {"shallow_causes": ["nothing is shallow"]},
                       in_progress(id="CAPA-2026-006", root_cause={
                           **CLOSED_MINOR["root_cause"], "cause": "Human error."}),
                       "root-cause-shallow"),
    "effectiveness_days": ({"effectiveness_days": {"minor": 30}},
                           {"effectiveness_days": {"minor": 3650}},
                           in_progress(id="CAPA-2026-006", corrective_actions=[
                               {"action": "Add the review to the leavers checklist.",
                                "owner": "Jane Smith", "due": "2026-10-20",
                                "completed": "2026-10-15"}]),
                           "effectiveness-overdue"),
    "standards": ({}, {"standards": ["27001", "9001"]},
                  in_progress(id="CAPA-2026-006", clauses=["A.5.19", "9001:8.4.1"]),
                  "clause-unknown"),
}


@pytest.mark.parametrize("where", ["in the change", "on main"])
@pytest.mark.parametrize("setting", sorted(SETTING_ATTACKS))
def test_a_setting_the_change_loosens_does_not_judge_it(tmp_path: Path, setting: str,
                                                        where: str) -> None:
    base, loosened, data, rule = SETTING_ATTACKS[setting]
    root = settings_repo(tmp_path, base if where == "in the change" else loosened)
    write_settings(root, loosened)
    write_finding(root / "register", data)
    _, problems = diff_json(root)
    hits = [p for p in problems if p["rule"] == rule]
    if where == "on main":
        assert hits == [] and "gate-changed" not in {p["rule"] for p in problems}, problems
        return
    assert len(hits) == 1, problems
    assert hits[0]["path"] == f"register/2026/{data['id']}.md"
    assert list(gate_messages(problems)) == ["mkdocs.yml"]


def test_a_change_that_drops_allowed_signers_still_needs_a_signed_closure(
        tmp_path: Path) -> None:
    root = settings_repo(tmp_path, {"allowed_signers": "allowed_signers"},
                         {"allowed_signers": "alice@example.com namespaces=\"git\" "
                                             "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA\n"})
    write_settings(root, {})
    write_finding(root / "register", closed_from(in_progress()))
    commit_all(root, "Close, unsigned, and stop asking for signatures")
    code, problems = diff_json(root, "pr")
    assert code == 1 and list(gate_messages(problems)) == ["mkdocs.yml"]
    signature = [p["message"] for p in problems if p["rule"] == "closure-signature"]
    assert len(signature) == 2  # the closure and the effectiveness review, both unsigned
    assert all("is not signed" in m and "listed in allowed_signers" in m for m in signature)


@pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                    reason="ssh-keygen is not installed (openssh-client)")
def test_a_change_that_points_allowed_signers_at_its_own_file_is_not_trusted(
        tmp_path: Path) -> None:
    from .test_signed import allowed_line, make_key, signed_commit

    alice, mallory = make_key(tmp_path, "alice"), make_key(tmp_path, "mallory")
    root = settings_repo(tmp_path, {"allowed_signers": "allowed_signers"},
                         {"allowed_signers": allowed_line("alice@example.com", alice)})
    (root / "ours").write_text(allowed_line("mallory@example.com", mallory))
    write_settings(root, {"allowed_signers": "ours"})
    write_finding(root / "register", closed_from(in_progress()))
    signed_commit(root, "Close, signed by a key of our own list", mallory)
    code, problems = diff_json(root, "pr")
    assert code == 1 and list(gate_messages(problems)) == ["mkdocs.yml"]
    signature = [p["message"] for p in problems if p["rule"] == "closure-signature"]
    assert len(signature) == 2  # the closure and the effectiveness review
    assert all("signed with a key the allowed-signers file does not list" in m
               for m in signature)


# A step that runs the repository's own code (tests, make, tox, nox, a script), as opposed
# to checking out, setting up, installing or running capa and mkdocs.
_OWN_CODE = re.compile(r"\b(?:pytest|tox|nox|make)\b|\b(?:python[0-9.]*|bash|sh)\s+"
                       r"(?!-m\s+pip\b)[\w./-]|(?:^|\s)\./")
ROOT = Path(__file__).resolve().parents[2]
GATED_WORKFLOWS = [ROOT / ".github" / "workflows" / "pr.yml",
                   ROOT / "capa_docs" / "cli" / "templates" / "github-gate.yml"]


@pytest.mark.parametrize("workflow", GATED_WORKFLOWS, ids=lambda p: p.name)
def test_nothing_the_pull_request_brings_runs_before_its_gate(workflow: Path) -> None:
    """The gate's inputs are the checkout and its refs, which the job can write: a test
    file the change adds (the tests run its code) could point refs/remotes/origin/main at
    HEAD, or put deleted findings back, before `capa diff` looks, and no gate file would
    have changed. So in the job that runs `capa diff`, the steps before it only check
    out, set up and install (what is installed is gate-changed)."""
    # capa init fills the template's @NAME@ placeholders (the build command, the version).
    text = re.sub(r"@[A-Z][A-Z_]*@", "placeholder", workflow.read_text())
    steps = yaml.safe_load(text)["jobs"]["gate"]["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    gate = next(index for index, run in enumerate(runs) if "capa diff" in run)
    assert [run for run in runs[:gate] if _OWN_CODE.search(run)] == []
    assert any(_OWN_CODE.search(run) for run in ("python -m pytest", "bash .ci/run",
                                                 "make check", "python scripts/x.py"))


@pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                    reason="ssh-keygen is not installed (openssh-client)")
@pytest.mark.parametrize("after", ["unsigned", "signed by a listed key", "uncommitted"])
def test_a_signed_closure_rewritten_afterwards_in_the_same_change(tmp_path: Path,
                                                                   after: str) -> None:
    """Alice signs the closure; a later commit of the same pull request swaps its evidence.
    The closure merged would not be the one she signed, so every later commit that
    changes the finding must be signed too."""
    from .test_signed import allowed_line, make_key, signed_commit

    alice = make_key(tmp_path, "alice")
    root = settings_repo(tmp_path, {"allowed_signers": "allowed_signers"},
                         {"allowed_signers": allowed_line("alice@example.com", alice)})
    write_finding(root / "register", closed_from(in_progress()))
    signed = signed_commit(root, "Close CAPA-2026-005", alice)
    write_finding(root / "register", closed_from(in_progress(), evidence=[
        {"url": "https://intranet.example.com/something-else"}]))
    if after != "uncommitted":
        later = signed_commit(root, "Tidy", alice if after.startswith("signed") else None)
    code, problems = diff_json(root, *(() if after == "uncommitted" else ("pr",)))
    signature = [p["message"] for p in problems if p["rule"] == "closure-signature"]
    if after.startswith("signed"):
        assert (code, signature) == (0, [])
        return
    assert code == 1 and len(signature) == 1, problems
    if after == "unsigned":
        assert signature[0].startswith(
            f"commit {later[:10]} changed CAPA-2026-005 after the signed commit "
            f"{signed[:10]} that closed it, and is not signed")
    else:
        assert signature[0].startswith(
            f"CAPA-2026-005 as this change leaves it is not the version the signed commit "
            f"{signed[:10]} that closed it, or a later signed commit, records (it was "
            "changed in the working tree")


@pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                    reason="ssh-keygen is not installed (openssh-client)")
def test_a_signed_closure_rewritten_in_a_merge_commit(tmp_path: Path) -> None:
    """The same swap hidden in a merge: `git log --raw` lists no changes for a merge
    commit, so the change is found by comparing what HEAD holds with the last version a
    listed commit records."""
    from .test_signed import allowed_line, make_key, signed_commit

    alice = make_key(tmp_path, "alice")
    root = settings_repo(tmp_path, {"allowed_signers": "allowed_signers"},
                         {"allowed_signers": allowed_line("alice@example.com", alice)})
    write_finding(root / "register", closed_from(in_progress()))
    signed = signed_commit(root, "Close CAPA-2026-005", alice)
    git(root, "checkout", "-q", "-b", "side", "main")
    (root / "notes.txt").write_text("unrelated\n")
    commit_all(root, "Unrelated")
    git(root, "checkout", "-q", "pr")
    git(root, "merge", "-q", "--no-ff", "--no-commit", "side")
    write_finding(root / "register", closed_from(in_progress(), evidence=[
        {"url": "https://intranet.example.com/something-else"}]))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Merge side")
    code, problems = diff_json(root, "pr")
    signature = [p["message"] for p in problems if p["rule"] == "closure-signature"]
    assert code == 1 and len(signature) == 1, problems
    assert signature[0].startswith(
        f"CAPA-2026-005 as this change leaves it is not the version the signed commit "
        f"{signed[:10]} that closed it, or a later signed commit, records")


def test_a_catalogue_named_from_a_configuration_in_a_subfolder_is_base_s(
        tmp_path: Path) -> None:
    """`standards` entries are relative to the configuration file, in BASE's tree as on
    disk: docs/mkdocs.yml naming ../policies/catalogue.yaml reads BASE's policies/."""
    root = init_repo(tmp_path / "repo")
    (root / "docs").mkdir()
    (root / "docs" / "mkdocs.yml").write_text(
        "site_name: R\ndocs_dir: .\nplugins:\n  - capa:\n      register: ../register\n"
        "      evidence: ../register/evidence\n"
        f"      standards: [\"27001\", ../{CATALOGUE}]\n")
    (root / "policies").mkdir()
    (root / CATALOGUE).write_text(POLICIES)
    write_finding(root / "register", in_progress())
    commit_all(root, "Base", "2026-11-01")
    git(root, "checkout", "-q", "-b", "pr")
    write_finding(root / "register", citing_policy("POL:POL-01"))
    result = run_capa("diff", "main", "--today", TODAY, "--format", "json", cwd=root / "docs")
    assert (result.returncode, problems_json(result)) == (0, []), result.stderr
    (root / CATALOGUE).write_text(POLICIES + "  POL-99: Anything\n")
    write_finding(root / "register", citing_policy("POL:POL-99"))
    result = run_capa("diff", "main", "--today", TODAY, "--format", "json", cwd=root / "docs")
    assert result.returncode == 1
    assert [(p["path"], p["rule"]) for p in problems_json(result)] == [
        (f"../{CATALOGUE}", "gate-changed"),
        ("../register/2026/CAPA-2026-006.md", "clause-unknown")]


def test_an_inherited_base_file_that_is_a_link_stops_the_gate(tmp_path: Path) -> None:
    """git hands back a link's target as its text: BASE's inherited settings read from it
    would be dropped without a word, and the change judged with the defaults."""
    root = settings_repo(tmp_path, {}, {"config/real.yml": yaml.safe_dump(
        {"plugins": [{"capa": {"rules": {"severity-lowered": "error"}}}]})})
    (root / "config" / "base.yml").symlink_to("real.yml")
    (root / "mkdocs.yml").write_text("site_name: Register\nINHERIT: config/base.yml\n")
    commit_all(root, "Settings through a link", "2026-11-02")
    git(root, "branch", "-f", "main", "pr")
    write_finding(root / "register", in_progress(severity="observation"))
    result = run_capa("diff", "main", "--today", TODAY, cwd=root)
    assert result.returncode == 2, result.stdout
    assert "INHERIT 'config/base.yml' (config/base.yml) is a symbolic link" in result.stderr
    assert "commit the file itself" in result.stderr
