"""``capa init --site zensical``: a new register whose CI builds the site with ``capa render``
and Zensical. The generated workflows' commands run here for real, in the new folder."""

from __future__ import annotations

import importlib.metadata
import subprocess
import tomllib
from pathlib import Path

import yaml

from ..gate.test_gate import _lint
from ..gate.test_gate import actionlint as actionlint  # noqa: F401 - the session fixture
from ..helpers import TODAY, run_capa
from ..sites import Page
from .test_init import BIN, GITHUB_FILES, _env, _init, _load, files_of

BUILD = "capa render site-src --zensical --pages docs && zensical build --clean --strict"


def _run(script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=folder,
                          env=_env(), capture_output=True, text=True, timeout=300)


def _finding(folder: Path) -> str:
    new = run_capa("new", "--severity", "minor", "--title", "Backups never restore-tested",
                   "--raised-by", "A. Auditor", "--today", TODAY, cwd=folder)
    assert new.returncode == 0, new.stderr
    return Path(new.stdout.strip()).stem


def test_github_workflows_build_the_site_with_zensical(actionlint: list[str],  # noqa: F811
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "isms"
    _init(str(folder), "--name", "ACME ISMS", "--site", "zensical", cwd=tmp_path)
    written = files_of(folder)
    assert {".github/workflows/register-gate.yml", ".github/workflows/register-site.yml"} <= (
        GITHUB_FILES & set(written))
    zensical = f"zensical=={importlib.metadata.version('zensical')}"
    assert written["requirements.txt"].decode().splitlines()[-2:] == [
        "capa-docs==0.1.0", zensical]
    assert {"/site-src/", "/capa-theme/", "/zensical.toml"} <= set(
        written[".gitignore"].decode().splitlines())
    assert b".venv/bin/zensical serve" in written["README.md"]
    for name in ("register-gate.yml", "register-site.yml"):
        linted = _lint(actionlint, folder / ".github/workflows" / name, folder)
        assert linted.returncode == 0, linted.stdout + linted.stderr
    gate = _load(written[".github/workflows/register-gate.yml"].decode())["jobs"]["gate"]
    assert gate["steps"][-1]["run"] == BUILD
    site = _load(written[".github/workflows/register-site.yml"].decode())["jobs"]["build"]
    runs = [step["run"] for step in site["steps"] if "run" in step]
    assert runs[-1] == BUILD.replace("--pages docs", "--pages docs --site-dir _site")

    finding_id = _finding(folder)
    for script in runs[1:]:  # after the install, as the job runs them
        result = _run(script, folder)
        assert result.returncode == 0, result.stdout + result.stderr
    built = folder / "_site"
    page = Page(built / "findings" / finding_id / "index.html")
    assert "Backups never restore-tested" in page.content().text
    home = Page(built / "index.html")
    nav = {a.attrs.get("href") for a in home.find_all("a")
           if "md-nav__link" in a.attrs.get("class", "")}
    assert "./about/" in nav and not any("findings/" in href for href in nav if href)
    assert "About this register" in (built / "about/index.html").read_text()
    assert '<meta http-equiv="Content-Security-Policy"' in (built / "index.html").read_text()


def test_gitlab_jobs_build_the_site_with_zensical(tmp_path: Path) -> None:
    folder = tmp_path / "isms"
    _init(str(folder), "--ci", "gitlab", "--site", "zensical", cwd=tmp_path)
    ci = folder / ".gitlab-ci.yml"
    checked = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema",
                              "vendor.gitlab-ci", str(ci)], capture_output=True, text=True,
                             timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    jobs = yaml.safe_load(ci.read_text())
    assert BUILD in jobs["capa-gate"]["script"]
    script = jobs["register-site"]["script"]
    assert script[-1] == BUILD
    finding_id = _finding(folder)
    result = _run("\n".join(script), folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (folder / "site/findings" / finding_id / "index.html").is_file()
    assert (folder / "site/about/index.html").is_file()


def test_render_rewrites_its_own_configuration_and_keeps_an_edited_one(tmp_path: Path) -> None:
    folder = tmp_path / "isms"
    _init(str(folder), "--site", "zensical", cwd=tmp_path)
    first = run_capa("render", "site-src", "--zensical", "--today", TODAY, cwd=folder)
    assert "configuration written to zensical.toml" in first.stdout, first.stderr
    config = folder / "zensical.toml"
    assert "reviews/index.md" not in tomllib.loads(config.read_text())["project"]["nav"]
    settings = folder / "mkdocs.yml"
    settings.write_text(settings.read_text().replace("reviews: {}  ",
                                                     "reviews: {MR-2026-Q4: 2026-11-28}"))
    again = run_capa("render", "site-src", "--zensical", "--today", TODAY, cwd=folder)
    assert "configuration rewritten to zensical.toml" in again.stdout, again.stderr
    assert "reviews/index.md" in tomllib.loads(config.read_text())["project"]["nav"]
    edited = config.read_text().replace('site_dir = "site"', 'site_dir = "public"')
    config.write_text(edited)
    kept = run_capa("render", "site-src", "--zensical", "--today", TODAY, cwd=folder)
    assert kept.returncode == 0 and config.read_text() == edited
    assert "zensical.toml exists and is left as it is" in kept.stderr


def test_own_pages_never_replace_the_registers(tmp_path: Path) -> None:
    folder = tmp_path / "isms"
    _init(str(folder), cwd=tmp_path)
    (folder / "docs/register.md").write_text("# Mine\n")
    result = run_capa("render", "site-src", "--pages", "docs", "--today", TODAY, cwd=folder)
    assert result.returncode == 2
    assert "register.md would replace the register's own" in result.stderr
    assert not (folder / "site-src").exists()
    (folder / "docs/register.md").write_bytes(b"# R\xe9sum\xe9 in Latin-1\n")
    latin = run_capa("render", "site-src", "--pages", "docs", "--today", TODAY, cwd=folder)
    assert latin.returncode == 2 and "register.md would replace" in latin.stderr
    (folder / "docs/register.md").rename(folder / "docs/notes.md")
    latin = run_capa("render", "site-src", "--pages", "docs", "--today", TODAY, cwd=folder)
    assert latin.returncode == 2 and "notes.md is not UTF-8 text" in latin.stderr
    (folder / "docs/notes.md").unlink()
    (tmp_path / "secret.txt").write_text("not the register's\n")
    (folder / "docs/notes.txt").symlink_to(tmp_path / "secret.txt")
    outside = run_capa("render", "site-src", "--pages", "docs", "--today", TODAY, cwd=folder)
    assert outside.returncode == 2
    assert "notes.txt links outside the repository" in outside.stderr
    assert not (folder / "site-src").exists()
    missing = run_capa("render", "site-src", "--pages", "nowhere", cwd=folder)
    assert missing.returncode == 2 and "--pages nowhere: no such folder" in missing.stderr
