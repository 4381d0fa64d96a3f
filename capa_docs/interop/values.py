"""What a spreadsheet cell means: severities, statuses, sources, verdicts, dates, clauses.

Teams write their registers in their own words ("Major NC", "Closed - pending
verification", "Surveillance audit (BSI)", "Effective, re-audited in May"). Each reader
here turns one such cell into the contract's value by meaning (the words it holds, not
its exact spelling), or answers None so the importer writes the cell as it was and
validation names it: a value is only translated where its meaning is plain.

The same readers let the importer judge a column by its content (``kind_of``): a column
whose filled cells are mostly severity words is a severity column whatever its heading.
"""

from __future__ import annotations

import datetime as dt
import re

from .spreadsheet import Cell


def words(text: str) -> str:
    """A heading or value reduced to lower-case words: "NC No." and "nc no" compare equal.

    "#" reads as "no" ("Log #" is "log no"); "/" and brackets separate words.
    """
    text = text.lower().replace("#", " no ").replace("n°", " no ")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def has_phrase(text_words: str, phrase: str) -> bool:
    """Whether ``phrase`` (words) occurs in ``text_words`` as whole words."""
    return f" {phrase} " in f" {text_words} "


# Each table: contract value -> phrases; the first phrase found (longest first) decides.
SEVERITY_WORDS: dict[str, tuple[str, ...]] = {
    "major": ("major", "cat 1", "category 1", "category a", "cat a", "grade 1", "high",
              "critical nc", "mj"),
    "minor": ("minor", "cat 2", "category 2", "category b", "cat b", "grade 2", "low",
              "medium", "mn"),
    "observation": ("obs", "observation", "observations", "concern", "area of concern",
                    "aoc", "potential nc", "potential nonconformity", "watch"),
    "ofi": ("ofi", "opportunity for improvement", "opportunity", "improvement",
            "recommendation", "suggestion", "ofi opportunity for improvement"),
    "conformity": ("conformity", "positive", "good practice", "strength", "conforming",
                   "noteworthy", "positive finding"),
}
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    # checked before "closed": a closure still waiting for its effectiveness check is
    # not closed in the sense of clause 10.2 (the review is part of closing)
    "in-progress": ("pending verification", "awaiting verification", "pending effectiveness",
                    "awaiting effectiveness", "to be verified", "closed pending",
                    "in progress", "inprogress", "wip", "ongoing", "in hand", "started",
                    "under way", "underway", "pending", "work in progress", "implementing",
                    "action plan agreed", "actions agreed", "overdue", "in review",
                    "under review", "assigned", "active"),
    "open": ("open", "new", "raised", "not started", "opened", "on hold", "hold",
             "deferred", "to do", "todo", "logged", "reopened", "re opened"),
    "closed": ("closed", "complete", "completed", "done", "resolved", "verified closed",
               "finished", "verified", "effective closed"),
}
SOURCE_WORDS: dict[str, tuple[str, ...]] = {
    "certification-audit": ("certification audit", "certification", "surveillance audit",
                            "surveillance", "recertification audit", "recertification",
                            "stage 1", "stage 2", "stage 1 audit", "stage 2 audit",
                            "certification body", "cb audit", "bsi", "lrqa", "dnv",
                            "sgs", "tuv", "ukas", "external certification", "registrar"),
    "external-audit": ("external audit", "external", "customer audit", "supplier audit",
                       "second party audit", "2nd party audit", "second party", "customer",
                       "client audit", "regulator", "regulatory"),
    "internal-audit": ("internal audit", "internal", "ia", "audit", "process audit",
                       "isms audit", "qms audit", "1st party"),
    "kpi": ("kpi", "metric", "metrics", "measurement", "kpi review", "indicator"),
    "management-review": ("management review", "mr", "mgmt review"),
    "monitoring": ("monitoring", "monitor", "siem", "scan", "vulnerability scan", "alert",
                   "pen test", "penetration test", "log review"),
    "incident": ("incident", "security incident", "inc", "breach", "near miss"),
    "self-identified": ("self identified", "self", "self reported", "staff", "team",
                        "employee", "suggestion box", "whistleblow"),
    "other": ("other", "complaint", "customer complaint"),
}
VERDICT_WORDS: dict[str, tuple[str, ...]] = {
    "not-effective": ("not effective", "ineffective", "not verified effective", "no", "n",
                      "not-effective", "failed", "fail"),
    "effective": ("effective", "yes", "y", "verified effective", "effective yes", "ok",
                  "passed", "pass", "verified"),
}
YES_NO = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


def lookup(table: dict[str, tuple[str, ...]], text: str) -> str | None:
    """The value whose phrase the cell holds: the exact spelling first, then the longest
    phrase found among the cell's words ("Surveillance audit (BSI)" holds "surveillance
    audit"). None when the cell names none, or names two values equally."""
    said = words(text)
    if not said:
        return None
    for value, spellings in table.items():
        if said == words(value) or said in spellings:
            return value
    best: tuple[int, str] | None = None
    tie = False
    for value, spellings in table.items():
        for phrase in spellings:
            if len(phrase) > 1 and has_phrase(said, phrase):
                size = len(phrase.split())
                if best is None or size > best[0]:
                    best, tie = (size, value), False
                elif size == best[0] and value != best[1]:
                    tie = True
    if best is None or tie:
        return None
    # "not closed" or "no longer open" must not read as the word they deny
    if re.match(r"(not|no)\b", said) and best[1] != "not-effective" \
            and not said.startswith("not started"):
        return None
    return best[1]


def severity(text: str) -> str | None:
    value = lookup(SEVERITY_WORDS, text)
    if value == "conformity" and re.search(r"\bnon ?conform", words(text)):
        return None  # "non conformity" is no positive finding
    return value


def status(text: str, heading: str = "") -> str | None:
    """A status; a yes/no answers the heading's question ("Is it closed?" Yes is closed)."""
    answer = YES_NO.get(words(text))
    if answer is not None:
        asked = words(heading)
        if has_phrase(asked, "closed") or has_phrase(asked, "complete"):
            return "closed" if answer else "open"
        if has_phrase(asked, "open"):
            return "open" if answer else "closed"
        return None
    return lookup(STATUS_WORDS, text)


def source(text: str) -> str | None:
    return lookup(SOURCE_WORDS, text)


_VERDICT = re.compile(r"^\s*(not[\s-]+effective|ineffective|effective|yes|no|y|n|ok|"
                      r"passed|failed|pass|fail|verified)\b[\s,;:.\-\u2013\u2014()]*(.*)$",
                      re.IGNORECASE | re.DOTALL)


def verdict(text: str) -> tuple[str | None, str]:
    """An effectiveness cell as (result, the rest): "Effective, re-audited in May" is
    ("effective", "re-audited in May"); the rest is how it was checked."""
    match = _VERDICT.match(text)
    if match is None:
        return lookup(VERDICT_WORDS, text), ""
    result = lookup(VERDICT_WORDS, match[1])
    return result, match[2].strip()


def is_yes_no(text: str) -> bool:
    return words(text) in YES_NO


# --- dates ------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 after Lotus's leap-year bug


def parse_date(value: Cell) -> str | None:
    """YYYY-MM-DD from an Excel date, a serial number or the common written forms.

    Numeric dates are read day first (14/03/2026, 14.03.2026), the order used wherever
    ISO/IEC 27001 registers are mostly kept, unless the second number cannot be a month
    (03/14/2026).
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


def dates_in(text: str) -> list[str]:
    """Every date written inside a longer text ("re-audited on 12/05/2026"), as YYYY-MM-DD."""
    found = []
    for token in re.findall(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{2,4}", text):
        parsed = parse_date(token)
        if parsed:
            found.append(parsed)
    return found


# --- clauses ----------------------------------------------------------------------------

_CLAUSE_TOKEN = re.compile(r"(?<![0-9A-Za-z.])(A\.?\s?[0-9]{1,2}(?:\.[0-9]{1,2}){1,2}|(?:[4-9]|10)"
                           r"(?:\.[0-9]{1,2}){0,3})(?![0-9.]*[0-9])")
_STANDARD = re.compile(r"(?i)\b(?:iso\s*/?\s*(?:iec)?\s*)?(?:27001|9001|14001|45001|13485|42001|"
                       r"22301|27002)(?:\s*:\s*20[0-9]{2})?")
# A standard with a shipped catalogue, named in a cell: "ISO 9001", "ISO/IEC 27001:2022",
# "14001"; numbers after it are its clauses.
_NAMED = re.compile(r"(?i)(?:\biso\s*/?\s*(?:iec\s*)?)?(?<![0-9])"
                    r"(27001|9001|14001|45001|13485|42001|22301)(?:\s*:\s*20[0-9]{2})?(?![0-9])")
_DEFAULT_FIRST = "27001"
_CLAUSE_WORD = re.compile(r"(?i)\b(?:cl(?:ause)?|control|annex|sec(?:tion)?|§)\.?\s*$")


def _clause(token: str) -> str:
    token = re.sub(r"\s", "", token)
    if token.startswith("A") and not token.startswith("A."):
        token = "A." + token[1:]
    return token


def parse_clauses(text: str) -> list[str]:
    """Clause and control numbers in a cell such as "ISO 27001:2022 A.5.19 / 8.1".

    The one place clause references are read (``clauses_in_prose`` uses it too). Each
    number is read against the standard named before it: "ISO 9001 8.4.1" and "14001 cl.
    6.1.2" give ``9001:8.4.1`` and ``14001:6.1.2``, as a finding qualifies another
    standard's clause. Numbers after no name, or after ISO/IEC 27001's (the default first
    standard), stay bare; a cell naming several standards has them all qualified, and
    numbers before the only name a cell holds are that standard's ("Clause 7.1.5.1 of ISO
    9001"). Standards' own numbers (27001, :2022) are not clauses. The import validates
    what it writes, so a number the register's standards lack is reported with the
    nearest ones.
    """
    named = [m[1] for m in _NAMED.finditer(text)]
    bare = set(named) <= {_DEFAULT_FIRST}
    found: list[str] = []
    position, standard = 0, named[0] if len(set(named)) == 1 else None
    for match in [*_NAMED.finditer(text), None]:
        end = match.start() if match else len(text)
        for token in _CLAUSE_TOKEN.findall(_STANDARD.sub(" ", text[position:end])):
            token = _clause(token)
            if standard is not None and not bare:
                token = f"{standard}:{token}"
            if token not in found:
                found.append(token)
        if match:
            position, standard = match.end(), match[1]
    return found


_BETWEEN = re.compile(r"^\s*(?:,|;|/|&|and|or|\+)?\s*$", re.IGNORECASE)


def clauses_in_prose(text: str) -> list[str]:
    """Clause references inside prose ("ISO/IEC 27001 A.8.2", "Cl. 9.2 and 10.1"): only
    those marked as such (an Annex A number, or after "Cl.", "clause", "control", a
    standard's name, or another reference), so "3 vendors" or "version 2.1" is no clause."""
    marked_text = _STANDARD.sub(" \x00 ", text)
    found: list[str] = []
    previous_end = -1
    for match in _CLAUSE_TOKEN.finditer(marked_text):
        token = _clause(match[1])
        before = marked_text[:match.start()].rstrip()
        marked = (token.startswith("A.") or before.endswith("\x00")
                  or _CLAUSE_WORD.search(before) is not None
                  or (previous_end >= 0
                      and _BETWEEN.match(marked_text[previous_end:match.start()]) is not None))
        if marked:
            previous_end = match.end()
            if token not in found:
                found.append(token)
    return [t for t in found if parse_clauses(t) == [t]]


def looks_like_clauses(text: str) -> bool:
    """A short cell that is mostly clause references ("A.5.19", "8.1; 9.2", "Cl 7.5")."""
    if len(text) > 60 or not parse_clauses(text):
        return False
    rest = _CLAUSE_TOKEN.sub(" ", _STANDARD.sub(" ", text))
    return len(words(re.sub(r"(?i)\b(cl|clause|control|annex|a|and|iso|iec|ref)\b", " ",
                            rest))) <= 12


URL = re.compile(r"https?://[^\s<>\"')\]]+")
FILE_NAME = re.compile(r"(?i)(?<![\w/.-])([\w][\w .()/-]*?\.(?:pdf|docx?|xlsx?|xlsm|csv|txt|"
                       r"pptx?|png|jpe?g|gif|msg|eml|zip|md|json|log))\b")


def evidence_parts(text: str) -> list[str]:
    """One evidence cell split into its items: lines, then ";" or ", " between items that
    each hold a link or a file name ("audit.pdf; https://wiki/x" is two items)."""
    parts: list[str] = []
    for line in text.splitlines():
        line = line.strip(" \t-\u2022*")
        if not line:
            continue
        pieces = [p.strip() for p in re.split(r";|,\s+|\s+and\s+|\s+\+\s+", line) if p.strip()]
        if len(pieces) > 1 and all(URL.search(p) or FILE_NAME.search(p) for p in pieces):
            parts += pieces
        else:
            parts.append(line)
    return parts


_ID = re.compile(r"#?[A-Za-z]{0,6}[-/#_ ]?[0-9]{1,6}(?:[-/][0-9A-Za-z]{1,6})*")


def kind_of(text: str) -> str | None:
    """What one filled cell looks like, for judging a column by its content."""
    if parse_date(text) is not None:
        return "date"
    said = words(text)
    if said in YES_NO:
        return "yes-no"
    short = len(said.split()) <= 5
    if short and lookup(STATUS_WORDS, text) and not lookup(SEVERITY_WORDS, text):
        return "status"
    if short and severity(text) and not lookup(STATUS_WORDS, text):
        return "severity"
    if _ID.fullmatch(text.strip()):
        return "id"  # "INC-441" is a reference, not the word incident
    if len(said.split()) <= 4 and lookup(SOURCE_WORDS, text):
        return "source"
    if looks_like_clauses(text):
        return "clauses"
    if URL.search(text) or FILE_NAME.search(text):
        return "evidence"
    if verdict(text)[0] is not None and said.split()[0] in ("effective", "ineffective", "not"):
        return "verdict"
    return None
