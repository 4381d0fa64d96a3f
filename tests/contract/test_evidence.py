"""Evidence resolution: the folder-remembering resolver answers as Path.resolve would.

`EvidenceResolver` skips `Path.resolve` where no symlink is involved; `_reference` is the
resolution as it was written before (resolve every path), kept here as the judge. Each
case is resolved by a fresh resolver and by one shared across all cases, whose remembered
folders must not change an answer.
"""

from __future__ import annotations

import errno
import os
import random
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from capa_docs.contract.evidence import (
    MISSING,
    NOT_A_FILE,
    OK,
    OUTSIDE,
    EvidenceResolver,
    Resolved,
    resolve_evidence,
    sha256_of,
)


def _reference(finding_file: Path, written: str, repo_root: Path) -> Resolved:
    if not written or "\x00" in written:
        return Resolved(MISSING, reason="the path is empty")
    if (PurePosixPath(written).is_absolute() or PureWindowsPath(written).is_absolute()
            or PureWindowsPath(written).drive or written.startswith("~")):
        return Resolved(OUTSIDE, reason="it is an absolute path; write it relative to the finding")
    root = repo_root.resolve()
    lexical = Path(os.path.normpath(finding_file.parent / written))
    if not lexical.is_relative_to(root):
        return Resolved(OUTSIDE, reason="its '..' steps lead out of the repository")
    try:
        real = lexical.resolve(strict=False)
    except RuntimeError:
        return Resolved(OUTSIDE, reason="it is a symlink loop")
    except OSError as exc:
        return Resolved(MISSING, reason=f"it cannot be resolved ({exc.strerror or exc})")
    if not real.is_relative_to(root):
        return Resolved(OUTSIDE, reason="it is a symlink that resolves outside the repository")
    if ".git" in real.relative_to(root).parts or ".git" in lexical.relative_to(root).parts:
        return Resolved(OUTSIDE, reason="it points into .git/, which is never evidence")
    if written.endswith(("/", "/.")):
        return Resolved(NOT_A_FILE, reason="it ends with '/', so it names a folder, not a file")
    try:
        info = real.stat()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return Resolved(MISSING, reason="no such file")
        return Resolved(MISSING, reason=f"it cannot be read ({exc.strerror or exc})")
    if not stat.S_ISREG(info.st_mode):
        return Resolved(NOT_A_FILE, reason="it is not a regular file")
    return Resolved(OK, real)


WRITTEN = [
    "", "a\x00b", "/etc/passwd", "~/x", "C:\\x", "C:x", "\\\\server\\share\\x", "1:x",
    "\\x", "../evidence/F-1/a.txt", "../evidence/F-1/a.txt/", "../evidence/F-1/a.txt/.",
    "../evidence/F-1/./a.txt", "../evidence//F-1/a.txt", "../evidence/F-1/none.txt",
    "../evidence/F-1", "../evidence/F-1/", "../evidence/F-1/fifo", "../../../outside.txt",
    "../../outside.txt", "../../..", "..", ".", "../evidence/F-1/a.txt/b",
    "../evidence/link-in/a.txt", "../evidence/link-out.txt", "../evidence/link-file.txt",
    "../evidence/loop/a.txt", "../evidence/dangling.txt", "../../.git/config",
    "../evidence/.git/x.txt", "../evidence/git-link.txt", "../evidence/F-1/../F-1/a.txt",
    "../evidence/locked/a.txt", "a.md", "CAPA-1.md",
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / ".git/config").write_text("[core]\n")
    evidence = root / "register/evidence"
    (evidence / "F-1").mkdir(parents=True)
    (evidence / "F-1/a.txt").write_text("a\n")
    os.mkfifo(evidence / "F-1/fifo")
    (evidence / ".git").mkdir()
    (evidence / ".git/x.txt").write_text("x\n")
    (tmp_path / "outside.txt").write_text("outside\n")
    (evidence / "link-in").symlink_to(evidence / "F-1")
    (evidence / "link-out.txt").symlink_to(tmp_path / "outside.txt")
    (evidence / "link-file.txt").symlink_to("F-1/a.txt")
    (evidence / "loop").symlink_to(evidence / "loop")
    (evidence / "dangling.txt").symlink_to(evidence / "gone.txt")
    (evidence / "git-link.txt").symlink_to(root / ".git/config")
    (evidence / "locked").mkdir()
    (evidence / "locked/a.txt").write_text("a\n")
    (evidence / "locked").chmod(0)
    (root / "register/2026").mkdir(parents=True)
    yield root
    (evidence / "locked").chmod(0o755)


@pytest.mark.parametrize("written", WRITTEN)
def test_resolver_answers_as_resolve_does(repo: Path, written: str) -> None:
    finding = repo / "register/2026/CAPA-1.md"
    assert EvidenceResolver(repo).resolve(finding, written) == _reference(finding, written, repo)
    assert resolve_evidence(finding, written, repo) == _reference(finding, written, repo)


def test_one_resolver_for_every_case_answers_the_same(repo: Path) -> None:
    shared = EvidenceResolver(repo)
    findings = [repo / "register/2026/CAPA-1.md", repo / "register/evidence/F-1/CAPA-2.md",
                repo / "register/evidence/link-in/CAPA-3.md", Path("register/CAPA-4.md")]
    for finding in findings:
        for written in WRITTEN * 2:
            assert shared.resolve(finding, written) == _reference(finding, written, repo), (
                finding, written)


def test_a_repository_reached_through_a_symlink(repo: Path, tmp_path: Path) -> None:
    link = tmp_path / "via-link"
    link.symlink_to(repo)
    for finding in (link / "register/2026/CAPA-1.md", repo / "register/2026/CAPA-1.md"):
        for written in WRITTEN:
            assert EvidenceResolver(link).resolve(finding, written) == _reference(
                finding, written, link), (finding, written)


def test_sha256_of_matches_hashlib(tmp_path: Path) -> None:
    import hashlib

    for size in (0, 1, 65_535, 65_536, 65_537, 300_000):
        data = random.Random(size).randbytes(size)
        target = tmp_path / f"{size}.bin"
        target.write_bytes(data)
        assert sha256_of(target) == hashlib.sha256(data).hexdigest()


def test_a_plain_file_is_not_resolved_through_links(repo: Path, monkeypatch) -> None:
    import capa_docs.contract.evidence as evidence

    def refuse(*args: object) -> None:
        raise AssertionError("resolved through links")

    monkeypatch.setattr(evidence, "_resolve_through_links", refuse)
    resolved = EvidenceResolver(repo).resolve(repo / "register/2026/CAPA-1.md",
                                              "../evidence/F-1/a.txt")
    assert resolved == Resolved(OK, repo.resolve() / "register/evidence/F-1/a.txt")
