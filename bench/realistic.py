"""Findings shaped like a mature register's, for the benchmarks' `--shape realistic`.

The default benchmark finding is short: one corrective action, one URL as evidence, two
whys and a one-line narrative. Registers in use look more like register/: several
paragraphs of narrative with a list and a table, five to seven corrective actions, five
to seven evidence items per closed finding (files that exist, most pinned with their
SHA-256, and a link), four or five whys, extent, correction, ISMS changes, risks and
related findings. Validation then reads and hashes evidence files and runs every rule
over many actions; the site renders long pages. Everything here is deterministic for a
given random generator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from typing import Any

import yaml

TODAY = dt.date(2026, 11, 28)
SEVERITIES = ["major", "minor", "minor", "minor", "observation", "ofi", "conformity"]
SOURCES = ["internal-audit", "external-audit", "certification-audit", "kpi",
           "management-review", "monitoring", "incident", "self-identified"]
PEOPLE = ["Jane Smith", "Sam Ops", "Lukas Meyer", "Aisha Rahman", "David Okafor",
          "Sophie Laurent", "Tom Brennan", "Hannah Vogel"]
REVIEWERS = ["Priya Raman (Internal Audit)", "Ben Carter (Internal Audit)",
             "K. Nakamura (supplier audit by a customer)"]
DEPARTMENTS = ["IT Operations", "Procurement", "Human Resources", "Finance", "Facilities",
               "Software Engineering", "Customer Service"]
TAGS = ["supplier", "onboarding", "access", "backup", "patching", "logging", "training",
        "physical", "cloud", "change", "incident", "privileged"]
CLAUSES = ["5.2", "6.1.2", "6.1.3", "7.2", "7.5.3", "8.1", "9.2.2", "9.3.2", "10.2",
           "A.5.15", "A.5.18", "A.5.19", "A.5.24", "A.5.30", "A.8.5", "A.8.8", "A.8.13",
           "A.8.15", "A.8.32"]
AREAS = ["quarterly access review", "supplier security assessment", "backup restore test",
         "change approval", "critical patching", "incident triage", "log retention",
         "asset inventory", "security awareness training", "visitor management"]
SYSTEMS = ["the ERP", "the payroll application", "the CRM", "the VPN gateway",
           "the ticketing system", "the file servers", "the build pipeline",
           "the HR portal"]
CATEGORIES = ["process", "training", "ownership", "resources", "technology", "supplier",
              "design"]
EXTENSIONS = ["csv", "txt", "md", "pdf", "png"]


def _date(day: dt.date) -> str:
    return day.isoformat()


def _words(rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(AREAS), rng.choice(SYSTEMS), rng.choice(PEOPLE)


def _whys(rng: random.Random) -> list[str]:
    area, system, person = _words(rng)
    whys = [
        f"The {area} for {system} was not completed in the period the procedure sets, and "
        f"nobody noticed until the audit sampled it.",
        f"The reminder for the {area} depended on {person}'s personal calendar, which was "
        "not handed over when the role changed in the spring.",
        f"The procedure names the team responsible for the {area} but no single owner, so "
        "each member assumed another had started it.",
        "The procedure was last revised before the reorganisation and was never checked "
        "against the new team structure and its deputies.",
        "The ISMS document review checks wording and approvals but not whether each task "
        "still has a named owner and a working trigger.",
    ]
    return whys[: rng.randint(4, 5)]


def _evidence_file(finding_id: str, index: int, rng: random.Random) -> tuple[str, bytes]:
    extension = EXTENSIONS[index % len(EXTENSIONS)]
    name = f"evidence-{index + 1:02d}-{rng.choice(AREAS).replace(' ', '-')}.{extension}"
    rows = [f"{finding_id},{index},row {row},{rng.randint(1000, 99999)},checked,ok"
            for row in range(rng.randint(8, 50))]
    return name, ("record,item,row,value,check,result\n" + "\n".join(rows) + "\n").encode()


def _narrative(finding_id: str, rng: random.Random, evidence_link: str | None,
               related_link: str | None) -> str:
    area, system, person = _words(rng)
    paragraphs = [
        "## Context",
        f"Found during the {area} of {system}. The auditor sampled twenty records across "
        f"the last two quarters and found that six of them lacked the sign-off the "
        f"procedure requires. {person} confirmed that the gap was known in the team but "
        "had not been raised, because everyone assumed it was a one-off caused by the "
        "migration of the ticketing system earlier in the year.",
        "The finding was discussed at the ISMS steering group, which agreed the severity "
        "and asked for the corrective actions below to be planned with dates and owners "
        "before the next management review. The customer contracts that reference this "
        "control were checked; none requires notification.",
        "## Interim measures",
        "- A weekly report of open items goes to the owner and the deputy.\n"
        "- The overdue items of the sample were completed and checked by a second person.\n"
        "- The team lead reviews the queue every Monday until the actions are complete.\n"
        f"- {rng.choice(PEOPLE)} keeps the list of exceptions and their expiry dates.",
        "## Sample results",
    ]
    rows = ["| Month | Sampled | Complete | Late | Missing |", "|---|---|---|---|---|"]
    for month in range(1, 7):
        late = rng.randint(0, 3)
        missing = rng.randint(0, 2)
        rows.append(f"| 2026-{month:02d} | 20 | {20 - late - missing} | {late} | {missing} |")
    paragraphs += [
        "\n".join(rows),
        "## Discussion",
        "The late items cluster in the weeks after holidays, when the reminder was not "
        "forwarded to a deputy. The missing items all belong to one sub-team whose lead "
        "left in March; the handover note did not mention the task. Neither pattern "
        "points at a single person: the process relies on memory where it should rely "
        "on a schedule with an owner and an escalation.",
        "Other teams use the same procedure. Their samples are smaller but show the same "
        "pattern on a smaller scale, which is why the extent check covers every process "
        "that uses a calendar reminder rather than a ticket.",
    ]
    if evidence_link:
        paragraphs.append(f"The sample and its results are in [the sample sheet]"
                          f"({evidence_link}), kept with the closure evidence.")
    if related_link:
        paragraphs.append(f"A similar gap was found before, see [the earlier finding]"
                          f"({related_link}); its actions did not cover this team.")
    return "\n\n".join(paragraphs) + "\n"


def finding(number: int, finding_id: str, year: int, rng: random.Random,
            earlier: list[tuple[str, int]]) -> tuple[dict[str, Any], str, dict[str, bytes]]:
    """One realistic finding: its fields, its narrative and its evidence files.

    ``earlier`` lists (ID, year) of findings already made, for `related`; the evidence
    files are keyed by their path relative to the register folder.
    """
    rng_status = rng.random()
    if year < TODAY.year:
        status = "closed" if rng_status < 0.85 else "in-progress" if rng_status < 0.97 else "open"
    else:
        status = "closed" if rng_status < 0.4 else "in-progress" if rng_status < 0.8 else "open"
    severity = rng.choice(SEVERITIES)
    if severity == "conformity":
        status = "closed"
    serious = severity in ("major", "minor")
    last_month = 8 if status == "closed" or year < TODAY.year else 10
    raised = dt.date(year, rng.randint(1, last_month), rng.randint(1, 28))
    area, system, owner = _words(rng)
    fields: dict[str, Any] = {
        "id": finding_id,
        "title": f"{area.capitalize()} for {system} incomplete in two consecutive quarters "
                 f"(finding {number})",
        "severity": severity, "status": status, "source": rng.choice(SOURCES),
        "raised": _date(raised), "raised_by": f"{rng.choice(REVIEWERS)}",
    }
    if severity != "conformity":
        fields["requirement"] = {"standard": f"ISO/IEC 27001:2022 {rng.choice(CLAUSES)}",
                                 "procedure": f"PRC-{number % 40:02d} section "
                                              f"{rng.randint(2, 9)}.{rng.randint(1, 5)}"}
    fields["clauses"] = sorted(rng.sample(CLAUSES, rng.randint(2, 4)))
    fields["owner"] = owner
    fields["department"] = rng.choice(DEPARTMENTS)
    fields["tags"] = sorted(rng.sample(TAGS, rng.randint(2, 3)))
    analysed = severity != "conformity" and status != "open"
    if analysed:
        fields["root_cause"] = {
            "method": rng.choice(["5-whys", "fishbone", "fault-tree"]),
            "whys": _whys(rng),
            "cause": f"The procedure for the {area} gives the task to a team without a named "
                     "owner or a scheduled trigger, so it depended on one person's calendar "
                     "reminder and stopped when that person changed role.",
            "category": rng.choice(CATEGORIES),
        }
        fields["extent"] = (
            f"Checked every process that relies on a calendar reminder (the {area} and "
            f"eleven others, across {rng.randint(20, 60)} systems). Two more processes had "
            "late runs in the period; both are covered by the second corrective action.")
        fields["correction"] = {
            "action": f"Completed the overdue {area} for {system}, with the six missing "
                      "sign-offs obtained and checked by a second reviewer.",
            "completed": _date(raised + dt.timedelta(days=5)),
        }
    if severity != "conformity" and status != "open" or serious:
        actions = []
        for index in range(rng.randint(5, 7)):
            due = raised + dt.timedelta(days=10 * (index + 1))
            action: dict[str, Any] = {
                "action": [
                    f"Name an owner and a deputy for the {area} in the procedure.",
                    f"Schedule the {area} in the ticketing system with an escalation to the "
                    "team lead after five working days.",
                    "Add a check of named owners and triggers to the annual ISMS document "
                    "review.",
                    "Brief every team that uses the procedure on the new schedule and the "
                    "escalation route.",
                    "Move the remaining calendar-based reminders of the ISMS to the "
                    "ticketing system.",
                    "Report the on-time rate of scheduled ISMS tasks monthly to the steering "
                    "group.",
                    "Include the handover of scheduled tasks in the role change checklist.",
                ][index],
                "owner": rng.choice(PEOPLE),
                "due": _date(due),
            }
            done = due - dt.timedelta(days=2)
            if status == "closed" or (index < 2 and done <= TODAY):
                action["completed"] = _date(done)
            actions.append(action)
        fields["corrective_actions"] = actions
    files: dict[str, bytes] = {}
    evidence_link = None
    if status == "closed":
        evidence = []
        count = rng.randint(5, 7)
        for index in range(count - 1):
            name, content = _evidence_file(finding_id, index, rng)
            path = f"evidence/{finding_id}/{name}"
            files[path] = content
            item: dict[str, Any] = {"path": f"../{path}"}
            # One finding in four has its last file not pinned yet (capa pin not run).
            if index < count - 2 or number % 4:
                item["sha256"] = hashlib.sha256(content).hexdigest()
            item["description"] = (f"{name.split('.')[0].replace('-', ' ').capitalize()}: "
                                   f"the records sampled after the actions, with results")
            evidence.append(item)
        evidence.append({"url": f"https://intranet.example.com/isms/{finding_id}/report",
                         "description": "Closure report on the intranet"})
        evidence_link = evidence[0]["path"]
        closure: dict[str, Any] = {"closed": _date(raised + dt.timedelta(days=80)),
                                   "evidence": evidence}
        if serious:
            closure["effectiveness"] = {
                "reviewed": _date(raised + dt.timedelta(days=75)),
                "by": rng.choice(REVIEWERS),
                "result": "effective",
                "method": "Re-sampled twenty records of the two quarters after the actions; "
                          "all were complete and on time, and the escalation fired twice.",
            }
        fields["closure"] = closure
        fields["isms_changes"] = (f"PRC-{number % 40:02d} updated to v{rng.randint(2, 6)} "
                                  "(named owner, deputy and ticket-based schedule).")
    fields["risks"] = sorted({f"R-{rng.randint(1, 60):03d}" for _ in range(rng.randint(2, 3))})
    related_link = None
    if earlier and rng.random() < 0.5:
        other, other_year = earlier[-rng.randint(1, min(200, len(earlier)))]
        fields["related"] = [other]
        related_link = f"../{other_year}/{other}.md"
    return fields, _narrative(finding_id, rng, evidence_link, related_link), files


_QUOTED_DATE = re.compile(r"'([0-9]{4}-[0-9]{2}-[0-9]{2})'")
_SHORT_LISTS = ("clauses", "tags", "risks", "related")


class _Flow(list):
    """A list of short text written in brackets, as register/ writes clauses and risks."""


class _Dumper(yaml.CSafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda dumper, data: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=True))


def front_matter(fields: dict[str, Any]) -> str:
    """The fields as a person writes them: block style, short lists in brackets, long
    lines kept, dates unquoted."""
    shaped = {key: _Flow(value) if key in _SHORT_LISTS else value
              for key, value in fields.items()}
    text = yaml.dump(shaped, Dumper=_Dumper, sort_keys=False, width=10_000,
                     allow_unicode=True, default_flow_style=False)
    return _QUOTED_DATE.sub(r"\1", text)


def text(fields: dict[str, Any], narrative: str) -> str:
    return f"---\n{front_matter(fields)}---\n\n{narrative}"
