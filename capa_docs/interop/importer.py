"""`capa import`: turn the rows of a spreadsheet register into finding files.

A team's spreadsheet is its audit trail until now, so nothing in it may be lost: every
row becomes a file, every original cell is kept in the narrative, and a value that
cannot be made valid is written as it was, so that validation names the field to fix
instead of the import guessing. Values are only translated where the meaning is plain
("Major NC" is `major`, "14/03/2026" is 2026-03-14); missing facts are never invented.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..contract.model import ERROR, Problem
from ..contract.scaffold import next_id
from ..contract.settings import ConfigError, Settings
from .spreadsheet import Cell, Formula, Table, cell_text, is_blank

# Field names a column can map to (`--map "NC No.=id"`), with the headings guessed for each.
HEADINGS: dict[str, tuple[str, ...]] = {
    "id": ("id", "nc no", "nc number", "nc", "ncr no", "ncr", "ref", "ref no", "reference",
           "finding id", "finding no", "no", "number", "capa no", "capa id", "car no"),
    "title": ("title", "finding", "summary", "nonconformity", "non conformity", "subject",
              "finding title"),
    "description": ("description", "details", "finding description", "description of finding",
                    "description of nonconformity", "detail"),
    "severity": ("severity", "grade", "classification", "category", "type", "nc type",
                 "finding type", "rating", "level"),
    "status": ("status", "state", "nc status"),
    "source": ("source", "origin", "audit type", "raised from"),
    "raised": ("date raised", "raised", "date identified", "date opened", "date found",
               "raised on", "date logged", "date", "opened", "identified"),
    "raised_by": ("raised by", "auditor", "identified by", "reported by", "logged by",
                  "lead auditor"),
    "owner": ("owner", "action owner", "responsible", "responsible person", "assigned to",
              "nc owner", "finding owner"),
    "department": ("department", "area", "business unit", "function", "dept"),
    "requirement": ("requirement", "standard", "requirement not met", "standard requirement"),
    "procedure": ("procedure", "policy", "procedure reference"),
    "clauses": ("clause", "clauses", "control", "controls", "iso clause", "annex a control",
                "clause ref", "iso 27001 clause"),
    "root_cause": ("root cause", "root cause analysis", "cause", "rca"),
    "extent": ("extent", "extent of condition", "extent of nonconformity", "similar elsewhere"),
    "correction": ("correction", "immediate action", "containment", "containment action",
                   "immediate correction"),
    "corrective_action": ("corrective action", "corrective actions", "action", "actions",
                          "action plan", "capa"),
    "action_owner": ("corrective action owner", "ca owner"),
    "due": ("due date", "target date", "due", "target completion date", "deadline",
            "target", "target completion"),
    "completed": ("completed", "date completed", "completion date", "actual completion date",
                  "completed on"),
    "closed": ("date closed", "closed", "closure date", "closed on", "close date"),
    "evidence": ("evidence", "closure evidence", "evidence of closure", "objective evidence"),
    "effectiveness": ("effectiveness", "effectiveness review", "effective",
                      "effectiveness result", "verification of effectiveness", "verified"),
    "effectiveness_date": ("effectiveness date", "verification date", "date verified",
                           "effectiveness review date"),
    "effectiveness_by": ("verified by", "effectiveness reviewed by", "reviewed by"),
    "narrative": ("notes", "comments", "remarks"),
}
FIELDS = tuple(HEADINGS)
_GUESSES = {alias: name for name, aliases in HEADINGS.items() for alias in aliases}

SEVERITY_WORDS = {
    "major": ("major", "major nc", "major nonconformity", "major non conformity", "cat 1",
              "category 1", "high"),
    "minor": ("minor", "minor nc", "minor nonconformity", "minor non conformity", "cat 2",
              "category 2", "low", "medium"),
    "observation": ("obs", "observation", "observations", "concern", "area of concern"),
    "ofi": ("ofi", "opportunity for improvement", "opportunity", "improvement",
            "recommendation", "ofi opportunity for improvement"),
    "conformity": ("conformity", "positive", "good practice", "strength", "conforming"),
}
STATUS_WORDS = {
    "open": ("open", "new", "raised", "not started", "opened"),
    "in-progress": ("in progress", "inprogress", "wip", "ongoing", "in hand", "started",
                    "under way", "underway", "pending", "work in progress"),
    "closed": ("closed", "complete", "completed", "done", "resolved", "verified closed"),
}
SOURCE_WORDS = {
    "internal-audit": ("internal audit", "internal", "ia", "audit"),
    "external-audit": ("external audit", "external", "customer audit", "supplier audit",
                       "second party audit", "2nd party audit"),
    "certification-audit": ("certification audit", "certification", "surveillance audit",
                            "surveillance", "recertification audit", "stage 1", "stage 2",
                            "stage 1 audit", "stage 2 audit", "certification body", "cb audit"),
    "kpi": ("kpi", "metric", "metrics", "measurement"),
    "management-review": ("management review", "mr"),
    "monitoring": ("monitoring", "monitor"),
    "incident": ("incident", "security incident"),
    "self-identified": ("self identified", "self", "self reported", "staff", "team"),
    "other": ("other",),
}
EFFECTIVE_WORDS = {
    "effective": ("effective", "yes", "y", "verified effective", "effective yes"),
    "not-effective": ("not effective", "ineffective", "no", "n", "not-effective"),
}


def _words(text: str) -> str:
    """A heading or value reduced to lower-case words: "NC No." and "nc no" compare equal."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _lookup(table: dict[str, tuple[str, ...]], text: str) -> str | None:
    words = _words(text)
    for value, spellings in table.items():
        if words == _words(value) or words in spellings:
            return value
    return None


def guess_field(heading: str) -> str | None:
    return _GUESSES.get(_words(heading))


def parse_maps(items: list[str]) -> dict[str, str]:
    """`--map "NC No.=id"` options as {heading as written: field}; a wrong one is a usage
    error. Whether the sheet has the heading is only known once it is read."""
    maps: dict[str, str] = {}
    for item in items:
        heading, sep, target = item.rpartition("=")
        target = target.strip()
        if not sep or not heading.strip():
            raise ConfigError(f"--map {item!r}: write COLUMN=FIELD, e.g. --map \"NC No.=id\"")
        if target not in FIELDS:
            raise ConfigError(f"--map {item!r}: unknown field {target!r}; "
                              f"fields: {', '.join(FIELDS)}")
        maps[" ".join(heading.split())] = target
    return maps


def check_maps(table: Table, maps: dict[str, str]) -> dict[str, str]:
    """The maps as {heading words: field}, once every mapped heading is found in the sheet.

    A --map naming no column would otherwise be ignored without a word, and the column the
    user meant read by its guessed field or not at all.
    """
    known = {_words(h) for h in table.headings}
    known |= {_words(f"{g} {h}") for h, g in zip(table.headings, table.groups, strict=True)
              if g and g != h}
    missing = [heading for heading in maps if _words(heading) not in known]
    if missing:
        listed = ", ".join(repr(h) for h in table.headings if h)
        heading = missing[0]
        raise ConfigError(f"--map {heading + '=' + maps[heading]!r}: {table.source} has no "
                          f"column headed {heading!r}; its headings: {listed}")
    return {_words(heading): target for heading, target in maps.items()}


def header_score(maps: dict[str, str]):
    """How many distinct fields a row's cells name: the header row names the most."""

    def score(cells: list[str]) -> int:
        found = {maps.get(_words(c)) or guess_field(c) for c in cells if c.strip()}
        found.discard(None)
        return len(found)

    return score


def column_fields(table: Table, maps: dict[str, str]) -> list[str | None]:
    """The field of each column: --map first, then the heading, then group + heading.

    A field claimed by two columns goes to the first; the second stays unmapped, so its
    cells are kept in the narrative rather than silently dropped.
    """
    result: list[str | None] = []
    taken: set[str] = set()
    for heading, group in zip(table.headings, table.groups, strict=True):
        name = maps.get(_words(heading)) or guess_field(heading)
        if group and group != heading:
            combined = maps.get(_words(f"{group} {heading}")) or guess_field(f"{group} {heading}")
            if combined and (name is None or name in ("owner", "raised", "completed")):
                name = combined  # "Corrective action / Owner" is the action's owner
        if name in taken and name != "narrative":
            name = None
        if name:
            taken.add(name)
        result.append(name)
    return result


# --- values -------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 after Lotus's leap-year bug


def parse_date(value: Cell) -> str | None:
    """YYYY-MM-DD from an Excel date, a serial number or the common written forms.

    Numeric dates are read day first (14/03/2026), the order used wherever ISO/IEC 27001
    registers are mostly kept, unless the second number cannot be a month (03/14/2026).
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return _serial(float(value))
    text = " ".join(str(value).split())
    if re.fullmatch(r"[0-9]{5}(\.[0-9]+)?", text):
        return _serial(float(text))
    if m := re.fullmatch(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:[ T][0-9:.]+)?", text):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{2}|[0-9]{4})"
                         r"(?: [0-9:.]+)?", text):
        first, second, year = int(m[1]), int(m[2]), _year(m[3])
        if second > 12 >= first:
            return _make(year, first, second)
        return _make(year, second, first)
    if m := re.fullmatch(r"([0-9]{1,2})(?:st|nd|rd|th)?[- ]([A-Za-z]{3,9})\.?,?[- ]"
                         r"([0-9]{2}|[0-9]{4})", text):
        month = _MONTHS.get(m[2][:3].lower())
        return _make(_year(m[3]), month, int(m[1])) if month else None
    if m := re.fullmatch(r"([A-Za-z]{3,9})\.? ([0-9]{1,2})(?:st|nd|rd|th)?,? ([0-9]{4})", text):
        month = _MONTHS.get(m[1][:3].lower())
        return _make(int(m[3]), month, int(m[2])) if month else None
    return None


def _year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


def _make(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _serial(number: float) -> str | None:
    # 1990..2099: a bare number outside that range is more likely a count than a date
    if not 32874 <= number < 73051:
        return None
    return (_EXCEL_EPOCH + dt.timedelta(days=int(number))).isoformat()


def _line(text: str) -> str:
    """One line for a one-line field: the cell's lines joined, whitespace collapsed."""
    return "; ".join(" ".join(part.split()) for part in text.splitlines() if part.strip())


_CLAUSE_TOKEN = re.compile(r"(?<![0-9A-Za-z.])(A\.?\s?[0-9]{1,2}\.[0-9]{1,2}|(?:[4-9]|10)"
                           r"(?:\.[0-9]{1,2}){0,2})(?![0-9.]*[0-9])")


def parse_clauses(text: str) -> list[str]:
    """Clause and control numbers in a cell such as "ISO 27001:2022 A.5.19 / 8.1"."""
    text = re.sub(r"(?i)iso\s*/?\s*(iec)?\s*27001(:\s*20[0-9]{2})?|27001(:20[0-9]{2})?", " ", text)
    found: list[str] = []
    for token in _CLAUSE_TOKEN.findall(text):
        token = re.sub(r"\s", "", token)
        if token.startswith("A") and not token.startswith("A."):
            token = "A." + token[1:]
        if token not in found:
            found.append(token)
    return found


_URL = re.compile(r"https?://[^\s<>\"')\]]+")


# --- rows to findings -----------------------------------------------------------------


@dataclass
class Draft:
    """One row on its way to a finding file: front matter, narrative parts, notes."""

    row: int
    data: dict[str, Any]
    cells: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)
    description: str = ""
    narrative: list[tuple[str, str]] = field(default_factory=list)
    reference: str = ""
    target: Path | None = None
    skipped: str = ""


_ORDER = ("id", "title", "severity", "status", "source", "raised", "raised_by", "requirement",
          "clauses", "owner", "department", "root_cause", "extent", "correction",
          "corrective_actions", "closure")


def draft_row(number: int, cells: list[Cell], table: Table, fields: list[str | None],
              defaults: dict[str, str]) -> Draft:
    """The front matter one row gives, translating only what is unambiguous."""
    draft = Draft(number, {}, [])
    raw = _mapped_cells(draft, cells, table, fields)
    for name, value in defaults.items():
        if is_blank(raw.get(name)):
            raw[name] = value
            draft.notes.append(f"`{name}` was empty; set to {value!r} by --set.")
    row = _Row(draft, raw, {name: cell_text(value) for name, value in raw.items()})
    row.fill()
    _actions(draft, row.text, row.date)
    _closure(draft, row.text, row.date)
    draft.data = {key: draft.data[key] for key in _ORDER if key in draft.data}
    return draft


def _mapped_cells(draft: Draft, cells: list[Cell], table: Table,
                  fields: list[str | None]) -> dict[str, Cell]:
    """Each mapped field's cell; every filled cell is kept on the draft as written, and
    narrative columns go to the body."""
    raw: dict[str, Cell] = {}
    for heading, name, value in zip(table.headings, fields, cells, strict=True):
        if not is_blank(value):
            draft.cells.append((heading or "(no heading)", cell_text(value)))
        if isinstance(value, Formula):
            # the formula is not the value it stands for: never read it as a field
            draft.notes.append(f"{heading or '(no heading)'!r} holds the formula `{value}` with "
                               "no computed value (the workbook was saved without "
                               "calculating it)" + (f": not read as {name}" if name else "")
                               + "; open and save it in Excel, or enter the value.")
            continue
        if name == "narrative":
            if not is_blank(value):
                draft.narrative.append((heading, cell_text(value)))
        elif name and not is_blank(value):
            raw[name] = value
    return raw


@dataclass
class _Row:
    """One row's cells by field, turned into front matter with a note for each guess."""

    draft: Draft
    raw: dict[str, Cell]
    text: dict[str, str]

    def translate(self, name: str, words: dict[str, tuple[str, ...]]) -> None:
        if name in self.text:
            value = _lookup(words, self.text[name])
            if value is None:
                self.draft.notes.append(f"{name} {self.text[name]!r} is not one of "
                                        f"{', '.join(words)}: written as it was.")
            self.draft.data[name] = value or self.text[name]

    def date(self, name: str) -> str | None:
        if name not in self.raw:
            return None
        parsed = parse_date(self.raw[name])
        if parsed is None:
            self.draft.notes.append(f"{name} {self.text[name]!r} is not a date: "
                                    "written as it was.")
            return self.text[name]
        return parsed

    def fill(self) -> None:
        data, text = self.draft.data, self.text
        if "id" in text:
            data["id"] = text["id"]
        self.title()
        self.translate("severity", SEVERITY_WORDS)
        self.translate("status", STATUS_WORDS)
        self.translate("source", SOURCE_WORDS)
        if "raised" in self.raw:
            data["raised"] = self.date("raised")
        for name in ("raised_by", "owner", "department"):
            if name in text:
                data[name] = _line(text[name])
        self.requirement()
        if "root_cause" in text:
            data["root_cause"] = {"cause": text["root_cause"]}
        if "extent" in text:
            data["extent"] = text["extent"]
        if "correction" in text:
            data["correction"] = {"action": text["correction"]}

    def title(self) -> None:
        """The title column, else the description's first line (the rest goes to the body)."""
        data, draft = self.draft.data, self.draft
        title, description = self.text.get("title", ""), self.text.get("description", "")
        if title:
            data["title"] = _line(title)
            draft.description = description
        elif description:
            lines = description.splitlines()
            first = _line(lines[0] if lines else description)
            data["title"] = first if len(first) <= 120 else first[:117].rstrip() + "..."
            draft.description = description if data["title"] != description else ""

    def requirement(self) -> None:
        data, text = self.draft.data, self.text
        requirement = {}
        if "requirement" in text:
            requirement["standard"] = text["requirement"]
        elif "clauses" in text:
            requirement["standard"] = _line(text["clauses"])
        if "procedure" in text:
            requirement["procedure"] = text["procedure"]
        if requirement:
            data["requirement"] = requirement
        if "clauses" in text:
            clauses = parse_clauses(text["clauses"])
            if clauses:
                data["clauses"] = clauses
            else:
                self.draft.notes.append(
                    f"no ISO/IEC 27001 clause number found in {text['clauses']!r}.")


def _actions(draft: Draft, text: dict[str, str], date) -> None:
    if not any(k in text for k in ("corrective_action", "action_owner", "due", "completed")):
        return
    action: dict[str, Any] = {}
    if "corrective_action" in text:
        action["action"] = text["corrective_action"]
    else:
        draft.notes.append("a due or completion date but no corrective action text: "
                           "describe the action in corrective_actions[0].action.")
    owner = text.get("action_owner") or text.get("owner")
    if owner:
        action["owner"] = _line(owner)
    for name in ("due", "completed"):
        value = date(name)
        if value is not None:
            action[name] = value
    draft.data["corrective_actions"] = [action]


def _closure(draft: Draft, text: dict[str, str], date) -> None:
    closure: dict[str, Any] = {}
    closed = date("closed")
    if closed is not None:
        closure["closed"] = closed
    if "evidence" in text:
        urls = list(dict.fromkeys(_URL.findall(text["evidence"])))
        if urls:
            described = _line(text["evidence"])
            closure["evidence"] = [{"url": url.rstrip(".,;"), "description": described}
                                   for url in urls]
        else:
            draft.notes.append("the evidence is described, not linked: put the file under the "
                               "evidence folder and list it in closure.evidence (path), or "
                               "give its web address (url).")
            draft.narrative.append(("Evidence (as recorded)", text["evidence"]))
    review: dict[str, Any] = {}
    reviewed = date("effectiveness_date")
    if reviewed is not None:
        review["reviewed"] = reviewed
    if "effectiveness_by" in text:
        review["by"] = _line(text["effectiveness_by"])
    if "effectiveness" in text:
        result = _lookup(EFFECTIVE_WORDS, text["effectiveness"])
        if result is None:
            draft.notes.append(f"effectiveness {text['effectiveness']!r} is not effective or "
                               "not-effective: written as it was.")
            draft.narrative.append(("Effectiveness (as recorded)", text["effectiveness"]))
        review["result"] = result or text["effectiveness"]
    if review:
        closure["effectiveness"] = review
    if closure:
        draft.data["closure"] = closure


def assign_ids(drafts: list[Draft], settings: Settings, out_dir: Path, existing: list[Path],
               today: dt.date, show: Callable[[Path], str] = str) -> None:
    """Keep a row's own ID where it fits the pattern; give the others the next free one.

    Every own ID is reserved before any row is numbered, so a row without an ID never
    takes the ID a later row carries. A row repeating an ID already kept for an earlier
    row of the sheet gets a new ID, with its own kept as the original reference.

    A row an earlier import already filed is skipped: re-running an import must not
    overwrite a finding, nor file the same one twice. The n-th row carrying an ID matches
    the n-th finding filed for it: the file of that ID, then the files that keep it as
    their original reference (the sheet's repeats, renumbered).
    """
    used = {p.stem: p for p in existing}
    references = {_line(d.data["id"]) for d in drafts if isinstance(d.data.get("id"), str)}
    filed = _filed_for(existing, used, references, settings.id_pattern)
    seen: dict[str, int] = {}
    kept: dict[str, int] = {}
    pending: list[tuple[Draft, str]] = []
    for draft in drafts:
        own = draft.data.get("id")
        if not isinstance(own, str) or not own:
            pending.append((draft, ""))
            continue
        key = _line(own)
        index = seen.get(key, 0)
        seen[key] = index + 1
        earlier = filed.get(key, [])
        if index < len(earlier):
            before = earlier[index]
            draft.skipped = (f"the register already has {own} ({show(before)}); "
                             "not overwritten" if before.stem == own else
                             f"{own} was imported before as {before.stem} ({show(before)}); "
                             "not imported twice")
            continue
        if re.fullmatch(settings.id_pattern, own) and own not in used and own not in kept:
            kept[own] = draft.row
            _place(draft, own, out_dir, today, used)
            continue
        pending.append((draft, own))
    taken = [*existing, *(out_dir / f"{finding_id}.md" for finding_id in kept)]
    for draft, own in pending:
        finding_id = next_id(settings, _raised_year(draft, today), taken)
        if own:
            draft.reference = own
            if not re.fullmatch(settings.id_pattern, own):
                draft.notes.append(f"the spreadsheet's reference {own!r} does not match the "
                                   f"ID pattern {settings.id_pattern}; given ID {finding_id}.")
            elif own in kept:
                draft.notes.append(f"row {kept[own]} of the spreadsheet has the same ID "
                                   f"{own}; this row was given ID {finding_id}.")
            else:
                draft.notes.append(f"the register already has {own} ({show(used[own])}) "
                                   f"for another finding; this row was given ID {finding_id}.")
        _place(draft, finding_id, out_dir, today, used)
        taken.append(out_dir / f"{finding_id}.md")


def _raised_year(draft: Draft, today: dt.date) -> int:
    raised = draft.data.get("raised")
    return int(raised[:4]) if isinstance(raised, str) and _is_iso(raised) else today.year


def _place(draft: Draft, finding_id: str, out_dir: Path, today: dt.date,
           used: dict[str, Path]) -> None:
    draft.data = {"id": finding_id, **{k: v for k, v in draft.data.items() if k != "id"}}
    draft.target = out_dir / str(_raised_year(draft, today)) / f"{finding_id}.md"
    used[finding_id] = draft.target


_REFERENCE = re.compile(r"^Original reference: (.+)$", re.MULTILINE)


def _filed_for(existing: list[Path], used: dict[str, Path], references: set[str],
               id_pattern: str) -> dict[str, list[Path]]:
    """For each of the sheet's references, the findings already filed for it, in order.

    The finding of that ID comes first, then those that keep it as the original
    reference, by ID. The files are read only when a reference may have been filed
    under another ID: it does not fit the pattern, or the register already holds it.
    """
    found: dict[str, list[Path]] = {ref: [used[ref]] for ref in references if ref in used}
    if not any(ref in used or not re.fullmatch(id_pattern, ref) for ref in references):
        return found
    kept: dict[str, list[Path]] = {}
    for path in existing:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "Original reference: " in text:
            for match in _REFERENCE.finditer(text):
                reference = match[1].strip()
                if reference in references and path.stem != reference:
                    kept.setdefault(reference, []).append(path)
                    break
    for reference, paths in kept.items():
        found.setdefault(reference, []).extend(sorted(set(paths), key=lambda p: p.stem))
    return found


def _is_iso(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text))


# --- the file ---------------------------------------------------------------------------


def _table_cell(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.splitlines()) or " "


def render(draft: Draft, source: str) -> str:
    """The finding file: front matter, then the narrative that keeps every original cell."""
    front = yaml.safe_dump(draft.data, sort_keys=False, allow_unicode=True, width=100,
                           default_flow_style=False)
    parts = ["---", front.rstrip("\n"), "---", ""]
    if draft.description:
        parts += ["## Description", "", draft.description.strip(), ""]
    for heading, value in draft.narrative:
        parts += [f"## {' '.join(heading.split())}", "", value.strip(), ""]
    parts += [f"## Imported from {source}, row {draft.row}", ""]
    if draft.reference:
        parts += [f"Original reference: {_line(draft.reference)}", ""]
    if draft.notes:
        parts += [f"- {note}" for note in draft.notes] + [""]
    parts += ["| Column | Value |", "|---|---|"]
    parts += [f"| {_table_cell(h)} | {_table_cell(v)} |" for h, v in draft.cells]
    parts.append("")
    return "\n".join(parts)


def problems_section(lines: list[str]) -> str:
    """Appended to a file that did not validate, so the problems travel with it."""
    body = "\n".join(f"- {line}" for line in lines)
    return f"\n## Import problems\n\n{body}\n"


# --- the run ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one import did (or, in a dry run, would do) with each row."""

    written: list[tuple[Draft, list[Problem]]]
    skipped: list[Draft]
    errors: int


def run_import(source: Path, settings: Settings, out_dir: Path, today: dt.date,
               maps: dict[str, str], defaults: dict[str, str], sheet: str | None,
               dry_run: bool, cwd: Path) -> Outcome:
    """Read, draft, write with ``open(..., "x")``, then validate the new files for real.

    A dry run writes into a temporary folder laid out like ``out_dir`` and validates
    there against the real register, so what it reports is what a real run would get.
    The folder is a hidden one in the repository, removed afterwards: a finding outside
    the repository it is checked in is refused, so a system temporary folder would fail
    every file.
    """
    import contextlib
    import tempfile

    from ..contract.validate import discover, display_path, validate
    from ..git.history import last_changed
    from ..git.tree import repository_root
    from .spreadsheet import read_sheet, split_table

    words = {_words(heading): target for heading, target in maps.items()}
    table = split_table(read_sheet(source, sheet), header_score(words), source.name)
    fields = column_fields(table, check_maps(table, maps))
    if not any(fields):
        raise ConfigError(f"{source}: no column could be matched to a field; use --map")
    drafts = [draft_row(n, cells, table, fields, defaults) for n, cells in table.rows]
    existing = discover(settings) if settings.register_dir.is_dir() else []
    if out_dir.is_dir() and not out_dir.resolve().is_relative_to(settings.register_dir):
        existing += discover(settings, [out_dir])
    assign_ids(drafts, settings, out_dir, existing, today,
               lambda path: display_path(path.resolve(), cwd))
    todo = [d for d in drafts if d.target is not None]
    repo_root = repository_root(settings.base_dir)
    scratch: contextlib.AbstractContextManager[str | None] = contextlib.nullcontext()
    if dry_run:
        try:
            scratch = tempfile.TemporaryDirectory(prefix=".capa-import-", dir=repo_root)
        except OSError:  # a read-only checkout: validate elsewhere, as well as it can
            scratch = tempfile.TemporaryDirectory(prefix="capa-import-")
    with scratch as folder:
        root = Path(folder) if folder else out_dir
        written: list[tuple[Draft, Path]] = []
        for draft in todo:
            assert draft.target is not None
            path = root / draft.target.relative_to(out_dir)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:  # FileExistsError here: a file where a folder must be
                raise _unwritable(draft.target, error, written, dry_run) from None
            try:
                with path.open("x", encoding="utf-8", newline="\n") as handle:
                    handle.write(render(draft, source.name))
            except FileExistsError:
                draft.skipped = f"{draft.target} already exists; not overwritten"
                continue
            except OSError as error:
                raise _unwritable(draft.target, error, written, dry_run) from None
            written.append((draft, path))
        result = None
        if written:
            changed = last_changed(repo_root, settings.register_dir)
            result = validate(settings, repo_root, today, [p for _, p in written],
                              cwd=root.resolve(), history=changed.dates,
                              notes=[changed.note] if changed.note else [])
        by_file: dict[str, list[Problem]] = {}
        for problem in result.problems if result else []:
            by_file.setdefault(problem.path, []).append(problem)
        outcome = Outcome([], [d for d in drafts if d.skipped], 0)
        for draft, path in written:
            assert draft.target is not None
            shown = display_path(draft.target.resolve(), cwd)
            found = by_file.get(display_path(path.resolve(), root.resolve()), [])
            shown_problems = [replace(p, path=shown) for p in found]
            outcome.errors += sum(1 for p in found if p.level == ERROR)
            if found:
                with path.open("a", encoding="utf-8", newline="\n") as handle:
                    handle.write(problems_section(
                        [f"line {p.line}: {p.level} {p.rule}: {p.message}" for p in found]))
            outcome.written.append((draft, shown_problems))
    return outcome


def _unwritable(target: Path, error: OSError, written: list, dry_run: bool) -> ConfigError:
    """Stop at the first file that cannot be written, saying what was written before it."""
    reason = error.strerror or str(error)
    if error.filename and Path(error.filename) != target:
        reason += f": {error.filename}"
    done = (f" ({len(written)} file{'s' if len(written) != 1 else ''} written before it)"
            if written and not dry_run else "")
    return ConfigError(f"cannot write {target}: {reason}{done}")


def parse_sets(items: list[str]) -> dict[str, str]:
    """`--set source=internal-audit`: a value for a field wherever its cell is empty."""
    sets: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not value.strip():
            raise ConfigError(f"--set {item!r}: write FIELD=VALUE, e.g. --set source=other")
        if name not in FIELDS or name in ("id", "narrative"):
            raise ConfigError(f"--set {item!r}: unknown field {name!r}")
        sets[name] = value.strip()
    return sets
