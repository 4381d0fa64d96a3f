"""`capa migrate-clauses`: ISO/IEC 27001:2013 Annex A numbers rewritten to 2022 in place,
table-driven over every 2013 control, and on files whose layout must survive."""

from __future__ import annotations

from pathlib import Path

import pytest

from capa_docs.contract.catalogue import Standards, shipped
from capa_docs.contract.frontmatter import decode, load_text
from capa_docs.contract.migrate import migrate_bytes

from ..helpers import TODAY, finding, front_matter, init_repo, run_capa, write_evidence

ISO27001 = shipped("27001")
DEFAULT = Standards([ISO27001])
OLD = sorted(ISO27001.previous.items(), key=lambda item: ISO27001.order(item[1].now[0]))


def _file(clauses: list[str]) -> bytes:
    return f"---\n{front_matter(finding(clauses=clauses))}---\nNarrative.\n".encode()


@pytest.mark.parametrize("number", [number for number, _ in OLD])
def test_every_2013_control_is_rewritten_or_left_for_a_person(number: str) -> None:
    old = ISO27001.previous[number]
    raw = _file(["8.1", number])
    migration = migrate_bytes(raw, DEFAULT)
    if len(old.now) == 1:
        assert migration.text == raw.replace(number.encode(), old.now[0].encode())
        assert load_text(decode(migration.text)).data["clauses"] == ["8.1", old.now[0]]
        assert [(c.old, c.new, c.decided) for c in migration.changes] == [
            (number, old.now[0], True)]
    else:
        assert migration.text is None
        [change] = migration.changes
        assert not change.decided and change.new is None
        assert all(n in change.message for n in old.now), change.message


LAYOUT = """\
---
id: CAPA-2026-004
title: Backups not tested   # comment after a value
severity: observation
status: open
source: internal-audit
raised: 2026-03-02
raised_by: A. Auditor
requirement:
  standard: ISO/IEC 27001:2013 A.12.3.1   # text is never touched
# clauses as the 2013 audit wrote them
clauses:
  - "A.12.3.1"    # backup
  - 'A.9.2.1'
  - A.12.4.1
  - A.12.4.2
  - "8.1"
owner: Sam Ops
---
Body mentions A.12.3.1 and stays.
"""
LAYOUT_AFTER = (LAYOUT.replace('"A.12.3.1"    # backup', '"A.8.13"    # backup')
                .replace("'A.9.2.1'", "'A.5.16'")
                .replace("  - A.12.4.1\n  - A.12.4.2\n", "  - A.8.15\n"))
FLOW = LAYOUT.replace("""clauses:
  - "A.12.3.1"    # backup
  - 'A.9.2.1'
  - A.12.4.1
  - A.12.4.2
  - "8.1"
""", """clauses: [ "A.12.3.1", A.12.4.1,A.12.4.3 , 'A.18.2.3', "8.1" ]  # flow
""")
FLOW_AFTER = FLOW.replace('[ "A.12.3.1", A.12.4.1,A.12.4.3 ,',
                          '[ "A.8.13", A.8.15 ,')


@pytest.mark.parametrize("before,after,left", [
    (LAYOUT, LAYOUT_AFTER, []),
    (FLOW, FLOW_AFTER, ["A.18.2.3"]),
], ids=["block-list-with-comments", "flow-list"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["", "bom"])
def test_the_rewrite_keeps_comments_layout_flow_lists_and_line_ends(
        before: str, after: str, left: list[str], line_end: str, bom: bytes) -> None:
    raw = bom + before.replace("\n", line_end).encode()
    migration = migrate_bytes(raw, DEFAULT)
    assert migration.refused is None
    assert migration.text == bom + after.replace("\n", line_end).encode()
    assert [c.old for c in migration.undecided] == left


def test_a_repeat_with_a_comment_on_its_line_is_left_for_a_person() -> None:
    raw = LAYOUT.replace("  - A.12.4.2\n", "  - A.12.4.2  # protected logs\n").encode()
    migration = migrate_bytes(raw, DEFAULT)
    assert [c.old for c in migration.undecided] == ["A.12.4.2"]
    assert "already holds" in migration.undecided[0].message
    data = load_text(decode(migration.text or b"")).data
    assert data["clauses"] == ["A.8.13", "A.5.16", "A.8.15", "A.12.4.2", "8.1"]


def test_a_qualified_2013_number_is_rewritten_when_27001_is_not_first() -> None:
    standards = Standards([shipped("9001"), ISO27001])
    raw = _file(["8.4.1", "27001:A.15.1.1", "A.12.3.1"])
    migration = migrate_bytes(raw, standards)
    # A.12.3.1 unqualified is an ISO 9001 number here, so it is not 27001's to rewrite.
    assert load_text(decode(migration.text or b"")).data["clauses"] == [
        "8.4.1", "27001:A.5.19", "A.12.3.1"]


def test_capa_migrate_clauses_rewrites_the_register_and_lists_what_is_left(
        tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    write_evidence(root / "register", "CAPA-2026-004")
    folder = root / "register" / "2026"
    folder.mkdir(parents=True)
    (folder / "CAPA-2026-004.md").write_bytes(LAYOUT.replace("\n", "\r\n").encode())
    (folder / "CAPA-2026-005.md").write_bytes(
        _file(["A.18.2.3"]).replace(b"CAPA-2026-004", b"CAPA-2026-005"))
    before = run_capa("validate", "--today", TODAY, cwd=root)
    assert "A.12.3.1 (Information backup) is a control of ISO/IEC 27001:2013" in before.stdout
    check = run_capa("migrate-clauses", "--check", cwd=root)
    assert check.returncode == 1
    assert (folder / "CAPA-2026-004.md").read_bytes() == LAYOUT.replace("\n", "\r\n").encode()
    result = run_capa("migrate-clauses", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "register/2026/CAPA-2026-004.md:13: A.12.3.1 -> A.8.13 (Information backup)" in lines
    assert ("register/2026/CAPA-2026-004.md:16: A.12.4.2 removed: it became A.8.15 (Logging), "
            "which the list already holds") in lines
    assert any(line.startswith("register/2026/CAPA-2026-005.md:") and "A.18.2.3 left as it is"
               in line for line in lines), lines
    assert lines[-1] == "4 clauses rewritten in 1 file; 1 left for a person to decide"
    assert (folder / "CAPA-2026-004.md").read_bytes() == (
        LAYOUT_AFTER.replace("\n", "\r\n").encode())
    again = run_capa("migrate-clauses", cwd=root)
    assert again.stdout.splitlines()[-1].startswith("0 clauses rewritten in 0 files; 1 left")
