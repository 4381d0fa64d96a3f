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
