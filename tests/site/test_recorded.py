"""Recorded versus claimed: a register imported long after its findings were raised.

The scripted history commits three findings on one day, 2026-03-01: one raised and closed
in 2025 (a year before its first commit), one major raised in 2025 and still open, and
one raised nine days before the commit. The site must say which records were written
after the fact (finding page, register flag and filter, JSON), and the review packs dated
before the first commit must be worked out from the findings' own dates and say so,
instead of showing an empty register.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..helpers import finding, front_matter, git, init_repo, write_evidence
from ..sites import Page, mkdocs_build, write_config

REVIEWS = {"MR-0": "2024-12-31", "MR-A": "2025-06-30", "MR-B": "2026-06-30"}


def _closed_2025() -> dict[str, Any]:
    data = finding(id="CAPA-2025-001", raised="2025-03-01")
    data["correction"]["completed"] = "2025-03-05"
    data["corrective_actions"][0].update(due="2025-04-30", completed="2025-04-20")
    data["closure"]["closed"] = "2025-05-01"
    data["closure"]["effectiveness"]["reviewed"] = "2025-05-10"
    data["closure"]["evidence"][0]["path"] = "../evidence/CAPA-2025-001/checklist.txt"
    return data


def _open_major() -> dict[str, Any]:
    data = finding(id="CAPA-2025-002", raised="2025-06-01", severity="major",
                   status="in-progress", closure=None)
    data["correction"]["completed"] = "2025-06-02"
    data["corrective_actions"][0].update(due="2025-08-30")
    data["corrective_actions"][0].pop("completed")
    return data


def _recent() -> dict[str, Any]:
    data = finding(id="CAPA-2026-003", raised="2026-02-20", status="open", closure=None)
    data["correction"]["completed"] = "2026-02-21"
    data["corrective_actions"][0].update(due="2026-12-20")
    data["corrective_actions"][0].pop("completed")
    return data


def _write(root: Path, data: dict[str, Any], folder: str) -> None:
    path = root / "register" / folder / f"{data['id']}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front_matter(data)}---\nNarrative.\n", encoding="utf-8")


@pytest.fixture(scope="module")
def imported_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = init_repo(tmp_path_factory.mktemp("recorded") / "repo")
    write_config(root, {"reviews": REVIEWS})
    (root / ".gitignore").write_text("site/\n")
    write_evidence(root / "register", "CAPA-2025-001")
    _write(root, _closed_2025(), "2025")
    _write(root, _open_major(), "2025")
    _write(root, _recent(), "2026")
    stamp = "2026-03-01T12:00:00+00:00"
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Import the register from the spreadsheet",
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})
    mkdocs_build(root / "mkdocs.yml")
    return root / "site"


def test_a_finding_committed_a_year_after_it_was_raised_says_so(imported_site: Path) -> None:
    page = Page(imported_site / "findings" / "CAPA-2025-001" / "index.html")
    late = " ".join(e.text for e in page.with_class("capa-recorded-late"))
    assert "first recorded 2026-03-01, 365 days after it was raised" in late
    assert "after its closure on 2025-05-01" in late
    assert any(e.text == "recorded late" for e in page.with_class("capa-mark-late"))
    recent = Page(imported_site / "findings" / "CAPA-2026-003" / "index.html")
    assert not recent.with_class("capa-recorded-late") and not recent.with_class(
        "capa-mark-late")
    assert "first recorded 2026-03-01" in " ".join(
        e.text for e in recent.with_class("capa-recorded"))


def test_the_register_flags_and_filters_records_written_late(imported_site: Path) -> None:
    page = Page(imported_site / "register" / "index.html")
    rows = {tr.children[0].text: tr.attrs.get("data-flags", "")
            for tr in page.find_all("tr") if "data-status" in tr.attrs}
    assert "recorded-late" in rows["CAPA-2025-001"].split()
    assert "recorded-late" in rows["CAPA-2025-002"].split()
    assert "recorded-late" not in rows["CAPA-2026-003"].split()
    options = [o.attrs.get("value") for o in page.find_all("option")]
    assert "recorded-late" in options
    counts = [a for a in page.find_all("a") if a.attrs.get("href", "").endswith(
        "?flag=recorded-late")]
    assert counts and counts[0].text == "2"


def test_the_json_data_carries_when_each_finding_was_first_recorded(
        imported_site: Path) -> None:
    data = json.loads((imported_site / "register.json").read_text())
    computed = {f["fields"]["id"]: f["computed"] for f in data["findings"]}
    assert computed["CAPA-2025-001"]["first_recorded"] == "2026-03-01"
    assert computed["CAPA-2025-001"]["recorded_days_after_raised"] == 365
    assert computed["CAPA-2025-001"]["recorded_late"] is True
    assert computed["CAPA-2025-002"]["recorded_late"] is True
    assert computed["CAPA-2026-003"]["recorded_late"] is False
    assert computed["CAPA-2026-003"]["recorded_days_after_raised"] == 9


def _summary(page: Page) -> dict[str, str]:
    table = page.with_class("capa-pack-summary")[0]
    rows = [e for e in page.elements if e.tag == "tr" and _inside(e, table)]
    return {r.children[0].text: r.children[1].text for r in rows if r.children[0].tag == "th"}


def _inside(element: Any, parent: Any) -> bool:
    stack = [parent]
    while stack:
        node = stack.pop()
        if node is element:
            return True
        stack.extend(node.children)
    return False


def test_a_pack_dated_before_all_history_is_reconstructed_from_the_findings_dates(
        imported_site: Path) -> None:
    pack = Page(imported_site / "reviews" / "MR-A" / "index.html")
    title = pack.find_all("h1")[0].text
    assert "reconstructed from recorded dates, not from history" in title
    # As the findings' own dates give it on 2025-06-30: CAPA-2025-001 raised and closed
    # (its review on 2025-05-10 effective), CAPA-2025-002 raised and open, not yet due.
    summary = _summary(pack)
    assert summary["Raised"] == "2" and summary["Closed"] == "1"
    assert summary["Effectiveness reviews: effective"] == "1"
    assert summary["Reopened"] == "unknown" and summary["Due dates extended"] == "unknown"
    heading = next(h for h in pack.find_all("h2") if h.text.startswith("Open on"))
    after = pack.elements[pack.elements.index(heading):]
    row = next(e for e in after if e.tag == "tbody").children[0]
    assert [td.text for td in row.children] == ["1", "0", "0", "0", "0", "1"]
    # The pack after the import is from history: the imported findings were counted in
    # the reconstructed pack, so only the new one is raised in its period.
    later = Page(imported_site / "reviews" / "MR-B" / "index.html")
    assert "reconstructed" not in later.find_all("h1")[0].text
    assert _summary(later)["Raised"] == "1"


def test_a_pack_with_no_history_says_so_in_its_heading(imported_site: Path) -> None:
    pack = Page(imported_site / "reviews" / "MR-0" / "index.html")
    assert "no history at this date" in pack.find_all("h1")[0].text
    assert not pack.with_class("capa-pack-summary")  # no table of zeros
    assert "No figures" in " ".join(e.text for e in pack.with_class("capa-pack-summary-none"))
    index = Page(imported_site / "reviews" / "index.html")
    rows = {tr.children[0].text: tr.children[-1].text for tr in index.find_all("tr")
            if tr.children and tr.children[0].tag == "th" and tr.children[0].children}
    assert rows["MR-0"] == "no history at this date"
    assert rows["MR-A"] == "reconstructed from recorded dates, not from history"
    assert rows["MR-B"] == "git history"
