"""The History section's wording, from hand-made histories (no git, no build)."""

from __future__ import annotations

import datetime as dt

import pytest

from capa_docs.git import history as h
from capa_docs.git.provenance import Provenance
from capa_docs.git.states import State
from capa_docs.git.trail import commit_url, trail_of

SHA = "0123456789abcdef0123456789abcdef01234567"
UTC = dt.UTC


@pytest.mark.parametrize(("repo_url", "expected"), [
    ("https://github.com/org/isms", f"https://github.com/org/isms/commit/{SHA}"),
    ("https://gitlab.example.com/g/isms/", f"https://gitlab.example.com/g/isms/commit/{SHA}"),
    ("http://git.local/isms", f"http://git.local/isms/commit/{SHA}"),
    ("javascript:alert(1)//", None),
    ("git@github.com:org/isms.git", None),
    ("", None),
    (None, None),
])
def test_commit_url(repo_url: str | None, expected: str | None) -> None:
    assert commit_url(repo_url, SHA) == expected


def _change(day: int, kinds: tuple[str, ...], state: State | None, *, path: str = "r/A.md",
            old_path: str | None = None, boundary: bool = False) -> h.Change:
    when = dt.datetime(2026, 1, day, 12, tzinfo=UTC)
    return h.Change(f"{day:040x}", when, "Ann", "ann@example.com", when, f"commit {day}",
                    path, old_path, "b" * 40, state, kinds, boundary)


def _history(changes: list[h.Change], **flags: bool) -> h.RegisterHistory:
    found = h.FindingHistory("r/A.md", changes)
    return h.RegisterHistory({"r/A.md": found}, available=True, states_read=True, **flags)


def test_wording_of_each_event() -> None:
    changes = [
        _change(1, ("raised", "closed"), State("closed", ("2026-02-01",), "Ann")),
        _change(2, ("reopened", "due-changed"), State("open", (None,), "Ann")),
        _change(3, ("renamed",), State("open", (None,), "Ann"), path="r/B.md",
                old_path="r/A.md"),
        _change(4, ("renamed",), State("open", (None,), "Ann"), path="s/B.md",
                old_path="r/B.md"),
    ]
    trail = trail_of(_history(changes), "r/A.md")
    assert [(e.label, e.detail) for e in trail.events] == [
        ("Raised", "status closed"), ("Closed", ""),
        ("Reopened", "closed \u2192 open"),
        ("Due date changed", "action 1: 2026-02-01 \u2192 none"),
        ("Renamed", "r/A.md \u2192 r/B.md"), ("Moved", "r/B.md \u2192 s/B.md"),
    ]
    assert [c.subject for c in trail.log] == ["commit 4", "commit 3", "commit 2", "commit 1"]
    assert trail.note == "" and trail.log[0].url is None


def test_notes() -> None:
    assert trail_of(h.RegisterHistory(note="not a git repository: no history"),
                    "r/A.md").note.startswith("No change history: not a git repository.")
    assert trail_of(_history([]), "r/X.md").note.startswith("No change history yet")
    shallow = _history([_change(5, ("truncated",), None, boundary=True),
                        _change(6, ("edited",), State("open", (), "Ann"))], shallow=True)
    trail = trail_of(shallow, "r/A.md")
    assert "commits before 2026-01-06 are missing" in trail.note
    assert [e.label for e in trail.events] == ["Earlier history missing"]
    unread = _history([_change(1, (), None)])
    unread.states_read = False
    assert "were not read" in trail_of(unread, "r/A.md").note


def test_provenance_line() -> None:
    day = dt.date(2026, 11, 28)
    assert Provenance(SHA, False, day).sentence() == f"Built from commit {SHA[:10]} on 2026-11-28"
    assert Provenance(SHA, True, day).sentence() == (
        f"Built from commit {SHA[:10]} with uncommitted changes to the register or its "
        "settings on 2026-11-28")
    assert Provenance(None, False, day).sentence() == (
        "Built on 2026-11-28 from files not committed to git")
    line = Provenance(SHA, False, day, 'https://x.example/"><script>').html()
    assert "<script>" not in line and "&quot;&gt;&lt;script&gt;" in line
