"""gate-changed: every file that decides how a change is judged, or runs where it is judged
and published, is flagged for the register's code owners; settings are read as MkDocs
reads them (INHERIT, hooks), on BASE from BASE's tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from capa_docs.gate.judgements import gate_changed

from ..helpers import TODAY, commit_all, finding, git, run_capa, write_finding
from .test_diff import diff_json, repo  # noqa: F401  (the shared fixture)

# Every name, folder and pattern the rule knows, each with a path it must flag.
GATE_FILES = [
    "CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".pre-commit-config.yaml", ".mailmap",
    ".pre-commit-hooks.yaml", ".github/workflows/pr.yml", ".github/actions/gate/action.yml",
    "action.yml", "tools/action.yaml", "pyproject.toml", "setup.py", "setup.cfg",
    "MANIFEST.in", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock",
    "pylock.toml", "pylock.ci.toml", "requirements.txt", "requirements-dev.txt",
    "constraints.txt", "requirements/base.in", "package.lock", "mkdocs.yaml",
    "schemas/finding.schema.json", "my.schema.json", ".gitattributes",
    "register/.gitattributes", "conftest.py", "tests/conftest.py", ".ci/run",
    ".gitlab-ci.yml", ".gitlab/CODEOWNERS", ".gitlab/ci/gate.yml",
]


def test_the_table_covers_every_entry_the_rule_knows() -> None:
    """Removing an entry from the rule fails a case below, so the list is the contract."""
    assert set(gate_changed._GATE_FILES) <= set(GATE_FILES)
    assert set(GATE_FILES) >= gate_changed._INSTALL_FILES
    for folder in gate_changed._GATE_PATHS:
        assert any(path.startswith(folder) for path in GATE_FILES)


@pytest.mark.parametrize("path", GATE_FILES)
def test_gate_changed_flags(repo: Path, path: str) -> None:  # noqa: F811
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("changed\n" if not path.endswith(".json") else "{}\n")
    code, problems = diff_json(repo)
    assert code == 0
    assert [(p["path"], p["rule"]) for p in problems] == [(path, "gate-changed")]


def test_ordinary_files_are_not_flagged(repo: Path) -> None:  # noqa: F811
    for path in ("docs/notes.md", "scripts/report.py", "README.md", "src/app.py"):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("x\n")
    assert diff_json(repo) == (0, [])


def _on_main(root: Path, files: dict[str, str]) -> None:
    """Commit files on main and bring the pull request branch up to it."""
    git(root, "checkout", "-q", "main")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    commit_all(root, "Settings on main")
    git(root, "checkout", "-q", "pr")
    git(root, "merge", "-q", "--ff-only", "main")


def test_base_settings_follow_inherit_in_base_tree(repo: Path) -> None:  # noqa: F811
    """A rule BASE turns to warning in an inherited file judges the change as a warning;
    HEAD's own copy of that file does not choose the level."""
    _on_main(repo, {"mkdocs.yml": "site_name: R\nINHERIT: config/base.yml\n",
                    "config/base.yml": "plugins:\n  - capa:\n      rules:\n"
                                       "        closure-evidence: warning\n"
                                       "        effectiveness: warning\n"})
    write_finding(repo / "register", finding(id="CAPA-2026-006", status="closed",
                                             closure=None))
    code, problems = diff_json(repo)
    assert code == 0 and {p["level"] for p in problems} == {"warning"}, problems
    (repo / "config/base.yml").write_text("plugins:\n  - capa:\n      rules:\n"
                                          "        closure-evidence: 'off'\n")
    code, problems = diff_json(repo)
    assert code == 0
    assert ("config/base.yml", "gate-changed") in [(p["path"], p["rule"]) for p in problems]
    assert "closure-evidence" in [p["rule"] for p in problems]  # BASE's level, not HEAD's


def test_a_new_inherit_that_changes_the_capa_block_is_flagged(repo: Path) -> None:  # noqa: F811
    _on_main(repo, {"mkdocs.yml": "site_name: R\nplugins:\n  - capa\n"})
    (repo / "shared.yml").write_text("plugins:\n  - capa:\n      rules:\n        stale: 'off'\n")
    (repo / "mkdocs.yml").write_text("site_name: R\nINHERIT: shared.yml\n")
    code, problems = diff_json(repo)
    flagged = [(p["path"], p["message"]) for p in problems if p["rule"] == "gate-changed"]
    assert code == 0 and [path for path, _ in flagged] == ["shared.yml", "mkdocs.yml"]
    assert "inherits (INHERIT)" in flagged[0][1] and "or a file it inherits" in flagged[1][1]


def test_an_inherit_outside_the_repository_stops_the_gate(repo: Path) -> None:  # noqa: F811
    _on_main(repo, {"mkdocs.yml": "site_name: R\nINHERIT: ../../etc/base.yml\n"})
    result = run_capa("diff", "main", "--today", TODAY, cwd=repo)
    assert result.returncode == 2 and "outside the repository" in result.stderr


def test_hooks_added_and_hook_files_edited_are_flagged(repo: Path) -> None:  # noqa: F811
    _on_main(repo, {"mkdocs.yml": "site_name: R\nhooks:\n  - hooks/footer.py\n",
                    "hooks/footer.py": "def on_page_markdown(markdown, **kw):\n"
                                       "    return markdown\n"})
    (repo / "hooks/footer.py").write_text("import os\n")
    code, problems = diff_json(repo)
    assert [(p["path"], p["rule"]) for p in problems] == [("hooks/footer.py", "gate-changed")]
    assert "MkDocs hook" in problems[0]["message"]
    git(repo, "checkout", "-q", "--", "hooks/footer.py")
    (repo / "mkdocs.yml").write_text("site_name: R\nhooks:\n  - hooks/footer.py\n"
                                     "  - hooks/extra.py\n")
    code, problems = diff_json(repo)
    assert [(p["path"], p["rule"]) for p in problems] == [("mkdocs.yml", "gate-changed")]
    assert "`hooks:`" in problems[0]["message"]


def test_an_edited_catalogue_file_is_flagged(repo: Path) -> None:  # noqa: F811
    catalogue = "id: POL\nstandard: ACME policies\nclauses:\n  POL-01: Handling\n"
    _on_main(repo, {"mkdocs.yml": "site_name: R\nplugins:\n  - capa:\n      standards: "
                                  "[\"27001\", policies/catalogue.yaml]\n",
                    "policies/catalogue.yaml": catalogue})
    (repo / "policies/catalogue.yaml").write_text(catalogue + "  POL-02: Anything\n")
    code, problems = diff_json(repo)
    assert [(p["path"], p["rule"]) for p in problems] == [
        ("policies/catalogue.yaml", "gate-changed")]
    assert "clause catalogue" in problems[0]["message"]


def test_a_script_a_workflow_runs_is_flagged(repo: Path) -> None:  # noqa: F811
    _on_main(repo, {".github/workflows/ci.yml": "jobs:\n  test:\n    steps:\n"
                                                "      - run: bash ./scripts/check.sh && make\n",
                    "scripts/check.sh": "exit 0\n", "scripts/other.sh": "exit 0\n",
                    "Makefile": "all:\n"})
    for name in ("scripts/check.sh", "scripts/other.sh", "Makefile"):
        (repo / name).write_text("exit 0 # lenient\n")
    code, problems = diff_json(repo)
    assert [(p["path"], p["rule"]) for p in problems] == [
        ("Makefile", "gate-changed"), ("scripts/check.sh", "gate-changed")]
    assert "CI runs" in problems[1]["message"]


def _move_register(root: Path) -> None:
    """Point the settings at findings/, a copy of register/ (evidence included)."""
    import shutil

    shutil.copytree(root / "register", root / "findings")
    (root / "mkdocs.yml").write_text("site_name: R\nplugins:\n  - capa:\n"
                                     "      register: findings\n"
                                     "      evidence: findings/evidence\n")


def test_a_moved_register_is_judged_finding_by_finding(repo: Path) -> None:  # noqa: F811
    _move_register(repo)
    code, problems = diff_json(repo)
    assert code == 0 and [p["rule"] for p in problems] == ["gate-changed"]
    copy = repo / "findings" / "2026"
    write_finding(repo / "findings", finding(title="Rewritten after closure"))  # closed 004
    (copy / "CAPA-2026-005.md").unlink()  # the open one dropped from the new register
    code, problems = diff_json(repo)
    found = sorted((p["path"], p["rule"]) for p in problems)
    assert code == 1
    assert ("findings/2026/CAPA-2026-004.md", "closed-edited") in found
    assert ("register/2026/CAPA-2026-005.md", "finding-deleted") in found
    assert ("mkdocs.yml", "gate-changed") in found


def test_a_moved_register_keeps_base_rules_and_sees_backdating(repo: Path) -> None:  # noqa: F811
    _move_register(repo)
    write_finding(repo / "findings", finding(id="CAPA-2026-005", status="open", closure=None,
                                             root_cause=None, extent=None, correction=None,
                                             raised="2025-01-01", severity="observation",
                                             corrective_actions=None))
    code, problems = diff_json(repo)
    rules_found = {p["rule"] for p in problems}
    assert code == 1 and {"raised-changed", "severity-lowered"} <= rules_found
