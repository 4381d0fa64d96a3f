"""Whole builds as users run them: a broken finding stops the build, ProperDocs runs the
plugin, and Zensical builds what ``capa render`` writes."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from ..helpers import TODAY, finding, run_capa, write_finding
from ..sites import SOURCE_DATE_EPOCH, Page, repo_with, sample_register, sha256, write_config

BIN = Path(sys.executable).parent


def _run(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([str(BIN / tool), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def _broken(root: Path) -> None:
    sample_register(root)
    write_finding(root / "register", finding(id="CAPA-2026-020", status="closed",
                                             closure={"closed": "2026-07-15"}))


def test_broken_finding_fails_the_build_naming_file_and_line(tmp_path: Path) -> None:
    root = repo_with(tmp_path, _broken)
    write_config(root)
    result = _run("mkdocs", "build", "--strict", cwd=root)
    assert result.returncode != 0
    lines = (root / "register/2026/CAPA-2026-020.md").read_text().splitlines()
    line = lines.index("closure:") + 1
    # The same line `capa validate` prints.
    expected = (f"register/2026/CAPA-2026-020.md:{line}: error closure-evidence: closed "
                "without evidence")
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert "CAPA-2026-010.md:25: warning overdue" in result.stderr  # printed, not fatal
    validate = run_capa("validate", "--today", TODAY, cwd=root)
    assert expected in validate.stdout


def test_properdocs_runs_the_plugin(tmp_path: Path) -> None:
    # ProperDocs also reads the mkdocs.plugins group, so the build alone cannot show that
    # our own properdocs.plugins entry point exists.
    from importlib.metadata import entry_points

    plugin = entry_points(group="properdocs.plugins")["capa"].value
    assert plugin == "capa_docs.site.plugin:CapaPlugin"
    root = repo_with(tmp_path, sample_register)
    write_config(root)
    result = _run("properdocs", "build", "--strict", "-f", "mkdocs.yml", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "warning overdue" in result.stderr  # the register's state, reported, not fatal
    site = root / "site"
    finding_page = Page(site / "findings/CAPA-2026-004/index.html")
    assert "Supplier security assessments" in finding_page.content().text
    copied = site / "files/register/evidence/CAPA-2026-004/checklist.txt"
    assert sha256(copied) == sha256(root / "register/evidence/CAPA-2026-004/checklist.txt")
    # A rule raised to `error` in the block stops the build.
    write_config(root, {"rules": {"overdue": "error"}})
    result = _run("properdocs", "build", "-f", "mkdocs.yml", cwd=root)
    assert result.returncode != 0 and "error overdue" in result.stderr


def test_zensical_builds_the_rendered_register(tmp_path: Path) -> None:
    """capa render --zensical writes the configuration: every finding page is built and
    none is in any page's navigation; evidence links resolve to the copied files."""
    root = repo_with(tmp_path, sample_register)
    rendered = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert rendered.returncode == 0, rendered.stderr
    assert "warning overdue" in rendered.stderr
    config = tomllib.loads((root / "zensical.toml").read_text())["project"]
    assert config["docs_dir"] == "out" and config["nav"][0] == "index.md"
    assert "/findings/" in config["not_in_nav"]
    assert "capa_docs.site.mdblocks" in config["markdown_extensions"]
    result = _run("zensical", "build", "--strict", "--clean", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    site = root / "site"
    for url in ("register", "management-review", "clauses", "findings/CAPA-2026-004"):
        assert (site / url / "index.html").is_file(), url
    findings = sorted(p.parent.name for p in (site / "findings").glob("*/index.html"))
    assert findings == sorted(p.stem for p in (root / "register").rglob("CAPA-*.md"))
    for name in findings:
        nav = [a.attrs.get("href", "") for a in Page(site / "findings" / name / "index.html")
               .find_all("a") if "md-nav__link" in a.attrs.get("class", "")]
        assert nav and not [href for href in nav if "findings/" in href], name
    page = Page(site / "findings/CAPA-2026-004/index.html")
    link = page.with_class("capa-evidence-file")[0].attrs["href"]
    copied = (site / "findings/CAPA-2026-004" / link).resolve()
    assert copied.is_relative_to(site)
    assert sha256(copied) == sha256(root / "register/evidence/CAPA-2026-004/checklist.txt")
    register = Page(site / "register/index.html")
    assert "../findings/CAPA-2026-010/" in {a.attrs.get("href") for a in register.find_all("a")}
    # A configuration of one's own is left as it is; capa render says what to merge.
    (root / "zensical.toml").write_text("[project]\nsite_name = \"Ours\"\n")
    again = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert again.returncode == 0
    assert (root / "zensical.toml").read_text() == "[project]\nsite_name = \"Ours\"\n"
    assert "zensical.toml exists and is left as it is" in again.stderr
    assert 'not_in_nav = """\n/findings/\n"""' in again.stderr
    assert '[project.markdown_extensions."capa_docs.site.mdblocks"]' in again.stderr


def test_render_refuses_a_broken_register(tmp_path: Path) -> None:
    root = repo_with(tmp_path, _broken)
    result = run_capa("render", str(root / "out"), "--today", TODAY, cwd=root)
    assert result.returncode == 1
    assert "CAPA-2026-020.md:32: error closure-evidence" in result.stderr
    assert not (root / "out").exists()
