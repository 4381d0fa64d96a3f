"""`id_format`: a team keeps its own numbering in `capa new` and `capa import`."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..helpers import TODAY, commit_all, init_repo, run_capa


def _repo(tmp_path: Path, plugin: dict) -> Path:
    repo = init_repo(tmp_path / "repo")
    (repo / "register").mkdir()
    (repo / "mkdocs.yml").write_text(yaml.safe_dump(
        {"site_name": "r", "plugins": [{"capa": plugin}]}), encoding="utf-8")
    commit_all(repo, "start", "2026-01-05")
    return repo


def test_new_and_import_number_in_the_teams_format(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"id_format": "ISMS-{seq:03}"})
    made = run_capa("new", "--severity", "ofi", "--title", "Automate reviews",
                    "--today", TODAY, cwd=repo)
    assert made.stdout.strip() == "register/2026/ISMS-001.md", made.stderr
    sheet = tmp_path / "log.csv"
    sheet.write_text("Ref,Title,Grade,Status,Raised,Raised by,Audit\n"
                     "ISMS-007,Kept,OFI,Open,2025-03-01,A. Auditor,Internal audit\n"
                     ",Numbered,OFI,Open,2026-03-01,A. Auditor,Internal audit\n"
                     "NC 9,Renumbered,OFI,Open,2026-03-02,A. Auditor,Internal audit\n",
                     encoding="utf-8")
    result = run_capa("import", str(sheet), "--today", TODAY, cwd=repo)
    assert "3 rows: 3 written, 3 valid" in result.stdout, result.stdout + result.stderr
    files = sorted(p.relative_to(repo).as_posix() for p in (repo / "register").rglob("*.md"))
    # numbering continues across years (no {year}); the row's own fitting ID is kept
    assert files == ["register/2025/ISMS-007.md", "register/2026/ISMS-001.md",
                     "register/2026/ISMS-008.md", "register/2026/ISMS-009.md"]
    assert "reference: NC 9" in (repo / "register/2026/ISMS-009.md").read_text()
    assert run_capa("validate", "--today", TODAY, cwd=repo).returncode in (0, 1)
    assert "id-filename" not in run_capa("validate", "--today", TODAY, cwd=repo).stdout


def test_year_format_and_bad_formats(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"id_format": "CAR-{year}-{seq:04}"})
    made = run_capa("new", "--severity", "ofi", "--title", "x", "--today", TODAY, cwd=repo)
    assert made.stdout.strip() == "register/2026/CAR-2026-0001.md", made.stderr
    for bad, said in (("ISMS-{n}", "only {prefix}, {year} and {seq}"),
                      ("ISMS-{year}", "exactly once")):
        (repo / "mkdocs.yml").write_text(yaml.safe_dump(
            {"site_name": "r", "plugins": [{"capa": {"id_format": bad}}]}), encoding="utf-8")
        result = run_capa("new", "--severity", "ofi", "--title", "x", cwd=repo)
        assert result.returncode == 2 and said in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
