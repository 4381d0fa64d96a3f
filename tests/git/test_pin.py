"""`capa pin`: only the sha256 lines change; every other byte of the file stays."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from capa_docs.git.pin import pin_file

from ..helpers import init_repo, run_capa, write_evidence

CHECKLIST = hashlib.sha256(b"Onboarding checklist v3\n").hexdigest()
REPORT = hashlib.sha256(b"report\n").hexdigest()

HAND_WRITTEN = """\
---
# Written by hand; reviewed in PR #12
id: CAPA-2026-004
title: 'Supplier assessments: skipped'   # quoted on purpose
severity: observation
status: closed
source: internal-audit
raised: "2026-03-14"
raised_by: A. Auditor

closure:
  closed: 2026-07-15
  evidence:
    - path: ../evidence/CAPA-2026-004/checklist.txt   # the approved checklist
      description: Updated onboarding checklist
    - description: Report first, then the path
      path: "../evidence/CAPA-2026-004/report.txt"
      sha256: "0000000000000000000000000000000000000000000000000000000000000000"  # stale
    - url: https://intranet.example.com/checklist
---

Narrative stays as it is.
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    write_evidence(root / "register", "CAPA-2026-004")
    write_evidence(root / "register", "CAPA-2026-004", "report.txt", b"report\n")
    return root


def _finding(repo: Path, text: str, *, crlf: bool = False, bom: bool = False) -> Path:
    path = repo / "register" / "2026" / "CAPA-2026-004.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes(("\ufeff" if bom else "").encode() + raw.encode())
    return path


def _expected(text: str) -> str:
    return (text
            .replace("   # the approved checklist\n",
                     f"   # the approved checklist\n      sha256: {CHECKLIST}\n")
            .replace('"' + "0" * 64 + '"', f'"{REPORT}"'))


@pytest.mark.parametrize(("crlf", "bom"), [(False, False), (True, False), (False, True),
                                           (True, True)])
def test_only_sha_lines_change_and_second_run_is_a_no_op(repo: Path, crlf: bool,
                                                         bom: bool) -> None:
    path = _finding(repo, HAND_WRITTEN, crlf=crlf, bom=bom)
    result = run_capa("pin", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    expected = _expected(HAND_WRITTEN)
    if crlf:
        expected = expected.replace("\n", "\r\n")
    assert path.read_bytes() == ("\ufeff" if bom else "").encode() + expected.encode()
    assert "pinned: evidence `../evidence/CAPA-2026-004/checklist.txt`" in result.stdout
    assert f"updated: evidence `../evidence/CAPA-2026-004/report.txt` sha256 {REPORT}" in (
        result.stdout)
    assert ":15: pinned" in result.stdout and ":19: updated" in result.stdout
    before = path.read_bytes()
    again = run_capa("pin", cwd=repo)
    assert again.returncode == 0 and path.read_bytes() == before
    assert "0 changed (0 evidence items), 0 refused" in again.stdout
    check = run_capa("validate", "--today", "2026-11-28", "--format", "json", cwd=repo)
    assert '"evidence-hash"' not in check.stdout and '"evidence-unpinned"' not in check.stdout


def test_check_mode_writes_nothing(repo: Path) -> None:
    path = _finding(repo, HAND_WRITTEN)
    result = run_capa("pin", "--check", str(path), cwd=repo)
    assert result.returncode == 1 and path.read_text() == HAND_WRITTEN
    assert "1 would change (2 evidence items)" in result.stdout


def test_refuses_flow_style_items_and_leaves_the_file(repo: Path) -> None:
    text = HAND_WRITTEN.replace(
        "    - url: https://intranet.example.com/checklist\n",
        "    - {path: ../evidence/CAPA-2026-004/report.txt, description: flow}\n")
    path = _finding(repo, text)
    result = run_capa("pin", cwd=repo)
    assert result.returncode == 1
    assert ("refused: evidence `../evidence/CAPA-2026-004/report.txt` could not be pinned in "
            "place: it is written in flow style") in result.stdout
    # The block items are still pinned; the flow item's line is untouched.
    assert path.read_text() == _expected(text)


def test_refuses_whole_flow_list(repo: Path) -> None:
    text = HAND_WRITTEN.split("  evidence:\n")[0] + (
        "  evidence: [{path: ../evidence/CAPA-2026-004/checklist.txt}]\n---\n")
    path = _finding(repo, text)
    assert run_capa("pin", cwd=repo).returncode == 1
    assert path.read_text() == text


def test_never_pins_missing_or_outside_evidence(repo: Path) -> None:
    text = HAND_WRITTEN.replace("../evidence/CAPA-2026-004/checklist.txt",
                                "../evidence/CAPA-2026-004/gone.txt").replace(
        '"../evidence/CAPA-2026-004/report.txt"', "../../../../etc/hostname")
    path = _finding(repo, text)
    result = run_capa("pin", cwd=repo)
    assert result.returncode == 1
    assert "refused: evidence-missing: evidence `../evidence/CAPA-2026-004/gone.txt`" in (
        result.stdout)
    assert "refused: evidence-outside-repo" in result.stdout
    assert path.read_text() == text


LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:" + b"4d7a" * 16 + b"\nsize 48213\n")


def test_never_pins_an_lfs_pointer(repo: Path) -> None:
    write_evidence(repo / "register", "CAPA-2026-004", "checklist.txt", LFS_POINTER)
    path = _finding(repo, HAND_WRITTEN)
    result = run_capa("pin", cwd=repo)
    assert result.returncode == 1
    assert ("refused: evidence-lfs-pointer: evidence `../evidence/CAPA-2026-004/checklist.txt` "
            "not pinned: it is a Git LFS pointer") in result.stdout
    assert "git lfs pull" in result.stdout
    pinned = path.read_text()
    assert "# the approved checklist\n      description:" in pinned  # no sha256 added
    assert f'"{REPORT}"' in pinned  # the other item is still pinned


def test_broken_front_matter_is_reported(repo: Path) -> None:
    path = _finding(repo, "---\nid: [unclosed\n---\n")
    result = run_capa("pin", str(path), cwd=repo)
    assert result.returncode == 1 and "refused: front-matter" in result.stdout


def test_unusual_layout_is_verified_by_reloading(repo: Path) -> None:
    """A path split over two lines: a sha256 line after the first would break the value,
    so the reload check refuses instead of writing."""
    text = HAND_WRITTEN.replace(
        "    - path: ../evidence/CAPA-2026-004/checklist.txt   # the approved checklist\n",
        '    - path: "../evidence/CAPA-2026-004/\\\n        checklist.txt"\n')
    path = _finding(repo, text)
    result = pin_file(path, repo)
    assert not result.changed and result.refused and path.read_text() == text
    assert "left as it was" in result.outcomes[-1].message


def test_unknown_path_is_a_usage_error(repo: Path) -> None:
    assert run_capa("pin", "nowhere.md", cwd=repo).returncode == 2


@pytest.mark.parametrize("value", ["", " ", " ~", " 3f5a...", " TODO", " ''", ' ""'])
def test_replaces_an_empty_or_placeholder_sha256(repo: Path, value: str) -> None:
    """The contract's own example writes `sha256: 3f5a...`; a user may leave it empty."""
    text = HAND_WRITTEN.replace(
        'sha256: "0000000000000000000000000000000000000000000000000000000000000000"  # stale',
        f"sha256:{value}  # fill in")
    path = _finding(repo, text)
    result = pin_file(path, repo)
    assert not result.refused, result.outcomes
    quote = value.strip()[:1] if value.strip()[:1] in ("'", '"') else ""
    written = path.read_text().splitlines()
    expected = _expected(text).splitlines()
    assert len(written) == len(expected)
    for line, want in zip(written, expected, strict=True):
        if "# fill in" in want:
            assert re.fullmatch(f"      sha256: {quote}{REPORT}{quote} +# fill in", line), line
        else:
            assert line == want
