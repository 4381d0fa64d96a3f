"""The import reads clause references naming their standard into the right catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from capa_docs.interop.values import parse_clauses

from ..helpers import TODAY, commit_all, init_repo, run_capa


@pytest.mark.parametrize("cell,clauses", [
    ("ISO 27001:2022 A.5.19 / 8.1", ["A.5.19", "8.1"]),
    ("ISO 9001 8.4.1", ["9001:8.4.1"]),
    ("14001 cl. 6.1.2", ["14001:6.1.2"]),
    ("Clause 7.1.5.1 of ISO 9001:2015", ["9001:7.1.5.1"]),
    ("ISO 9001:2015 8.4.1; ISO/IEC 27001 A5.19", ["9001:8.4.1", "27001:A.5.19"]),
    ("ISO/IEC 42001 A.6.2.4", ["42001:A.6.2.4"]),
    ("A.12.3.1 (2013 numbering)", ["A.12.3.1"]),
])
def test_qualified_references_are_read_into_their_catalogue(cell: str,
                                                            clauses: list[str]) -> None:
    assert parse_clauses(cell) == clauses


def test_import_of_a_mixed_log_validates_against_the_configured_standards(
        tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "register").mkdir()
    (repo / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - capa:\n      standards: [\"27001\", \"9001\", \"14001\"]\n")
    commit_all(repo, "start", "2026-01-05")
    source = tmp_path / "log.csv"
    source.write_text(
        "Finding,Grade,Status,Origin,Raised,Raised by,Clause\n"
        "Supplier not evaluated,OFI,Open,Internal audit,2026-03-14,A. Auditor,ISO 9001 8.4.1\n"
        "Spill kit missing,OFI,Open,Internal audit,2026-03-15,A. Auditor,14001 cl. 6.1.2\n"
        "Backups untested,OFI,Open,Internal audit,2026-03-16,A. Auditor,A.8.13\n"
        "Wrong clause,OFI,Open,Internal audit,2026-03-17,A. Auditor,ISO 9001 8.4.9\n")
    result = run_capa("import", str(source), "--today", TODAY, cwd=repo)
    written = {}
    for path in sorted((repo / "register").rglob("*.md")):
        front = path.read_text(encoding="utf-8").split("---\n")[1]
        written[path.stem] = yaml.safe_load(front).get("clauses")
    assert list(written.values()) == [["9001:8.4.1"], ["14001:6.1.2"], ["A.8.13"],
                                      ["9001:8.4.9"]]
    assert result.returncode == 1
    assert ("9001:8.4.9 is not a clause or control of ISO 9001:2015; nearest: 8.4 (Control "
            "of externally provided processes, products and services), 8.4.3 (Information "
            "for external providers)") in result.stdout
