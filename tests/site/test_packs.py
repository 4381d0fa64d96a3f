"""Management review packs, trend charts and recurrence.

The site test scripts a register's git history over four quarters (raised, extended,
closed, reopened, closed again) and checks that each review's pack shows the register as
it stood on its date, even though every finding has moved on since.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from mkdocs.exceptions import Abort

from capa_docs.contract.frontmatter import LoadError, load_text, split
from capa_docs.contract.model import Finding
from capa_docs.contract.settings import ConfigError, Settings, settings_from_mapping
from capa_docs.git.states import State, quick_state, state_of, summarise
from capa_docs.register.findings import Register
from capa_docs.register.rollup import months_before, recurring, similar
from capa_docs.site.charts import svg
from capa_docs.site.packs import build_packs, pack_uri
from capa_docs.site.trends import trend_charts

from ..helpers import (
    TODAY,
    finding,
    front_matter,
    git,
    init_repo,
    run_capa,
    write_evidence,
    write_finding,
)
from ..sites import Page, mkdocs_build, write_config

SVG = "{http://www.w3.org/2000/svg}"


# Charts (the drawing itself: test_charts.py) --------------------------------------------

def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def _f(fid: str, raised: str, *, status: str = "in-progress", closed: str | None = None,
       severity: str = "minor", **extra: Any) -> Finding:
    data = finding(id=fid, raised=raised, status=status, severity=severity, **extra)
    if closed:
        data["closure"]["closed"] = closed
    else:
        data.pop("closure")
    return Finding(Path(f"register/{fid}.md"), f"register/{fid}.md", data, {})


def test_trend_charts_count_by_quarter_and_age() -> None:
    findings = [
        _f("CAPA-2026-001", "2026-01-10", status="closed", closed="2026-04-10"),
        _f("CAPA-2026-002", "2026-02-10", severity="major"),
        _f("CAPA-2026-003", "2026-05-01", status="closed", closed="2026-05-21"),
        _f("CAPA-2026-004", "2026-09-01"),
        # Neither counts as a nonconformity raised or closed, nor in time to close.
        _f("CAPA-2026-005", "2026-05-02", status="closed", closed="2026-05-02",
           severity="conformity"),
        _f("CAPA-2026-006", "2026-06-02", severity="observation"),
    ]
    flow, opened, ageing, close = trend_charts(Register(findings, Settings(),
                                                        dt.date(2026, 9, 30)))
    assert flow.categories == ["2026 Q1", "2026 Q2", "2026 Q3"]
    assert flow.series == {"raised": [2, 1, 1], "closed": [0, 2, 0]}
    assert flow.title == "Nonconformities raised and closed per quarter"
    assert opened.series["minor"] == [1, 0, 1] and opened.series["major"] == [1, 1, 1]
    assert ageing.series["major"] == [0, 0, 0, 1, 0]  # 232 days
    assert ageing.series["minor"] == [1, 0, 0, 0, 0]
    # A severity with nothing closed has no time to close: no data, not 0 days.
    assert close.categories == ["major", "minor"]
    assert close.series == {"median": [None, 55], "longest": [None, 90]}
    for chart in (flow, opened, ageing, close):
        _parse(svg(chart))


def test_time_to_close_with_nothing_closed_is_no_data() -> None:
    """A conformity closed the day it is raised is no time to close: only nonconformities
    are charted, and with none closed the chart says "no data", not 0 days."""
    findings = [_f("CAPA-2026-001", "2026-01-10"),
                _f("CAPA-2026-002", "2026-02-10", status="closed", closed="2026-03-01",
                   severity="conformity")]
    close = trend_charts(Register(findings, Settings(), dt.date(2026, 3, 31)))[-1]
    assert close.categories == ["major", "minor"]
    assert close.series["median"] == [None, None]
    root = _parse(svg(close))
    bars = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
    assert bars == []
    assert "major no data" in root.find(f"{SVG}desc").text


# Recurrence -------------------------------------------------------------------------------

def test_months_before_clamps_to_month_end() -> None:
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 11, 28), 12) == dt.date(2025, 11, 28)
    assert months_before(dt.date(2026, 1, 15), -1) == dt.date(2026, 2, 15)


def test_recurring_groups_only_within_the_window() -> None:
    findings = [_f("CAPA-2024-001", "2024-12-01"), _f("CAPA-2026-001", "2026-02-01"),
                _f("CAPA-2026-002", "2026-08-01", clauses=["9.2", "8.1"]),
                _f("CAPA-2026-003", "2026-09-01", clauses=["9.2"],
                   related=["CAPA-2024-001"])]
    settings = settings_from_mapping({"recurrence_months": 6}, Path("."))
    groups = {tuple(g.ids): g for g in recurring(
        Register(findings, settings, dt.date(2026, 9, 30)))}
    # 8.1: 2026-02-01 is more than 6 months back; -003 and CAPA-2024-001 are linked by
    # related but share no clause, so they are no group either.
    assert list(groups) == [("CAPA-2026-002", "CAPA-2026-003")]
    assert groups[("CAPA-2026-002", "CAPA-2026-003")].clauses == ["9.2"]
    assert "root-cause category ownership" in groups[("CAPA-2026-002", "CAPA-2026-003")].also
    wide = {tuple(g.ids): g.clauses for g in recurring(Register(findings, Settings(),
                                                              dt.date(2026, 9, 30)))}
    assert wide[("CAPA-2026-001", "CAPA-2026-002")] == ["8.1"]


def test_similar_findings_by_key_window_and_links() -> None:
    findings = [_f(f"CAPA-2026-{i:03d}", f"2026-{i:02d}-01", clauses=["A.5.19"])
                for i in range(1, 10)]
    findings.append(_f("CAPA-2024-001", "2024-01-01", related=["CAPA-2026-005"]))
    register = Register(findings, settings_from_mapping({"recurrence_months": 2}, Path(".")),
                        dt.date(2026, 11, 28))
    found = {(s.kind, s.key): s for s in similar(register)["CAPA-2026-005"]}
    assert found[("clause", "A.5.19")].count == 4
    assert found[("clause", "A.5.19")].nearest[:2] == ["CAPA-2026-004", "CAPA-2026-006"]
    assert found[("root-cause category", "ownership")].count == 4
    assert found[("related", "")].nearest == ["CAPA-2024-001"]
    assert "CAPA-2024-001" in {i for s in similar(register)["CAPA-2026-005"]
                               for i in s.nearest}


@pytest.mark.parametrize("value", [0, -1, "12", True, 1.5])
def test_recurrence_months_must_be_whole_months(value: Any) -> None:
    with pytest.raises(ConfigError, match="recurrence_months"):
        settings_from_mapping({"recurrence_months": value}, Path("."))


def test_pack_without_git_says_so_and_undoes_later_closures() -> None:
    findings = [_f("CAPA-2026-001", "2026-01-10", status="closed", closed="2026-08-01"),
                _f("CAPA-2026-002", "2026-09-01")]
    settings = settings_from_mapping({"reviews": {"MR-1": "2026-06-30"}}, Path("."))
    current = Register(findings, settings, dt.date(2026, 11, 28))
    (pack,) = build_packs(settings, current, Path("."), None)
    assert "no git history" in pack.notes[0]
    assert pack.figures.open_by_severity["minor"] == ["CAPA-2026-001"]
    assert pack.raised == ["CAPA-2026-001"] and pack.closed == []


# A register with four quarters of git history ---------------------------------------------

REVIEWS = {"MR-2026-Q1": "2026-03-31", "MR-2026-Q2": "2026-06-30",
           "MR-2026-Q3": "2026-09-30", "MR-2026-Q4": "2026-11-27"}


def _major(status: str, due: str, **extra: Any) -> dict[str, Any]:
    data = {"id": "CAPA-2026-001", "title": "Backups never restore-tested",
            "severity": "major", "status": status, "source": "certification-audit",
            "raised": "2026-02-10", "raised_by": "C. Certifier",
            "requirement": {"standard": "ISO/IEC 27001:2022 A.8.13"},
            "clauses": ["A.8.13"], "owner": "Sam Ops",
            "corrective_actions": [{"action": "Add a quarterly restore test.",
                                    "owner": "Sam Ops", "due": due}]}
    data.update(extra)
    return data


def _minor(fid: str, raised: str, status: str, **extra: Any) -> dict[str, Any]:
    extra.setdefault("related", None)
    data = finding(id=fid, raised=raised, status=status, clauses=["A.5.19"], **extra)
    data["corrective_actions"][0]["due"] = "2026-12-20"
    data["correction"]["completed"] = raised
    if status != "closed":
        data.pop("closure")
        data["corrective_actions"][0].pop("completed")
    else:
        data["closure"]["evidence"][0]["path"] = f"../evidence/{fid}/checklist.txt"
    return data


def _closed_minor(fid: str, raised: str, *, closed: str, reviewed: str,
                  completed: str) -> dict[str, Any]:
    """A minor closed on ``closed``: its action completed and its review on those days."""
    data = _minor(fid, raised, "closed")
    data["closure"]["closed"] = closed
    data["closure"]["effectiveness"]["reviewed"] = reviewed
    data["corrective_actions"][0]["completed"] = completed
    return data


def _commit(repo: Path, message: str, day: str) -> None:
    stamp = f"{day}T12:00:00+00:00"
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message,
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})


@pytest.fixture(scope="module")
def history_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = init_repo(tmp_path_factory.mktemp("packs") / "repo")
    register = root / "register"
    write_config(root, {"reviews": REVIEWS})
    write_finding(register, _major("open", "2026-04-30"))
    write_finding(register, _minor("CAPA-2026-002", "2026-03-02", "in-progress"))
    _commit(root, "Q1: raise CAPA-2026-001 and CAPA-2026-002", "2026-03-02")
    write_finding(register, _major("open", "2026-07-31"))  # due date extended
    _commit(root, "Q2: extend CAPA-2026-001", "2026-05-15")
    write_evidence(register, "CAPA-2026-002")
    write_finding(register, _closed_minor("CAPA-2026-002", "2026-03-02", closed="2026-06-10",
                                          reviewed="2026-06-05", completed="2026-06-01"))
    _commit(root, "Q2: close CAPA-2026-002", "2026-06-10")
    write_finding(register, _minor("CAPA-2026-002", "2026-03-02", "in-progress"))
    write_finding(register, _minor("CAPA-2026-003", "2026-08-20", "in-progress"))
    _commit(root, "Q3: reopen CAPA-2026-002; raise CAPA-2026-003", "2026-08-20")
    write_evidence(register, "CAPA-2026-001")
    done = finding(id="CAPA-2026-001", severity="major", raised="2026-02-10",
                   clauses=["A.8.13"], related=None)
    done["closure"]["evidence"][0]["path"] = "../evidence/CAPA-2026-001/checklist.txt"
    done["closure"]["closed"] = "2026-10-20"
    done["closure"]["effectiveness"]["reviewed"] = "2026-10-15"
    done["corrective_actions"][0].update(due="2026-07-31", completed="2026-07-20")
    done["correction"]["completed"] = "2026-03-01"
    write_finding(register, done)
    write_finding(register, _minor("CAPA-2026-004", "2026-10-20", "in-progress",
                                   related=["CAPA-2026-002"]))
    _commit(root, "Q4: close CAPA-2026-001; raise CAPA-2026-004", "2026-10-20")
    mkdocs_build(root / "mkdocs.yml")
    return root / "site"


def _pack(site: Path, review: str) -> Page:
    return Page(site / "reviews" / review / "index.html")


def _open_counts(page: Page) -> list[str]:
    heading = next(h for h in page.find_all("h2") if h.text.startswith("Open on"))
    table = page.elements[page.elements.index(heading):]
    row = next(e for e in table if e.tag == "tbody")
    return [td.text for td in row.children[0].children]


def _summary(page: Page) -> dict[str, str]:
    table = page.with_class("capa-pack-summary")[0]
    rows = [e for e in page.elements if e.tag == "tr" and e in _walk(table)]
    return {r.children[0].text: r.children[1].text for r in rows if r.children[0].tag == "th"}


def _walk(element: Any) -> list[Any]:
    out, stack = [], [element]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(item.children)
    return out


def test_each_pack_shows_the_register_as_it_stood_on_its_date(history_site: Path) -> None:
    q1, q2, q3, q4 = (_pack(history_site, r) for r in REVIEWS)
    # Q1: the major is open now closed at HEAD; the minor is open though closed once since.
    assert _open_counts(q1) == ["1", "1", "0", "0", "0", "2"]
    assert _summary(q1)["Raised"] == "2" and _summary(q1)["Closed"] == "0"
    assert "Overdue" not in "".join(d.text for d in q1.with_class("capa-decisions"))
    # Q2: the major's due date was extended; the minor closed, reviewed effective.
    assert _open_counts(q2) == ["1", "0", "0", "0", "0", "1"]
    assert _summary(q2)["Due dates extended"] == "1" and _summary(q2)["Closed"] == "1"
    assert _summary(q2)["Effectiveness reviews: effective"] == "1"
    events = q2.with_class("capa-pack-events")[0].text
    assert "CAPA-2026-001" in events and "2026-04-30 → 2026-07-31" in events
    # Q3: the minor was reopened; the major is overdue (due 2026-07-31): a decision.
    assert _summary(q3)["Reopened"] == "1" and _summary(q3)["Raised"] == "1"
    decisions = q3.with_class("capa-decisions")[0].text
    assert "Overdue major nonconformities" in decisions and "Findings reopened" in decisions
    assert _open_counts(q3) == ["1", "2", "0", "0", "0", "3"]
    # Q4: the major closed.
    assert _open_counts(q4) == ["0", "3", "0", "0", "0", "3"]
    assert _summary(q4)["Closed"] == "1" and _summary(q4)["Raised"] == "1"
    recurring = q4.with_class("capa-recurring")[0].text
    assert "A.5.19" in recurring and "linked" in recurring


def test_pack_charts_parse_and_are_as_of_the_review(history_site: Path) -> None:
    text = (history_site / "reviews" / "MR-2026-Q2" / "index.html").read_text()
    start = f'<svg xmlns="{SVG[1:-1]}" id="chart-capa-pack-'
    svgs = [text[i:text.index("</svg>", i) + 6] for i in _all(text, start)]
    charts = {ET.fromstring(s).find(f"{SVG}title").text: ET.fromstring(s) for s in svgs}
    flow = charts["Nonconformities raised and closed per quarter"]
    bars = [g.find(f"{SVG}title").text for g in flow.iter(f"{SVG}g")
            if g.get("class") == "bar"]
    assert bars == ["raised, 2026 Q1: 2", "raised, 2026 Q2: 0", "closed, 2026 Q1: 0",
                    "closed, 2026 Q2: 1"]
    assert all(c.get("role") == "img" and c.get("class") == "capa-chart"
               for c in charts.values())
    assert "<script" not in text[text.index(start):text.rindex("</svg>")]
    assert set(charts) == {"Nonconformities raised and closed per quarter",
                           "Open findings by severity at each quarter end",
                           "Ageing of open findings", "Time to close nonconformities"}


def _all(text: str, needle: str) -> list[int]:
    out, at = [], text.find(needle)
    while at >= 0:
        out.append(at)
        at = text.find(needle, at + 1)
    return out


def test_index_lists_packs_and_review_page_links_them(history_site: Path) -> None:
    index = Page(history_site / "reviews" / "index.html")
    links = [a.attrs.get("href") for a in index.find_all("a")]
    for review in REVIEWS:
        assert f"../reviews/{review}/" in links
    review = Page(history_site / "management-review" / "index.html")
    hrefs = [a.attrs.get("href") for a in review.find_all("a")]
    assert "../reviews/MR-2026-Q1/" in hrefs and "../reviews/" in hrefs
    assert review.find_all("svg", role="img")
    assert "Trends" in [h.text.strip("¶") for h in review.find_all("h2")]


def test_print_stylesheet_is_linked_and_hides_the_chrome(history_site: Path) -> None:
    page = _pack(history_site, "MR-2026-Q3")
    sheets = [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")]
    assert "../../assets/capa/print.css" in sheets
    css = (history_site / "assets" / "capa" / "print.css").read_text()
    assert "@media print" in css and ".md-header" in css and ".md-sidebar" in css
    assert "break-inside: avoid" in css


def test_management_review_page_has_the_print_layout(history_site: Path) -> None:
    page = Page(history_site / "management-review" / "index.html")
    sheets = [link.attrs["href"] for link in page.find_all("link", rel="stylesheet")]
    assert "../assets/capa/print.css" in sheets
    assert (history_site / "management-review" / "../assets/capa/print.css").resolve().is_file()


def test_finding_page_lists_similar_findings(history_site: Path) -> None:
    page = Page(history_site / "findings" / "CAPA-2026-003" / "index.html")
    similar = page.with_class("capa-similar")[0].text
    assert "clause A.5.19" in similar and "CAPA-2026-002" in similar
    assert "CAPA-2026-004" in similar and "within 12 months" in similar


# The quick front-matter reader (history pass) against the strict loader -------------------

QUICK_AGREES = [
    # (front matter, whether the quick path must leave it to the strict loader)
    ("status: open\nowner: a\n b\n", True),  # a continued owner reads "a b"
    ("status: open\nowner: Bob: Jr\n", True),  # the loader refuses ": " in a plain value
    ("status: open\nx: - y\n", True),
    ("status: open\nfoo: bar\n  baz: q\n", True),
    ("status: open\nowner: Bob:\n", True),
    ("status: open\nx: , y\n", True),
    ("status: open\na:\n    b: 1\n  c: 2\n", True),  # a dedent to no open block
    ("status: open\nk:\n  - a\n  b: 1\n", True),  # a key in an indented list
    ("status: open\na:\n- x\n- y\nb: 1\n- z\n", True),
    ("status: open\nwhys:\n  - one\n   two: x\n", True),
    ("status: open\ncorrective_actions:\n  - action: a\n    due: 2026-01-01\n   x\n", True),
    ("status: open\ntitle: a # note\n  more\n", True),  # a comment ends the value
    ("status: open\ntitle: a\n  # note\n  more\n", True),
    ('status: open\ntitle: "a \\q"\n', True),  # an escape YAML does not know
    ("status: open\nrisks: [a #b]\n", True),
    ("status: open\nrisks: [@x]\n", True),
    ("status: open\nrisks: [>R-014]\n", True),
    ("status: open\ntitle: a\x01b\n", True),
    ("status: open\ntitle: a\u2028owner: B\n", True),
    ("status: open\ncorrective_actions:\n  -\n    due: 2026-01-01\n", True),
    ("- status: open\n", True),
    ("status: open\n  owner: B\n", True),
    ("status: open\ntitle: a\n  continued line\nowner: B\n", False),
    ("status: open\nowner: B\ntitle: a\n  - b\n", False),  # reads "a - b"
    ("status: open\nowner: B\nwhys:\n  - The team did not\n    complete them.\n", False),
    ("status: open\nowner: B\nkey:\n  value\n  more\n", False),
    ("status: open\nowner: B\nclauses: ['A.5.19', \"8.1\"]\nrisks: [R-014, R-2]\n", False),
    ("status: open\nowner: B\nnote: it's: ok\n", True),
    ("status: open\nowner: B\nurl: https://example.com/a:b\ntitle: C# code\n", False),
    ("status: open\nowner: B\na:\n- x\nb: 1\n", False),
    ("status: open\nowner: B\n- key:\n  - x\n", True),
    ("status: in-progress\ncorrective_actions:\n- action: a\n  due: 2026-01-01\n"
     "- - nested\n  - x\n", False),
]


@pytest.mark.parametrize(("front", "deferred"), QUICK_AGREES)
def test_quick_reader_defers_what_it_cannot_read_exactly(front: str, deferred: bool) -> None:
    text = f"---\n{front}---\n"
    quick = quick_state(split(text)[0])
    try:
        strict = state_of(load_text(text).data)
    except LoadError:
        strict = State(readable=False)
    assert (quick is None) == deferred
    if quick is not None:
        assert quick == strict
    assert summarise(text.encode()) == strict


def _quick_bases() -> list[str]:
    closed = finding(owner="Jane Smith")
    plain = {**closed, "raised": "R", "corrective_actions": [
        {"action": "Add the supplier assessment step.", "owner": "Jane Smith",
         "due": "D"}]}
    text = front_matter(plain).replace("raised: R", "raised: 2026-03-14").replace(
        "due: D", "due: 2026-06-30")
    wrapped = yaml.safe_dump(plain, sort_keys=False, width=40).replace(
        "due: D", "due: 2026-06-30")
    by_hand = ("id: CAPA-2026-007\ntitle: Access review late # the Q3 one\nseverity: minor\n"
               "status: in-progress\nraised: 2026-03-14\nclauses: [\"A.5.18\", 9.2.2]\n"
               "owner: Jane Smith\nroot_cause:\n  whys:\n    - The review was not started.\n"
               "    - The reminder depended on one person's calendar.\n"
               "  cause: No system owner.\ncorrective_actions:\n"
               "  - action: Schedule reviews in the ticketing system.\n"
               "    owner: Jane Smith\n    due: 2026-06-30\n"
               "  - action: Escalate late reviews.\n    due: 2026-07-31  # agreed\n")
    return [text, wrapped, by_hand]


SNIPPETS = [": ", ":", " ", "  ", "\n", "\n  ", "\n ", "- ", "-", "#", " #", "'", '"', "[",
            "]", "{", "}", ",", "?", "&a", "*a", "!", "|", ">", "x", "owner: B",
            "due: 2026-01-01", "status: closed", "\n  - ", "\n- ", "\\", "%", "@", "~"]


def test_quick_reader_agrees_with_the_strict_loader_on_mutated_findings() -> None:
    """Random edits to realistic findings (seeded): wherever the quick path answers, the
    strict loader reads the same status, due dates and owner, or the quick path would
    not have answered for a version the loader refuses."""
    import random

    rng = random.Random(27001)
    bases = _quick_bases()
    assert all(quick_state(base) is not None for base in bases)
    answered = 0
    for _ in range(3000):
        front = rng.choice(bases)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(front))
            if rng.random() < 0.7:
                front = front[:at] + rng.choice(SNIPPETS) + front[at:]
            else:
                front = front[:at] + front[at + 1:]
        text = f"---\n{front.rstrip(chr(10))}\n---\n"
        try:
            quick = quick_state(split(text)[0])
        except LoadError:
            continue
        if quick is None:
            continue
        answered += 1
        try:
            strict = state_of(load_text(text).data)
        except LoadError:
            strict = State(readable=False)
        assert quick == strict, front
    assert answered > 300  # the quick path still answers for most simple edits


# Review IDs that would publish one page ---------------------------------------------------

@pytest.mark.parametrize(("reviews", "message"), [
    ({"MR 2026 Q2": "2026-06-30", "MR-2026-Q2": "2026-07-01"},
     "review IDs 'MR 2026 Q2' and 'MR-2026-Q2' would both publish their pack as "
     "reviews/MR-2026-Q2.md"),
    ({"MR/2026/Q2": "2026-06-30", "MR-2026-Q2.": "2026-07-01"}, "reviews/MR-2026-Q2.md"),
    ({"MR-1": "2026-06-30", "mr-1": "2026-07-01"},
     "reviews/MR-1.md and reviews/mr-1.md, one file on case-insensitive file systems"),
    ({"index": "2026-06-30"}, "reviews/index.md, which is the list of review packs"),
    ({"MR-1": "2026-03-31", " Index ": "2026-06-30"}, "reviews/Index.md"),
    ({"README": "2026-06-30"}, "reviews/README.md, which is published by MkDocs"),
    ({"--": "2026-06-30"}, "no letter or digit"),
])
def test_review_ids_that_would_share_a_page_are_refused(reviews: dict[str, str],
                                                        message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        settings_from_mapping({"reviews": reviews}, Path("."))


def test_distinct_review_ids_keep_their_own_pages() -> None:
    settings = settings_from_mapping({"reviews": {"MR 2026 Q1": "2026-03-31", "MR-2026-Q2":
                                                  "2026-06-30", "indexes": "2026-09-30"}},
                                     Path("."))
    assert [pack_uri(r) for r in settings.reviews] == [
        "reviews/MR-2026-Q1.md", "reviews/MR-2026-Q2.md", "reviews/indexes.md"]


def test_colliding_review_ids_stop_the_cli_and_the_build(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    root = init_repo(tmp_path / "repo")
    write_config(root, {"reviews": {"MR 2026 Q2": "2026-06-30", "MR-2026-Q2": "2026-07-01"}})
    write_evidence(root / "register", "CAPA-2026-004")
    write_finding(root / "register", finding())
    _commit(root, "register", "2026-07-15")
    result = run_capa("validate", "--today", TODAY, cwd=root)
    assert result.returncode == 2
    assert "would both publish their pack as reviews/MR-2026-Q2.md" in result.stderr
    with pytest.raises(Abort):
        mkdocs_build(root / "mkdocs.yml")
    assert any("would both publish their pack" in r.getMessage() for r in caplog.records)
    assert not (root / "site" / "reviews").exists()


# Packs that add up: late records, invalid past versions, deleted findings ------------------

LATE_REVIEWS = {"MR-1": "2026-03-31", "MR-2": "2026-06-30"}


@pytest.fixture(scope="module")
def late_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CAPA-2026-012 and the closure of CAPA-2026-011 are committed after MR-1 but dated
    before it; CAPA-2026-013 has only versions the schema refuses (clauses as text) until
    after MR-2, CAPA-2026-014 one valid version then a refused one; CAPA-2026-010, overdue
    at MR-1, is deleted after MR-2."""
    root = init_repo(tmp_path_factory.mktemp("late") / "repo")
    register = root / "register"
    write_config(root, {"reviews": LATE_REVIEWS})
    write_finding(register, _major("open", "2026-03-20", id="CAPA-2026-010"))
    write_finding(register, _minor("CAPA-2026-011", "2026-03-01", "in-progress"))
    _commit(root, "Raise CAPA-2026-010 and CAPA-2026-011", "2026-03-02")
    write_finding(register, _minor("CAPA-2026-012", "2026-03-15", "in-progress"))
    write_evidence(register, "CAPA-2026-011")
    write_finding(register, _closed_minor("CAPA-2026-011", "2026-03-01", closed="2026-03-25",
                                          reviewed="2026-03-20", completed="2026-03-18"))
    _commit(root, "Record CAPA-2026-012 and the closure of CAPA-2026-011 (both in March)",
            "2026-04-10")
    text_clauses = _minor("CAPA-2026-013", "2026-04-20", "in-progress")
    text_clauses["clauses"] = "A.5.19"
    write_finding(register, text_clauses)
    write_finding(register, _minor("CAPA-2026-014", "2026-04-25", "in-progress"))
    _commit(root, "Raise CAPA-2026-013 (clauses as text) and CAPA-2026-014", "2026-05-01")
    broken = _minor("CAPA-2026-014", "2026-04-25", "in-progress")
    broken["clauses"] = "A.5.19"
    write_finding(register, broken)
    _commit(root, "CAPA-2026-014: clauses as text", "2026-05-20")
    (register / "2026" / "CAPA-2026-010.md").unlink()
    write_finding(register, _minor("CAPA-2026-013", "2026-04-20", "in-progress"))
    write_finding(register, _minor("CAPA-2026-014", "2026-04-25", "in-progress"))
    _commit(root, "Delete CAPA-2026-010; clauses as lists", "2026-07-05")
    mkdocs_build(root / "mkdocs.yml")
    return root / "site"


def _section(page: Page, title: str) -> str:
    """The text of an h2 section: from its heading to the next one."""
    elements = page.content_elements()
    order = page.elements
    heads = [e for e in order if e.tag == "h2" and e in elements]
    start = next(h for h in heads if h.text.strip("¶").startswith(title))
    after = heads[heads.index(start) + 1] if start is not heads[-1] else None
    chunk = order[order.index(start) + 1:order.index(after) if after else len(order)]
    return " ".join(e.text for e in chunk if e.tag in ("p", "li", "td", "table"))


def test_records_committed_after_a_review_but_dated_before_it_count_in_the_next_pack(
        late_site: Path) -> None:
    """A closure committed after MR-1 but dated before it counts in MR-2, recorded late;
    a finding first committed after MR-1 but raised before it is reconstructed into MR-1
    from its own dates instead (see the reconstructed-pack tests)."""
    mr1, mr2 = _pack(late_site, "MR-1"), _pack(late_site, "MR-2")
    assert _summary(mr1)["Raised"] == "3" and _summary(mr1)["Closed"] == "0"
    reconstructed = " ".join(n.text for n in mr1.with_class("capa-pack-reconstructed"))
    assert "Partly reconstructed from recorded dates, not from history" in reconstructed
    assert "1 of 3 findings" in reconstructed and "CAPA-2026-012" in reconstructed
    summary = _summary(mr2)
    assert summary["Raised"] == "1"  # CAPA-2026-014
    assert summary["Closed"] == "1 (1 recorded late)"
    assert summary["Effectiveness reviews: effective"] == "1"
    raised = _section(mr2, "Raised in the period")
    assert "CAPA-2026-014" in raised and "CAPA-2026-012" not in raised
    closed = _section(mr2, "Closed in the period")
    assert "CAPA-2026-011" in closed
    assert "recorded late (closed 2026-03-25, recorded 2026-04-10)" in closed
    assert "recorded late (reviewed 2026-03-20, recorded 2026-04-10)" in _section(
        mr2, "Effectiveness results")
    # The open totals follow from the period's figures.
    open1, open2 = int(_open_counts(mr1)[-1]), int(_open_counts(mr2)[-1])
    assert (open1, open2) == (3, 3)
    assert open2 == open1 + 1 - 1


def test_past_versions_the_schema_refuses_are_replaced_or_left_out_and_named(
        late_site: Path) -> None:
    mr2 = _pack(late_site, "MR-2")
    notes = " ".join(n.text for n in mr2.with_class("capa-pack-note"))
    assert "2 finding file(s) as they stood on 2026-06-30" in notes
    assert "CAPA-2026-013 (schema:" in notes and "left out" in notes
    assert "CAPA-2026-014 (schema:" in notes and "the version of 2026-05-01 used" in notes
    assert "clauses" in notes
    # No recurrence from the characters of "A.5.19".
    rows = _rows(mr2, "capa-recurring")
    assert [r[0] for r in rows] == ["A.5.19"]
    assert rows[0][2].startswith("3: ")  # -011, -012 and the valid version of -014


def _rows(page: Page, table_class: str) -> list[list[str]]:
    tables = page.with_class(table_class)
    if not tables:
        return []
    return [[td.text for td in tr.children] for tr in _walk(tables[0])
            if tr.tag == "tr" and tr.children and tr.children[0].tag == "td"]


def _broken_links(site: Path, page: Path) -> list[str]:
    broken = []
    for a in Page(page).find_all("a"):
        href = a.attrs.get("href", "")
        if not href or href.startswith(("#", "http:", "https:", "mailto:")):
            continue
        target = (page.parent / href.split("#")[0].split("?")[0]).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            broken.append(href)
    return broken


def test_a_pack_names_a_deleted_finding_without_a_link(late_site: Path) -> None:
    mr1 = _pack(late_site, "MR-1")
    assert not (late_site / "findings" / "CAPA-2026-010").exists()
    overdue = _section(mr1, "Overdue on")
    assert "CAPA-2026-010 (no longer in the register)" in overdue
    assert "CAPA-2026-010 (no longer in the register)" in _section(mr1, "Raised in the period")
    hrefs = [a.attrs.get("href", "") for a in mr1.find_all("a")]
    assert not any("CAPA-2026-010" in h for h in hrefs)
    assert any("CAPA-2026-011" in h for h in hrefs)  # still in the register: linked
    for page in [*late_site.glob("reviews/**/index.html"),
                 late_site / "management-review" / "index.html"]:
        assert _broken_links(late_site, page) == [], page
