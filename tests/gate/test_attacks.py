"""Issue 11, "the gate, attacked": changes an attacker with write access to a branch made
pass `capa diff main HEAD`, each on a real repository built from a small register of the
test's own, and the legitimate changes next to them that must still pass.
"""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

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
