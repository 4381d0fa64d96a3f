"""The pure core behind the site: computed figures, the review roll-up, links, splitting.

No build here: a register from findings in memory, judged as of a fixed date.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from capa_docs.contract.model import Finding
from capa_docs.contract.settings import Settings
from capa_docs.register.findings import Register
from capa_docs.register.rollup import clause_key, recurring, rollup
from capa_docs.site.page import Page, Rendered, restore_blocks
from capa_docs.site.plugin import CapaPlugin
from capa_docs.site.urls import relative_url

from ..helpers import finding, problems_json, run_capa

TODAY = dt.date(2026, 11, 28)
ROOT = Path(__file__).resolve().parents[2]


def _finding(**changes) -> Finding:
    data = finding(**changes)
    path = Path(f"/repo/register/2026/{data['id']}.md")
    return Finding(path, f"register/2026/{data['id']}.md", data, {}, "")


def _open(fid: str, due: str, **changes) -> Finding:
    return _finding(id=fid, status="in-progress", closure=None, corrective_actions=[
        {"action": "Act on the cause.", "owner": "Jane Smith", "due": due}], **changes)


@pytest.mark.parametrize(("due", "overdue_days", "due_soon"), [
    ("2026-11-01", 27, False),
    ("2026-11-28", 0, True),
    ("2026-12-28", 0, True),
    ("2026-12-29", 0, False),
])
def test_due_figures(due: str, overdue_days: int, due_soon: bool) -> None:
    register = Register([_open("CAPA-2026-001", due)], Settings(), TODAY)
    computed = register.computed["CAPA-2026-001"]
    assert (computed.overdue_days, computed.due_soon) == (overdue_days, due_soon)
    assert computed.due == dt.date.fromisoformat(due)
    assert computed.age_days == (TODAY - dt.date(2026, 3, 14)).days


def test_closed_figures_and_reverse_links() -> None:
    register = Register([_finding(), _open("CAPA-2026-009", "2026-12-01",
                                           related=["CAPA-2026-004"])], Settings(), TODAY)
    closed = register.computed["CAPA-2026-004"]
    assert closed.closed == dt.date(2026, 7, 15) and closed.days_to_close == 123
    assert closed.age_days == 123 and not closed.overdue and closed.due is None
    assert closed.referenced_by == ["CAPA-2026-009"]


@pytest.mark.parametrize(("changed", "stale"), [("2026-09-29", False), ("2026-09-28", True)])
def test_stale_uses_git_dates(changed: str, stale: bool) -> None:
    f = _open("CAPA-2026-001", "2026-12-20")
    register = Register([f], Settings(), TODAY, {f.rel: dt.date.fromisoformat(changed)})
    assert register.computed[f.id].stale is stale


def test_rollup_figures() -> None:
    findings = [
        _finding(),
        _finding(id="CAPA-2026-005", raised="2026-03-01",
                 closure={**finding()["closure"], "closed": "2026-10-01"}),
        _open("CAPA-2026-009", "2026-11-01", related=["CAPA-2026-004"], owner="Sam Ops",
              severity="major"),
        _open("CAPA-2026-010", "2026-12-10", clauses=["9.2"]),
    ]
    review = rollup(Register(findings, Settings(), TODAY))
    assert review.open_by_severity["major"] == ["CAPA-2026-009"]
    assert review.open_by_owner == {"Jane Smith": {"minor": ["CAPA-2026-010"]},
                                    "Sam Ops": {"major": ["CAPA-2026-009"]}}
    assert review.overdue == ["CAPA-2026-009"] and review.due_soon == ["CAPA-2026-010"]
    assert review.closed_recently == ["CAPA-2026-005"]
    assert review.median_days_to_close["minor"] == (123 + 214) / 2
    groups = {tuple(g.ids): g for g in review.recurring}
    three = groups[("CAPA-2026-004", "CAPA-2026-005", "CAPA-2026-009")]
    assert three.clauses == ["8.1", "A.5.19"]  # shown once, with everything they share
    assert "root-cause category ownership" in three.also
    assert groups[("CAPA-2026-004", "CAPA-2026-009")].also == ["linked by related"]
    assert len(groups) == 2  # CAPA-2026-010 shares the category, not a clause


def _closed(fid: str, raised: str, closed: str, *, result: str = "effective",
            **changes) -> Finding:
    data = finding(id=fid, raised=raised, **changes)
    data["closure"]["closed"] = closed
    data["closure"]["effectiveness"].update(reviewed=closed, result=result)
    data["corrective_actions"][0].update(due=closed, completed=closed)
    return _finding(**data)


def _cause(category: str) -> dict:
    return {**finding()["root_cause"], "category": category}


def test_recurrence_questions_the_earlier_effective_verdict() -> None:
    """A later finding with the same clause and root-cause category, or naming the earlier
    one in ``related``, raised after its effective closure and within the window, puts
    that verdict in question; nothing else does."""
    earlier = _closed("CAPA-2026-001", "2026-01-05", "2026-03-01", clauses=["A.5.18"])
    findings = [
        earlier,
        _closed("CAPA-2026-002", "2026-01-05", "2026-03-01", result="not-effective",
                clauses=["A.5.18"], status="in-progress"),
        _open("CAPA-2026-010", "2026-12-20", raised="2026-09-01", clauses=["A.5.18", "5.3"]),
        _open("CAPA-2026-011", "2026-12-20", raised="2026-09-01", clauses=["A.8.2"]),
        _open("CAPA-2026-012", "2026-12-20", raised="2026-09-01", clauses=["A.5.18"],
              root_cause=_cause("process")),
        _open("CAPA-2026-013", "2026-12-20", raised="2026-09-01", clauses=["A.8.2"],
              root_cause=_cause("process"), related=["CAPA-2026-001"]),
        _open("CAPA-2026-014", "2026-12-20", raised="2026-02-01", clauses=["A.5.18"]),
        _finding(id="CAPA-2026-015", severity="conformity", raised="2026-09-01",
                 clauses=["A.5.18"]),
    ]
    register = Register(findings, Settings(), TODAY)
    computed = register.computed
    # -010: clause and category; -013: related. Not -011 (category only), -012 (clause
    # only), -014 (raised before the closure), the conformity, or the not-effective one.
    assert computed["CAPA-2026-001"].recurred_as == ["CAPA-2026-010", "CAPA-2026-013"]
    assert computed["CAPA-2026-010"].recurs == ["CAPA-2026-001"]
    assert computed["CAPA-2026-013"].recurs == ["CAPA-2026-001"]
    assert computed["CAPA-2026-002"].recurred_as == []
    assert all(not computed[f"CAPA-2026-0{n}"].recurs for n in (11, 12, 14, 15))
    review = rollup(register)
    assert review.effective == ["CAPA-2026-001"]
    assert review.effectiveness_questioned == ["CAPA-2026-001"]
    assert computed["CAPA-2026-001"].as_dict()["recurred_as"] == ["CAPA-2026-010",
                                                                  "CAPA-2026-013"]
    # Outside the window (3 months after the closure), nothing is questioned.
    short = Register(findings, Settings(recurrence_months=3), TODAY)
    assert short.computed["CAPA-2026-001"].recurred_as == []
    # As of a date before the later findings were raised, nothing is questioned either.
    before = Register(findings, Settings(), dt.date(2026, 8, 31))
    assert rollup(before).effectiveness_questioned == []


def test_recurrence_groups_need_a_clause_and_something_more() -> None:
    findings = [
        _open("CAPA-2026-001", "2026-12-20", raised="2026-06-01", clauses=["A.8.2"],
              requirement={"standard": "ISO/IEC 27001:2022 A.8.2"}),
        _open("CAPA-2026-002", "2026-12-20", raised="2026-06-01", clauses=["A.5.30"],
              requirement={"standard": "ISO/IEC 27001:2022 A.5.30"}),
        _open("CAPA-2026-003", "2026-12-20", raised="2026-06-01", clauses=["A.8.2"],
              root_cause=_cause("process"),
              requirement={"standard": "iso/iec  27001:2022 a.8.2"}),
        _open("CAPA-2026-004", "2026-12-20", raised="2026-06-01", clauses=["A.7.4"],
              root_cause=_cause("process"), requirement={"procedure": "PRC-PHY-01"}),
        _open("CAPA-2026-005", "2026-12-20", raised="2026-06-01", clauses=["A.7.4"],
              root_cause=_cause("design"), requirement={"procedure": "PRC-PHY-02"}),
    ]
    groups = {tuple(g.ids): g for g in recurring(Register(findings, Settings(), TODAY))}
    # -001 and -002 share only the category; -004 and -005 only a clause; -003 and -004
    # only the category: none of these groups. -001 and -003 share A.8.2 and the
    # requirement (case and spacing aside), not the category.
    assert list(groups) == [("CAPA-2026-001", "CAPA-2026-003")]
    assert groups[("CAPA-2026-001", "CAPA-2026-003")].also == [
        "same requirement (ISO/IEC 27001:2022 A.8.2)"]


def test_figures_count_nonconformities_apart() -> None:
    """Time to close, closures beyond the target and overdue actions: the conformity
    closed the day it was raised does not pull the median down; the major closed after
    100 days is 10 days beyond its 90-day target; an overdue action is listed under its
    own owner, who the owner filter knows."""
    overdue = _open("CAPA-2026-010", "2026-11-01", owner="Jane Smith")
    overdue.data["corrective_actions"].append(
        {"action": "Train the buyers.", "owner": "Sam Ops", "due": "2026-10-01"})
    overdue.data["corrective_actions"][0]["completed"] = "2026-10-20"
    findings = [
        _closed("CAPA-2026-001", "2026-01-01", "2026-04-11", severity="major"),
        _closed("CAPA-2026-002", "2026-01-01", "2026-03-02"),
        _finding(id="CAPA-2026-003", severity="conformity", raised="2026-05-01",
                 closure={**finding()["closure"], "closed": "2026-05-01"}),
        overdue,
    ]
    register = Register(findings, Settings(), TODAY)
    review = rollup(register)
    assert review.median_days_to_close["major"] == 100
    assert review.median_nonconformity_days == (100 + 60) / 2
    assert review.closed_nonconformities == 2
    assert review.closed_beyond_target == ["CAPA-2026-001"]
    assert register.computed["CAPA-2026-001"].beyond_target_days == 10
    assert register.computed["CAPA-2026-002"].beyond_target_days == 0
    assert [(a.owner, a.finding_id, a.number, a.days) for a in review.overdue_actions] == [
        ("Sam Ops", "CAPA-2026-010", 2, 58)]
    assert list(review.overdue_actions_by_owner) == ["Sam Ops"]
    assert review.open_by_owner == {"Jane Smith": {"minor": ["CAPA-2026-010"]}}
    assert "Sam Ops" in register.owners()


def test_clauses_sort_numerically_body_before_annex() -> None:
    clauses = ["A.8.2", "10.1", "A.5.19", "9.2", "A.8.13", "4.1"]
    assert sorted(clauses, key=clause_key) == ["4.1", "9.2", "10.1", "A.5.19", "A.8.2",
                                               "A.8.13"]


@pytest.mark.parametrize(("links", "source", "target", "expected"), [
    ("directory", "findings/X.md", "register.md", "../../register/"),
    ("directory", "findings/X.md", "files/r/e.txt", "../../files/r/e.txt"),
    ("directory", "register.md", "index.md", "../"),
    ("directory", "index.md", "index.md", "./"),
    ("html", "findings/X.md", "register.md", "../register.html"),
    ("source", "findings/X.md", "register.md", "../register.md"),
    ("source", "register.md", "findings/X.md", "findings/X.md"),
])
def test_relative_urls(links: str, source: str, target: str, expected: str) -> None:
    assert relative_url(source, target, links) == expected


def test_split_and_restore_html_blocks() -> None:
    text = ('---\ntitle: T\n---\n\n<div class="capa">\n<p>a &#10; b</p>\n'
            '<div class="capa-text">x</div>\n</div>\n\n## Heading\n\n'
            '<div class="capa capa-narrative">\n<p>n</p>\n</div>\n')
    markdown, blocks = Page("p.md", text).split()
    assert len(blocks) == 2 and "## Heading" in markdown and "<p>" not in markdown
    assert restore_blocks(markdown, blocks) == text


def test_serve_watches_the_register(tmp_path: Path) -> None:
    plugin = CapaPlugin()
    plugin.load_config({"register": "reg", "evidence": "files"})
    plugin.settings = Settings(register="reg", evidence="files", base_dir=tmp_path)
    (tmp_path / "files").mkdir()
    watched: list[str] = []

    class Server:
        def watch(self, path: str) -> None:
            watched.append(path)

    plugin.on_serve(Server(), config=None, builder=None)
    assert watched == [str(tmp_path.resolve() / "reg"), str(tmp_path.resolve() / "files")]
    # Evidence cited from elsewhere in the repository is watched too, once per folder.
    policies = tmp_path.resolve() / "policies"
    policies.mkdir()
    plugin.rendered = Rendered(files={"files/policies/a.pdf": policies / "a.pdf",
                                      "files/policies/b.pdf": policies / "b.pdf"})
    watched.clear()
    plugin.on_serve(Server(), config=None, builder=None)
    assert watched == [str(tmp_path.resolve() / "reg"), str(tmp_path.resolve() / "files"),
                       str(policies)]


def test_sample_register_covers_the_contract() -> None:
    """The sample register shows every severity and status, a recurring pair linked by
    `related`, an overdue finding as of 2026-11-28, and text, PDF and PNG evidence; it
    passes `capa validate` (warnings allowed) and the schema editors use."""
    import jsonschema

    from capa_docs.contract.frontmatter import decode, load_text

    result = run_capa("validate", "--today", "2026-11-28", "--format", "json", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    problems = problems_json(result)
    assert [p for p in problems if p["level"] == "error"] == []
    register = ROOT / "register"
    files = [p for p in register.rglob("*.md") if not p.is_relative_to(register / "evidence")]
    data = {path: load_text(decode(path.read_bytes())).data for path in files}
    assert len(data) >= 15
    assert {d["severity"] for d in data.values()} == {"major", "minor", "observation", "ofi",
                                                      "conformity"}
    assert {d["status"] for d in data.values()} == {"open", "in-progress", "closed"}
    ids = {d["id"] for d in data.values()}
    assert any(other in ids for d in data.values() for other in d.get("related", [])
               if other != d["id"])
    assert any(p["rule"] == "overdue" for p in problems), "no overdue finding on 2026-11-28"
    evidence = {(path.parent / item["path"]).resolve()
                for path, d in data.items()
                for item in (d.get("closure") or {}).get("evidence", []) if "path" in item}
    assert all(file.is_file() for file in evidence)
    suffixes = {file.suffix.lower() for file in evidence}
    assert {".pdf", ".png"} <= suffixes and suffixes & {".txt", ".md", ".csv"}
    for file in evidence:
        head = file.read_bytes()[:8]
        if file.suffix == ".pdf":
            assert head.startswith(b"%PDF-"), file
        elif file.suffix == ".png":
            assert head == b"\x89PNG\r\n\x1a\n", file
    schema = json.loads((ROOT / "schemas" / "finding.schema.json").read_text())
    editor = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for path, d in data.items():
        assert [e.message for e in editor.iter_errors(d)] == [], path.name


def test_sample_register_shows_a_questioned_verdict_and_a_late_action() -> None:
    """The demo shows issue 15's figures: CAPA-2026-017 recurs CAPA-2025-019 (closed
    effective, same clauses and root-cause category, named in related), a corrective
    action completed after its due date, and majors closed beyond the 90-day target."""
    from capa_docs.contract.settings import load_settings
    from capa_docs.contract.validate import validate

    settings = load_settings(ROOT / "mkdocs.yml", ROOT, ROOT)
    validation = validate(settings, ROOT, TODAY, history={})
    register = Register.from_validation(validation, settings, TODAY)
    assert "CAPA-2026-017" in register.computed["CAPA-2025-019"].recurred_as
    assert "CAPA-2025-019" in rollup(register).effectiveness_questioned
    late = [(f.id, a["due"], a["completed"]) for f in register
            for a in f.data.get("corrective_actions") or []
            if a.get("completed") and str(a["completed"]) > str(a["due"])]
    assert late, "no corrective action completed late in the sample"
    assert any(register.by_id[i].data["severity"] == "major"
               for i in rollup(register).closed_beyond_target)
