"""Which field each spreadsheet column holds, decided by its heading and its content.

A team's headings are its own ("Grade (Major / Minor / Obs)", "Is it closed?", "Log #",
"Verified effective Y/N"), so a heading is read by the words it holds, and a column whose
heading says little is read by what it holds: mostly severity words is severity, mostly
dates is a date field picked by heading and position. Every decision carries its reason
and a confidence, and two columns never claim one field silently: the weaker one takes
its next reading or stays unmapped, and the report says which column won.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import values
from .spreadsheet import Formula, Table, cell_text, is_blank
from .values import has_phrase, words

# Headings read as exactly one field (after reducing to words).
EXACT: dict[str, tuple[str, ...]] = {
    "id": ("id", "nc no", "nc number", "nc", "ncr no", "ncr", "ref", "ref no", "reference",
           "finding id", "finding no", "no", "number", "capa no", "capa id", "car no",
           "car number", "log no", "item no", "nr", "ticket", "issue no"),
    "title": ("title", "finding", "summary", "nonconformity", "non conformity", "subject",
              "finding title", "finding summary", "issue", "observation", "problem"),
    "description": ("description", "details", "finding description", "description of finding",
                    "description of nonconformity", "detail", "what was found"),
    "severity": ("severity", "grade", "classification", "category", "nc type",
                 "finding type", "rating", "level", "nc grade", "finding grade", "class"),
    "status": ("status", "state", "nc status", "current status", "is it closed",
               "open closed", "progress"),
    "source": ("source", "origin", "audit type", "raised from", "audit", "found during",
               "how identified", "identified during", "audit source"),
    "raised": ("date raised", "raised", "date identified", "date opened", "date found",
               "raised on", "date logged", "date", "opened", "identified", "logged",
               "found on", "opened on", "issue date", "date reported"),
    "raised_by": ("raised by", "auditor", "identified by", "reported by", "logged by",
                  "lead auditor", "found by", "originator", "initiator", "opened by"),
    "owner": ("owner", "responsible", "responsible person", "assigned to",
              "nc owner", "finding owner", "process owner", "assignee", "accountable",
              "who"),
    "department": ("department", "area", "business unit", "function", "dept", "team",
                   "site", "location"),
    "requirement": ("requirement", "standard", "requirement not met", "standard requirement",
                    "criteria", "requirement text"),
    "procedure": ("procedure", "policy", "procedure reference", "sop"),
    "clauses": ("clause", "clauses", "control", "controls", "iso clause", "annex a control",
                "clause ref", "iso 27001 clause", "iso ref", "standard ref", "clause no",
                "standard ref control", "iso reference"),
    "root_cause": ("root cause", "root cause analysis", "cause", "rca", "why it happened",
                   "reason", "why", "causes"),
    "root_cause_method": ("root cause method", "rca method"),
    "root_cause_category": ("root cause category", "cause category"),
    "whys": ("whys", "root cause whys", "5 whys", "five whys"),
    "extent": ("extent", "extent of condition", "extent of nonconformity", "similar elsewhere"),
    "correction": ("correction", "immediate action", "containment", "containment action",
                   "immediate correction", "immediate containment"),
    "correction_completed": ("correction completed", "containment date"),
    "corrective_action": ("corrective action", "corrective actions", "action", "actions",
                          "action plan", "capa", "capa plan", "planned fix", "fix",
                          "remediation", "action 1", "next step", "next steps",
                          "proposed action", "agreed action"),
    "action_owner": ("corrective action owner", "ca owner", "action 1 owner", "action owner",
                     "action by"),
    "due": ("due date", "target date", "due", "target completion date", "deadline",
            "target", "target completion", "due by", "by when", "action 1 due", "fix by",
            "complete by", "planned completion", "due on"),
    "completed": ("completed", "date completed", "completion date", "actual completion date",
                  "completed on", "done on", "implemented on", "action 1 completed"),
    "closed": ("date closed", "closed", "closure date", "closed on", "close date",
               "closed date", "resolved on", "resolved", "resolution date", "date resolved"),
    "evidence": ("evidence", "closure evidence", "evidence of closure", "objective evidence",
                 "attachments", "links", "proof"),
    "effectiveness": ("effectiveness", "effectiveness review", "effective",
                      "effectiveness result", "verification of effectiveness", "verified",
                      "verified effective", "verified effective y n", "effective y n",
                      "effectiveness check", "is it effective"),
    "effectiveness_date": ("effectiveness date", "verification date", "date verified",
                           "effectiveness review date", "verified on", "effectiveness reviewed"),
    "effectiveness_by": ("verified by", "effectiveness reviewed by", "reviewed by",
                         "effectiveness by", "checked by"),
    "effectiveness_method": ("effectiveness method", "verification method", "how verified"),
    "isms_changes": ("isms changes", "changes to the isms", "system changes"),
    "risks": ("risks", "risk", "risk id", "risk ref", "risk register", "risk register ref"),
    "tags": ("tags", "labels", "keywords"),
    "related": ("related", "related findings", "linked findings"),
    "narrative": ("notes", "comments", "remarks", "comment", "note", "update", "updates",
                  "progress notes"),
}

# Words that, inside a longer heading, point at a field (fewer words weigh less).
WITHIN: dict[str, tuple[str, ...]] = {
    "id": ("no", "nr", "id", "ref", "number", "log no"),
    "title": ("summary", "title", "finding", "issue", "nonconformity", "nonconformance",
              "observation", "problem", "subject"),
    "description": ("description", "details", "what happened"),
    "severity": ("severity", "grade", "classification", "category", "rating", "type",
                 "major minor", "class", "level"),
    "status": ("status", "state", "is it closed", "open or closed", "progress", "stage"),
    "source": ("source", "origin", "audit", "found during", "identified during"),
    "raised": ("raised", "opened", "identified", "found", "logged", "reported", "issue date",
               "detected"),
    "raised_by": ("raised by", "auditor", "identified by", "reported by", "found by",
                  "logged by"),
    "owner": ("owner", "responsible", "assignee", "assigned", "accountable"),
    "department": ("department", "dept", "area", "business unit", "function"),
    "requirement": ("requirement", "criteria"),
    "procedure": ("procedure", "policy", "sop"),
    "clauses": ("clause", "control", "annex a", "iso ref", "standard ref", "clauses"),
    "root_cause": ("root cause", "cause", "why", "reason", "rca"),
    "extent": ("extent", "elsewhere", "similar"),
    "correction": ("correction", "containment", "immediate"),
    "corrective_action": ("corrective action", "action", "plan", "fix", "remediation",
                          "remedy", "solution"),
    "action_owner": ("action owner", "ca owner"),
    "due": ("due", "target", "deadline", "by when", "planned date"),
    "completed": ("completed", "done", "implemented", "finished", "completion"),
    "closed": ("closed", "closure", "close"),
    "evidence": ("evidence", "proof", "attachment", "attachments", "link", "links"),
    "effectiveness": ("effective", "effectiveness", "verified", "verification"),
    "effectiveness_date": ("verification date", "effectiveness date", "date verified",
                           "verified on", "review date"),
    "effectiveness_by": ("verified by", "reviewed by", "checked by"),
    "effectiveness_method": ("verification method", "how verified"),
    "risks": ("risk",),
    "narrative": ("notes", "comments", "remarks", "comment"),
}

FIELDS = tuple(EXACT)
DATE_FIELDS = ("raised", "due", "completed", "closed", "effectiveness_date",
               "correction_completed")
# What content a field's column holds when it is of a kind (None: free text).
KIND_OF_FIELD = {
    "severity": "severity", "status": "status", "source": "source", "clauses": "clauses",
    **{name: "date" for name in DATE_FIELDS},
}
# The field a column of that content goes to when its heading says nothing about it.
FIELD_OF_KIND = {"severity": "severity", "status": "status", "source": "source",
                 "clauses": "clauses", "evidence": "evidence", "verdict": "effectiveness",
                 "id": "id"}
# Numbered columns (capa export's round trip, or "Action 2 owner"): action_2_due, ...
NUMBERED = re.compile(r"(action|evidence) ([0-9]{1,2})(?: (owner|due|completed|path|url|sha256|"
                      r"description|publish))?")
# capa export's own column names for fields the headings above name otherwise.
EXPORT_NAMES = {
    "requirement standard": "requirement", "requirement procedure": "procedure",
    "root cause whys": "whys", "effectiveness reviewed": "effectiveness_date",
    "reference": "reference", "imported from": "imported_from",
    "imported on": "imported_on", "last activity": "last_activity",
    "effectiveness": "effectiveness", "more fields": "more_fields",
}
RESTORE_ONLY = ("imported_from", "imported_on", "last_activity", "more_fields", "reference")


def is_field(name: str) -> bool:
    """Whether ``name`` is a field a column can be mapped to (``--map COLUMN=FIELD``)."""
    return name in FIELDS or name in RESTORE_ONLY or bool(
        NUMBERED.fullmatch(name.replace("_", " ")))


def all_fields() -> str:
    return ", ".join((*FIELDS, "reference", "action_N[_owner|_due|_completed]",
                      "evidence_N[_url|_description]"))


@dataclass
class Decision:
    """What one column was read as, why, and how sure the reading is (0 to 1)."""

    index: int
    heading: str
    field: str | None
    reason: str
    confidence: float
    sample: str = ""
    also: list[tuple[str, float, str]] = field(default_factory=list)
    """Other readings, best first: (field, confidence, reason)."""
    lost_to: str = ""
    """The heading of the column that took this column's first reading."""


def heading_readings(heading: str) -> list[tuple[str, float, str]]:
    """The fields a heading names, best first: an exact heading is sure; a word inside a
    longer heading ("Grade (Major / Minor / Obs)") counts for the share of it it makes."""
    said = words(heading)
    if not said:
        return []
    numbered = NUMBERED.fullmatch(said)
    if numbered:
        name = "_".join(p for p in numbered.groups() if p)
        return [(name, 1.0, f"heading {heading!r}")]
    if said in EXPORT_NAMES:
        return [(EXPORT_NAMES[said], 1.0, f"heading {heading!r}")]
    for name, spellings in EXACT.items():
        if said in spellings or said == words(name):
            return [(name, 1.0, f"heading {heading!r}")]
    # the words before a bracket or question mark say most: "Verified? (Yes/No)"
    main = words(re.split(r"[(\[?]", heading, maxsplit=1)[0]) or said
    found: dict[str, tuple[float, str]] = {}
    total = len(said.split())
    for text, weight in ((main, 0.9), (said, 0.75)):
        for name, spellings in (*EXACT.items(), *WITHIN.items()):
            for phrase in spellings:
                if not has_phrase(text, phrase):
                    continue
                share = len(phrase.split()) / max(len(text.split()), 1)
                score = round(weight * (0.55 + 0.45 * share), 2)
                if text == main and main == phrase:
                    score = 0.95
                if score > found.get(name, (0.0, ""))[0]:
                    found[name] = (score, f"{phrase!r} in heading {heading!r}")
    if not found and total:
        return []
    # a longer phrase beats the word inside it: "process owner" over "process",
    # "verified by" over "verified", "action owner" over "action"
    ranked = sorted(found.items(), key=lambda item: -item[1][0])
    return [(name, score, why) for name, (score, why) in ranked]


def content_reading(texts: list[str]) -> tuple[str | None, float, str]:
    """The kind most filled cells of a column are (severity, status, dates, ...), with the
    share of cells that are, and a reason to show."""
    filled = [t for t in texts if t]
    if not filled:
        return None, 0.0, "no filled cells"
    counts: dict[str, int] = {}
    for text in filled:
        kind = values.kind_of(text)
        if kind:
            counts[kind] = counts.get(kind, 0) + 1
    if not counts:
        return None, 0.0, "free text"
    kind, count = max(counts.items(), key=lambda item: item[1])
    share = count / len(filled)
    return kind, share, f"{count} of {len(filled)} filled cells are {_plural(kind)}"


def _plural(kind: str) -> str:
    return {"yes-no": "yes/no answers", "date": "dates", "clauses": "clause references",
            "evidence": "links or file names", "verdict": "effectiveness verdicts",
            "severity": "severity words", "status": "status words",
            "source": "source words"}.get(kind, kind)


def judge_column(index: int, heading: str, group: str, texts: list[str]) -> Decision:
    """One column's readings, combining heading and content, best first."""
    readings = heading_readings(heading)
    if group and group != heading:
        combined = heading_readings(f"{group} {heading}")
        # "Corrective action / Owner" is the action's owner, "Closure / Date" the closing
        if combined and (not readings or combined[0][0] in (
                "action_owner", "due", "completed", "closed", "effectiveness_date",
                "effectiveness_by") and combined[0][0] != readings[0][0]):
            best = combined[0]
            readings = [(best[0], max(best[1], 0.85),
                         f"heading {heading!r} under {group!r}"), *readings]
    kind, share, why = content_reading(texts)
    strong = kind is not None and share >= 0.6
    sample = next((t for t in texts if t), "")
    result: list[tuple[str, float, str]] = []
    for name, score, reason in readings:
        expected = KIND_OF_FIELD.get(name)
        if expected and strong and expected == kind:
            score, reason = min(1.0, score + 0.1), f"{reason}; {why}"
        elif expected and strong and kind != expected and not (
                name == "status" and kind == "yes-no"):
            score, reason = score * 0.4, f"{reason}, but {why}"
        elif expected == "date" and texts and kind != "date" and any(texts):
            score, reason = score * 0.5, f"{reason}, but its cells are not dates"
        elif expected is None and strong and kind in ("severity", "status", "source",
                                                      "date") and name not in ("narrative",):
            score, reason = score * 0.5, f"{reason}, but {why}"
        result.append((name, round(score, 2), reason))
    if strong and kind in FIELD_OF_KIND:
        name = FIELD_OF_KIND[kind]
        if all(name != r[0] for r in result):
            weight = 0.2 if kind == "id" else 0.4  # short codes may be counts or refs
            result.append((name, round(0.5 + weight * share, 2), f"content: {why}"))
    if strong and kind == "yes-no" and any(r[0] == "status" for r in result):
        pass  # "Is it closed?" answered yes/no stays a status
    result.sort(key=lambda r: -r[1])
    decision = Decision(index, heading, None, "", 0.0, sample)
    if result:
        decision.field, decision.confidence, decision.reason = result[0]
        decision.also = result[1:]
    elif strong and kind == "date":
        decision.reason = f"content: {why}"
    return decision


def decide(table: Table, maps: dict[str, str]) -> list[Decision]:
    """Every column's decision: --map first, then heading and content; each field to one
    column, the surest; dates with a heading that says no more than "date" by position."""
    decisions: list[Decision] = []
    columns = list(zip(table.headings, table.groups, strict=True))
    for index, (heading, group) in enumerate(columns):
        texts = [cell_text(row[index]) if not isinstance(row[index], Formula) else ""
                 for _, row in table.rows]
        texts = [t for t in texts if t]
        mapped = maps.get(words(heading)) or (maps.get(words(f"{group} {heading}"))
                                              if group else None)
        if mapped:
            decisions.append(Decision(index, heading, mapped, "--map", 1.0,
                                      texts[0] if texts else ""))
        else:
            decisions.append(judge_column(index, heading, group, texts))
    _one_column_per_field(decisions)
    _dates_by_position(decisions, table)
    _description_as_title(decisions, table)
    return decisions


def _description_as_title(decisions: list[Decision], table: Table) -> None:
    """With no title column, a description column of one-line cells is the title (it is
    what the register lists); longer texts stay the description, titled by their first
    line."""
    if any(d.field == "title" for d in decisions):
        return
    for decision in decisions:
        if decision.field != "description":
            continue
        texts = [cell_text(row[decision.index]) for _, row in table.rows]
        filled = [t for t in texts if t]
        if filled and all(len(t) <= 120 and "\n" not in t for t in filled):
            decision.field = "title"
            decision.reason += "; no title column, and its cells are one line each"
        return


def _one_column_per_field(decisions: list[Decision]) -> None:
    """The surest column keeps a field; another that wanted it takes its next reading."""
    taken: dict[str, Decision] = {}
    for decision in sorted(decisions, key=lambda d: (-d.confidence, d.index)):
        wanted = [(decision.field, decision.confidence, decision.reason), *decision.also] \
            if decision.field else []
        decision.field = None
        for name, confidence, reason in wanted:
            if name is None:
                continue
            if name in taken and name != "narrative":
                if not decision.lost_to:
                    decision.lost_to = taken[name].heading
                continue
            if confidence < 0.4:
                break
            if decision.lost_to:
                reason += f"; its first reading went to {decision.lost_to!r}"
            decision.field, decision.confidence, decision.reason = name, confidence, reason
            taken[name] = decision
            break
        if decision.field is None and decision.lost_to:
            decision.reason = f"its reading was taken by {decision.lost_to!r}"


def _dates_by_position(decisions: list[Decision], table: Table) -> None:
    """Unclaimed date columns take the free date fields in the order registers keep them."""
    free = [name for name in ("raised", "due", "completed", "closed")
            if all(d.field != name for d in decisions)]
    for decision in decisions:
        if decision.field is not None or not free:
            continue
        texts = [cell_text(row[decision.index]) for _, row in table.rows
                 if not is_blank(row[decision.index])]
        kind, share, why = content_reading(texts)
        if kind == "date" and share >= 0.6:
            decision.field = free.pop(0)
            decision.confidence = 0.5
            decision.reason = f"content: {why}; the next date field by position"


def header_score(maps: dict[str, str]):
    """How many distinct fields a row's cells name: the header row names the most. A
    heading read whole counts 1, a word inside a longer one a half, and a cell that is a
    date or a value (a severity, a status) nothing, so a data row never outscores the
    header whose words it repeats."""

    def score(cells: list[str]) -> float:
        found: dict[str, float] = {}
        for cell in cells:
            if not cell.strip() or len(cell) > 80:
                continue
            if words(cell) in maps:
                found[maps[words(cell)]] = 1.0
                continue
            readings = heading_readings(cell)
            if not readings or readings[0][1] < 0.6:
                continue
            if readings[0][1] >= 0.95:
                found[readings[0][0]] = 1.0
            elif values.kind_of(cell) not in ("date", "severity", "status", "id", "yes-no"):
                found[readings[0][0]] = max(found.get(readings[0][0], 0.0), 0.5)
        return sum(found.values())

    return score
