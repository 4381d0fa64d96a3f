"""Issue 11, "the gate, attacked": changes an attacker with write access to a branch made
pass `capa diff main HEAD`, each on a real repository built from a small register of the
test's own, and the legitimate changes next to them that must still pass.
"""

from __future__ import annotations

import copy
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
                       "effectiveness": copy.deepcopy(CLOSED_MINOR["closure"]["effectiveness"]),
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
