"""The published register in a real browser: Debian's Chromium driven by Playwright.

Never downloads a browser: the system ``chromium`` is launched by path. Locally a missing
Chromium skips these tests; in CI (``CI=true``) it fails them, so the run cannot pass
without the browser tests having run.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..helpers import TODAY, finding, run_capa, write_evidence, write_finding
from ..privacy import parse_headers_file
from ..sites import mkdocs_build, repo_with, sample_register, write_config

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "Debian chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: browser tests are required in CI")
        pytest.skip(message)
    return path


def _more_findings(root: Path) -> None:
    sample_register(root)
    for number, (severity, owner) in enumerate(
            [("observation", "Jane Smith"), ("ofi", "Aisha Rahman"), ("observation", "Sam Ops")],
            start=30):
        write_finding(root / "register", {
            "id": f"CAPA-2026-0{number}", "title": f"Observation {number} about logging",
            "severity": severity, "status": "open", "source": "monitoring",
            "raised": f"2026-10-{number - 20:02d}", "raised_by": "A. Auditor",
            "requirement": {"standard": "ISO/IEC 27001:2022 A.8.15"}, "clauses": ["A.8.15"],
            "owner": owner})
    # An action owned by someone who owns no finding: the owner filter must know her.
    path = root / "register" / "2026" / "CAPA-2026-032.md"
    path.write_text(path.read_text().replace("owner: Sam Ops\n", "owner: Sam Ops\n"
                    "corrective_actions:\n- action: Route the logs to the SIEM.\n"
                    "  owner: Priya Nair\n  due: 2027-01-15\n", 1))
    # Three- and four-digit sequence numbers: the ID sort must be natural, not textual.
    for finding_id in ("CAPA-2026-999", "CAPA-2026-1000"):
        write_finding(root / "register", {
            "id": finding_id, "title": f"Improvement idea {finding_id[-4:]}", "severity": "ofi",
            "status": "open", "source": "self-identified", "raised": "2026-11-02",
            "raised_by": "A. Auditor", "requirement": {"standard": "ISO/IEC 27001:2022 10.1"},
            "clauses": ["10.1"], "owner": "Jane Smith"})


# The light/dark toggle of this repository's mkdocs.yml: its inline script runs under the
# policy by hash.
PALETTE = [
    {"media": "(prefers-color-scheme: light)", "scheme": "default",
     "toggle": {"icon": "material/brightness-7", "name": "Switch to dark mode"}},
    {"media": "(prefers-color-scheme: dark)", "scheme": "slate",
     "toggle": {"icon": "material/brightness-4", "name": "Switch to light mode"}},
]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = repo_with(tmp_path_factory.mktemp("e2e"), _more_findings)
    # theme.font is not set: the plugin turns Material's Google Fonts off by itself.
    write_config(root, {"reviews": {"MR-2026-Q4": "2026-11-28"}},
                 theme={"name": "material", "palette": PALETTE,
                        "features": ["search.highlight"]})
    mkdocs_build(root / "mkdocs.yml")
    with _serve(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def raw_html_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A register that trusts its writers (allow_raw_html) with a script in a narrative."""
    def register(root: Path) -> None:
        write_evidence(root / "register", "CAPA-2026-004")
        write_finding(root / "register", finding(), body=(
            "<p id=\"before\">Before the script.</p>\n\n"
            "<script>document.title = \"run\"; document.body.dataset.ran = \"yes\";</script>\n"))

    root = repo_with(tmp_path_factory.mktemp("raw"), register)
    write_config(root, {"allow_raw_html": True})
    mkdocs_build(root / "mkdocs.yml")
    with _serve(root / "site") as url:
        yield url


class _serve:
    """The site on a local static host that sends the build's _headers, as Netlify and
    Cloudflare Pages would: the header policy and the page's <meta> policy both apply."""

    def __init__(self, site: Path) -> None:
        headers = parse_headers_file((site / "_headers").read_text())["/*"]
        handler = functools.partial(_Host, directory=str(site), extra=headers)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)

    def __enter__(self) -> str:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Host(http.server.SimpleHTTPRequestHandler):
    """A static host. Chromium asks for /favicon.ico when it shows a plain-text file (the
    evidence); MkDocs sites have none, so answer 204 rather than log a 404 as an error."""

    def __init__(self, *args: object, extra: dict[str, str], **kwargs: object) -> None:
        self.extra = extra
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def end_headers(self) -> None:
        for name, value in self.extra.items():
            self.send_header(name, value)
        super().end_headers()

    def do_GET(self) -> None:
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=ARGS)
        yield browser
        browser.close()


# Every Content-Security-Policy violation the page sees, kept where a test can read it.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", e => window.__violations.push(
  {directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample}));
"""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A request cut short by the next navigation or by closing the page is aborted, not
    # failed: the theme's search worker, search index and favicon load after the page
    # does, and a short test leaves before them (a test failed on that now and then).
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}")
            if r.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    yield page
    context.close()
    assert not errors, errors


def _natural(finding_id: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"([0-9]+)", finding_id)]


def _visible_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "table.capa-table tbody tr:not([hidden]) td:first-child",
        "cells => cells.map(c => c.textContent.trim())")


def test_register_filters_and_sorts(page, site_url: str) -> None:
    page.goto(site_url + "register/")
    count = page.locator(".capa-count")
    assert page.locator("form.capa-controls").is_visible()
    assert count.text_content() == "9 of 9 findings shown"

    page.select_option("select[name=status]", "closed")
    assert _visible_ids(page) == ["CAPA-2025-019", "CAPA-2026-004", "CAPA-2026-011"]
    page.select_option("select[name=status]", "")
    page.select_option("select[name=severity]", "observation")
    assert _visible_ids(page) == ["CAPA-2026-030", "CAPA-2026-032"]
    page.select_option("select[name=owner]", "Sam Ops")
    assert _visible_ids(page) == ["CAPA-2026-032"]
    assert "owner=Sam+Ops" in page.url  # the filtered view can be shared as a link
    page.select_option("select[name=severity]", "")
    page.select_option("select[name=owner]", "")
    page.fill("input[name=text]", "restore")
    assert _visible_ids(page) == ["CAPA-2026-010"]
    page.fill("input[name=text]", "")
    assert count.text_content() == "9 of 9 findings shown"

    page.click("table.capa-table th >> text=ID")
    ascending = _visible_ids(page)
    assert ascending == sorted(ascending, key=_natural)
    assert ascending.index("CAPA-2026-999") + 1 == ascending.index("CAPA-2026-1000")
    page.click("table.capa-table th >> text=ID")
    assert _visible_ids(page) == ascending[::-1]
    page.click("table.capa-table th >> text=Severity")
    severities = page.eval_on_selector_all(
        "table.capa-table tbody tr td:nth-child(3)", "c => c.map(x => x.textContent.trim())")
    order = ["major", "minor", "observation", "ofi", "conformity"]
    assert severities == sorted(severities, key=order.index)
    page.click("table.capa-table th >> text=Age / overdue")
    page.click("table.capa-table th >> text=Age / overdue")
    assert _visible_ids(page)[0] == "CAPA-2026-010"  # the overdue one, most days first
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "register.png"), full_page=True)


def test_review_figure_opens_the_filtered_register(page, site_url: str) -> None:
    page.goto(site_url + "management-review/")
    page.click("a[href*='severity=major&owner=Sam%20Ops']")
    page.wait_for_url("**/register/?*")
    assert _visible_ids(page) == ["CAPA-2026-010"]


def test_evidence_link_opens_the_copied_file(page, site_url: str) -> None:
    page.goto(site_url + "findings/CAPA-2026-004/")
    image = page.locator("img.capa-evidence-image")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "finding.png"), full_page=True)
    with page.expect_navigation():
        page.click("a.capa-evidence-file >> text=checklist.txt")
    assert page.url.endswith("/files/register/evidence/CAPA-2026-004/checklist.txt")
    assert page.locator("body").text_content().strip() == "Onboarding checklist v3"


def test_no_owner_and_flag_filters(page, site_url: str) -> None:
    """The review's "(no owner)" figure and the register's overdue/stale counts are links:
    each must open the register showing exactly the findings behind it."""
    page.goto(site_url + "register/?owner=%28none%29")
    assert _visible_ids(page) == ["CAPA-2026-011"]
    page.goto(site_url + "register/")
    page.click("table.capa-summary a[href$='flag=overdue']")
    page.wait_for_url("**/register/?flag=overdue")
    assert _visible_ids(page) == ["CAPA-2026-010"]
    page.select_option("select[name=flag]", "")
    assert page.locator(".capa-count").text_content() == "9 of 9 findings shown"
    keys = page.eval_on_selector_all("table.capa-table tbody td:first-child",
                                     "cells => cells.map(c => c.getAttribute('data-sort'))")
    # Numbers sort as numbers: CAPA-2026-999 before CAPA-2026-1000.
    assert keys and all(re.fullmatch(r"CAPA-[0-9]{12}-[0-9]{12}", key or "") for key in keys)
    assert sorted(keys).index("CAPA-000000002026-000000000999") + 1 == sorted(keys).index(
        "CAPA-000000002026-000000001000")


def test_pack_prints_the_chart_data_tables(page, site_url: str) -> None:
    """On screen the data tables wait behind a closed disclosure; in print every one shows
    (``::details-content`` opened by the print rules), and its fallback copy does not."""
    page.goto(site_url + "reviews/MR-2026-Q4/")
    tables = "table.capa-chart-data"
    visible = "ts => ts.map(t => t.checkVisibility())"
    assert page.locator("svg.capa-chart[role=img]").count() == 4
    assert page.locator(f"details {tables}").count() == 4
    assert page.eval_on_selector_all(f"details {tables}", visible) == [False] * 4
    page.emulate_media(media="print")
    assert page.eval_on_selector_all(f"details {tables}", visible) == [True] * 4
    assert page.eval_on_selector_all(f"{tables}.capa-chart-print", visible) == [False] * 4
    assert page.locator("details.capa-chart-details > summary").first.is_hidden()
    first = page.locator(f"details {tables}").first
    assert (first.locator("caption").text_content()
            == "Nonconformities raised and closed per quarter")
    assert first.locator("tbody tr").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pack-print.png"), full_page=True)
    page.pdf(path=str(ARTIFACTS / "pack.pdf"))
    page.goto(site_url + "management-review/")  # no print.css there: the rules are capa.css's
    assert page.eval_on_selector_all(f"details {tables}", visible) == [True] * 4


# --- private by default (issue 14): under the policy, nothing from another host ---------

PAGE_KINDS = {"home": "", "register": "register/", "finding": "findings/CAPA-2026-004/",
              "management review": "management-review/", "review pack": "reviews/MR-2026-Q4/",
              "review packs": "reviews/", "clauses": "clauses/"}


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_each_page_kind_loads_only_from_its_own_origin(page, site_url: str, kind: str) -> None:
    """Every request of the page, its scripts' and the search worker's, stays on the site;
    the page and the host's policy report no violation (the fixture fails on any console
    error, which is where Chromium reports one too)."""
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    response = page.goto(site_url + PAGE_KINDS[kind])
    assert response is not None and "frame-ancestors 'none'" in response.headers[
        "content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert page.locator("meta[http-equiv=Content-Security-Policy]").count() == 1
    assert len(requests) > 3
    assert [url for url in requests if not url.startswith(site_url)] == []
    assert page.evaluate("window.__violations") == []


def test_search_works_under_the_policy(page, site_url: str) -> None:
    page.goto(site_url)
    page.wait_for_load_state("networkidle")  # the worker has loaded the index
    page.click("input.md-search__input")
    page.keyboard.type("backups")  # the theme reads key presses, not a filled value
    results = page.locator(".md-search-result__item")
    results.first.wait_for()
    assert any("Backups never restore-tested" in text for text in results.all_text_contents())
    assert page.evaluate("window.__violations") == []


def test_palette_toggle_works_and_is_remembered(page, site_url: str) -> None:
    """The toggle is the theme's script; the choice is restored on the next page by the
    theme's inline palette script, which runs only because the policy has its hash."""
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    page.goto(site_url + "clauses/")
    assert page.evaluate(scheme) == "default"
    page.click("form[data-md-component=palette] label:not([hidden])")
    assert page.evaluate(scheme) == "slate"
    page.goto(site_url + "register/")
    assert page.evaluate(scheme) == "slate"
    assert page.evaluate("window.__violations") == []


def test_charts_take_their_stylesheets_under_the_policy(page, site_url: str) -> None:
    """Each chart's inline stylesheet is allowed by its hash, which is of the text the
    browser reads (`&gt;` decoded inside SVG): its rules apply, child combinators too."""
    for url in ("management-review/", "reviews/MR-2026-Q4/"):
        page.goto(site_url + url)
        assert page.locator("svg.capa-chart").count() == 4
        fills = page.eval_on_selector_all(
            "svg.capa-chart .plot > .background", "els => els.map(e => getComputedStyle(e).fill)")
        assert len(fills) == 4 and "rgb(0, 0, 0)" not in fills  # fill:transparent applied
        sizes = page.eval_on_selector_all(
            "svg.capa-chart .axis text", "els => els.map(e => getComputedStyle(e).fontSize)")
        assert sizes and set(sizes) == {"13px"}
        assert page.evaluate("window.__violations") == []


def test_a_script_in_a_trusted_narrative_is_blocked_and_reported(browser,
                                                                raw_html_url: str) -> None:
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[tuple[str, str]] = []
    page.on("console", lambda message: console.append((message.type, message.text)))
    try:
        page.goto(raw_html_url + "findings/CAPA-2026-004/")
        page.wait_for_load_state("networkidle")
        assert page.locator("#before").text_content() == "Before the script."  # raw HTML in
        assert page.evaluate("document.body.dataset.ran") is None
        assert page.title() != "run"
        violations = page.evaluate("window.__violations")
        assert violations and {v["directive"] for v in violations} == {"script-src-elem"}
        assert {v["blocked"] for v in violations} == {"inline"}
        assert any(kind == "error" and "Content Security Policy" in text
                   for kind, text in console), console
        # The theme's own inline scripts still ran: the palette and search are mounted.
        assert page.evaluate("typeof __md_get") == "function"
    finally:
        context.close()


@pytest.fixture(scope="module")
def offline_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = repo_with(tmp_path_factory.mktemp("offline-e2e"), _more_findings)
    write_config(root, {"reviews": {"MR-2026-Q4": "2026-11-28"}},
                 theme={"name": "material", "palette": PALETTE})
    result = run_capa("offline", "auditor-copy.zip", "--today", TODAY, cwd=root)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(root / "auditor-copy.zip") as archive:
        archive.extractall(root / "unzipped")
    return root / "unzipped" / "auditor-copy"


def test_offline_copy_works_from_disk(page, offline_copy: Path) -> None:
    """An auditor opens the unzipped copy from disk: filters and sort work, a click leads
    from the register to a finding and on to its evidence, the charts show, and nothing
    is fetched from anywhere but the copy."""
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    page.goto((offline_copy / "register.html").as_uri())
    assert "full-text search needs a web server" in page.locator(".capa-offline").inner_text()
    page.select_option("select[name=status]", "closed")
    assert _visible_ids(page) == ["CAPA-2025-019", "CAPA-2026-004", "CAPA-2026-011"]
    page.click("table.capa-table th >> text=ID")
    page.click("table.capa-table th >> text=ID")
    assert _visible_ids(page) == ["CAPA-2026-011", "CAPA-2026-004", "CAPA-2025-019"]
    with page.expect_navigation():
        page.click("table.capa-table a >> text=CAPA-2026-004")
    assert page.url.endswith("/findings/CAPA-2026-004.html")
    image = page.locator("img.capa-evidence-image")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 1
    with page.expect_navigation():
        page.click("a.capa-evidence-file >> text=checklist.txt")
    assert page.url.endswith("/files/register/evidence/CAPA-2026-004/checklist.txt")
    assert page.locator("body").text_content().strip() == "Onboarding checklist v3"
    page.goto((offline_copy / "management-review.html").as_uri())
    assert page.locator("svg.capa-chart").count() == 4
    assert page.locator("svg.capa-chart").first.is_visible()
    assert page.evaluate("window.__violations") == []
    assert requests and all(url.startswith("file://") for url in requests), requests
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "offline-review.png"), full_page=True)


# The Zensical path: `capa render --zensical` and `zensical build`, served with the
# _headers capa render wrote.

@pytest.fixture(scope="module")
def zensical_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = repo_with(tmp_path_factory.mktemp("zensical"), _more_findings)
    rendered = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert rendered.returncode == 0, rendered.stderr
    result = subprocess.run([str(Path(sys.executable).parent / "zensical"), "build", "--clean",
                             "--strict"], cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    with _serve(root / "site") as url:
        yield url


def test_zensical_register_script_and_styles_work(page, zensical_url: str) -> None:
    page.goto(zensical_url + "register/")
    assert page.locator("form.capa-controls").is_visible()  # register.js shows the controls
    assert page.locator(".capa-count").text_content() == "9 of 9 findings shown"
    page.select_option("select[name=status]", "closed")
    assert _visible_ids(page) == ["CAPA-2025-019", "CAPA-2026-004", "CAPA-2026-011"]
    page.fill("input[name=text]", "restore")
    page.select_option("select[name=status]", "")
    assert _visible_ids(page) == ["CAPA-2026-010"]
    # capa.css applies: a badge is an inline block with rounded corners.
    badge = page.locator(".capa-badge").first
    assert badge.evaluate("b => getComputedStyle(b).borderTopLeftRadius") != "0px"
    assert page.evaluate("window.__violations") == []  # under the page's policy
    page.goto(zensical_url + "findings/CAPA-2026-004/")
    assert page.locator("h1.capa-title").is_visible()
    nav_links = page.eval_on_selector_all(".md-nav__link[href]",
                                          "links => links.map(a => a.getAttribute('href'))")
    assert nav_links and not [href for href in nav_links if "findings/" in href]
    assert page.evaluate("window.__violations") == []


ZENSICAL_KINDS = {"home": "", "register": "register/", "finding": "findings/CAPA-2026-004/",
                  "management review": "management-review/", "not found": "404.html"}


@pytest.mark.parametrize("kind", sorted(ZENSICAL_KINDS))
def test_zensical_pages_run_the_theme_under_the_policy(browser, zensical_url: str,
                                                      kind: str) -> None:
    """A Zensical-built page carries the plugin's policy in its <meta>: the theme's inline
    scripts run by their hashes (its storage helpers exist), nothing is refused, nothing
    loads from another host. Console errors fail the test: Chromium reports a violation
    there too. (The not-found page's base_url is "/", not relative: its own hash.)"""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda request: requests.append(request.url))
    try:
        response = page.goto(zensical_url + ZENSICAL_KINDS[kind])
        page.wait_for_load_state("networkidle")
        assert response is not None and response.ok
        policy = page.locator("meta[http-equiv=Content-Security-Policy]")
        assert policy.count() == 1
        assert "'unsafe-inline'" not in policy.get_attribute("content")
        assert page.evaluate("typeof __md_get") == "function"
        assert page.evaluate("window.__violations") == []
        assert [url for url in requests if not url.startswith(zensical_url)] == []
    finally:
        context.close()
    assert errors == []


def test_zensical_charts_and_search_work_under_the_policy(page, zensical_url: str) -> None:
    """The charts' stylesheets apply by their hashes (front matter to the page's policy);
    Zensical's search dialog works and keeps its own stylesheet."""
    page.goto(zensical_url + "management-review/")
    assert page.locator("svg.capa-chart").count() == 4
    fills = page.eval_on_selector_all(
        "svg.capa-chart .plot > .background", "els => els.map(e => getComputedStyle(e).fill)")
    assert len(fills) == 4 and "rgb(0, 0, 0)" not in fills  # fill:transparent applied
    page.goto(zensical_url)
    page.wait_for_load_state("networkidle")
    page.click("button.md-search__button")  # the dialog is in a shadow root, its <style> too
    page.keyboard.type("backups")
    results = page.locator("dialog [role=listbox] [role=option]")
    results.first.wait_for()
    assert any("Backups never restore-tested" in text for text in results.all_text_contents())
    # The dialog's stylesheet (a constant of the theme's bundle) applies, by its hash.
    assert page.locator("dialog .l").evaluate("e => getComputedStyle(e).position") == "absolute"
    assert page.evaluate("window.__violations") == []


@pytest.fixture(scope="module")
def zensical_raw_html_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Zensical site of a register that trusts its writers, a script in a narrative."""
    def register(root: Path) -> None:
        write_evidence(root / "register", "CAPA-2026-004")
        write_finding(root / "register", finding(), body=(
            "<p id=\"before\">Before the script.</p>\n\n"
            "<script>document.title = \"run\"; document.body.dataset.ran = \"yes\";</script>\n"))

    root = repo_with(tmp_path_factory.mktemp("zensical-raw"), register)
    write_config(root, {"allow_raw_html": True})
    rendered = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert rendered.returncode == 0, rendered.stderr
    result = subprocess.run([str(Path(sys.executable).parent / "zensical"), "build", "--clean",
                             "--strict"], cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    with _serve(root / "site") as url:
        yield url


def test_zensical_refuses_a_script_in_a_trusted_narrative(browser,
                                                          zensical_raw_html_url: str) -> None:
    """Before the policy <meta>, the Zensical-built page ran this script (the host's
    _headers leaves scripts to the generator); now it is refused and reported, and the
    theme's own scripts still run."""
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[tuple[str, str]] = []
    page.on("console", lambda message: console.append((message.type, message.text)))
    try:
        page.goto(zensical_raw_html_url + "findings/CAPA-2026-004/")
        page.wait_for_load_state("networkidle")
        assert page.locator("#before").text_content() == "Before the script."
        assert page.evaluate("document.body.dataset.ran") is None
        assert page.title() != "run"
        violations = page.evaluate("window.__violations")
        assert violations and {v["directive"] for v in violations} == {"script-src-elem"}
        assert {v["blocked"] for v in violations} == {"inline"}
        assert any(kind == "error" and "Content Security Policy" in text
                   for kind, text in console), console
        assert page.evaluate("typeof __md_get") == "function"
    finally:
        context.close()


# Search finds the same things with the build's shortcuts and without.

QUERIES = ["backups", "supplier", "restore", "procurement", "checklist", "logging",
           "Jane", "improvement", "assessment", "quarterly"]


@pytest.fixture(scope="module")
def both_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = repo_with(tmp_path_factory.mktemp("both"), _more_findings)
    write_config(root, {}, theme={"name": "material", "features": ["search.highlight"]})
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1795824000"}
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    for name, flag in (("fast", "1"), ("normal", "0")):
        subprocess.run([mkdocs, "build", "-q", "-d", name], cwd=root, check=True,
                       env={**env, "CAPA_BUILD_SHORTCUTS": flag}, capture_output=True)
    with _serve(root / "fast") as fast, _serve(root / "normal") as normal:
        yield fast, normal


def _results(page, url: str, query: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.click("input.md-search__input")
    page.keyboard.type(query)
    meta = page.locator(".md-search-result__meta")
    page.wait_for_function("() => /\\d|No matching/.test("
                           "document.querySelector('.md-search-result__meta').textContent)")
    page.wait_for_timeout(300)  # the list is complete once the count is shown
    links = page.eval_on_selector_all(
        ".md-search-result__item a", "a => a.map(x => x.getAttribute('href') + ' '"
        " + x.textContent.replace(/\\s+/g, ' ').trim())")
    return [meta.text_content(), *(link.replace(url, "/") for link in links)]


def test_search_results_are_the_same_with_and_without_shortcuts(
        page, both_urls: tuple[str, str]) -> None:
    fast, normal = both_urls
    found = 0
    for query in QUERIES:
        with_shortcuts, without = _results(page, fast, query), _results(page, normal, query)
        assert with_shortcuts == without, query
        found += len(with_shortcuts) > 1
    assert found >= 8  # the queries find something


# --- honest figures, print and small screens (issue 15) ----------------------------------

def _search_open(page) -> bool:
    return page.locator("#__search").is_checked()


def test_a_shared_text_filter_link_does_not_open_the_theme_search(page, site_url: str) -> None:
    """The theme opens its search for any ``?q=`` (shown first on another page, so the test
    would see it); the register's own text filter is ``?text=``, and an old ``?q=`` link
    is read as the text filter and taken off the address before the search sees it."""
    page.goto(site_url + "clauses/?q=backups")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelector('#__search').checked")
    for url in ("register/?text=restore", "register/?q=restore"):
        page.goto(site_url + url)
        page.wait_for_load_state("networkidle")
        assert _visible_ids(page) == ["CAPA-2026-010"]
        assert page.input_value("input[name=text]") == "restore"
        assert page.url.endswith("register/?text=restore")
        page.wait_for_timeout(300)  # the theme opens its search once its worker is ready
        assert not _search_open(page)


def test_owner_filter_knows_action_owners(page, site_url: str) -> None:
    """Priya Nair owns no finding, only an action on CAPA-2026-032: the owner filter lists
    her and finds the finding as hers when asked for action owners (or either), never as
    a finding she owns."""
    page.goto(site_url + "register/?owner=Priya+Nair")
    assert _visible_ids(page) == ["CAPA-2026-032"]
    page.select_option("select[name=role]", "finding")
    assert _visible_ids(page) == []
    page.select_option("select[name=role]", "action")
    assert _visible_ids(page) == ["CAPA-2026-032"]
    assert "role=action" in page.url
    page.select_option("select[name=owner]", "Sam Ops")
    # Sam Ops owns CAPA-2026-032, not its action; he owns CAPA-2026-010's actions.
    assert _visible_ids(page) == ["CAPA-2026-010"]


def _pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF, whitespace collapsed (pypdf: a test dependency)."""
    try:
        from pypdf import PdfReader
    except ImportError:
        message = "pypdf is not installed (pip install '.[test]')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: the print tests are required in CI")
        pytest.skip(message)
    import io

    reader = PdfReader(io.BytesIO(data))
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in reader.pages}
    assert sizes == {(595, 842)}, sizes  # A4 in points: the print stylesheet's @page
    return [" ".join(p.extract_text().split()) for p in reader.pages]


def _stamp(page, site_url: str) -> str:
    """What every printed page must say: the build's date and commit (from the register's
    provenance line, which names the commit the site was built from)."""
    page.goto(site_url + "register/")
    commit = page.locator(".capa-provenance code").first.text_content()
    assert commit and re.fullmatch(r"[0-9a-f]{10}", commit)
    return f"Register as of {TODAY} · commit {commit}"


def test_register_prints_every_column_on_a4(page, site_url: str) -> None:
    """The register's table is a sideways-scrolling box on screen; printed, every column
    is on the page (before, Due, Age, Clauses and Last changed were cut off)."""
    stamp = _stamp(page, site_url)
    headers = page.eval_on_selector_all("table.capa-table thead th",
                                        "ths => ths.map(th => th.textContent.trim())")
    assert len(headers) == 10
    pages = _pdf_pages(page.pdf(prefer_css_page_size=True))
    for header in headers:
        assert header in pages[0], header
    assert "2026-11-28" in pages[0]  # a Last changed value, the rightmost column
    assert all(stamp in text for text in pages)
    ARTIFACTS.mkdir(exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "register.pdf"), prefer_css_page_size=True)


def test_finding_page_prints_its_as_of_date_and_commit_on_each_page(page,
                                                                     site_url: str) -> None:
    stamp = _stamp(page, site_url)
    page.goto(site_url + "findings/CAPA-2026-004/")
    pages = _pdf_pages(page.pdf(prefer_css_page_size=True))
    assert len(pages) >= 2  # so "each page" means something
    for number, text in enumerate(pages, start=1):
        assert stamp in text, (number, text[:200])
        assert f"page {number} of {len(pages)}" in text
    assert "CAPA-2026-004" in pages[0]


# Whether an element is drawn whole: inside the viewport and inside every ancestor that
# clips its overflow (a scroll box shows only its client area).
CLIPPED = """el => {
  const r = el.getBoundingClientRect();
  const width = document.documentElement.clientWidth;
  if (r.width === 0 || r.left < 0 || r.right > width + 0.5) { return "viewport"; }
  for (let a = el.parentElement; a; a = a.parentElement) {
    const style = getComputedStyle(a);
    if (style.overflowX === "visible" && style.overflowY === "visible") { continue; }
    const box = a.getBoundingClientRect();
    const left = box.left + a.clientLeft, right = left + a.clientWidth;
    if (r.left < left - 0.5 || r.right > right + 0.5) { return a.tagName + "." + a.className; }
  }
  return "";
}"""


def test_at_390_px_no_action_state_is_clipped(page, site_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ("findings/CAPA-2026-010/", "findings/CAPA-2026-004/"):
        page.goto(site_url + url)
        states = page.locator("td.capa-action-state")
        assert states.count() >= 1
        for index in range(states.count()):
            state = states.nth(index)
            assert state.inner_text().strip()
            assert state.evaluate(CLIPPED) == "", (url, index, state.inner_text())
        due = page.locator("table.capa-actions td[data-label=Due]").first
        assert due.evaluate(CLIPPED) == ""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "finding-390.png"), full_page=True)


def test_at_390_px_the_register_scrolls_with_the_id_fixed(page, site_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site_url + "register/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself
    table = page.locator("table.capa-table")
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # the table scrolls
    table.evaluate("t => { t.scrollLeft = t.scrollWidth; }")
    first_id = page.locator("table.capa-table tbody tr td:first-child").first
    assert first_id.evaluate(CLIPPED) == ""  # still in view: fixed at the left edge
    assert abs(first_id.bounding_box()["x"] - table.bounding_box()["x"]) <= 1
    last = page.locator("table.capa-table thead th:last-child")
    assert last.evaluate(CLIPPED) == ""  # the rightmost column is reachable
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "register-390.png"))


def test_recorded_late_flag_filters_the_register(page, site_url: str) -> None:
    """The register's "recorded late" count opens the register showing exactly the
    findings register.json marks recorded late (committed long after they were raised)."""
    with urllib.request.urlopen(site_url + "register.json") as response:
        data = json.loads(response.read())
    late = sorted(f["fields"]["id"] for f in data["findings"] if f["computed"]["recorded_late"])
    assert late, "the scripted register has findings committed long after they were raised"
    page.goto(site_url + "register/")
    page.click("table.capa-summary a[href$='flag=recorded-late']")
    page.wait_for_url("**/register/?flag=recorded-late")
    assert sorted(_visible_ids(page)) == late
    assert page.locator("select[name=flag]").input_value() == "recorded-late"
