"""The Zensical path's pages carry the plugin's policy: ``capa render --zensical`` and a
real ``zensical build``, every built page read with an HTML parser."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ..helpers import TODAY, finding, run_capa, write_finding
from ..privacy import Head, pages, sha256_source
from ..sites import SOURCE_DATE_EPOCH, repo_with, sample_register, write_config

BIN = Path(sys.executable).parent
NARRATIVE_SCRIPT = 'document.body.dataset.ran = "yes";'
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL)


def _zensical_build(root: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    result = subprocess.run([str(BIN / "zensical"), "build", "--clean", "--strict"], cwd=root,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _register_with_a_script(root: Path) -> None:
    """The sample register, and a finding whose trusted narrative (allow_raw_html)
    carries a script: the theme's scripts are hashed, this one must never be."""
    sample_register(root)
    write_finding(root / "register", finding(id="CAPA-2026-050"), body=(
        f"<p id=\"before\">Before the script.</p>\n\n<script>{NARRATIVE_SCRIPT}</script>\n"))
    write_config(root, {"allow_raw_html": True, "reviews": {"MR-2026-Q4": "2026-11-28"}})


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = repo_with(tmp_path_factory.mktemp("zensical-policy"), _register_with_a_script)
    rendered = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert rendered.returncode == 0, rendered.stderr
    _zensical_build(root)
    return root / "site"


def _check_page(path: Path) -> dict[str, list[str]]:
    """One page's head: the policy right after <meta charset>, before anything loads; the
    plugin's directives; every inline script but a narrative's allowed by its hash."""
    text = path.read_text()
    head = Head(text)
    assert head.metas[0] == {"charset": "utf-8"}, path
    tags = head.meta(http_equiv="Content-Security-Policy")
    assert len(tags) == 1 and head.metas[1] is tags[0], path
    assert head.first_loading is not None and head.first_loading >= 2, path
    assert head.meta(name="robots") == [{"name": "robots", "content": "noindex, nofollow"}]
    assert head.meta(name="referrer") == [{"name": "referrer", "content": "no-referrer"}]
    assert not head.meta(name="generator"), path  # it names the exact versions
    policy = head.policy()
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]
    scripts, styles = policy["script-src"], policy["style-src"]
    assert scripts[0] == "'self'" and styles[0] == "'self'", path
    assert all(s.startswith("'sha256-") for s in scripts[1:] + styles[1:]), path
    ran = {sha256_source(script) for script in head.scripts
           if script != NARRATIVE_SCRIPT}
    assert ran and ran <= set(scripts[1:]), path
    assert sha256_source(NARRATIVE_SCRIPT) not in scripts
    return policy


def test_every_zensical_page_has_the_policy_first_in_its_head(zensical_site: Path) -> None:
    built = pages(zensical_site)
    kinds = {"index.html", "register/index.html", "management-review/index.html",
             "clauses/index.html", "findings/CAPA-2026-004/index.html",
             "reviews/MR-2026-Q4/index.html", "reviews/index.html", "404.html"}
    assert kinds <= {p.relative_to(zensical_site).as_posix() for p in built}
    for path in built:
        _check_page(path)
    # The narrative's script is on its page, and refused: its hash is in no policy.
    finding_page = zensical_site / "findings/CAPA-2026-050/index.html"
    assert NARRATIVE_SCRIPT in Head(finding_page.read_text()).scripts


def test_chart_stylesheets_are_allowed_by_hash_on_their_pages_only(
        zensical_site: Path) -> None:
    """Each chart's <style> (inside SVG: the browser hashes it with `&gt;` decoded) is
    allowed on its page; every page also allows the theme's one run-time stylesheet."""
    review = (zensical_site / "management-review/index.html").read_text()
    charts = {sha256_source(html.unescape(text)) for text in _STYLE.findall(review)}
    review_styles = set(_check_page(zensical_site / "management-review/index.html")
                        ["style-src"])
    finding_styles = _check_page(zensical_site / "findings/CAPA-2026-004/index.html")[
        "style-src"]
    assert len(charts) == 4 and len(finding_styles) == 2  # 'self' and the theme's
    assert review_styles == set(finding_styles) | charts


def test_merge_text_names_the_theme_override_and_a_merged_config_builds(
        tmp_path: Path) -> None:
    """With a zensical.toml of one's own, capa render writes the override and says to set
    custom_dir; merged, every page has the policy, the 404 page too under a site_url path
    (its base_url is absolute there, "/isms")."""
    root = repo_with(tmp_path, sample_register)
    own = ('[project]\nsite_name = "Ours"\ndocs_dir = "out"\n'
           'site_url = "https://example.org/isms/"\n')
    (root / "zensical.toml").write_text(own)
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "zensical.toml").read_text() == own
    assert "Content-Security-Policy" in result.stderr
    assert '[project.theme]\nfont = false\ncustom_dir = "capa-theme"\n' in result.stderr
    assert "Content-Security-Policy" in (root / "capa-theme/main.html").read_text()
    merged = result.stderr.split("\n\n", 1)[1]
    (root / "zensical.toml").write_text(own + merged)
    _zensical_build(root)
    for path in pages(root / "site"):
        _check_page(path)
    not_found = Head((root / "site/404.html").read_text())
    assert any('new URL("/isms",location)' in script for script in not_found.scripts)
    # A custom_dir of one's own stays: the policy's block is to be copied into it.
    (root / "zensical.toml").write_text(own + '[project.theme]\ncustom_dir = "overrides"\n')
    again = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert "your custom_dir overrides stays: copy the site_meta block of" in again.stderr
    assert "custom_dir =" not in again.stderr.split("\n\n", 1)[1]


def _sitemap_pages(site: Path) -> list[str]:
    root = ElementTree.parse(site / "sitemap.xml").getroot()
    return [loc.text or "" for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def test_a_private_register_s_sitemap_lists_no_page_and_a_public_one_s_every_page(
        tmp_path: Path) -> None:
    """mkdocs.yml's site_url reaches zensical.toml (canonical addresses as on the
    plugin's site), and Zensical then lists every page in sitemap.xml: a private register's
    lists none, as the plugin's private site has no sitemap; a public one's lists every
    finding. Going public removes the override capa render wrote, never one edited."""
    root = repo_with(tmp_path, sample_register)
    write_config(root, site_url="https://example.org/isms/")
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert result.returncode == 0, result.stderr
    assert 'site_url = "https://example.org/isms/"\n' in (root / "zensical.toml").read_text()
    _zensical_build(root)
    assert _sitemap_pages(root / "site") == []
    canonical = Head((root / "site/findings/CAPA-2026-004/index.html").read_text())
    assert canonical.links(rel="canonical") == [
        "https://example.org/isms/findings/CAPA-2026-004/"]

    write_config(root, {"public": True}, site_url="https://example.org/isms/")
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert result.returncode == 0, result.stderr
    assert not (root / "capa-theme/sitemap.xml").exists()
    _zensical_build(root)
    assert "https://example.org/isms/findings/CAPA-2026-004/" in _sitemap_pages(root / "site")

    edited = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n'
    (root / "capa-theme/sitemap.xml").write_text(edited)
    assert run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root).returncode == 0
    assert (root / "capa-theme/sitemap.xml").read_text() == edited


def test_render_without_zensical_installed_says_so(tmp_path: Path) -> None:
    """A Python that finds no Zensical (a package of that name without its templates
    shadows it here): exit 2 and a sentence, nothing written."""
    root = repo_with(tmp_path, sample_register)
    (tmp_path / "shadow" / "zensical").mkdir(parents=True)
    (tmp_path / "shadow" / "zensical" / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "shadow")}
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root, env=env)
    assert result.returncode == 2, result.stderr
    assert "Zensical is not installed beside capa-docs (pip install zensical)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "out").exists() and not (root / "zensical.toml").exists()
