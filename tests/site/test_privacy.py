"""Private by default (issue 14), built for real: every page's policy and robots tags,
robots.txt and no sitemap, no third-party request, no generator tag or source maps, the
host files, and evidence held in the repository with ``publish: false``."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ..helpers import TODAY, run_capa, write_evidence, write_finding
from ..privacy import Head, pages, parse_headers_file, parse_policy, sha256_source
from ..sites import (
    SOURCE_DATE_EPOCH,
    Page,
    mkdocs_build,
    repo_with,
    sample_register,
    sha256,
    write_config,
)

HELD = "register/evidence/CAPA-2026-004/hr-leavers.csv"
HELD_IN_DOCS = "docs/hr/interview-notes.pdf"
HELD_TEXT = b"employee_ref,name\nE-1,Jane Doe\n"


def _register_with_held_evidence(root: Path) -> None:
    paths = sample_register(root)
    register = root / "register"
    write_evidence(register, "CAPA-2026-004", "hr-leavers.csv", HELD_TEXT)
    (root / HELD_IN_DOCS).parent.mkdir(parents=True)
    (root / HELD_IN_DOCS).write_bytes(b"%PDF-1.4 interview notes\n")
    text = paths["full"].read_text()
    data = yaml.safe_load(text.split("---\n")[1])
    data["closure"]["evidence"] += [
        {"path": "../evidence/CAPA-2026-004/hr-leavers.csv", "publish": False,
         "sha256": sha256(root / HELD), "description": "Leavers with names (HR records)"},
        {"path": "../../docs/hr/interview-notes.pdf", "publish": False,
         "description": "Interview notes"}]
    # The narrative links the held file (the text stays, the link goes) and shows an image
    # from another host (it becomes a link: the page fetches nothing from there).
    write_finding(register, data, body=(
        "## Context\n\nSee [the leavers](../evidence/CAPA-2026-004/hr-leavers.csv) and "
        "[the checklist](../evidence/CAPA-2026-004/checklist.txt).\n\n"
        "![Supplier chart](https://images.example.com/chart.png)\n"))


@pytest.fixture(scope="module")
def private_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = repo_with(tmp_path_factory.mktemp("private"), _register_with_held_evidence)
    (root / "docs" / "index.md").write_text("# Home\n\nThe register.\n")
    write_config(root, {"reviews": {"MR-2026-Q4": "2026-11-28"}},
                 repo_url="https://github.com/example/isms-register",
                 edit_uri="edit/main/docs/")
    mkdocs_build(root / "mkdocs.yml")
    return root


def test_every_page_has_the_robots_and_policy_tags_before_anything_loads(
        private_site: Path) -> None:
    site = private_site / "site"
    built = pages(site)
    assert len(built) > 10 and site / "404.html" in built
    kinds = {"index.html", "register/index.html", "management-review/index.html",
             "clauses/index.html", "findings/CAPA-2026-004/index.html",
             "reviews/MR-2026-Q4/index.html", "reviews/index.html", "404.html"}
    assert kinds <= {p.relative_to(site).as_posix() for p in built}
    for path in built:
        text = path.read_text()
        head = Head(text)
        assert head.meta(name="robots") == [{"name": "robots", "content": "noindex, nofollow"}]
        assert head.meta(name="referrer") == [{"name": "referrer", "content": "no-referrer"}]
        assert not head.meta(name="generator"), path
        tags = head.meta(http_equiv="Content-Security-Policy")
        assert len(tags) == 1, path
        # A policy applies only to what follows it: it comes before any script or style.
        assert head.first_loading is not None
        assert head.metas.index(tags[0]) < head.first_loading, path
        assert head.metas[0] == {"charset": "utf-8"}
        policy = head.policy()
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["form-action"] == ["'none'"]
        assert policy["img-src"] == ["'self'", "data:"]
        assert "frame-ancestors" not in policy  # browsers ignore it in a <meta>
        scripts = policy["script-src"]
        assert scripts[0] == "'self'" and "'unsafe-inline'" not in scripts
        assert all(s.startswith("'sha256-") for s in scripts[1:])
        # Every inline script the browser would run is allowed by its hash, and no more.
        assert sorted({sha256_source(s) for s in head.scripts}) == sorted(scripts[1:]), path
        assert "'unsafe-inline'" not in policy["style-src"]
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text
        assert 'data-md-component="source"' not in text  # no star counts from GitHub's API


def test_robots_txt_disallows_everything_and_there_is_no_sitemap(private_site: Path) -> None:
    site = private_site / "site"
    assert (site / "robots.txt").read_text().splitlines()[-2:] == ["User-agent: *",
                                                                   "Disallow: /"]
    assert not (site / "sitemap.xml").exists() and not (site / "sitemap.xml.gz").exists()


def test_no_source_maps_nor_comments_naming_them(private_site: Path) -> None:
    site = private_site / "site"
    assert not list(site.rglob("*.map"))
    for path in [*site.rglob("*.js"), *site.rglob("*.css")]:
        assert b"sourceMappingURL" not in path.read_bytes(), path
    assert (site / "assets/javascripts").is_dir()  # the theme's scripts are still there


def test_no_page_names_another_host_to_load_from(private_site: Path) -> None:
    """No src, stylesheet, preconnect or font URL of another host on any page."""
    loading = re.compile(r"""<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\ssrc=["']?"""
                         r"""(?:https?:)?//|<link\b[^>]*\shref=["']?(?:https?:)?//""")
    for path in pages(private_site / "site"):
        for match in loading.finditer(path.read_text()):
            tag = path.read_text()[match.start():].split(">", 1)[0]
            assert 'rel="canonical"' in tag or 'rel="alternate"' in tag, (path, tag)


def test_headers_file_parses_and_carries_every_pages_hashes(private_site: Path) -> None:
    site = private_site / "site"
    rules = parse_headers_file((site / "_headers").read_text())
    assert list(rules) == ["/*"]
    headers = rules["/*"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "camera=()" in headers["Permissions-Policy"].split(", ")
    assert "microphone=()" in headers["Permissions-Policy"].split(", ")
    policy = parse_policy(headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    for path in pages(site):
        page_policy = Head(path.read_text()).policy()
        for directive in ("script-src", "style-src"):
            assert set(page_policy[directive]) <= set(policy[directive]), (path, directive)
        assert {k: v for k, v in policy.items() if k not in (
            "script-src", "style-src", "frame-ancestors")} == {
            k: v for k, v in page_policy.items() if k not in ("script-src", "style-src")}
    # Cloudflare Pages takes header lines of up to 2,000 characters.
    assert max(len(line) for line in (site / "_headers").read_text().splitlines()) < 2000


def test_held_evidence_is_listed_with_its_hash_and_never_copied(private_site: Path) -> None:
    site = private_site / "site"
    published = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert not any("hr-leavers" in p or "interview-notes" in p for p in published)
    assert "files/register/evidence/CAPA-2026-004/checklist.txt" in published
    page = Page(site / "findings/CAPA-2026-004/index.html")
    held = page.with_class("capa-evidence-held")
    assert [h.children[0].text for h in held] == [HELD, HELD_IN_DOCS]
    items = [li for li in page.find_all("li") if li.descendants() and any(
        "capa-evidence-held" in e.attrs.get("class", "") for e in li.descendants())]
    first = " ".join(items[0].text.split())
    assert "held in the repository; ask the ISMS manager" in first
    assert f"SHA-256 {sha256(private_site / HELD)}" in first
    assert f"{len(HELD_TEXT)} bytes" in first and "SHA-256 verified at build" in first
    assert sha256(private_site / HELD_IN_DOCS) in " ".join(items[1].text.split())
    # The narrative's link to the held file is gone, its text kept; the other link stays.
    narrative = page.with_class("capa-narrative")[0]
    hrefs = [a.attrs.get("href", "") for a in narrative.descendants() if a.tag == "a"]
    assert not any("hr-leavers" in h for h in hrefs)
    assert any(h.endswith("checklist.txt") for h in hrefs)
    assert "the leavers" in narrative.text
    # An image on another host is a link to it, not an image the page loads.
    assert not [e for e in narrative.descendants() if e.tag == "img"]
    remote = [a for a in narrative.descendants() if "capa-remote-image" in a.attrs.get(
        "class", "")]
    assert remote[0].attrs["href"] == "https://images.example.com/chart.png"
    assert remote[0].text == "Supplier chart (image on another host)"


def test_held_evidence_in_the_downloads(private_site: Path) -> None:
    site = private_site / "site"
    data = json.loads((site / "register.json").read_text())
    finding = next(f for f in data["findings"] if f["fields"]["id"] == "CAPA-2026-004")
    held = [e for e in finding["computed"]["evidence"] if e["held"]]
    assert [(e["published"], e["sha256"]) for e in held] == [
        (None, sha256(private_site / HELD)), (None, sha256(private_site / HELD_IN_DOCS))]
    rows = list(csv.DictReader(io.StringIO((site / "register.csv").read_text("utf-8-sig"))))
    cell = next(r for r in rows if r["id"] == "CAPA-2026-004")["evidence"]
    assert f"{HELD} (held in the repository, not published)" in cell.split("; ")


def test_a_held_file_is_still_checked_against_its_hash(private_site: Path) -> None:
    (private_site / HELD).write_bytes(HELD_TEXT + b"E-2,Changed Later\n")
    try:
        result = run_capa("validate", "--today", TODAY, cwd=private_site)
    finally:
        (private_site / HELD).write_bytes(HELD_TEXT)
    assert result.returncode == 1
    assert "error evidence-hash: evidence `../evidence/CAPA-2026-004/hr-leavers.csv` has " \
           "changed since it was pinned" in result.stdout


def test_publish_is_a_boolean_on_file_evidence_only(tmp_path: Path) -> None:
    root = repo_with(tmp_path, sample_register)
    for name, item in (("2026/CAPA-2026-004.md", {"path": "../evidence/CAPA-2026-004/"
                                                   "checklist.txt", "publish": "no"}),
                       ("2025/CAPA-2025-019.md", {"url": "https://intranet.example.com/sr",
                                                  "publish": False})):
        path = root / "register" / name
        head, front, body = path.read_text().split("---\n", 2)
        data = yaml.safe_load(front)
        data["closure"]["evidence"] = [item]
        path.write_text(f"---\n{yaml.safe_dump(data, sort_keys=False)}---\n{body}")
    result = run_capa("validate", "--today", TODAY, cwd=root)
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if " error schema: " in line]
    assert len(lines) == 2, result.stdout
    assert any(re.match(r"register/2026/CAPA-2026-004\.md:[0-9]+: error schema: "
                        r"`closure\.evidence\[0\]\.publish` must be a boolean; got \"no\"$",
                        line) for line in lines), lines
    assert any("CAPA-2025-019.md" in line and "`publish` only with `path`" in line
               for line in lines), lines


def test_public_register_is_indexable_and_keeps_its_sitemap(tmp_path: Path) -> None:
    root = repo_with(tmp_path, sample_register)
    write_config(root, {"public": True}, site_url="https://isms.example.com/")
    mkdocs_build(root / "mkdocs.yml")
    site = root / "site"
    assert (site / "sitemap.xml").is_file() and (site / "sitemap.xml.gz").is_file()
    assert "findings/CAPA-2026-004/" in (site / "sitemap.xml").read_text()
    assert not (site / "robots.txt").exists()
    for path in pages(site):
        head = Head(path.read_text())
        assert not head.meta(name="robots"), path
        assert head.meta(http_equiv="Content-Security-Policy"), path  # the policy stays
    headers = parse_headers_file((site / "_headers").read_text())["/*"]
    assert "X-Robots-Tag" not in headers and "Content-Security-Policy" in headers


def test_configuration_bringing_third_parties_back_is_warned_about(tmp_path: Path) -> None:
    root = repo_with(tmp_path, sample_register)
    write_config(root, {}, theme={"name": "material", "font": {"text": "Inter"},
                                  "features": ["navigation.instant"]},
                 extra_javascript=["https://cdn.example.net/widget.js"],
                 extra={"analytics": {"provider": "google", "property": "G-XXXX"}})
    messages = mkdocs_build(root / "mkdocs.yml", expected=[
        "theme.font names web fonts", "extra.analytics (google)", "navigation.instant",
        "the theme or configuration loads resources from other hosts"])
    text = "\n".join(messages)
    assert "fonts.googleapis.com" in text and "sends every page view" in text
    other_hosts = next(m for m in messages if "loads resources from other hosts" in m)
    assert "cdn.example.net (first in " in other_hosts
    assert "fonts.googleapis.com (first in " in other_hosts


def test_font_left_to_the_plugin_is_off_and_explicit_false_is_quiet(tmp_path: Path) -> None:
    root = repo_with(tmp_path, sample_register)
    write_config(root, {}, theme={"name": "material", "font": False})
    assert mkdocs_build(root / "mkdocs.yml") == []
    assert "fonts.googleapis" not in (root / "site/register/index.html").read_text()


@pytest.mark.parametrize("name", ["robots.txt", "_headers"])
def test_a_host_file_of_the_sites_own_stops_the_build(tmp_path: Path, name: str) -> None:
    root = repo_with(tmp_path, sample_register)
    write_config(root)
    (root / "docs" / name).write_text("User-agent: *\nAllow: /\n")
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build"], cwd=root,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert f"capa: {name} in " in result.stderr and "clashes with the" in result.stderr
    assert "Traceback" not in result.stderr


def test_azure_config_with_a_tenant_requires_its_users(tmp_path: Path) -> None:
    root = repo_with(tmp_path, sample_register)
    write_config(root, {"azure_static_web_apps": {"tenant": "contoso.onmicrosoft.com"}})
    mkdocs_build(root / "mkdocs.yml")
    config = json.loads((root / "site/staticwebapp.config.json").read_text())
    assert config["routes"] == [{"route": "/*", "allowedRoles": ["authenticated"]}]
    assert config["responseOverrides"]["401"] == {"statusCode": 302,
                                                  "redirect": "/.auth/login/aad"}
    assert config["responseOverrides"]["404"] == {"rewrite": "/404.html"}
    registration = config["auth"]["identityProviders"]["azureActiveDirectory"]["registration"]
    assert registration == {
        "openIdIssuer": "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
        "clientIdSettingName": "AZURE_CLIENT_ID",
        "clientSecretSettingName": "AZURE_CLIENT_SECRET"}
    headers = parse_headers_file((root / "site/_headers").read_text())["/*"]
    assert config["globalHeaders"] == headers


def test_azure_config_with_invited_roles_closes_the_other_sign_ins(tmp_path: Path) -> None:
    root = repo_with(tmp_path, sample_register)
    write_config(root, {"azure_static_web_apps": {"roles": ["auditor", "isms"]}})
    mkdocs_build(root / "mkdocs.yml")
    config = json.loads((root / "site/staticwebapp.config.json").read_text())
    assert config["routes"] == [{"route": "/.auth/login/github", "statusCode": 404},
                                {"route": "/.auth/login/twitter", "statusCode": 404},
                                {"route": "/*", "allowedRoles": ["auditor", "isms"]}]
    assert "auth" not in config


@pytest.mark.parametrize("setting,fragment", [
    ("public: 'yes'", "plugins.capa.public: true or false"),
    ("azure_static_web_apps: true", "azure_static_web_apps: false, or a mapping"),
    ("azure_static_web_apps: {roles: [authenticated]}",
     "`authenticated` without `tenant` lets anyone with a Microsoft or GitHub account"),
    ("azure_static_web_apps: {roles: [anonymous], tenant: x.example}",
     "`anonymous` is every visitor"),
    ("azure_static_web_apps: {tenant: 'not a tenant'}", "tenant: the Microsoft Entra tenant"),
    ("azure_static_web_apps: {roles: [], tenant: x.example}", "roles: a list of role names"),
    ("azure_static_web_apps: {tenant: x.example, groups: [a]}", "unknown key(s) groups"),
])
def test_bad_privacy_settings_exit_2_naming_the_key(tmp_path: Path, setting: str,
                                                   fragment: str) -> None:
    root = repo_with(tmp_path, sample_register)
    (root / "mkdocs.yml").write_text(f"site_name: x\nplugins:\n  - capa:\n      {setting}\n")
    result = run_capa("validate", "--today", TODAY, cwd=root)
    assert result.returncode == 2, result.stdout
    assert fragment in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_render_writes_the_host_files_and_holds_the_evidence(tmp_path: Path) -> None:
    root = repo_with(tmp_path, _register_with_held_evidence)
    result = run_capa("render", str(root / "out"), "--today", TODAY, cwd=root)
    assert result.returncode == 0, result.stderr
    out = root / "out"
    assert (out / "robots.txt").read_text().endswith("User-agent: *\nDisallow: /\n")
    headers = parse_headers_file((out / "_headers").read_text())["/*"]
    policy = parse_policy(headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert "script-src" not in policy and "default-src" not in policy  # left to the generator
    assert not [p for p in out.rglob("*") if "hr-leavers" in p.name]
    assert "held in the repository; ask the ISMS manager" in (
        out / "findings/CAPA-2026-004.md").read_text()
