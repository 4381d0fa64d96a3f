"""The history pass on real git repositories with scripted histories.

Several authors, a reopen, a due-date extension, a rename across folders and a broken
version in between; then a shallow clone, a plain folder, and the quick front-matter
reader checked against the strict loader.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from capa_docs.contract.frontmatter import load_text, split
from capa_docs.git import history as h
from capa_docs.git.states import State, quick_state, state_of, summarise

from ..helpers import front_matter, git, init_repo


def _write(repo: Path, rel: str, status: str, due: str, owner: str = "Jane Smith",
           title: str = "Supplier assessments skipped") -> None:
    data = {"id": Path(rel).stem, "title": title, "severity": "minor", "status": status,
            "source": "internal-audit", "raised": "2026-01-10", "raised_by": "A. Auditor",
            "owner": owner,
            "corrective_actions": [{"action": "Add the step to onboarding.", "owner": owner,
                                    "due": due}]}
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front_matter(data)}---\nNarrative.\n", encoding="utf-8")


def _commit(repo: Path, message: str, author: str, day: str) -> str:
    email = author.split()[0].lower() + "@example.com"
    stamp = f"{day}T10:00:00+02:00"
    env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email,
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


FIRST = "register/2026/CAPA-2026-001.md"
MOVED = "register/archive/CAPA-2026-001.md"
SECOND = "register/2026/CAPA-2026-002.md"


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = init_repo(tmp_path_factory.mktemp("history") / "repo")
    (repo / "README.md").write_text("Not a finding.\n")
    _write(repo, FIRST, "open", "2026-06-30")
    _commit(repo, "Raise CAPA-2026-001", "Alice Auditor", "2026-01-10")
    _write(repo, FIRST, "in-progress", "2026-06-30")
    _write(repo, SECOND, "open", "2026-05-31")
    _commit(repo, "Start work; raise CAPA-2026-002", "Bob Owner", "2026-02-01")
    _write(repo, FIRST, "in-progress", "2026-09-30")
    _commit(repo, "Extend the due date", "Carol Manager", "2026-03-01")
    _write(repo, FIRST, "closed", "2026-09-30")
    (repo / SECOND).write_text("---\nid: CAPA-2026-002\nstatus: [unclosed\n---\n")
    _commit(repo, "Close CAPA-2026-001; break CAPA-2026-002", "Alice Auditor", "2026-04-01")
    _write(repo, FIRST, "in-progress", "2026-09-30", owner="Dan Deputy")
    _write(repo, SECOND, "closed", "2026-05-31")
    _commit(repo, "Reopen: the fix did not hold; fix 002", "Bob Owner", "2026-05-01")
    (repo / MOVED).parent.mkdir(parents=True)
    git(repo, "mv", FIRST, MOVED)
    _commit(repo, "Archive CAPA-2026-001", "Carol Manager", "2026-06-01")
    _write(repo, MOVED, "closed", "2026-09-30", owner="Dan Deputy")
    _commit(repo, "Close CAPA-2026-001 again", "Dan Deputy", "2026-07-01")
    return repo


def _kinds(history: h.FindingHistory) -> list[tuple[str, ...]]:
    return [change.kinds for change in history.changes]


def test_timeline_follows_status_due_owner_and_rename(scripted: Path) -> None:
    result = h.read_history(scripted, scripted / "register")
    assert result.available and not result.shallow and result.note == ""
    assert set(result.files) == {MOVED, SECOND}
    first = result.files[MOVED]
    assert first.complete
    assert _kinds(first) == [
        ("raised",), ("progressed",), ("due-extended",), ("closed",),
        ("reopened", "owner-changed"), ("renamed",), ("closed",)]
    assert [c.author for c in first.changes] == [
        "Alice Auditor", "Bob Owner", "Carol Manager", "Alice Auditor", "Bob Owner",
        "Carol Manager", "Dan Deputy"]
    assert [c.path for c in first.changes] == [FIRST] * 5 + [MOVED] * 2
    assert first.changes[5].old_path == FIRST
    assert first.changes[0].subject == "Raise CAPA-2026-001"
    assert first.changes[0].date == dt.datetime(2026, 1, 10, 10, tzinfo=dt.timezone(
        dt.timedelta(hours=2)))
    assert first.changes[2].state == State("in-progress", ("2026-09-30",), "Jane Smith")
    events = [(e.kind, e.before, e.after, e.change.author) for e in first.timeline()]
    assert events == [
        ("raised", None, "open", "Alice Auditor"),
        ("progressed", "open", "in-progress", "Bob Owner"),
        ("due-extended", "2026-06-30", "2026-09-30", "Carol Manager"),
        ("closed", "in-progress", "closed", "Alice Auditor"),
        ("reopened", "closed", "in-progress", "Bob Owner"),
        ("owner-changed", "Jane Smith", "Dan Deputy", "Bob Owner"),
        ("renamed", FIRST, MOVED, "Carol Manager"),
        ("closed", "in-progress", "closed", "Dan Deputy"),
    ]
    assert first.timeline()[2].action == 0


def test_broken_version_is_kept_and_does_not_hide_the_status_move(scripted: Path) -> None:
    second = h.read_history(scripted, scripted / "register").files[SECOND]
    assert [c.state.readable if c.state else None for c in second.changes] == [
        True, False, True]
    assert _kinds(second) == [("raised",), ("edited",), ("closed",)]
    assert [(e.kind, e.before) for e in second.timeline()] == [
        ("raised", None), ("closed", "open")]


def test_state_at_a_date_and_last_changed(scripted: Path) -> None:
    result = h.read_history(scripted, scripted / "register")
    first = result.files[MOVED]
    assert first.state_at(dt.date(2026, 1, 9)) is None
    at = first.state_at(dt.date(2026, 3, 15))
    assert at is not None and at.state is not None and at.state.status == "in-progress"
    assert at.path == FIRST and at.blob is not None
    assert first.state_at(dt.date(2026, 4, 1)).state.status == "closed"  # type: ignore[union-attr]
    when = dt.datetime(2026, 4, 1, 7, 59, tzinfo=dt.UTC)  # 09:59 +02:00, before the commit
    assert first.state_at(when).state.status == "in-progress"  # type: ignore[union-attr]
    register = result.state_at(dt.date(2026, 1, 31))
    assert list(register) == [MOVED]
    assert result.last_changed() == {MOVED: dt.date(2026, 7, 1), SECOND: dt.date(2026, 5, 1)}
    assert result.for_path(FIRST) is first
    old = h.read_blobs(scripted, [at.blob])[at.blob]  # type: ignore[list-item,index]
    assert load_text(old.decode()).data["corrective_actions"][0]["due"] == "2026-09-30"


def test_last_changed_api_for_the_stale_rule(scripted: Path) -> None:
    changed = h.last_changed(scripted, scripted / "register")
    assert changed.note == ""
    assert changed.dates[MOVED] == dt.date(2026, 7, 1)


def test_deleted_and_raised_again(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    _write(repo, FIRST, "open", "2026-06-30")
    _commit(repo, "raise", "Alice Auditor", "2026-01-10")
    (repo / FIRST).unlink()
    _commit(repo, "withdraw", "Bob Owner", "2026-01-11")
    _write(repo, FIRST, "closed", "2026-06-30")
    _commit(repo, "record again", "Alice Auditor", "2026-01-12")
    first = h.read_history(repo, repo / "register").files[FIRST]
    assert _kinds(first) == [("raised",), ("deleted",), ("raised", "closed")]
    assert first.state_at(dt.date(2026, 1, 11)) is None


def test_shallow_clone_says_so_and_carries_on(scripted: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{scripted}", str(clone)],
                   check=True, capture_output=True)
    result = h.read_history(clone, clone / "register")
    assert result.available and result.shallow
    assert "shallow clone" in result.note and "fetch-depth: 0" in result.note
    first = result.files[MOVED]
    assert not first.complete
    assert _kinds(first) == [("truncated",)]
    assert first.changes[0].state is not None and first.changes[0].state.status == "closed"
    assert first.last_changed is None and result.last_changed() == {}
    assert [e.kind for e in first.timeline()] == ["truncated"]
    assert "shallow clone" in h.last_changed(clone, clone / "register").note


def test_no_git_at_all(tmp_path: Path) -> None:
    _write(tmp_path, FIRST, "open", "2026-06-30")
    result = h.read_history(tmp_path, tmp_path / "register")
    assert not result.available and result.files == {}
    assert result.note == "not a git repository: no history"
    assert "stale check is skipped" in h.last_changed(tmp_path, tmp_path / "register").note


def test_no_commits_yet(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    _write(repo, FIRST, "open", "2026-06-30")
    result = h.read_history(repo, repo / "register")
    assert result.files == {} and "no commits yet" in result.note


QUICK_CASES = [
    "status: open\n",
    "status: open # comment\nowner: Jane Smith\n",
    'status: closed\nclauses: ["A.5.19", "8.1"]\nrisks: [R-014]\n',
    "status: open\ncorrective_actions:\n  - action: a\n    due: 2026-01-31\n"
    "  - action: b\n    owner: X\n",
    "status: open\ncorrective_actions:\n- action: compact\n  due: 2026-02-01\n",
    "status: open\ncorrective_actions:\n  -   action: wide\n      due: 2026-02-01\n",
    "status: open\ncorrective_actions:\n  - due: 2026-02-01\n    whys:\n      - due: x\n",
    "status: open\ntitle: it's the person's calendar\n",
    "status: yes\n",
    "status: 12\n",
    "status: ~\n",
    "status: 'open'\n",
    'status: "open"\n',
    "title: |\n  status: closed\nstatus: open\n",
    'title: "line one\nstatus: closed"\nstatus: open\n',
    "title: [a,\nstatus: closed]\nstatus: open\n",
    "status: open\nstatus: closed\n",
    "status: &s open\nowner: *s\n",
    "status: !!str open\n",
    "owner:\n  name: x\nstatus: open\n",
    "status: open\ncorrective_actions: [{due: 2026-01-01}]\n",
    "status: open\ncorrective_actions:\n  due: 2026-01-01\n",
    "status: open\ncorrective_actions:\n  - action: a\n    due: 2026-01-01\n    due: 2026-02-01\n",
    "status: open\ncorrective_actions:\n  - plain item\n  - action: b\n    due: 2026-03-01\n",
    "status:open\n",
    "status: open\n...\nstatus: closed\n",
    "? status\n: closed\nstatus: open\n",
    "status: open\ntitle: a\n  continued line\nowner: B\n",
    "status: open\towner\n",
    "status: in-progress\ncorrective_actions:\n  - action: a\n    due: 2026-01-01 # moved\n",
]


@pytest.mark.parametrize("front", QUICK_CASES)
def test_quick_reader_agrees_with_the_strict_loader(front: str) -> None:
    """Wherever the quick path answers, it says what the strict loader says."""
    text = f"---\n{front}---\n"
    quick = quick_state(split(text)[0])
    try:
        strict = state_of(load_text(text).data)
    except Exception:  # noqa: BLE001 - a version the loader refuses
        strict = State(readable=False)
    if quick is not None:
        assert quick == strict
    assert summarise(text.encode()) == strict


def test_quick_reader_answers_for_ordinary_findings() -> None:
    text = "---\n" + QUICK_CASES[3] + "---\n"
    assert quick_state(split(text)[0]) == State("open", ("2026-01-31", None), None)
    assert quick_state(split("---\n" + QUICK_CASES[2] + "---\n")[0]) is not None


def test_only_findings_count_and_moves_across_the_register_edge(tmp_path: Path) -> None:
    """git is given no pathspec: files outside the register, and evidence Markdown, must
    not become findings; a finding moved in starts there, one moved out ends there."""
    repo = init_repo(tmp_path / "repo")
    _write(repo, "drafts/CAPA-2026-003.md", "open", "2026-06-30")
    (repo / "docs").mkdir()
    (repo / "docs/index.md").write_text("# Home\n")
    _write(repo, FIRST, "open", "2026-06-30")
    (repo / "register/evidence/CAPA-2026-001").mkdir(parents=True)
    (repo / "register/evidence/CAPA-2026-001/minutes.md").write_text("# Minutes\n")
    _commit(repo, "start", "Alice Auditor", "2026-01-10")
    git(repo, "mv", "drafts/CAPA-2026-003.md", "register/2026/CAPA-2026-003.md")
    git(repo, "mv", FIRST, "drafts/CAPA-2026-001.md")
    _commit(repo, "move", "Bob Owner", "2026-01-11")
    result = h.read_history(repo, repo / "register", repo / "register" / "evidence")
    assert sorted(result.files) == [FIRST, "register/2026/CAPA-2026-003.md"]
    assert _kinds(result.files["register/2026/CAPA-2026-003.md"]) == [("raised",)]
    assert _kinds(result.files[FIRST]) == [("raised",), ("deleted",)]


def test_move_and_close_with_a_long_narrative_in_one_commit_is_one_history(
        tmp_path: Path) -> None:
    """Below git's 50% similarity the move is a delete and an add; the same file stem (the
    ID) in one commit makes it one finding renamed."""
    repo = init_repo(tmp_path / "repo")
    _write(repo, FIRST, "open", "2026-06-30")
    _commit(repo, "Raise", "Alice Auditor", "2026-01-10")
    (repo / FIRST).unlink()
    _write(repo, MOVED, "closed", "2026-06-30")
    with (repo / MOVED).open("a", encoding="utf-8") as narrative:
        narrative.write("A much longer narrative line that differs.\n" * 40)
    _commit(repo, "Close and archive", "Bob Owner", "2026-02-01")
    result = h.read_history(repo, repo / "register")
    assert sorted(result.files) == [MOVED]
    moved = result.files[MOVED]
    assert _kinds(moved) == [("raised",), ("renamed", "closed")]
    assert moved.changes[1].old_path == FIRST
    assert result.for_path(FIRST) is moved
    assert [e.kind for e in moved.timeline()] == ["raised", "renamed", "closed"]


def test_skewed_clock_on_a_merged_branch_keeps_the_rename_chain(tmp_path: Path) -> None:
    """A branch commit dated before its own parent: rev-list's default date order would
    list the parent first and split the renamed file's history in two."""
    repo = init_repo(tmp_path / "repo")
    (repo / "README.md").write_text("Register.\n")
    _write(repo, FIRST, "open", "2026-06-30")
    _commit(repo, "Raise", "Alice Auditor", "2026-01-10")
    _write(repo, FIRST, "in-progress", "2026-06-30")
    _commit(repo, "Start work", "Bob Owner", "2026-02-01")
    git(repo, "checkout", "-q", "-b", "archive")
    (repo / MOVED).parent.mkdir(parents=True)
    git(repo, "mv", FIRST, MOVED)
    _commit(repo, "Archive", "Carol Manager", "2025-06-01")  # a clock a year behind
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("The register.\n")
    _commit(repo, "Readme", "Alice Auditor", "2026-03-01")
    stamp = "2026-04-01T10:00:00+02:00"
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge archive", "archive",
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})
    result = h.read_history(repo, repo / "register")
    assert sorted(result.files) == [MOVED]
    assert _kinds(result.files[MOVED]) == [("raised",), ("progressed",), ("renamed",)]
