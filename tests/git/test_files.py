"""A side's files as a checkout resolves paths in them: `follow` one name at a time through
a tree listing, and the working tree as git would commit it."""

from __future__ import annotations

from pathlib import Path

import pytest

from capa_docs.git.files import commit_files, worktree_files
from capa_docs.git.tree import SYMLINK, Entry, follow

from ..helpers import commit_all, git, init_repo

FILE = Entry("100644", "f" * 40)
LINK = Entry(SYMLINK, "l" * 40)
TREE = {"ev/a/report.txt": FILE, "ev/latest": LINK, "ev/up": LINK, "ev/loop": LINK,
        "ev/abs": LINK, "ev/out": LINK, "docs": LINK, "ev/b/chain": LINK}
LINKS = {"ev/latest": "a/report.txt", "ev/up": "../ev/a", "ev/loop": "loop",
         "ev/abs": "/etc/passwd", "ev/out": "../../x", "docs": "ev/a",
         "ev/b/chain": "../latest"}


@pytest.mark.parametrize("path,reached,met", [
    ("ev/a/report.txt", "ev/a/report.txt", ("ev/a/report.txt",)),
    ("ev/latest", "ev/a/report.txt", ("ev/latest", "ev/a/report.txt")),
    ("ev/up/report.txt", "ev/a/report.txt", ("ev/up", "ev/a/report.txt")),
    ("docs/report.txt", "ev/a/report.txt", ("docs", "ev/a/report.txt")),
    ("ev/b/chain", "ev/a/report.txt", ("ev/b/chain", "ev/latest", "ev/a/report.txt")),
    # `..` after a link goes up from where the link led, as the kernel does.
    ("docs/../a/report.txt", "ev/a/report.txt", ("docs", "ev/a/report.txt")),
    ("ev/./a//report.txt", "ev/a/report.txt", ("ev/a/report.txt",)),
    ("ev/missing.txt", "ev/missing.txt", ()),
    ("ev/loop", None, ("ev/loop",) * 41),  # Linux gives up after 40 links
    ("ev/abs", None, ("ev/abs",)),
    ("ev/out", None, ("ev/out",)),
    ("../outside", None, ()),
])
def test_follow(path: str, reached: str | None, met: tuple[str, ...]) -> None:
    followed = follow(TREE, LINKS, path)
    assert (followed.path, followed.met) == (reached, met)


def test_working_tree_as_git_would_commit_it(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "a.txt").write_text("a\n")
    (root / "b.txt").write_text("b\n")
    (root / "gone.txt").write_text("gone\n")
    commit_all(root, "base")
    base = commit_files(root, git(root, "rev-parse", "HEAD").strip())
    (root / "a.txt").chmod(0o755)  # a mode change: the same blob
    (root / "b.txt").write_text("edited\n")
    (root / "gone.txt").unlink()
    (root / "link").symlink_to("a.txt")
    files = worktree_files(root, base, {"a.txt": "M", "b.txt": "M", "gone.txt": "D",
                                        "link": "A"})
    assert files.entries["a.txt"] == Entry("100755", base.entries["a.txt"].sha)
    assert files.entries["b.txt"].sha == git(root, "hash-object", "b.txt").strip()
    assert "gone.txt" not in files.entries and files.reach("gone.txt") is None
    assert files.links == {"link": "a.txt"}
    assert files.reach("link") == ("a.txt", files.entries["a.txt"])
