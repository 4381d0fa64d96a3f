"""`capa diff` on real git repositories: one scenario per rule, as a pull request would be.

Each test builds a base branch, changes it on a branch (committed or left in the working
tree), and runs the real CLI as a subprocess.
"""

from __future__ import annotations

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
    front_matter,
    git,
    init_repo,
    problems_json,
    run_capa,
    write_evidence,
    write_finding,
)

OPEN_MINOR: dict[str, Any] = {
    "id": "CAPA-2026-005", "status": "open", "closure": None, "root_cause": None,
    "extent": None, "correction": None, "raised": "2026-10-01",
    "corrective_actions": [{"action": "Add the access review to the onboarding checklist.",
                            "owner": "Jane Smith", "due": "2027-01-31"}],
}


def open_minor(**changes: Any) -> dict[str, Any]:
    return finding(**{**OPEN_MINOR, **changes})


def in_progress(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "status": "in-progress",
            "root_cause": CLOSED_MINOR["root_cause"], "extent": CLOSED_MINOR["extent"],
            "correction": {"action": "Reviewed the three accounts.", "completed": "2026-10-20"}}


def closed_now(data: dict[str, Any]) -> dict[str, Any]:
    done = in_progress(data)
    done["status"] = "closed"
    done["corrective_actions"] = [{**done["corrective_actions"][0], "completed": "2026-11-10"}]
    done["closure"] = {
        "closed": "2026-11-20",
        "evidence": [{"path": f"../evidence/{data['id']}/checklist.txt",
                      "sha256": CLOSED_MINOR["closure"]["evidence"][0]["sha256"],
                      "description": "Checklist with the review step"}],
        "effectiveness": {"reviewed": "2026-11-18", "by": "B. Reviewer (Internal Audit)",
                          "result": "effective", "method": "Sampled 5 new starters."},
    }
    return done


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A base branch `main` with a closed and an open finding, and a branch `pr` on it."""
    root = init_repo(tmp_path / "repo")
    register = root / "register"
    write_evidence(register, "CAPA-2026-004")
    write_finding(register, finding())
    write_finding(register, open_minor())
    commit_all(root, "Base register", "2026-11-01")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def diff(repo: Path, *args: str, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return run_capa("diff", "main", *args, "--today", TODAY, cwd=repo, env=env)


def diff_json(repo: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = diff(repo, *args, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, problems_json(result)


def rules(problems: list[dict[str, Any]]) -> list[str]:
    return [p["rule"] for p in problems]


def test_clean_pull_request_opens_progresses_and_closes(repo: Path) -> None:
    register = repo / "register"
    write_finding(register, open_minor(id="CAPA-2026-006", title="New starters lack training"))
    write_evidence(register, "CAPA-2026-005")
    write_finding(register, closed_now(open_minor()))
    commit_all(repo, "Close CAPA-2026-005, raise CAPA-2026-006")
    code, problems = diff_json(repo)
    assert (code, problems) == (0, [])
    summary = diff(repo, "--format", "markdown")
    assert summary.returncode == 0, summary.stdout + summary.stderr
    text = summary.stdout
    assert "### New findings (1)" in text and "CAPA-2026-006" in text
    assert "| CAPA-2026-005 | open → closed |" in text
    assert "### Closures (1)" in text
    assert "../evidence/CAPA-2026-005/checklist.txt (Checklist with the review step)" in text
    assert "this change passes" in text


def test_progress_in_steps_is_listed(repo: Path) -> None:
    write_finding(repo / "register", in_progress(open_minor()))
    result = diff(repo, "--format", "markdown")
    assert result.returncode == 0, result.stdout
    assert "| CAPA-2026-005 | open → in-progress |" in result.stdout


def test_finding_deleted(repo: Path) -> None:
    (repo / "register" / "2026" / "CAPA-2026-005.md").unlink()
    code, problems = diff_json(repo)
    assert code == 1
    assert rules(problems) == ["finding-deleted"]
    assert problems[0]["path"] == "register/2026/CAPA-2026-005.md"
    assert "CAPA-2026-005 was deleted" in problems[0]["message"]


def test_finding_renamed_in_place(repo: Path) -> None:
    path = repo / "register" / "2026" / "CAPA-2026-005.md"
    write_finding(repo / "register", open_minor(id="CAPA-2026-009"), name="CAPA-2026-005")
    code, problems = diff_json(repo)
    assert code == 1
    assert "finding-renamed" in rules(problems)
    renamed = next(p for p in problems if p["rule"] == "finding-renamed")
    assert "CAPA-2026-005 to CAPA-2026-009" in renamed["message"]
    assert renamed["line"] == 2 and path.exists()


def test_finding_renamed_with_its_file(repo: Path) -> None:
    (repo / "register" / "2026" / "CAPA-2026-005.md").unlink()
    write_finding(repo / "register", open_minor(id="CAPA-2026-009"))
    commit_all(repo, "Renumber")
    code, problems = diff_json(repo)
    assert code == 1
    assert rules(problems) == ["finding-renamed"]
    assert problems[0]["path"] == "register/2026/CAPA-2026-009.md"
    assert "CAPA-2026-005" in problems[0]["message"]


def test_move_to_another_folder_with_same_id_is_fine(repo: Path) -> None:
    git(repo, "mv", "register/2026", "register/archive")
    code, problems = diff_json(repo)
    assert (code, problems) == (0, [])
    summary = diff(repo, "--format", "markdown").stdout
    assert "### Moved (2)" in summary


@pytest.mark.parametrize("field,value", [("raised", "2026-09-01"), ("raised_by", "C. Other")])
def test_raised_changed(repo: Path, field: str, value: str) -> None:
    write_finding(repo / "register", open_minor(**{field: value}))
    code, problems = diff_json(repo)
    assert code == 1
    assert rules(problems) == ["raised-changed"]
    assert f"`{field}` changed" in problems[0]["message"]
    assert problems[0]["line"] == (7 if field == "raised" else 8)


def test_closed_edited(repo: Path) -> None:
    write_finding(repo / "register", finding(title="Supplier assessments skipped (edited)"))
    code, problems = diff_json(repo)
    assert code == 1
    assert rules(problems) == ["closed-edited"]
    assert "(title)" in problems[0]["message"] and problems[0]["line"] == 3


def test_closed_narrative_edit_is_an_edit(repo: Path) -> None:
    write_finding(repo / "register", finding(), body="Rewritten history.\n")
    code, problems = diff_json(repo)
    assert rules(problems) == ["closed-edited"] and "narrative" in problems[0]["message"]


def test_evidence_removed_from_closed_finding(repo: Path) -> None:
    data = finding()
    data["closure"]["evidence"] = data["closure"]["evidence"][:1]
    write_finding(repo / "register", data)
    code, problems = diff_json(repo)
    assert code == 1
    assert sorted(rules(problems)) == ["closed-edited", "evidence-removed"]
    removed = next(p for p in problems if p["rule"] == "evidence-removed")
    assert "https://intranet.example.com/procurement/checklist" in removed["message"]


def test_evidence_file_deleted_under_unchanged_closed_finding(repo: Path) -> None:
    (repo / "register" / "evidence" / "CAPA-2026-004" / "checklist.txt").unlink()
    code, problems = diff_json(repo)
    assert code == 1
    assert sorted(rules(problems)) == ["evidence-missing", "evidence-removed"]
    assert {p["path"] for p in problems} == {"register/2026/CAPA-2026-004.md"}


def test_evidence_file_rewritten_under_closed_finding(repo: Path) -> None:
    (repo / "register" / "evidence" / "CAPA-2026-004" / "checklist.txt").write_text("forged\n")
    code, problems = diff_json(repo)
    assert code == 1 and rules(problems) == ["closed-edited", "evidence-hash"]
    assert "checklist.txt" in problems[0]["message"]


def test_reopened_is_a_warning(repo: Path) -> None:
    reopened = finding(status="in-progress")
    reopened["corrective_actions"].append({"action": "Automate the vendor check.",
                                          "owner": "Jane Smith", "due": "2027-01-31"})
    write_finding(repo / "register", reopened)
    code, problems = diff_json(repo)
    assert code == 0
    assert rules(problems) == ["reopened"] and problems[0]["level"] == "warning"
    assert diff(repo, "--strict").returncode == 1
    assert "### Reopened (1)" in diff(repo, "--format", "markdown").stdout


def test_due_extended_names_both_dates(repo: Path) -> None:
    data = open_minor()
    data["corrective_actions"][0]["due"] = "2027-03-31"
    write_finding(repo / "register", data)
    code, problems = diff_json(repo)
    assert code == 0
    assert rules(problems) == ["due-extended"]
    assert "2027-01-31 to 2027-03-31" in problems[0]["message"]
    assert problems[0]["line"] == 19


def test_severity_lowered(repo: Path) -> None:
    write_finding(repo / "register", open_minor(severity="observation"))
    code, problems = diff_json(repo)
    assert code == 0
    assert rules(problems) == ["severity-lowered"]
    assert "minor to observation" in problems[0]["message"]


def test_head_side_is_validated(repo: Path) -> None:
    write_finding(repo / "register", open_minor(id="CAPA-2026-006", severity="huge"))
    code, problems = diff_json(repo)
    assert code == 1 and rules(problems) == ["schema"]


def test_gate_changed_is_shown_first_and_base_settings_judge(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text("site_name: Register\nplugins:\n  - capa:\n"
                                     "      rules:\n        due-extended: error\n")
    commit_all(repo, "Base settings")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "pr")
    git(repo, "checkout", "-q", "pr")
    # The pull request turns the rule off and edits its own workflow ...
    (repo / "mkdocs.yml").write_text("site_name: Register\nplugins:\n  - capa:\n"
                                     "      rules:\n        due-extended: 'off'\n")
    workflow = repo / ".github" / "workflows" / "pr.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: pull_request\n")
    data = open_minor()
    data["corrective_actions"][0]["due"] = "2027-03-31"
    write_finding(repo / "register", data)
    code, problems = diff_json(repo)
    # ... but BASE's settings still make the extension an error.
    assert code == 1
    assert rules(problems) == ["gate-changed", "gate-changed", "due-extended"]
    assert problems[2]["level"] == "error"
    assert {p["path"] for p in problems[:2]} == {".github/workflows/pr.yml", "mkdocs.yml"}
    mkdocs = next(p for p in problems if p["path"] == "mkdocs.yml")
    assert mkdocs["line"] == 3
    summary = diff(repo, "--format", "markdown").stdout
    assert summary.index("edits what judges it") < summary.index("### Due dates extended")


def test_mkdocs_edit_outside_the_capa_block_is_not_a_gate_change(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text("site_name: Register\nplugins:\n  - capa\n")
    commit_all(repo, "Config")
    git(repo, "branch", "-f", "main", "pr")
    (repo / "mkdocs.yml").write_text("site_name: The register\nplugins:\n  - capa\n")
    assert diff_json(repo) == (0, [])


def test_head_commit_is_read_without_touching_the_working_tree(repo: Path) -> None:
    register = repo / "register"
    write_evidence(register, "CAPA-2026-005")
    write_finding(register, closed_now(open_minor()))
    commit_all(repo, "Close with evidence")
    (register / "evidence" / "CAPA-2026-005" / "checklist.txt").unlink()
    commit_all(repo, "Drop the evidence file")
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    before = sorted(p.relative_to(repo).as_posix() for p in register.rglob("*"))
    result = run_capa("diff", "main", head, "--today", TODAY, "--format", "json", cwd=repo)
    assert result.returncode == 1, result.stderr
    problems = problems_json(result)
    assert rules(problems) == ["evidence-missing"]
    assert problems[0]["path"] == "register/2026/CAPA-2026-005.md"
    assert sorted(p.relative_to(repo).as_posix() for p in register.rglob("*")) == before
    assert git(repo, "status", "--porcelain") == ""
    # The same commit with its evidence is clean: the file is found in HEAD's tree.
    clean = run_capa("diff", "main", "pr~1", "--today", TODAY, cwd=repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_head_commit_evidence_symlink_out_of_the_repository(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("outside\n")
    register = repo / "register"
    folder = register / "evidence" / "CAPA-2026-005"
    folder.mkdir(parents=True)
    (folder / "checklist.txt").symlink_to(secret)
    write_finding(register, closed_now(open_minor()))
    commit_all(repo, "Close with a link")
    result = run_capa("diff", "main", "pr", "--today", TODAY, "--format", "json", cwd=repo)
    assert rules(problems_json(result)) == ["evidence-outside-repo"]


def test_head_commit_sees_duplicate_ids_across_the_register(repo: Path) -> None:
    write_finding(repo / "register", open_minor(), folder="archive")
    commit_all(repo, "Copy")
    result = run_capa("diff", "main", "pr", "--today", TODAY, "--format", "json", cwd=repo)
    assert "id-duplicate" in rules(problems_json(result))


def test_shallow_clone_without_base_history(repo: Path, tmp_path: Path) -> None:
    write_finding(repo / "register", open_minor(title="Edited"))
    commit_all(repo, "One more commit")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "pr",
                    f"file://{repo}", str(clone)], check=True, capture_output=True)
    result = run_capa("diff", "origin/main", "--today", TODAY, cwd=clone)
    assert result.returncode == 2
    assert "shallow" in result.stderr and "fetch-depth: 0" in result.stderr
    assert "git fetch --unshallow" in result.stderr
    # The base branch fetched at depth 1 exists, but the history joining it is missing.
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--depth", "1", "origin",
                    "main:refs/remotes/origin/main"], check=True, capture_output=True)
    result = run_capa("diff", "origin/main", "--today", TODAY, cwd=clone)
    assert result.returncode == 2 and "fetch-depth: 0" in result.stderr
    subprocess.run(["git", "-C", str(clone), "fetch", "-q", "--unshallow"], check=True,
                   capture_output=True)
    result = run_capa("diff", "origin/main", "--today", TODAY, cwd=clone)
    assert result.returncode == 0, result.stdout + result.stderr


def test_unknown_base_is_a_usage_error(repo: Path) -> None:
    result = run_capa("diff", "no-such-branch", cwd=repo)
    assert result.returncode == 2
    assert "'no-such-branch' is not a commit" in result.stderr


def test_github_format_writes_annotations_and_the_summary(repo: Path, tmp_path: Path) -> None:
    write_finding(repo / "register", open_minor(severity="observation"))
    summary = tmp_path / "summary.md"
    result = diff(repo, env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 0
    assert result.stdout.startswith("::warning file=register/2026/CAPA-2026-005.md,line=4,"
                                    "title=severity-lowered::")
    text = summary.read_text()
    assert "## capa diff: main ... working tree" in text and "### Severity lowered (1)" in text


def test_json_and_text_agree(repo: Path) -> None:
    (repo / "register" / "2026" / "CAPA-2026-005.md").unlink()
    text = diff(repo)
    assert text.returncode == 1
    assert text.stdout.splitlines()[0] == (
        "register/2026/CAPA-2026-005.md:1: error finding-deleted: CAPA-2026-005 was deleted; "
        "findings are never deleted: restore the file and close the finding with the reason "
        "(e.g. raised in error) as evidence")
    data = json.loads(diff(repo, "--format", "json").stdout)
    assert data["errors"] == 1 and data["warnings"] == 0


def test_rule_level_from_base_settings_can_silence(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text("plugins:\n  - capa:\n      rules:\n"
                                     "        severity-lowered: 'off'\n")
    commit_all(repo, "Settings")
    git(repo, "branch", "-f", "main", "pr")
    write_finding(repo / "register", open_minor(severity="observation"))
    assert diff_json(repo) == (0, [])


def test_runs_from_a_subfolder(repo: Path) -> None:
    (repo / "register" / "2026" / "CAPA-2026-005.md").unlink()
    result = run_capa("diff", "main", "--today", TODAY, cwd=repo / "register")
    assert result.returncode == 1
    assert result.stdout.startswith("2026/CAPA-2026-005.md:1: error finding-deleted")


def test_nothing_changed(repo: Path) -> None:
    result = diff(repo)
    assert result.returncode == 0
    assert result.stdout.strip() == "0 findings: 0 errors, 0 warnings"


def test_head_commit_leaves_head_and_index_alone(repo: Path) -> None:
    """A HEAD commit is compared without moving HEAD or the index."""
    write_finding(repo / "register", open_minor(severity="observation"))
    commit_all(repo, "Lower")
    head_before = git(repo, "rev-parse", "HEAD")
    index_before = (repo / ".git" / "index").stat().st_mtime_ns
    run_capa("diff", "main", "HEAD", "--today", TODAY, cwd=repo)
    assert git(repo, "rev-parse", "HEAD") == head_before
    assert (repo / ".git" / "index").stat().st_mtime_ns == index_before


# --- ways around the gate -------------------------------------------------------------

def _symlink_closed_finding_into_evidence(repo: Path) -> None:
    """The closed finding becomes a link to a rewritten copy kept in the evidence folder."""
    register = repo / "register"
    copy = register / "evidence" / "CAPA-2026-004" / "CAPA-2026-004.md"
    data = finding(title="Rewritten closed record", raised="2026-01-01",
                   raised_by="Someone else")
    data["closure"]["evidence"][0]["path"] = "checklist.txt"
    copy.write_text(f"---\n{front_matter(data)}---\nNew\n")
    path = register / "2026" / "CAPA-2026-004.md"
    path.unlink()
    path.symlink_to("../evidence/CAPA-2026-004/CAPA-2026-004.md")


@pytest.mark.parametrize("mode", ["worktree", "commit"])
def test_finding_replaced_by_a_symlink_is_refused(repo: Path, mode: str) -> None:
    _symlink_closed_finding_into_evidence(repo)
    commit_all(repo, "Link the record to a copy")
    code, problems = diff_json(repo, *(["pr"] if mode == "commit" else []))
    assert code == 1
    # Only the link: HEAD's other findings (stand-ins in commit mode) are not validated.
    assert [(p["path"], p["rule"]) for p in problems] == [
        ("register/2026/CAPA-2026-004.md", "front-matter")]
    assert "symbolic link (to ../evidence/CAPA-2026-004/CAPA-2026-004.md)" in (
        problems[0]["message"])


def test_finding_replaced_by_a_submodule_fails_closed(repo: Path) -> None:
    """HEAD has no file to read at a BASE finding's path: an error, never silence."""
    path = "register/2026/CAPA-2026-005.md"
    commit = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "rm", "-q", "--cached", path)
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{commit},{path}")
    git(repo, "commit", "-q", "-m", "Replace the finding by a submodule")
    code, problems = diff_json(repo, "pr")
    assert code == 1
    assert [(p["path"], p["rule"]) for p in problems] == [(path, "finding-deleted")]
    assert "has no finding file that can be read" in problems[0]["message"]


def _records_repo(tmp_path: Path, config: str = "mkdocs.yml") -> Path:
    root = init_repo(tmp_path / "records-repo")
    register = root / "records"
    write_evidence(register, "CAPA-2026-004")
    write_finding(register, finding())
    write_finding(register, open_minor())
    (root / config).write_text("site_name: R\nplugins:\n  - capa:\n      register: records\n"
                               "      evidence: records/evidence\n")
    commit_all(root, "Base", "2026-11-01")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def test_config_renamed_to_mkdocs_yaml_still_judges_with_base_settings(tmp_path: Path) -> None:
    repo = _records_repo(tmp_path)
    (repo / "records" / "2026" / "CAPA-2026-004.md").unlink()
    git(repo, "mv", "mkdocs.yml", "mkdocs.yaml")
    code, problems = diff_json(repo)
    assert code == 1
    assert [(p["path"], p["rule"]) for p in problems] == [
        ("mkdocs.yaml", "gate-changed"), ("records/2026/CAPA-2026-004.md", "finding-deleted")]
    assert "from mkdocs.yml to mkdocs.yaml" in problems[0]["message"]
    # Naming the new file does not change whose settings judge.
    code, problems = diff_json(repo, "--config", "mkdocs.yaml")
    assert "finding-deleted" in rules(problems)


def test_register_folder_comes_from_base(tmp_path: Path) -> None:
    repo = _records_repo(tmp_path)
    (repo / "mkdocs.yml").write_text("site_name: R\nplugins:\n  - capa:\n"
                                     "      register: elsewhere\n")
    (repo / "records" / "2026" / "CAPA-2026-005.md").unlink()
    code, problems = diff_json(repo)
    assert code == 1
    # The rules stay BASE's; the register HEAD names (empty) is judged against BASE's by
    # ID, so pointing `register:` elsewhere deletes every finding it leaves behind.
    assert [(p["path"], p["rule"]) for p in problems] == [
        ("mkdocs.yml", "gate-changed"), ("records/2026/CAPA-2026-004.md", "finding-deleted"),
        ("records/2026/CAPA-2026-005.md", "finding-deleted")]


def test_missing_config_file_is_a_usage_error(repo: Path) -> None:
    result = diff(repo, "--config", "nope.yml")
    assert result.returncode == 2
    assert "nope.yml: no such configuration file" in result.stderr


def test_base_settings_the_run_cannot_find_are_a_usage_error(tmp_path: Path) -> None:
    """BASE keeps its settings in docs/mkdocs.yml; the change moves them to the root, where
    a run from the root would find only HEAD's file: stop rather than use the defaults."""
    repo = init_repo(tmp_path / "repo")
    write_finding(repo / "records", open_minor())
    (repo / "docs").mkdir()
    (repo / "docs" / "mkdocs.yml").write_text(
        "site_name: R\ndocs_dir: .\nplugins:\n  - capa:\n      register: ../records\n"
        "      evidence: ../records/evidence\n")
    commit_all(repo, "Base", "2026-11-01")
    git(repo, "checkout", "-q", "-b", "pr")
    git(repo, "mv", "docs/mkdocs.yml", "mkdocs.yml")
    (repo / "records" / "2026" / "CAPA-2026-005.md").unlink()
    result = diff(repo)
    assert result.returncode == 2, result.stdout
    assert "main keeps its capa settings in docs/mkdocs.yml" in result.stderr
    assert "Run capa diff from docs" in result.stderr


def test_base_register_folder_missing_from_base_is_a_usage_error(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text("plugins:\n  - capa:\n      register: records\n")
    commit_all(repo, "Point the settings at a folder that does not exist")
    git(repo, "branch", "-f", "main", "pr")
    (repo / "register" / "2026" / "CAPA-2026-005.md").unlink()
    result = diff(repo)
    assert result.returncode == 2, result.stdout
    assert "put the register in records/, which main does not have" in result.stderr
    assert "register/2026/CAPA-2026-004.md" in result.stderr


@pytest.mark.parametrize("mode", ["worktree", "commit"])
def test_evidence_rewritten_under_a_moved_closed_finding(tmp_path: Path, mode: str) -> None:
    root = init_repo(tmp_path / "repo")
    register = root / "register"
    write_evidence(register, "CAPA-2026-004")
    data = finding()
    del data["closure"]["evidence"][0]["sha256"]  # unpinned: no evidence-hash to catch it
    write_finding(register, data)
    commit_all(root, "Base", "2026-11-01")
    git(root, "checkout", "-q", "-b", "pr")
    write_evidence(register, "CAPA-2026-004", content=b"forged\n")
    git(root, "mv", "register/2026", "register/2025")
    if mode == "commit":
        commit_all(root, "Move and rewrite")
    code, problems = diff_json(root, *(["pr"] if mode == "commit" else []))
    assert code == 1
    edited = [p for p in problems if p["rule"] == "closed-edited"]
    assert len(edited) == 1 and edited[0]["path"] == "register/2025/CAPA-2026-004.md"
    assert "evidence file register/evidence/CAPA-2026-004/checklist.txt" in edited[0]["message"]


def test_due_extended_behind_an_inserted_action(repo: Path) -> None:
    data = open_minor()
    data["corrective_actions"][0]["due"] = "2027-09-30"
    data["corrective_actions"].insert(0, {"action": "Interim check.", "owner": "Jane Smith",
                                          "due": "2026-12-15"})
    write_finding(repo / "register", data)
    code, problems = diff_json(repo)
    assert code == 0
    assert rules(problems) == ["due-extended"]
    assert problems[0]["message"].startswith(
        "corrective action 2 due date moved from 2027-01-31 to 2027-09-30")
    assert problems[0]["line"] == 22


def test_due_extended_with_the_action_reworded(repo: Path) -> None:
    data = open_minor()
    data["corrective_actions"] = [
        {"action": "Something else entirely.", "owner": "C. Other", "due": "2027-03-31"}]
    write_finding(repo / "register", data)
    code, problems = diff_json(repo)
    assert code == 0
    assert rules(problems) == ["due-extended"]
    assert "a corrective action due 2027-01-31 is gone" in problems[0]["message"]
    assert "due 2027-03-31 (59 days later), is new" in problems[0]["message"]


def test_reordered_actions_are_not_extensions(repo: Path) -> None:
    data = open_minor()
    data["corrective_actions"].insert(0, {"action": "Interim check.", "owner": "Jane Smith",
                                          "due": "2026-12-15"})
    write_finding(repo / "register", data)
    assert diff_json(repo) == (0, [])


def test_closed_finding_moved_deeper_with_its_evidence_path_fixed(repo: Path) -> None:
    (repo / "register" / "2026" / "CAPA-2026-004.md").unlink()
    data = finding()
    data["closure"]["evidence"][0]["path"] = "../../evidence/CAPA-2026-004/checklist.txt"
    write_finding(repo / "register", data, folder="archive/2026")
    assert diff_json(repo) == (0, [])
    assert "### Moved (1)" in diff(repo, "--format", "markdown").stdout
    # The same move with anything else edited is still an edit of a closed record.
    write_finding(repo / "register", data, folder="archive/2026", body="Rewritten.\n")
    code, problems = diff_json(repo)
    assert code == 1 and rules(problems) == ["closed-edited"]
    assert "(narrative)" in problems[0]["message"]


def test_evidence_moved_under_a_closed_finding_in_place_is_an_edit(repo: Path) -> None:
    """Only a finding that moves may have its evidence paths rewritten (to name the same
    files from its new folder); in place, the rewritten path is an edit of the record."""
    register = repo / "register"
    (register / "evidence" / "2026").mkdir()
    git(repo, "mv", "register/evidence/CAPA-2026-004", "register/evidence/2026/CAPA-2026-004")
    data = finding()
    data["closure"]["evidence"][0]["path"] = "../evidence/2026/CAPA-2026-004/checklist.txt"
    write_finding(register, data)
    code, problems = diff_json(repo)
    assert code == 1 and rules(problems) == ["closed-edited"]
    assert "(closure)" in problems[0]["message"]
    commit_all(repo, "Evidence by year")
    assert rules(diff_json(repo, "pr")[1]) == ["closed-edited"]
    # Pointing the record at a different file is removing its evidence.
    write_evidence(register / "evidence" / "2026", "CAPA-2026-004", content=b"other\n")
    data["closure"]["evidence"][0]["path"] = (
        "../evidence/2026/evidence/CAPA-2026-004/checklist.txt")
    del data["closure"]["evidence"][0]["sha256"]
    write_finding(register, data)
    code, problems = diff_json(repo)
    assert code == 1 and "evidence-removed" in rules(problems)


def test_gate_changed_covers_capa_docs_code_in_capa_docs_itself(repo: Path) -> None:
    (repo / "capa_docs").mkdir()
    (repo / "capa_docs" / "diff.py").write_text("# the judge\n")
    assert diff_json(repo) == (0, [])  # another repository's folder of that name
    (repo / "pyproject.toml").write_text('[project]\nname = "capa-docs"\n')
    commit_all(repo, "capa-docs itself")
    git(repo, "branch", "-f", "main", "pr")
    (repo / "capa_docs" / "diff.py").write_text("# a lenient judge\n")
    code, problems = diff_json(repo)
    assert [(p["path"], p["rule"]) for p in problems] == [("capa_docs/diff.py", "gate-changed")]
    assert "capa-docs's own code" in problems[0]["message"]


def test_closed_finding_renamed_names_the_id_as_the_edit(repo: Path) -> None:
    (repo / "register" / "2026" / "CAPA-2026-004.md").unlink()
    write_finding(repo / "register", finding(id="CAPA-2026-009"))
    code, problems = diff_json(repo)
    assert code == 1
    assert sorted(rules(problems)) == ["closed-edited", "finding-renamed"]
    edited = next(p for p in problems if p["rule"] == "closed-edited")
    assert edited["message"].startswith("CAPA-2026-004 was closed on the base branch and is "
                                        "edited here (id)")


def test_a_register_readme_is_not_a_finding_to_the_gate(repo: Path) -> None:
    (repo / "register" / "README.md").write_text("# The register\n")
    (repo / "register" / "2026" / "index.md").write_text("# 2026\n")
    assert diff_json(repo) == (0, [])
    commit_all(repo, "Notes")
    assert diff_json(repo, "pr") == (0, [])
