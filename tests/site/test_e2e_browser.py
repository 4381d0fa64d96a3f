"""The published register in a real browser: Debian's Chromium driven by Playwright.

Never downloads a browser: the system ``chromium`` is launched by path. Locally a missing
Chromium skips these tests; in CI (``CI=true``) it fails them, so the run cannot pass
without the browser tests having run.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..helpers import write_finding
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
    # Three- and four-digit sequence numbers: the ID sort must be natural, not textual.
    for finding_id in ("CAPA-2026-999", "CAPA-2026-1000"):
        write_finding(root / "register", {
            "id": finding_id, "title": f"Improvement idea {finding_id[-4:]}", "severity": "ofi",
            "status": "open", "source": "self-identified", "raised": "2026-11-02",
            "raised_by": "A. Auditor", "requirement": {"standard": "ISO/IEC 27001:2022 10.1"},
            "clauses": ["10.1"], "owner": "Jane Smith"})


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = repo_with(tmp_path_factory.mktemp("e2e"), _more_findings)
    # No web fonts: the test machine is offline, and a failed font request is a console error.
    write_config(root, {"reviews": {"MR-2026-Q4": "2026-11-28"}},
                 theme={"name": "material", "font": False})
    mkdocs_build(root / "mkdocs.yml")
    handler = functools.partial(_QuietHandler, directory=str(root / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static host. Chromium asks for /favicon.ico when it shows a plain-text file (the
    evidence); MkDocs sites have none, so answer 204 rather than log a 404 as an error."""

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


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
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
    page.fill("input[name=q]", "restore")
    assert _visible_ids(page) == ["CAPA-2026-010"]
    page.fill("input[name=q]", "")
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
    assert first.locator("caption").text_content() == "Findings raised and closed per quarter"
    assert first.locator("tbody tr").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pack-print.png"), full_page=True)
    page.pdf(path=str(ARTIFACTS / "pack.pdf"))
    page.goto(site_url + "management-review/")  # no print.css there: the rules are capa.css's
    assert page.eval_on_selector_all(f"details {tables}", visible) == [True] * 4
