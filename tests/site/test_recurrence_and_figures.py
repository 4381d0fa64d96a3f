"""What the site says about recurrence and its figures, built from a scripted register:
an effective closure questioned by a later finding, nonconformities counted apart from
observations and conformities, late and overdue actions under their own owners."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..helpers import finding, write_evidence, write_finding
from ..sites import Page, mkdocs_build, repo_with, write_config


def _register(root: Path) -> None:
    register = root / "register"
    write_evidence(register, "CAPA-2026-004")
    # Closed effective on 2026-07-15; a major closed 110 days after it was raised.
    write_finding(register, finding())
    major = finding(id="CAPA-2026-001", severity="major", raised="2026-01-05",
                    clauses=["A.8.13"], root_cause={**finding()["root_cause"],
                                                   "category": "process"})
    major["corrective_actions"][0].update(due="2026-03-31", completed="2026-04-10")
    major["closure"] = {**major["closure"], "closed": "2026-04-25",
                        "effectiveness": {**major["closure"]["effectiveness"],
                                          "reviewed": "2026-04-20"}}
    write_finding(register, major)
    # Raised after CAPA-2026-004 closed, same clause and root-cause category: a recurrence.
    write_finding(register, finding(
        id="CAPA-2026-020", title="Supplier assessments skipped again", status="in-progress",
        raised="2026-10-01", closure=None, clauses=["A.5.19"], owner="Jane Smith",
        correction={"action": "Assessed the vendors.", "completed": "2026-10-10"},
        corrective_actions=[
            {"action": "Block onboarding without an assessment.", "owner": "Jane Smith",
             "due": "2026-12-20"},
            {"action": "Train the buyers on the assessment step.", "owner": "Sam Ops",
             "due": "2026-11-01"}]))
    # Same category, no shared clause: neither a recurrence nor a recurring group.
    write_finding(register, finding(
        id="CAPA-2026-021", title="Firewall review late", status="in-progress",
        raised="2026-10-02", closure=None, clauses=["A.8.20"],
        correction={"action": "Reviewed the rules.", "completed": "2026-10-10"},
        requirement={"standard": "ISO/IEC 27001:2022 A.8.20"},
        corrective_actions=[{"action": "Schedule the review.", "owner": "Jane Smith",
                             "due": "2026-12-20"}]))
    write_finding(register, {
        "id": "CAPA-2026-022", "title": "Access reviews on time", "severity": "conformity",
        "status": "closed", "source": "internal-audit", "raised": "2026-10-05",
        "raised_by": "A. Auditor", "clauses": ["A.5.18"],
        "closure": {"closed": "2026-10-05", "evidence": [
            {"url": "https://intranet.example.com/reviews", "description": "Review log"}]}})
    write_finding(register, {
        "id": "CAPA-2026-023", "title": "Logging could be centralised", "severity": "ofi",
        "status": "open", "source": "self-identified", "raised": "2026-10-06",
        "raised_by": "A. Auditor", "owner": "Jane Smith"})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = repo_with(tmp_path_factory.mktemp("figures"), _register)
    write_config(root, {"reviews": {"MR-2026-Q4": "2026-11-28"}})
    mkdocs_build(root / "mkdocs.yml", expected=["overdue"])
    return root / "site"


def _page(site: Path, url: str) -> Page:
    return Page(site / url / "index.html")


def _rows(page: Page, table_class: str) -> list[list[str]]:
    """The text of each row's cells, in document order, header row first."""
    inside = {id(e) for e in page.with_class(table_class)[0].descendants()}
    return [[c.text for c in e.children] for e in page.elements
            if e.tag == "tr" and id(e) in inside]


def test_recurrence_questions_the_earlier_verdict_on_both_pages(site: Path) -> None:
    earlier = _page(site, "findings/CAPA-2026-004")
    text = earlier.content().text
    assert "Effectiveness questioned: recurred as CAPA-2026-020" in text
    result = earlier.with_class("capa-questioned-text")[0]
    assert result.text == "effectiveness questioned: recurred as CAPA-2026-020"
    links = [e.attrs.get("href") for e in result.descendants() if e.tag == "a"]
    assert links == ["../../findings/CAPA-2026-020/"]
    later = _page(site, "findings/CAPA-2026-020").content().text
    assert "Recurrence of CAPA-2026-004, closed effective" in later
    assert "questioned" not in _page(site, "findings/CAPA-2026-021").content().text
    written = json.loads((site / "register.json").read_text())["findings"]
    data = {f["fields"]["id"]: f["computed"] for f in written}
    assert data["CAPA-2026-004"]["recurred_as"] == ["CAPA-2026-020"]
    assert data["CAPA-2026-020"]["recurs"] == ["CAPA-2026-004"]
    assert data["CAPA-2026-021"]["recurs"] == []


def test_review_counts_questioned_verdicts_and_groups_only_real_repeats(site: Path) -> None:
    review = _page(site, "management-review")
    headings = [h.text.rstrip("¶") for h in review.find_all("h2") + review.find_all("h3")]
    assert "Effectiveness (2 effective, 1 of them questioned, 0 not effective)" in headings
    assert "Effectiveness questioned by recurrence (1)" in headings
    text = review.content().text
    assert "effectiveness questioned: recurred as CAPA-2026-020" in text
    # -004 and -020 share A.5.19 and the category; -021 shares only the category.
    rows = _rows(review, "capa-recurring")[1:]
    assert len(rows) == 1 and rows[0][0] == "A.5.19"
    assert rows[0][2] == "2: CAPA-2026-004, CAPA-2026-020"
    pack = _page(site, "reviews/MR-2026-Q4").content().text
    assert "Effective verdicts questioned by recurrence by 2026-11-28 (1)" in pack
    assert "Effective closures questioned by recurrence" in pack  # a decision


def test_figures_count_nonconformities_apart(site: Path) -> None:
    home = _page(site, "").content().text
    assert ("4 nonconformities (1 major, 3 minor), 0 observations, "
            "1 opportunity for improvement, 1 conformity") in home
    assert "Not closed: 2 nonconformities and 1 other finding" in home
    review = _page(site, "management-review")
    text = review.content().text
    assert "Open nonconformities: 2 (0 major, 2 minor)" in text
    assert "1 opportunity for improvement" in text
    rows = _rows(review, "capa-time-to-close")
    assert [r[0] for r in rows[1:]] == ["major", "minor", "All nonconformities"]
    assert rows[-1][1:3] == ["2", "116.5"]  # 110 and 123 days; the conformity's 0 left out
    headings = [h.text.rstrip("¶") for h in review.find_all("h2")]
    assert "Closed beyond the target time (1)" in headings
    assert "110 days to close; target 90 days for a major: 20 days over" in text
    major = _page(site, "findings/CAPA-2026-001").content().text
    assert "20 days beyond the 90-day target for a major" in major


def test_conformity_sections_say_not_applicable(site: Path) -> None:
    conformity = _page(site, "findings/CAPA-2026-022")
    text = conformity.content().text
    assert "Not recorded yet" not in text and "Not reviewed" not in text
    notes = [e.text for e in conformity.with_class("capa-not-applicable")]
    assert len(notes) == 6 and all("ot applicable" in n for n in notes)


def test_late_and_overdue_actions_show_by_how_much_and_whose(site: Path) -> None:
    states = [e.text for e in _page(site, "findings/CAPA-2026-001")
              .with_class("capa-action-state")]
    assert states == ["done 10 d late"]
    review = _page(site, "management-review")
    rows = _rows(review, "capa-overdue-actions")
    assert rows[1][0] == "Sam Ops" and rows[1][1] == "CAPA-2026-020"  # not Jane Smith
    assert rows[1][4] == "27 days"
    assert "overdue action 2: Sam Ops" in review.content().text
    register = _page(site, "register")
    owners = [o.text for o in register.find_all("option")
              if o in register.find_all("select", name="owner")[0].descendants()]
    assert "Sam Ops" in owners  # owns no finding, only an action
    row = register.find_all("tr", **{"data-owner": "Jane Smith", "data-status": "in-progress"})
    assert any(r.attrs.get("data-action-owners") == "Jane Smith\nSam Ops" for r in row)
