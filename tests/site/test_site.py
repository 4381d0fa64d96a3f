"""Real MkDocs builds of fixture registers, checked on the parsed HTML."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from ..helpers import TODAY
from ..sites import (
    Page,
    hostile_register,
    mkdocs_build,
    repo_with,
    sample_register,
    sha256,
    write_config,
)

IDS = ["CAPA-2025-019", "CAPA-2026-004", "CAPA-2026-010", "CAPA-2026-011"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = repo_with(tmp_path_factory.mktemp("site"), sample_register)
    write_config(root, {"stale_days": 60, "reviews": {"MR-2026-Q3": "2026-09-30"}},
                 repo_url="https://git.example.com/org/isms",
                 edit_uri="edit/main/docs/",
                 theme={"name": "material", "features": ["content.action.edit"]})
    mkdocs_build(root / "mkdocs.yml")
    return root / "site"


def page(site: Path, url: str) -> Page:
    return Page(site / url / "index.html")


def test_every_page_exists(site: Path) -> None:
    for url in ("", "register", "management-review", "clauses",
                *(f"findings/{i}" for i in IDS)):
        assert (site / url / "index.html").is_file(), url
    assert (site / "register.csv").is_file() and (site / "register.json").is_file()
    assert (site / "assets/capa/register.js").is_file()


def test_nav_holds_the_three_pages_and_no_finding(site: Path) -> None:
    home = page(site, "")
    nav = " ".join(e.text for e in home.with_class("md-nav__link"))
    for title in ("Register", "Management review", "Clauses"):
        assert title in nav
    assert "CAPA-" not in nav


def test_register_lists_every_finding_with_marks(site: Path) -> None:
    register = page(site, "register")
    rows = register.find_all("tr", **{"data-status": "in-progress"})
    assert len(rows) == 1 and "capa-row-overdue" in rows[0].attrs["class"]
    body_rows = [e for e in register.elements if e.tag == "tr" and "data-status" in e.attrs]
    assert [r.children[0].text for r in body_rows] == IDS
    overdue = rows[0]
    assert "27 d overdue" in overdue.text and "Sam Ops" in overdue.text
    assert "A.8.13, 8.1" in overdue.text
    hrefs = {a.attrs["href"] for a in register.find_all("a")}
    assert {"../register.csv", "../register.json", "../findings/CAPA-2026-010/"} <= hrefs
    controls = register.with_class("capa-controls")[0]
    assert "hidden" in controls.attrs  # without JavaScript the full table shows
    owners = [o.text for o in register.find_all("option")]
    assert "Jane Smith" in owners and "Sam Ops" in owners


def test_finding_page_shows_every_field(site: Path) -> None:
    text = page(site, "findings/CAPA-2026-004").content().text
    for value in ("CAPA-2026-004", "Supplier security assessments skipped for three new vendors",
                  "minor", "closed", "internal-audit", "2026-03-14", "A. Auditor",
                  "ISO/IEC 27001:2022 A.5.19", "PRC-SUP-01 section 3.2", "A.5.19", "8.1",
                  "Jane Smith", "Procurement", "suppliers", "onboarding", "5-whys",
                  "They were not aware it was required before onboarding.",
                  "Process ownership gap", "ownership",
                  "Checked all 27 vendors onboarded since 2025",
                  "Completed security assessments for the three vendors.", "2026-03-28",
                  "Add the supplier assessment step", "2026-06-30", "2026-05-20",
                  "2026-07-15", "Updated onboarding checklist", "Published checklist",
                  "2026-07-10", "B. Reviewer (Internal Audit)", "effective",
                  "Re-sampled 10 vendors", "PRC-SUP-01 updated to v3.", "R-014", "R-022",
                  "CAPA-2025-019", "CAPA-2026-010", "Raised at the March audit."):
        assert value in text, value


def test_whys_are_numbered_and_related_go_both_ways(site: Path) -> None:
    finding = page(site, "findings/CAPA-2026-004")
    whys = finding.with_class("capa-whys")[0]
    assert whys.tag == "ol" and len(whys.children) == 3
    facts = " ".join(e.text for e in finding.find_all("dd"))
    assert "CAPA-2025-019" in facts and "CAPA-2026-010" in facts
    links = {a.attrs.get("href") for a in finding.find_all("a")}
    assert "../../findings/CAPA-2025-019/" in links
    assert "../../findings/CAPA-2026-010/" in links
    older = page(site, "findings/CAPA-2025-019")
    assert "../../findings/CAPA-2026-004/" in {a.attrs.get("href") for a in older.find_all("a")}


def test_corrective_actions_table_marks_overdue(site: Path) -> None:
    finding = page(site, "findings/CAPA-2026-010")
    table = finding.with_class("capa-actions")[0]
    rows = [e for e in finding.elements if e.tag == "tr" and e in table.descendants()]
    assert "overdue 27 d" in rows[1].text and "capa-row-overdue" in rows[1].attrs["class"]
    assert "open" in rows[2].text



def test_evidence_is_copied_with_matching_hash(site: Path) -> None:
    root = site.parent
    finding = page(site, "findings/CAPA-2026-004")
    files = finding.with_class("capa-evidence-file")
    assert [a.text for a in files] == ["checklist.txt", "screenshot.png", "minutes.html"]
    hashes = [e.text.split()[-1] for e in finding.with_class("capa-hash")]
    for link, shown in zip(files, hashes, strict=True):
        published = (site / "findings/CAPA-2026-004" / link.attrs["href"]).resolve()
        assert published.is_file() and published.is_relative_to(site)
        source = root / "register/evidence/CAPA-2026-004" / link.text
        assert sha256(published) == sha256(source) == shown
    # HTML evidence is published as text, so it never runs as a page of the site.
    assert files[2].attrs["href"].endswith("minutes.html.txt")
    images = [img for img in finding.find_all("img") if "capa-evidence-image" in
              img.attrs.get("class", "")]
    assert [i.attrs["src"] for i in images] == [files[1].attrs["href"]]
    external = finding.with_class("capa-external")[0]
    assert external.attrs["rel"] == "noopener noreferrer"
    assert external.attrs["href"] == "https://intranet.example.com/procurement/checklist"
    assert "24 bytes" in finding.content().text


def test_only_cited_evidence_is_published(site: Path) -> None:
    published = {p.relative_to(site).as_posix() for p in (site / "files").rglob("*")
                 if p.is_file()}
    assert published == {"files/register/evidence/CAPA-2026-004/checklist.txt",
                         "files/register/evidence/CAPA-2026-004/screenshot.png",
                         "files/register/evidence/CAPA-2026-004/minutes.html.txt"}


def test_edit_link_opens_the_finding_file(site: Path) -> None:
    finding = page(site, "findings/CAPA-2026-004")
    edits = [a.attrs["href"] for a in finding.find_all("a") if "edit" in a.attrs.get("href", "")]
    assert edits == ["https://git.example.com/org/isms/edit/main/register/2026/CAPA-2026-004.md"]


def test_management_review_figures_link_to_findings(site: Path) -> None:
    review = page(site, "management-review")
    text = review.content().text
    assert f"as of {TODAY}" in text and "MR-2026-Q3" in text
    sections = {h.attrs.get("id"): h.text for h in review.find_all("h2")}
    assert sections["overdue-1"] == "Overdue (1)"
    assert "Closed in the last 90 days (1)" in sections.values()  # the conformity
    assert "Due in the next 30 days (1)" in sections.values()
    hrefs = [a.attrs.get("href", "") for a in review.find_all("a")]
    assert "../findings/CAPA-2026-010/" in hrefs
    assert ("../register/?status=not-closed&severity=major&owner=Sam%20Ops&role=finding"
            in hrefs)
    recurring = review.with_class("capa-matrix")[-1].text
    assert "8.1" in recurring and "linked" in recurring
    median = review.with_class("capa-matrix")[1].text
    assert "minor2122.5" in median  # 123 and 122 days


def test_clauses_group_findings(site: Path) -> None:
    clauses = page(site, "clauses")
    heading = clauses.find_all("h3", id="clause-8-1")[0]
    assert "(3)" in heading.text
    annex = clauses.find_all("h3", id="clause-a-8-13")
    assert annex
    text = clauses.content().text
    assert text.index("Clauses 4 to 10") < text.index("Annex A controls")


def test_downloads(site: Path) -> None:
    raw = (site / "register.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == IDS
    overdue = rows[2]
    assert overdue["overdue_days"] == "27" and overdue["due"] == "2026-11-01"
    assert overdue["source_file"] == "register/2026/CAPA-2026-010.md"
    document = json.loads((site / "register.json").read_text())
    assert document["as_of"] == TODAY and document["count"] == 4
    full = document["findings"][1]
    assert full["fields"]["department"] == "Procurement"
    assert full["computed"]["referenced_by"] == ["CAPA-2026-010"]
    assert full["computed"]["days_to_close"] == 123
    assert full["computed"]["evidence"][0]["sha256"] == sha256(
        site.parent / "register/evidence/CAPA-2026-004/checklist.txt")
    assert full["narrative"].startswith("## Context")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = repo_with(tmp_path_factory.mktemp("hostile"), hostile_register)
    write_config(root, markdown_extensions=["pymdownx.snippets", "attr_list", "md_in_html"])
    mkdocs_build(root / "mkdocs.yml")
    return root / "site"


@pytest.mark.parametrize("url", ["findings/CAPA-2026-066", "register", "management-review",
                                 "clauses", ""])
def test_hostile_content_is_escaped_and_sanitised(hostile: Path, url: str) -> None:
    parsed = page(hostile, url)
    for element in parsed.content_elements():
        ours = (element.attrs.get("src", "").endswith("register.js")
                or element.attrs.get("class") in ("capa-controls", "capa-chart"))
        assert ours or element.tag not in ("script", "iframe", "form", "svg", "object")
        for name, value in element.attrs.items():
            assert not name.startswith("on"), (element.tag, name)
            assert "javascript:" not in value.lower(), (element.tag, name, value)
            assert name != "style"
    raw = parsed.path.read_text(encoding="utf-8")
    for title in re.findall(r"<title>(.*?)</title>", raw, re.DOTALL):
        assert "<" not in title, title  # every < of a finding's title stays escaped


def test_hostile_values_show_as_text(hostile: Path) -> None:
    parsed = page(hostile, "findings/CAPA-2026-066")
    text = parsed.content().text
    for prefix in ("T", "O", "R", "D", "S", "P", "C", "A", "AO", "ED", "U", "M", "B", "I", "E"):
        assert f"{prefix} <script>alert('x')</script>" in text, prefix
    assert "[t](javascript:alert(2))" in text  # shown literally, never a link
    assert "site_name" not in text  # no snippet include from a value or the narrative
    title = parsed.find_all("title")[0].text
    assert title.startswith("CAPA-2026-066: T <script>alert('x')</script>")
    raw = (hostile / "findings/CAPA-2026-066/index.html").read_text()
    assert "<script>alert(" not in raw


def test_raw_html_allowed_only_on_request(tmp_path: Path) -> None:
    root = repo_with(tmp_path, hostile_register)
    write_config(root, {"allow_raw_html": True})
    mkdocs_build(root / "mkdocs.yml")
    narrative = page(root / "site", "findings/CAPA-2026-066").with_class("capa-narrative")[0]
    assert any(e.tag == "iframe" for e in narrative.descendants())


def test_no_placeholder_left_and_unsearched_blocks_back_in_place(site: Path) -> None:
    """History and similar findings skip the search plugin's parser, then come back."""
    for html_file in site.rglob("*.html"):
        assert "capa-block" not in html_file.read_text(encoding="utf-8"), html_file
    finding = page(site, "findings/CAPA-2026-010")
    assert finding.with_class("capa-history") and finding.with_class("capa-similar-findings")
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["text"] for doc in index["docs"]
                    if doc["location"].startswith("findings/CAPA-2026-010/"))
    assert "Backups never restore-tested" in text
    assert "within 12 months" not in text  # the similar-findings table is not indexed
