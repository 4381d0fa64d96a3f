"""``capa render`` keeps its folder to what the register publishes now: the page and the
evidence of a finding that left the register leave the folder, and so the site a
generator builds from it; what someone else put there, or changed, stays."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from capa_docs.site.written import RECORD

from ..helpers import TODAY, finding, run_capa, write_evidence, write_finding
from ..sites import SOURCE_DATE_EPOCH, repo_with, sample_register

GONE = "CAPA-2026-060"


def _register(root: Path) -> None:
    """The sample register and a closed finding nothing refers to, with its evidence."""
    sample_register(root)
    data = finding(id=GONE)
    data["closure"]["evidence"][0]["path"] = f"../evidence/{GONE}/checklist.txt"
    write_finding(root / "register", data)
    write_evidence(root / "register", GONE)


def _render(root: Path) -> subprocess.CompletedProcess[str]:
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert result.returncode == 0, result.stderr
    return result


def _remove_finding(root: Path) -> None:
    (root / f"register/2026/{GONE}.md").unlink()
    shutil.rmtree(root / f"register/evidence/{GONE}")


def test_a_finding_that_left_the_register_leaves_the_folder_and_the_site(
        tmp_path: Path) -> None:
    root = repo_with(tmp_path, _register)
    _render(root)
    out = root / "out"
    evidence = out / f"files/register/evidence/{GONE}"
    assert (out / f"findings/{GONE}.md").is_file() and any(evidence.iterdir())
    recorded = json.loads((out / RECORD).read_text())["files"]
    assert f"findings/{GONE}.md" in recorded and RECORD not in recorded

    _remove_finding(root)
    again = _render(root)
    assert not (out / f"findings/{GONE}.md").exists()
    assert not evidence.exists()  # the files and their emptied folder
    assert (out / "findings").is_dir() and (out / "register.md").is_file()
    removed = 1 + len([p for p in recorded if p.startswith(f"files/register/evidence/{GONE}/")])
    assert f"; removed {removed} the register no longer publishes" in again.stdout
    assert f"findings/{GONE}.md" not in json.loads((out / RECORD).read_text())["files"]

    built = subprocess.run([str(Path(sys.executable).parent / "zensical"), "build", "--clean"],
                           cwd=root, env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    assert not (root / f"site/findings/{GONE}").exists()
    assert (root / "site/findings/CAPA-2026-010/index.html").is_file()
    assert not (root / "site" / RECORD).exists()  # a dot-file: not published


def test_what_someone_else_put_there_or_changed_stays(tmp_path: Path) -> None:
    root = repo_with(tmp_path, _register)
    _render(root)
    out = root / "out"
    (out / "notes.md").write_text("# Ours\n")
    page = out / f"findings/{GONE}.md"
    page.write_text(page.read_text() + "\nAn edit.\n")
    _remove_finding(root)
    again = _render(root)
    assert (out / "notes.md").read_text() == "# Ours\n"
    assert page.read_text().endswith("\nAn edit.\n")
    left = (f"{out.name}/findings/{GONE}.md was left: the register no longer publishes it, "
            "but it changed since capa render wrote it")
    assert left in again.stderr
    assert left in _render(root).stderr  # named on every run until someone deletes it
    page.unlink()
    assert "was left" not in _render(root).stderr


def test_a_folder_without_a_record_names_what_it_holds_until_it_is_gone(
        tmp_path: Path) -> None:
    """Written before capa render kept a record, or by someone else: nothing says whose
    the files are, so they stay and are named on every run until they are deleted."""
    root = repo_with(tmp_path, _register)
    _render(root)
    out = root / "out"
    (out / RECORD).unlink()
    _remove_finding(root)
    first = _render(root)
    assert (out / f"findings/{GONE}.md").is_file()
    assert ("out holds 2 file(s) this run did not write and no earlier run recorded "
            f"(files/register/evidence/{GONE}/checklist.txt, findings/{GONE}.md)") in first.stderr
    assert f"findings/{GONE}.md)" in _render(root).stderr
    (out / f"findings/{GONE}.md").unlink()
    shutil.rmtree(out / f"files/register/evidence/{GONE}")
    assert "this run did not write" not in _render(root).stderr


def test_links_in_the_folders_are_replaced_never_written_through(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A branch can commit links where capa render writes (git add -f past .gitignore):
    a page, the record and the theme files go in their folders; a folder leading out
    stops the run before anything is written."""
    root = repo_with(tmp_path, _register)
    _render(root)
    out, theme = root / "out", root / "capa-theme"
    victims = {name: tmp_path / f"victim-{name}" for name in ("page", "record", "sitemap")}
    for victim in victims.values():
        victim.write_text("keep\n")
    for path, victim in ((out / f"findings/{GONE}.md", victims["page"]),
                         (out / RECORD, victims["record"]),
                         (theme / "sitemap.xml", victims["sitemap"])):
        path.unlink()
        path.symlink_to(victim)
    _render(root)
    assert all(victim.read_text() == "keep\n" for victim in victims.values())
    assert not (out / f"findings/{GONE}.md").is_symlink()
    assert "urlset" in (theme / "sitemap.xml").read_text()

    elsewhere = tmp_path_factory.mktemp("elsewhere")  # outside the repository
    shutil.rmtree(out / "findings")
    (out / "findings").symlink_to(elsewhere)
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "out/findings leads outside out (a link): remove it; nothing written" in result.stderr
    assert not any(elsewhere.iterdir())
    (out / "findings").unlink()
    shutil.rmtree(theme)
    theme.symlink_to(elsewhere)
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert result.returncode == 2 and "capa-theme is a link" in result.stderr
    assert not any(elsewhere.iterdir())


def test_a_record_cannot_remove_anything_outside_the_folder_or_behind_a_link(
        tmp_path: Path) -> None:
    """The record is a file in a folder anyone may write to: it names what to remove,
    so nothing outside the folder, and no link, is removed whatever it says."""
    root = repo_with(tmp_path, _register)
    _render(root)
    out = root / "out"
    outside = root / "outside.txt"
    outside.write_text("keep\n")
    (out / "sub").mkdir()
    (out / "sub/link.txt").symlink_to(outside)
    files = {}
    for name, path in (("../outside.txt", outside), ("sub/../../outside.txt", outside)):
        stat = path.stat()
        files[name] = [stat.st_size, stat.st_mtime_ns]
    link = (out / "sub/link.txt").lstat()
    files["sub/link.txt"] = [link.st_size, link.st_mtime_ns]
    (out / RECORD).write_text(json.dumps({"files": files}))
    _render(root)
    assert outside.read_text() == "keep\n"
    assert (out / "sub/link.txt").is_symlink()
    (out / RECORD).write_text("not json")  # a record that cannot be read removes nothing
    assert "removed" not in _render(root).stdout
    (out / RECORD).write_text(json.dumps({"files": {"a\x00b": [1, 2], "/etc/x": [1, 2],
                                                     "a\\..\\b": [1, 2]}}))
    assert "removed" not in _render(root).stdout  # no crash on a path the OS refuses


def test_a_record_entry_under_a_linked_folder_removes_nothing_outside(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = repo_with(tmp_path, _register)
    _render(root)
    out = root / "out"
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    victim = elsewhere / "victim.txt"
    victim.write_text("keep\n")
    (out / "sub").symlink_to(elsewhere)
    found = victim.stat()
    (out / RECORD).write_text(json.dumps(
        {"files": {"sub/victim.txt": [found.st_size, found.st_mtime_ns]}}))
    _render(root)
    assert victim.read_text() == "keep\n"


def test_a_half_written_record_leaves_the_files_named_on_every_run(tmp_path: Path) -> None:
    """A run stopped while writing its record (the record is now replaced whole, but an
    older or damaged one can be there): what the folder holds is named, run after run."""
    root = repo_with(tmp_path, _register)
    _render(root)
    out = root / "out"
    (out / RECORD).write_text((out / RECORD).read_text()[:100])
    _remove_finding(root)
    for _ in range(2):
        assert f"findings/{GONE}.md" in _render(root).stderr
    assert not list(out.glob(f"{RECORD}.partial"))


def test_outdir_must_be_a_folder_of_its_own(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each run writes over OUTDIR and removes what it no longer publishes there: never
    the repository, the register, the --pages folder, or a link out of the repository."""
    root = repo_with(tmp_path, _register)
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs/about.md").write_text("# About\n")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (root / "linked").symlink_to(elsewhere)
    for outdir, extra, said in ((".", (), "OUTDIR . is the repository"),
                                ("docs", ("--pages", "docs"), "OUTDIR docs is --pages docs"),
                                ("docs/site", ("--pages", "docs"), "is in --pages docs"),
                                ("register/site", (), "OUTDIR register/site is in the register"),
                                ("linked", (), "linked is a link to")):
        result = run_capa("render", outdir, "--today", TODAY, *extra, cwd=root)
        assert result.returncode == 2 and said in result.stderr, (outdir, result.stderr)
        assert "Traceback" not in result.stderr
    assert (root / "docs/about.md").read_text() == "# About\n"
    assert not any(elsewhere.iterdir()) and not (root / "index.md").exists()


def test_the_theme_folder_is_written_whole_or_not_at_all_through_links(tmp_path: Path) -> None:
    """capa-theme, or a folder in it, linked to a folder of one's own (in the repository
    or not): that folder's files are never written over."""
    root = repo_with(tmp_path, _register)
    _render(root)
    theme = root / "capa-theme"
    mine = root / "overrides"
    (mine / "partials").mkdir(parents=True)
    for name in ("main.html", "partials/actions.html"):
        (mine / name).write_text("mine\n")
    shutil.rmtree(theme / "partials")
    (theme / "partials").symlink_to(mine / "partials")
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert result.returncode == 2 and "leads outside" in result.stderr
    shutil.rmtree(theme)
    theme.symlink_to(mine)
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert result.returncode == 2 and "capa-theme is a link" in result.stderr
    assert all((mine / name).read_text() == "mine\n"
               for name in ("main.html", "partials/actions.html"))


def test_what_cannot_be_written_is_one_line_not_a_crash(tmp_path: Path) -> None:
    root = repo_with(tmp_path, _register)
    (root / "out").write_text("a file\n")
    result = run_capa("render", "out", "--today", TODAY, cwd=root)
    assert result.returncode == 2 and "OUTDIR out is a file: name a folder" in result.stderr
    (root / "out").unlink()
    (root / f"out/findings/{GONE}.md").mkdir(parents=True)  # a folder where a page goes
    result = run_capa("render", "out", "--today", TODAY, cwd=root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"capa: cannot write out/findings/{GONE}.md: Is a directory" in result.stderr
