"""A scripted register for the reminder tests: who owes what on helpers.TODAY is known.

On 2026-11-28 (owners map: Jane Smith, Sam Ops, Aisha Rahman, Lukas Meyer):

- CAPA-2026-201 (Jane Smith): action 1 overdue since 2026-11-01 (Jane); action 2 due
  2026-12-10 (Sam Ops, due soon); action 3 due 2027-03-01 (Sam Ops, not yet soon);
  action 4 completed.
- CAPA-2026-202 (Sam Ops): every action completed 2026-05-20, so a minor's review fell
  due 2026-11-16: overdue by 12 days.
- CAPA-2026-203 (Aisha Rahman): a major whose actions were completed 2026-09-20: review
  due 2026-12-19, in 21 days.
- CAPA-2026-204 (Lukas Meyer): last committed 2026-08-01, so stale; its one action is
  due 2027-01-31.
- CAPA-2026-205: closed, owes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .helpers import commit_all, finding, init_repo, write_evidence, write_finding

SITE_URL = "https://isms.example.com/register/"
OWNERS = {"Jane Smith": "jane.smith@example.com",
          "Sam Ops": {"email": "sam.ops@example.com", "handle": "@samops"},
          "Aisha Rahman": "@aisha",
          "Lukas Meyer": "lukas.meyer@example.com"}
IN_PROGRESS = {"status": "in-progress", "closure": None}

# What the calendar must hold: event key -> owner.
EVENTS = {"CAPA-2026-201.action-1": "Jane Smith", "CAPA-2026-201.action-2": "Sam Ops",
          "CAPA-2026-201.action-3": "Sam Ops", "CAPA-2026-202.effectiveness": "Sam Ops",
          "CAPA-2026-203.effectiveness": "Aisha Rahman",
          "CAPA-2026-204.action-1": "Lukas Meyer"}


def _action(text: str, owner: str, due: str, completed: str | None = None) -> dict[str, Any]:
    return {"action": text, "owner": owner, "due": due,
            **({"completed": completed} if completed else {})}


def findings() -> list[dict[str, Any]]:
    return [
        finding(id="CAPA-2026-201", owner="Jane Smith", **IN_PROGRESS, corrective_actions=[
            _action("Name an owner for the supplier checklist.", "Jane Smith", "2026-11-01"),
            _action("Add the assessment step to onboarding.", "Sam Ops", "2026-12-10"),
            _action("Re-sample ten vendors onboarded since.", "Sam Ops", "2027-03-01"),
            _action("Brief procurement on the procedure.", "Jane Smith", "2026-06-30",
                    "2026-06-20")]),
        finding(id="CAPA-2026-202", owner="Sam Ops", **IN_PROGRESS),
        finding(id="CAPA-2026-203", owner="Aisha Rahman", severity="major", **IN_PROGRESS,
                raised="2026-08-01",
                correction={"action": "Restored the backup by hand.", "completed": "2026-08-05"},
                corrective_actions=[
                    _action("Automate the restore test.", "Aisha Rahman", "2026-10-15",
                            "2026-09-20")]),
        finding(id="CAPA-2026-204", owner="Lukas Meyer", status="open", closure=None,
                root_cause=None, extent=None, correction=None, corrective_actions=[
                    _action("Schedule the access review.", "Lukas Meyer", "2027-01-31")]),
        finding(id="CAPA-2026-205"),
    ]


def write_config(repo: Path, **plugin: Any) -> None:
    config = {"site_name": "Reminder test", "site_url": SITE_URL,
              "theme": {"name": "material"}, "docs_dir": "docs",
              "plugins": ["search", {"capa": {"owners": OWNERS, **plugin}}]}
    (repo / "docs").mkdir(exist_ok=True)
    (repo / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))


def reminder_repo(root: Path) -> Path:
    """The scripted register in a real git repository, CAPA-2026-204 committed first."""
    repo = init_repo(root)
    register = repo / "register"
    write_config(repo)
    data = findings()
    write_finding(register, data[3])
    commit_all(repo, "stale finding", date="2026-08-01")
    write_evidence(register, "CAPA-2026-004")  # the closed finding's evidence path
    for item in data[:3] + data[4:]:
        write_finding(register, item)
    commit_all(repo, "register", date="2026-11-20")
    return repo
