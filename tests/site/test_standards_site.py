"""One register, several standards: a real build of findings citing ISO 9001, ISO 14001
and ISO/IEC 27001 clauses, checked on the parsed HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..helpers import TODAY, finding, run_capa, write_evidence, write_finding
from ..sites import Page, mkdocs_build, repo_with, write_config

STANDARDS = ["27001", "9001", "14001"]
FINDINGS = {
    "CAPA-2026-004": ["A.5.19", "8.1"],
    "CAPA-2026-005": ["9001:8.4.1", "A.5.19"],
    "CAPA-2026-006": ["9001:8.4.1", "9001:10.2"],
    "CAPA-2026-007": ["14001:6.1.2"],
    "CAPA-2026-008": [],
}


def _register(root: Path) -> None:
    register = root / "register"
    write_evidence(register, "CAPA-2026-004")
    for number, (finding_id, clauses) in enumerate(FINDINGS.items()):
        data = finding(id=finding_id, clauses=clauses or None,
                       raised=f"2026-03-{number + 10}")
        write_finding(register, data)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = repo_with(tmp_path_factory.mktemp("standards"), _register)
    write_config(root, {"standards": STANDARDS})
    result = run_capa("validate", "--today", TODAY, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    mkdocs_build(root / "mkdocs.yml")
    return root / "site"


def page(site: Path, url: str) -> Page:
    return Page(site / url / "index.html")


def test_the_clauses_page_lists_three_standards_each_with_its_page(site: Path) -> None:
    overview = page(site, "clauses")
    links = {a.text: a.attrs["href"] for a in overview.with_class("capa-standards")[0]
             .descendants() if a.tag == "a"}
    assert links == {"ISO/IEC 27001:2022": "../clauses/27001/",
                     "ISO 9001:2015": "../clauses/9001/", "ISO 14001:2015": "../clauses/14001/"}
    assert "CAPA-2026-008" in overview.content().text  # cites no clause
    for url in ("clauses/27001", "clauses/9001", "clauses/14001"):
        assert (site / url / "index.html").is_file(), url


@pytest.mark.parametrize("url,anchor,title,ids", [
    ("clauses/9001", "clause-8-4-1", "General", ["CAPA-2026-005", "CAPA-2026-006"]),
    ("clauses/9001", "clause-10-2", "Nonconformity and corrective action",
     ["CAPA-2026-006"]),
    ("clauses/14001", "clause-6-1-2", "Environmental aspects", ["CAPA-2026-007"]),
    ("clauses/27001", "clause-a-5-19", "Information security in supplier relationships",
     ["CAPA-2026-004", "CAPA-2026-005"]),
])
def test_each_standards_page_shows_clauses_with_short_titles_and_findings(
        site: Path, url: str, anchor: str, title: str, ids: list[str]) -> None:
    clauses = page(site, url)
    [heading] = clauses.find_all("h3", id=anchor)
    assert title in heading.text and f"({len(ids)})" in heading.text
    [parent] = [e for e in clauses.elements if any(c is heading for c in e.children)]
    after = parent.children[[id(c) for c in parent.children].index(id(heading)) + 1]
    assert after.tag == "table"
    assert sorted(a.text for a in after.descendants() if a.tag == "a") == ids
    other = {"clauses/9001": "clause-a-5-19", "clauses/14001": "clause-8-4-1",
             "clauses/27001": "clause-6-1-2"}[url]
    assert not clauses.find_all("h3", id=other)


def test_a_finding_links_each_clause_to_its_standards_page(site: Path) -> None:
    finding_page = page(site, "findings/CAPA-2026-005")
    hrefs = [a.attrs["href"] for a in finding_page.with_class("capa-clause")]
    assert hrefs[:2] == ["../../clauses/9001/#clause-8-4-1", "../../clauses/27001/#clause-a-5-19"]


def test_the_register_filters_by_standard(site: Path) -> None:
    register = page(site, "register")
    [select] = register.find_all("select", name="standard")
    options = [(o.attrs["value"], o.text) for o in select.descendants() if o.tag == "option"]
    assert sorted(options) == [("", "any"), ("14001", "ISO 14001:2015"),
                               ("27001", "ISO/IEC 27001:2022"), ("9001", "ISO 9001:2015")]
    rows = {r.attrs.get("data-standards") for r in register.find_all("tr")
            if "data-status" in r.attrs}
    assert rows == {"27001", "27001 9001", "9001", "14001", ""}


def test_the_management_review_works_across_standards_and_narrows_to_one(site: Path) -> None:
    review = page(site, "management-review")
    recurring = review.with_class("capa-recurring")[0].text if review.with_class(
        "capa-recurring") else review.content().text
    assert "9001:8.4.1" in recurring and "27001:A.5.19" in recurring
    narrow_links = [a.attrs["href"] for e in review.with_class("capa-narrow")
                    for a in e.descendants() if a.tag == "a"]
    assert sorted(narrow_links) == [f"../management-review/{i}/"
                                    for i in ("14001", "27001", "9001")]
    quality = page(site, "management-review/9001")
    text = quality.content().text
    assert "Narrowed to the findings citing a clause of ISO 9001:2015" in text
    assert "9001:8.4.1" in text and "27001:A.5.19" not in text
    hrefs = [a.attrs["href"] for a in quality.find_all("a") if "register/?" in a.attrs.get(
        "href", "")]
    assert hrefs and all("standard=9001" in h for h in hrefs)
