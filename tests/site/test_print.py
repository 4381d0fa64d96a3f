"""Every page of a built site prints with the print stylesheet and the build's stamp (the
as-of date and commit), the site's own pages as well as the register's. The printed
result itself is checked in a browser (tests/site/test_e2e_browser.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..helpers import TODAY, finding, write_evidence, write_finding
from ..sites import Page, mkdocs_build, repo_with, write_config

STYLES = ["assets/capa/capa.css", "assets/capa/print.css", "assets/capa/stamp.css"]


def _register(root: Path) -> None:
    write_evidence(root / "register", "CAPA-2026-004")
    write_finding(root / "register", finding())
    (root / "docs").mkdir()
    (root / "docs" / "guide.md").write_text("# Guide\n\nHow we work.\n", encoding="utf-8")


def _styles(page: Page, prefix: str) -> list[str]:
    return sorted({link.attrs["href"].removeprefix(prefix) for link in page.find_all("link")
                   if link.attrs.get("rel") == "stylesheet"
                   and "assets/capa/" in link.attrs.get("href", "")})


def test_every_page_links_the_print_styles_and_the_stamp_names_the_build(
        tmp_path: Path) -> None:
    root = repo_with(tmp_path, _register)
    write_config(root, nav=["index.md", "guide.md"])
    mkdocs_build(root / "mkdocs.yml")
    site = root / "site"
    assert _styles(Page(site / "guide" / "index.html"), "../") == STYLES  # the site's own
    for url in ("", "register/", "management-review/", "findings/CAPA-2026-004/"):
        depth = "../" * url.count("/")
        assert _styles(Page(site / url / "index.html"), depth) == STYLES, url
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    stamp = (site / "assets" / "capa" / "stamp.css").read_text(encoding="utf-8")
    # mkdocs.yml was written after the commit: the stamp says so, as the footer does.
    assert (f'"Register as of {TODAY} · commit {commit[:10]} with uncommitted changes"'
            in stamp)
    assert "@bottom-left" in stamp and "counter(pages)" in stamp
    assert "size: A4" in (site / "assets" / "capa" / "print.css").read_text()
