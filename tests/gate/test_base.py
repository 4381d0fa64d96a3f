"""BASE must be the base: a name git could read two ways, or a history with two merge
bases, is refused with one line (exit 2) instead of judged against a commit the branch's
author chose."""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    write_evidence(root / "register", "CAPA-2026-004")
    write_finding(root / "register", finding())
    commit_all(root, "Base register", "2026-11-01")
    return root


def _edit_closed(root: Path) -> None:
    write_finding(root / "register", finding(title="Quietly reworded after closure"))


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_tag_named_like_the_remote_branch_is_refused(repo: Path) -> None:
    git(repo, "update-ref", "refs/remotes/origin/main", "main")
    git(repo, "checkout", "-q", "-b", "pr")
    _edit_closed(repo)
    commit_all(repo, "Edit a closed finding", "2026-11-02")
    git(repo, "tag", "origin/main", "pr")  # git prefers the tag: HEAD against itself
    result = run_capa("diff", "origin/main", "pr", "--today", TODAY, cwd=repo)
    assert result.returncode == 2 and result.stdout == ""
    line = _one_line(result.stderr)
    assert "BASE 'origin/main' is ambiguous" in line
    assert "refs/tags/origin/main and refs/remotes/origin/main" in line
    full = run_capa("diff", "refs/remotes/origin/main", "pr", "--today", TODAY, cwd=repo)
    assert full.returncode == 1 and "closed-edited" in full.stdout


def test_an_ambiguous_head_is_refused_too(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "pr")
    git(repo, "tag", "pr", "main")
    result = run_capa("diff", "main", "pr", "--today", TODAY, cwd=repo)
    assert result.returncode == 2
    assert "HEAD 'pr' is ambiguous: it names refs/tags/pr and refs/heads/pr" in _one_line(
        result.stderr)


def test_a_plain_branch_name_still_works(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "pr")
    _edit_closed(repo)
    commit_all(repo, "Edit a closed finding", "2026-11-02")
    result = run_capa("diff", "main", "pr", "--today", TODAY, cwd=repo)
    assert result.returncode == 1 and "closed-edited" in result.stdout


def _criss_cross(repo: Path) -> tuple[str, str]:
    """main and pr each merged the other's first commit: two merge bases. The closed
    finding is rewritten inside pr's merge resolution."""
    git(repo, "checkout", "-q", "-b", "pr")
    write_finding(repo / "register", finding(id="CAPA-2026-007", status="open", closure=None,
                                             root_cause=None, extent=None, correction=None,
                                             corrective_actions=None), folder="2026")
    commit_all(repo, "pr: raise 007", "2026-11-02")
    pr_first = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    write_finding(repo / "register", finding(id="CAPA-2026-006", status="open", closure=None,
                                             root_cause=None, extent=None, correction=None,
                                             corrective_actions=None), folder="2026")
    commit_all(repo, "main: raise 006", "2026-11-03")
    main_first = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "merge", "-q", "--no-ff", "-m", "main: merge pr", pr_first)
    git(repo, "checkout", "-q", "pr")
    git(repo, "merge", "-q", "--no-ff", "--no-commit", main_first)
    _edit_closed(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pr: merge main (resolution edits 004)")
    return pr_first, main_first


def test_two_merge_bases_are_refused_until_the_base_commit_is_named(repo: Path) -> None:
    pr_first, main_first = _criss_cross(repo)
    result = run_capa("diff", "main", "pr", "--today", TODAY, cwd=repo)
    assert result.returncode == 2 and result.stdout == ""
    line = _one_line(result.stderr)
    assert "have 2 merge bases" in line and "pass the intended base commit as BASE" in line
    assert pr_first[:12] in line and main_first[:12] in line
    for base in (pr_first, main_first):
        named = run_capa("diff", base, "pr", "--today", TODAY, cwd=repo)
        assert named.returncode == 1 and "closed-edited" in named.stdout, named.stderr
