"""``capa offline`` (issue 14, item 7): the site as a zip that works opened from disk.
The browser half (file://, clicking from the register to evidence) is in
test_e2e_browser.py."""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from ..helpers import TODAY, finding, run_capa, write_finding
from ..sites import repo_with, write_config
from .test_privacy import HELD, _register_with_held_evidence

FOLDER = "auditor-copy"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append((tag, value))


@pytest.fixture(scope="module")
def offline_zip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = repo_with(tmp_path_factory.mktemp("offline"), _register_with_held_evidence)
    write_config(root, {"reviews": {"MR-2026-Q4": "2026-11-28"}})
    result = run_capa("offline", f"{FOLDER}.zip", "--today", TODAY, cwd=root)
    assert result.returncode == 0, result.stderr
    assert f"unzip it and open {FOLDER}/index.html" in result.stdout
    unpacked = root / "unpacked"
    with zipfile.ZipFile(root / f"{FOLDER}.zip") as archive:
        assert all(name.startswith(f"{FOLDER}/") for name in archive.namelist())
        archive.extractall(unpacked)
    return root, unpacked / FOLDER


def test_every_link_resolves_to_a_file_and_pages_are_html_files(
        offline_zip: tuple[Path, Path]) -> None:
    _, site = offline_zip
    checked = 0
    for page in sorted(site.rglob("*.html")):
        links = _Links()
        links.feed(page.read_text())
        for tag, url in links.urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # another site, or an anchor on this page
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_relative_to(site.resolve()), (page, url)
            # From disk a folder is a file listing, never the page: every link names a file.
            assert target.is_file(), (page, url)
            if tag == "a" and not url.startswith(("assets/", "../assets/")):
                assert target.suffix in (".html", ".txt", ".csv", ".json", ".png", ".pdf",
                                         ".ics"), (page, url)
            checked += 1
    assert checked > 200


def test_the_copy_has_no_search_no_host_files_and_no_held_evidence(
        offline_zip: tuple[Path, Path]) -> None:
    _, site = offline_zip
    names = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert {"index.html", "register.html", "findings/CAPA-2026-004.html",
            "reviews/MR-2026-Q4.html", "files/register/evidence/CAPA-2026-004/checklist.txt",
            "register.csv"} <= names
    assert not {"robots.txt", "_headers", "search/search_index.json"} & names
    assert not any("hr-leavers" in name for name in names)
    assert f"{HELD} (held in the repository" in (site / "register.csv").read_text("utf-8-sig")
    for page in ("index.html", "register.html"):
        text = (site / page).read_text()
        assert "the site's full-text search needs a web server" in text
    register = (site / "register.html").read_text()
    assert 'data-md-component="search"' not in register  # the theme's search box is gone
    assert re.search(r'<meta http-equiv="Content-Security-Policy"', register)


def test_the_same_commit_gives_the_same_zip(offline_zip: tuple[Path, Path]) -> None:
    root, _ = offline_zip
    again = run_capa("offline", "again/auditor-copy.zip", "--today", TODAY, cwd=root)
    assert again.returncode == 0, again.stderr
    assert (root / "again/auditor-copy.zip").read_bytes() == (
        root / f"{FOLDER}.zip").read_bytes()


def test_offline_refuses_what_it_cannot_build(tmp_path: Path) -> None:
    def broken(root: Path) -> None:
        write_finding(root / "register", finding(id="CAPA-2026-020", status="closed",
                                                 closure={"closed": "2026-07-15"}))

    root = repo_with(tmp_path / "repo", broken)
    no_config = run_capa("offline", "x.zip", cwd=root)
    assert no_config.returncode == 2 and "no mkdocs.yml" in no_config.stderr
    write_config(root)
    not_zip = run_capa("offline", "copy.tar", cwd=root)
    assert not_zip.returncode == 2 and "with .zip at the end" in not_zip.stderr
    failed = run_capa("offline", "copy.zip", "--today", TODAY, cwd=root)
    assert failed.returncode == 1
    assert failed.stderr.startswith("capa: offline copy not written: the site did not build")
    assert "CAPA-2026-020.md" in failed.stderr and "closure-evidence" in failed.stderr
    assert "Traceback" not in failed.stderr and not (root / "copy.zip").exists()
