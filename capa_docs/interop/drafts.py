"""One spreadsheet row turned into a finding's front matter, translating by meaning.

Nothing in the row may be lost: every filled cell is kept on the draft as written (the
importer prints them all in the finding's import table), and a value that cannot be made
valid is written as it was, with a note, so that validation names the field to fix
instead of the import guessing. Missing facts are never invented.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import values
from .columns import Decision
from .spreadsheet import Cell, Formula, cell_text, is_blank


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
    target: Any = None
    skipped: str = ""
    files: list[tuple[str, str]] = field(default_factory=list)
    """Evidence named by file name: (name, the cell's words about it); placed once the
    finding's ID, and so its evidence folder, is known."""
    restore: bool = False


ORDER = ("id", "reference", "title", "severity", "status", "source", "raised", "raised_by",
         "requirement", "clauses", "owner", "department", "tags", "root_cause", "extent",
         "correction", "corrective_actions", "closure", "isms_changes", "risks", "related",
         "imported")


def line(text: str) -> str:
    """One line for a one-line field: the cell's lines joined, whitespace collapsed."""
    return "; ".join(" ".join(part.split()) for part in text.splitlines() if part.strip())


def _unquote(text: str) -> str:
    """capa export quotes a leading = + - @ with an apostrophe for Excel; undo it."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r") \
        else text


def draft_row(number: int, cells: list[Cell], decisions: list[Decision],
              defaults: dict[str, str], value_maps: dict[str, dict[str, str]],
              restore: bool = False) -> Draft:
    """The front matter one row gives, translating only what is unambiguous."""
    draft = Draft(number, {}, [], restore=restore)
    raw, headings = _mapped_cells(draft, cells, decisions)
    for name, value in defaults.items():
        if is_blank(raw.get(name)):
            raw[name] = value
            draft.notes.append(f"`{name}` was empty; set to {value!r} by --set.")
    # capa export's own CSV is read back exactly: no trimming, no joining of lines
    text = {name: _unquote(value if isinstance(value, str) else cell_text(value))
            if restore else cell_text(value) for name, value in raw.items()}
    row = _Row(draft, raw, text, headings, value_maps)
    row.fill()
    _actions(draft, row)
    _closure(draft, row)
    row.extras()
    draft.data = {key: draft.data[key] for key in (*ORDER, *draft.data)
                  if key in draft.data}
    return draft


def _mapped_cells(draft: Draft, cells: list[Cell],
                  decisions: list[Decision]) -> tuple[dict[str, Cell], dict[str, str]]:
    """Each mapped field's cell; every filled cell is kept on the draft as written, and
    narrative columns go to the body."""
    raw: dict[str, Cell] = {}
    headings: dict[str, str] = {}
    for decision, value in zip(decisions, cells, strict=True):
        heading, name = decision.heading, decision.field
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
            headings[name] = heading
    return raw, headings


def _split_list(text: str) -> list[str]:
    parts = re.split(r"[;\n]" if re.search(r"[;\n]", text) else r",", text)
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


@dataclass
class _Row:
    """One row's cells by field, turned into front matter with a note for each guess."""

    draft: Draft
    raw: dict[str, Cell]
    text: dict[str, str]
    headings: dict[str, str]
    value_maps: dict[str, dict[str, str]]

    def mapped(self, name: str) -> str | None:
        """The map file's translation of this field's cell, if it names one."""
        table = self.value_maps.get(name, {})
        said = self.text.get(name, "")
        return table.get(said) or table.get(values.words(said))

    def translate(self, name: str, read) -> None:
        if name not in self.text:
            return
        value = self.mapped(name) or read(self.text[name])
        if value is None:
            choices = {"severity": values.SEVERITY_WORDS, "status": values.STATUS_WORDS,
                       "source": values.SOURCE_WORDS}[name]
            self.draft.notes.append(f"{name} {self.text[name]!r} is not one of "
                                    f"{', '.join(choices)}: written as it was.")
        elif values.words(value) != values.words(self.text[name]):
            self.draft.notes.append(f"{name} {self.text[name]!r} read as {value}.")
        self.draft.data[name] = value or self.text[name]

    def date(self, name: str) -> str | None:
        if name not in self.raw:
            return None
        parsed = values.parse_date(self.raw[name])
        if parsed is None:
            self.draft.notes.append(f"{name} {self.text[name]!r} is not a date: "
                                    "written as it was.")
            return self.text[name]
        return parsed

    def one(self, text: str) -> str:
        return text if self.draft.restore else line(text)

    def fill(self) -> None:
        data, text = self.draft.data, self.text
        if "id" in text:
            data["id"] = text["id"]
        if "reference" in text:
            data["reference"] = self.one(text["reference"])
        self.title()
        self.translate("severity", values.severity)
        self.translate("status", lambda t: values.status(t, self.headings.get("status", "")))
        self.translate("source", values.source)
        if "raised" in self.raw:
            data["raised"] = self.date("raised")
        for name in ("raised_by", "owner", "department"):
            if name in text:
                data[name] = self.one(text[name])
        if "owner" not in text and "action_owner" in text and not self.draft.restore:
            data["owner"] = line(text["action_owner"])
            self.draft.notes.append("no owner column: the owner of the corrective action "
                                    "is taken as the finding's owner.")
        self.requirement()
        self.root_cause()
        if "extent" in text:
            data["extent"] = text["extent"]
        if "correction" in text:
            data["correction"] = {"action": text["correction"]}
            completed = self.date("correction_completed")
            if completed is not None:
                data["correction"]["completed"] = completed

    def title(self) -> None:
        """The title column, else the description's first line (the rest goes to the body)."""
        data, draft = self.draft.data, self.draft
        title, description = self.text.get("title", ""), self.text.get("description", "")
        if title:
            data["title"] = self.one(title)
            draft.description = description
        elif description:
            lines = description.splitlines()
            first = line(lines[0] if lines else description)
            data["title"] = first if len(first) <= 120 else first[:117].rstrip() + "..."
            draft.description = description if data["title"] != description else ""

    def requirement(self) -> None:
        """The requirement text, and the clauses of the clause column and of the text."""
        data, text = self.draft.data, self.text
        requirement = {}
        if "requirement" in text:
            requirement["standard"] = text["requirement"]
        elif "clauses" in text and not self.draft.restore:
            requirement["standard"] = line(text["clauses"])
        if "procedure" in text:
            requirement["procedure"] = text["procedure"]
        if requirement:
            data["requirement"] = requirement
        clauses = values.parse_clauses(text["clauses"]) if "clauses" in text else []
        if self.draft.restore and "clauses" in text:
            clauses = [c.strip() for c in text["clauses"].split(";") if c.strip()]
        if "requirement" in text and not self.draft.restore:
            clauses += [c for c in values.clauses_in_prose(text["requirement"])
                        if c not in clauses]
        if clauses:
            data["clauses"] = clauses
        elif "clauses" in text:
            self.draft.notes.append(
                f"no ISO/IEC 27001 clause number found in {text['clauses']!r}.")

    def root_cause(self) -> None:
        text = self.text
        cause: dict[str, Any] = {}
        if "root_cause_method" in text:
            cause["method"] = text["root_cause_method"]
        if "whys" in text:
            cause["whys"] = [w.strip() for w in text["whys"].splitlines() if w.strip()]
        if "root_cause" in text:
            cause["cause"] = text["root_cause"]
        if "root_cause_category" in text:
            cause["category"] = text["root_cause_category"]
        if cause:
            self.draft.data["root_cause"] = cause

    def extras(self) -> None:
        """Lists, ISMS changes, the import's own record, and capa export's other fields."""
        data, text = self.draft.data, self.text
        for name in ("tags", "risks", "related"):
            if name in text:
                data[name] = ([t.strip() for t in text[name].split("; ")]
                              if self.draft.restore else _split_list(text[name]))
        if "isms_changes" in text:
            data["isms_changes"] = text["isms_changes"]
        imported = {key: (self.date(name) if name != "imported_from" else text[name])
                    for key, name in (("from", "imported_from"), ("date", "imported_on"),
                                      ("last_activity", "last_activity")) if name in text}
        if imported:
            data["imported"] = imported
        if "more_fields" in text:
            try:
                more = json.loads(text["more_fields"])
            except ValueError:
                more = None
            if isinstance(more, dict):
                _merge(data, more)
            else:
                self.draft.notes.append("the more_fields cell is not a JSON object: "
                                        "kept in the import table only.")


def _merge(data: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        have = data.get(key)
        if isinstance(value, dict) and isinstance(have, dict):
            _merge(have, value)
        elif (isinstance(value, list) and isinstance(have, list) and len(value) == len(have)
              and all(isinstance(v, dict) and isinstance(h, dict)
                      for v, h in zip(value, have, strict=True))):
            for extra, item in zip(value, have, strict=True):
                _merge(item, extra)
        else:
            data[key] = value


def _action_numbers(text: dict[str, str]) -> list[int]:
    found = {1} if any(k in text for k in ("corrective_action", "action_owner", "due",
                                           "completed")) else set()
    for key in text:
        if m := re.fullmatch(r"action_([0-9]+)(?:_\w+)?", key):
            found.add(int(m[1]))
    return sorted(found)


def _actions(draft: Draft, row: _Row) -> None:
    text = row.text
    actions = []
    for number in _action_numbers(text):
        names = ({"action": "corrective_action", "owner": "action_owner", "due": "due",
                  "completed": "completed"} if number == 1 else {})
        for part in ("action", "owner", "due", "completed"):
            alias = f"action_{number}" + ("" if part == "action" else f"_{part}")
            if alias in text:
                names[part] = alias
        action: dict[str, Any] = {}
        if names.get("action") in text:
            action["action"] = text[names["action"]]
        else:
            draft.notes.append(f"a due or completion date but no corrective action text: "
                               f"describe the action in corrective_actions[{len(actions)}]"
                               ".action.")
        owner = text.get(names.get("owner", "")) or (
            text.get("owner") if number == 1 and not draft.restore else None)
        if owner:
            action["owner"] = row.one(owner)
        for part in ("due", "completed"):
            value = row.date(names[part]) if part in names else None
            if value is not None:
                action[part] = value
        actions.append(action)
    if actions:
        draft.data["corrective_actions"] = actions


def _closure(draft: Draft, row: _Row) -> None:
    closure: dict[str, Any] = {}
    closed = row.date("closed")
    if closed is not None:
        closure["closed"] = closed
    evidence = _evidence(draft, row)
    if evidence:
        closure["evidence"] = evidence
    review = _effectiveness(draft, row)
    if review:
        closure["effectiveness"] = review
    if closure:
        draft.data["closure"] = closure


def _evidence(draft: Draft, row: _Row) -> list[dict[str, Any]]:
    """Numbered evidence columns (capa export), else the evidence cell split into items:
    each link a `url` item, each file name a `path` under the finding's evidence folder."""
    text = row.text
    numbers = sorted({int(m[1]) for k in text if (m := re.fullmatch(r"evidence_([0-9]+)\w*", k))})
    items: list[dict[str, Any]] = []
    for number in numbers:
        item: dict[str, Any] = {}
        for part in ("path", "url", "sha256", "description", "publish"):
            value = text.get(f"evidence_{number}_{part}")
            if value is None and part == "path":
                value = text.get(f"evidence_{number}")
            if value is None:
                continue
            item[part] = values.YES_NO.get(values.words(value), value) \
                if part == "publish" else value
        items.append(item)
    if items or "evidence" not in text:
        return items
    loose: list[str] = []
    for part in values.evidence_parts(text["evidence"]):
        urls = values.URL.findall(part)
        names = values.FILE_NAME.findall(part) if not urls else []
        if urls:
            items += [{"url": url.rstrip(".,;"), "description": line(part)} for url in urls]
        elif names:
            for name in names:
                draft.files.append((name.strip().replace("\\", "/").split("/")[-1],
                                    line(part)))
        else:
            loose.append(part)
    if loose:
        draft.notes.append("part of the evidence is described, not linked: put the file under "
                           "the evidence folder and list it in closure.evidence (path), or "
                           "give its web address (url).")
        draft.narrative.append(("Evidence (as recorded)", "\n".join(loose)))
    return items


def _effectiveness(draft: Draft, row: _Row) -> dict[str, Any]:
    """The review: a verdict with the words after it kept as the method; a bare yes/no
    on a finding that is not closed means the check has not been done yet."""
    text = row.text
    review: dict[str, Any] = {}
    reviewed = row.date("effectiveness_date")
    if reviewed is not None:
        review["reviewed"] = reviewed
    if "effectiveness_by" in text:
        review["by"] = row.one(text["effectiveness_by"])
    said = text.get("effectiveness")
    if said is not None:
        result, rest = row.mapped("effectiveness"), ""
        if result is None:
            result, rest = values.verdict(said)
        closed = draft.data.get("status") == "closed"
        if result is None:
            draft.notes.append(f"effectiveness {said!r} is not effective or not-effective: "
                               "written as it was.")
            draft.narrative.append(("Effectiveness (as recorded)", said))
            review["result"] = said
        elif values.is_yes_no(said) and not closed and result == "not-effective":
            draft.notes.append(f"effectiveness {said!r} on a finding that is not closed: "
                               "not verified yet, so no effectiveness review is recorded.")
        else:
            review["result"] = result
            if rest:
                review["method"] = rest
                found = values.dates_in(rest)
                if found and "reviewed" not in review:
                    review["reviewed"] = found[0]
    if "effectiveness_method" in text:
        review["method"] = text["effectiveness_method"]
    if review and not draft.restore:
        order = ("reviewed", "by", "result", "method")
        review = {k: review[k] for k in order if k in review}
    return review


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
