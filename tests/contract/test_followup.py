"""When an effectiveness review falls due (table-driven, default and configured periods),
the rule that names one past its date, the nearest-name hint, and the new settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from capa_docs.contract.followup import effectiveness_due, nearest_name
from capa_docs.contract.model import Finding
from capa_docs.contract.settings import ConfigError, Person, settings_from_mapping

from ..helpers import (
    TODAY,
    commit_all,
    finding,
    init_repo,
    problems_json,
    run_capa,
    write_evidence,
    write_finding,
)

DEFAULT = {"major": 90, "minor": 180}
CONFIGURED = {"minor": 30, "observation": 10}


def _finding(**changes: Any) -> Finding:
    data = finding(**{"status": "in-progress", "closure": None, **changes})
    return Finding(Path("x.md"), "x.md", data, {})


def _actions(*completed: str | None) -> list[dict[str, Any]]:
    return [{"action": f"Action {i}.", "owner": "Jane Smith", "due": "2026-06-30",
             **({"completed": day} if day else {})} for i, day in enumerate(completed)]


CASES = [
    # (name, finding changes, periods, expected due date or None)
    ("minor, default 180 days after the one action", {}, DEFAULT, "2026-11-16"),
    ("the last of several completions counts",
     {"corrective_actions": _actions("2026-04-01", "2026-06-01", "2026-05-01")}, DEFAULT,
     "2026-11-28"),
    ("major, default 90 days", {"severity": "major"}, DEFAULT, "2026-08-18"),
    ("an action still open: no date yet",
     {"corrective_actions": _actions("2026-04-01", None)}, DEFAULT, None),
    ("no corrective actions: nothing to review", {"corrective_actions": None}, DEFAULT, None),
    ("closed: the review is recorded", {"status": "closed", "closure": finding()["closure"]},
     DEFAULT, None),
    ("observation: no period by default", {"severity": "observation"}, DEFAULT, None),
    ("configured: minor after 30 days", {}, CONFIGURED, "2026-06-19"),
    ("configured: observation gets a date", {"severity": "observation"}, CONFIGURED,
     "2026-05-30"),
    ("configured: major left out gets none", {"severity": "major"}, CONFIGURED, None),
]


@pytest.mark.parametrize("changes,periods,expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_effectiveness_due(changes: dict, periods: dict, expected: str | None) -> None:
    due = effectiveness_due(_finding(**changes), periods)
    assert due == (dt.date.fromisoformat(expected) if expected else None)


# The rule through the real CLI: (file, changes, fires with the default, fires with
# effectiveness_days: {minor: 30}), as of 2026-11-28.
RULE_CASES = [
    ("CAPA-2026-301", {"corrective_actions": _actions("2026-05-20")}, True, True),
    ("CAPA-2026-302", {"corrective_actions": _actions("2026-10-01")}, False, True),
    ("CAPA-2026-303", {"corrective_actions": _actions("2026-11-10")}, False, False),
    ("CAPA-2026-304", {"corrective_actions": _actions("2026-05-20", None)}, False, False),
    ("CAPA-2026-305", {"status": "closed", "closure": finding()["closure"]}, False, False),
    # Due exactly today is not overdue; a day later it is.
    ("CAPA-2026-306", {"corrective_actions": _actions("2026-06-01")}, False, True),
    ("CAPA-2026-307", {"corrective_actions": _actions("2026-05-31")}, True, True),
]


@pytest.mark.parametrize("configured", [False, True], ids=["default", "configured-30-days"])
def test_rule_both_ways(tmp_path: Path, configured: bool) -> None:
    repo = init_repo(tmp_path / "repo")
    register = repo / "register"
    write_evidence(register, "CAPA-2026-004")
    for fid, changes, _, _ in RULE_CASES:
        data = finding(**{"status": "in-progress", "closure": None, **changes})
        data["id"] = fid
        write_finding(register, data)
    if configured:
        (repo / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - capa:\n"
                                         "      effectiveness_days: {minor: 30}\n")
    commit_all(repo, "register", date="2026-11-27")
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo)
    fired = {Path(p["path"]).stem for p in problems_json(result)
             if p["rule"] == "effectiveness-overdue"}
    expected = {fid for fid, _, default, custom in RULE_CASES
                if (custom if configured else default)}
    assert fired == expected
    for problem in problems_json(result):
        if problem["rule"] == "effectiveness-overdue":
            assert problem["level"] == "warning" and problem["line"] == 5
            assert ("30 days" if configured else "180 days") in problem["message"]


def test_rule_can_be_turned_off(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    write_finding(repo / "register", finding(status="in-progress", closure=None))
    (repo / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - capa:\n      rules:\n"
                                     "        effectiveness-overdue: 'off'\n")
    commit_all(repo, "register", date="2026-11-27")
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo)
    assert "effectiveness-overdue" not in {p["rule"] for p in problems_json(result)}


@pytest.mark.parametrize("name,known,expected", [
    ("J. Smith", ["Jane Smith", "John Smyth"], "Jane Smith"),
    ("jane smith", ["Jane Smith"], "Jane Smith"),
    ("Sam Op", ["Jane Smith", "Sam Ops"], "Sam Ops"),
    ("Lukas Meier", ["Lukas Meyer", "Aisha Rahman"], "Lukas Meyer"),
    ("Zed Zulu", ["Jane Smith", "Sam Ops"], None),
])
def test_nearest_name(name: str, known: list[str], expected: str | None) -> None:
    assert nearest_name(name, known) == expected


def test_owners_setting_forms() -> None:
    settings = settings_from_mapping({"owners": {
        "Jane Smith": "jane.smith@example.com", "Sam Ops": "@samops",
        "Aisha Rahman": {"email": "aisha@example.com", "handle": "@aisha-r"}}}, Path("."))
    assert settings.owners == {"Jane Smith": Person("jane.smith@example.com", None),
                               "Sam Ops": Person(None, "@samops"),
                               "Aisha Rahman": Person("aisha@example.com", "@aisha-r")}


@pytest.mark.parametrize("block,message", [
    ({"owners": ["Jane Smith"]}, "a mapping of owner name"),
    ({"owners": {"Jane Smith": "not an address"}}, "Jane Smith.email: not an e-mail"),
    ({"owners": {"Jane Smith": {"email": "j@example.com", "phone": "1"}}}, "e-mail address"),
    ({"owners": {"Jane Smith": {"handle": "jsmith"}}}, "Jane Smith.handle"),
    ({"effectiveness_days": {"critical": 5}}, "unknown severity"),
    ({"effectiveness_days": {"minor": 0}}, "effectiveness_days.minor"),
    ({"calendar_alarm_days": -1}, "calendar_alarm_days"),
    ({"calendar_alarm_days": True}, "calendar_alarm_days"),
])
def test_bad_settings_are_named(block: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping(block, Path("."))
    assert message in str(caught.value)
