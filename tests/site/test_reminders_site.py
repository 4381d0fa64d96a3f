"""The site publishes the calendar feeds, links them with a subscribe explanation, and the
management review lists effectiveness reviews that are overdue."""

from __future__ import annotations

from pathlib import Path

from ..reminders import reminder_repo
from ..sites import Page, mkdocs_build


def test_review_page_links_the_feeds_and_lists_overdue_reviews(tmp_path: Path) -> None:
    repo = reminder_repo(tmp_path / "repo")
    mkdocs_build(repo / "mkdocs.yml")
    site = repo / "site"
    assert (site / "register.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    page = Page(site / "management-review" / "index.html")
    links = {a.attrs["href"]: a.text for a in page.find_all("a") if "href" in a.attrs}
    assert links["../register.ics"] == "register.ics"
    for owner in ("jane-smith", "sam-ops", "aisha-rahman", "lukas-meyer"):
        assert f"../calendar/{owner}.ics" in links
        assert (site / "calendar" / f"{owner}.ics").is_file()
    text = " ".join(e.text for e in page.with_class("capa-feeds"))
    assert "Subscribe from web" in text and "From URL" in text
    headings = [h.text.strip() for h in page.find_all("h2")]
    assert "Effectiveness reviews overdue (1)" in headings
    section = next(e for e in page.content_elements() if e.tag == "table"
                   and "Review fell due" in e.text)
    assert "CAPA-2026-202" in section.text and "2026-11-16" in section.text
    assert "CAPA-2026-203" not in section.text  # due 2026-12-19: not yet


def test_finding_page_shows_when_the_review_falls_due(tmp_path: Path) -> None:
    repo = reminder_repo(tmp_path / "repo")
    mkdocs_build(repo / "mkdocs.yml")
    facts = {}
    for fid in ("CAPA-2026-202", "CAPA-2026-203", "CAPA-2026-201"):
        page = Page(repo / "site" / "findings" / fid / "index.html")
        terms = [e.text.strip() for e in page.find_all("dt")]
        values = [e.text.strip() for e in page.find_all("dd")]
        facts[fid] = dict(zip(terms, values, strict=False))
    assert facts["CAPA-2026-202"]["Effectiveness review due"] == (
        "2026-11-16 (every corrective action is completed) (12 days overdue)")
    assert facts["CAPA-2026-203"]["Effectiveness review due"] == (
        "2026-12-19 (every corrective action is completed)")
    assert "Effectiveness review due" not in facts["CAPA-2026-201"]  # actions still open
