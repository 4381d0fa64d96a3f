"""Reports for CI services: `--format sarif` (GitHub code scanning) and `--format gitlab`
(GitLab Code Quality), from `capa validate` and `capa diff`, run as CI runs them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from capa_docs.contract.model import Problem
from capa_docs.contract.report import fingerprints
from capa_docs.contract.rules import DIFF_RULES, RULES

from ..helpers import (
    TODAY,
    commit_all,
    finding,
    git,
    init_repo,
    run_capa,
    write_evidence,
    write_finding,
)

DATA = Path(__file__).resolve().parents[1] / "data"
SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"
# The official file (see tests/data/README.md); a copy edited to let output through fails.
SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    raw = SARIF_SCHEMA.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SARIF_SCHEMA_SHA256
    schema = json.loads(raw)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed register with errors and a warning: a closed finding without evidence,
    one whose evidence file is missing, and an overdue open one (in a folder whose name
    needs escaping in a URI)."""
    root = init_repo(tmp_path / "repo")
    register = root / "register"
    write_evidence(register, "CAPA-2026-004")
    write_finding(register, finding())
    write_finding(register, finding(id="CAPA-2026-005", closure=None))
    write_finding(register, finding(id="CAPA-2026-006", closure={
        **finding()["closure"],
        "evidence": [{"path": "../evidence/CAPA-2026-006/gone.pdf", "description": "Gone"}]}))
    write_finding(register, finding(
        id="CAPA-2026-007", status="open", closure=None, root_cause=None, extent=None,
        correction=None, raised="2026-10-01",
        corrective_actions=[{"action": "Add the step.", "owner": "Jane Smith",
                             "due": "2026-11-01"}]), folder="2026 Q4 #1")
    commit_all(root, "Register")
    return root


def _run(repo: Path, *args: str) -> Any:
    result = run_capa(*args, "--today", TODAY, cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_validate_sarif_is_valid_sarif_2_1_0(repo: Path,
                                             sarif_validator: jsonschema.Draft4Validator
                                             ) -> None:
    log = _run(repo, "validate", "--format", "sarif")
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert errors == [], errors[0].message
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    # One rule per contract rule and gate rule, each with its help text.
    assert [r["id"] for r in rules] == [*RULES, *DIFF_RULES]
    for rule in rules:
        summary = {**RULES, **DIFF_RULES}[rule["id"]].summary
        assert rule["shortDescription"]["text"] == summary
        assert summary in rule["help"]["text"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert {"closure-evidence", "evidence-missing", "overdue"} <= set(by_rule)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["region"]["startLine"] >= 1
    closure = by_rule["closure-evidence"]
    assert closure["level"] == "error"
    where = closure["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "register/2026/CAPA-2026-005.md"
    assert where["region"]["startLine"] == 5  # the `status: closed` line
    overdue = by_rule["overdue"]
    assert overdue["level"] == "warning"
    assert (overdue["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "register/2026%20Q4%20%231/CAPA-2026-007.md")


def test_diff_sarif_is_valid_sarif_2_1_0(repo: Path,
                                         sarif_validator: jsonschema.Draft4Validator) -> None:
    """capa diff gets the format too: a deleted finding is a result at its path."""
    git(repo, "checkout", "-q", "-b", "change")
    (repo / "register" / "2026" / "CAPA-2026-004.md").unlink()
    commit_all(repo, "Delete a record")
    log = _run(repo, "diff", "main", "HEAD", "--format", "sarif")
    assert list(sarif_validator.iter_errors(log)) == []
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["finding-deleted"]
    location = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "register/2026/CAPA-2026-004.md"


def test_sarif_notes_are_notifications(tmp_path: Path,
                                       sarif_validator: jsonschema.Draft4Validator) -> None:
    """A register not yet committed has no history: the note rides along in the log."""
    root = init_repo(tmp_path / "repo")
    write_finding(root / "register", finding(id="CAPA-2026-005", closure=None))
    log = _run(root, "validate", "--format", "sarif")
    assert list(sarif_validator.iter_errors(log)) == []
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes and all(n["level"] == "note" for n in notes)


def test_gitlab_code_quality_has_every_required_key(repo: Path) -> None:
    issues = _run(repo, "validate", "--format", "gitlab")
    assert isinstance(issues, list) and len(issues) >= 3
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["severity"] in GITLAB_SEVERITIES
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["location"]["lines"]["begin"] >= 1
    by_rule = {i["check_name"]: i for i in issues}
    assert by_rule["closure-evidence"]["severity"] == "major"
    assert by_rule["overdue"]["severity"] == "minor"
    assert by_rule["closure-evidence"]["location"] == {
        "path": "register/2026/CAPA-2026-005.md", "lines": {"begin": 5}}
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_fingerprints_do_not_change_between_runs(repo: Path) -> None:
    for fmt in ("gitlab", "sarif"):
        first, second = (_run(repo, "validate", "--format", fmt) for _ in range(2))
        assert first == second
    sarif = _run(repo, "validate", "--format", "sarif")["runs"][0]["results"]
    gitlab = _run(repo, "validate", "--format", "gitlab")
    assert ([r["partialFingerprints"]["capaProblem/v1"] for r in sarif]
            == [i["fingerprint"] for i in gitlab])


def test_gitlab_report_from_capa_diff(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "change")
    (repo / "register" / "2026" / "CAPA-2026-004.md").unlink()
    issues = _run(repo, "diff", "main", "--format", "gitlab")
    assert [(i["check_name"], i["location"]["path"], i["severity"]) for i in issues] == [
        ("finding-deleted", "register/2026/CAPA-2026-004.md", "major")]


def test_clean_register_gives_empty_reports(tmp_path: Path,
                                            sarif_validator: jsonschema.Draft4Validator
                                            ) -> None:
    root = init_repo(tmp_path / "repo")
    write_evidence(root / "register", "CAPA-2026-004")
    write_finding(root / "register", finding())
    commit_all(root, "Register")
    for fmt in ("gitlab", "sarif"):
        result = run_capa("validate", "--format", fmt, "--today", TODAY, cwd=root)
        assert result.returncode == 0, result.stdout + result.stderr
        document = json.loads(result.stdout)
        if fmt == "gitlab":
            assert document == []
        else:
            assert document["runs"][0]["results"] == []
            assert list(sarif_validator.iter_errors(document)) == []


def test_fingerprints_hold_as_the_days_pass(repo: Path) -> None:
    """An overdue action's message counts the days; its fingerprint does not move."""
    def overdue(today: str) -> dict[str, Any]:
        result = run_capa("validate", "--format", "gitlab", "--today", today, cwd=repo)
        return next(i for i in json.loads(result.stdout) if i["check_name"] == "overdue")

    before, after = overdue("2026-11-28"), overdue("2026-12-05")
    assert before["description"] != after["description"]
    assert before["fingerprint"] == after["fingerprint"]


def test_a_fingerprint_ignores_the_line_and_tells_twins_apart() -> None:
    """Moving a problem down the file keeps its fingerprint (GitLab would otherwise show
    it fixed and raised again); the same problem twice in a file gets two."""
    here = Problem("register/a.md", 5, "overdue", "warning", "`due` 2026-01-01 has passed")
    moved = Problem("register/a.md", 9, "overdue", "warning", "`due` 2026-01-01 has passed")
    other = Problem("register/b.md", 5, "overdue", "warning", "`due` 2026-01-01 has passed")
    assert list(fingerprints([here])) == list(fingerprints([moved]))
    assert list(fingerprints([here])) != list(fingerprints([other]))
    twins = list(fingerprints([here, moved]))
    assert len(set(twins)) == 2 and twins[0] == next(fingerprints([here]))
    later = Problem("register/a.md", 5, "overdue", "warning", "`due` 2026-02-01 has passed")
    assert list(fingerprints([later])) == list(fingerprints([here]))
    other_rule = Problem("register/a.md", 5, "stale", "warning", "`due` 2026-01-01 has passed")
    assert list(fingerprints([other_rule])) != list(fingerprints([here]))
