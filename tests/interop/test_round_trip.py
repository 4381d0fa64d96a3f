"""`capa export --format csv` carries every field a person edits: importing it into an
empty register gives back the same front matter, finding for finding (the sample register)."""

from __future__ import annotations

import csv
from pathlib import Path

from capa_docs.contract.frontmatter import load_text

from ..helpers import TODAY, commit_all, init_repo, run_capa

ROOT = Path(__file__).resolve().parents[2]


def test_sample_register_survives_export_and_import(tmp_path: Path) -> None:
    exported = tmp_path / "register.csv"
    result = run_capa("export", "--format", "csv", "-o", str(exported), "--today", TODAY,
                      cwd=ROOT)
    assert result.returncode == 0, result.stderr
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(r["as_of"] == TODAY and len(r["commit"]) == 40 for r in rows)
    assert "action_1_owner" in rows[0] and "evidence_1_sha256" in rows[0]
    repo = init_repo(tmp_path / "empty")
    (repo / "register").mkdir()
    (repo / "README.md").write_text("empty register\n")
    commit_all(repo, "start", "2026-01-05")
    imported = run_capa("import", str(exported), "--today", TODAY, cwd=repo)
    assert f"{len(rows)} rows: {len(rows)} written" in imported.stdout, \
        imported.stdout + imported.stderr
    differing = []
    for row in rows:
        original = load_text((ROOT / row["source_file"]).read_text(encoding="utf-8")).data
        back = next((repo / "register").rglob(f"{row['id']}.md"))
        again = load_text(back.read_text(encoding="utf-8")).data
        if again != original:
            differing.append((row["id"], {k: (original.get(k), again.get(k))
                                          for k in {*original, *again}
                                          if original.get(k) != again.get(k)}))
    assert not differing, differing
    print(f"\nround trip: {len(rows)} sample findings exported and imported, "
          "front matter equal for every one")
