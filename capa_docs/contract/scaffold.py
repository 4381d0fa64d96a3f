"""`capa new`: the next free ID and a skeleton finding that already validates as open."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

from .frontmatter import LoadError, load_text
from .schema import schema_errors
from .settings import ConfigError, Settings, id_format_parts

SEVERITIES = ("major", "minor", "observation", "ofi", "conformity")
SOURCES = ("internal-audit", "external-audit", "certification-audit", "kpi",
           "management-review", "monitoring", "incident", "self-identified", "other")


def next_id(settings: Settings, year: int, existing: list[Path]) -> str:
    """The next ID in ``id_format`` (PREFIX-YEAR-NNN by default): one past the highest
    number already used (that year, when the format holds the year)."""
    parts = id_format_parts(settings.id_format)
    found, made = [], []
    for text, token, _ in parts:
        found.append(re.escape(text))
        if token == "prefix":
            found.append(re.escape(settings.id_prefix))
        elif token == "year":
            found.append(str(year))
        elif token == "seq":
            found.append("([0-9]+)")
    pattern = re.compile("".join(found))
    numbers = [int(m.group(1)) for p in existing if (m := pattern.fullmatch(p.stem))]
    number = max(numbers, default=0) + 1
    for text, token, width in parts:
        made.append(text)
        made.append({"prefix": settings.id_prefix, "year": str(year),
                     "seq": f"{number:0{width}d}" if width else str(number), "": ""}[token])
    finding_id = "".join(made)
    if not re.fullmatch(settings.id_pattern, finding_id):
        raise ConfigError(
            f"the new ID {finding_id} does not match id_pattern {settings.id_pattern}; "
            "set id_prefix or id_format to fit the pattern")
    return finding_id


def _quote(text: str) -> str:
    """A YAML double-quoted scalar: JSON strings are valid YAML and escape everything."""
    return json.dumps(text, ensure_ascii=False)


# Control (tab, line breaks), format (zero-width, bidi overrides), separator, surrogate
# and unassigned or noncharacter code points: invisible, or impossible in a one-line field.
_REFUSED = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Cn"))


def _one_line(value: str, option: str) -> None:
    """Refuse what would make the new file fail `capa validate`, naming the character."""
    bad = sorted({ch for ch in value if unicodedata.category(ch) in _REFUSED})
    if not value.strip() or bad:
        named = ", ".join(f"U+{ord(ch):04X} ({_describe(ch)})" for ch in bad)
        detail = f": it holds {named}; type it again without it" if bad else ""
        raise ConfigError(f"{option} must be one non-empty line of visible text{detail}")


def _describe(ch: str) -> str:
    plain = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return"}
    if ch in plain:
        return plain[ch]
    return unicodedata.name(ch, "").lower() or (
        "a control character" if unicodedata.category(ch) == "Cc"
        else "a noncharacter or unassigned code point")


def _check_skeleton(text: str) -> None:
    """The file `capa new` writes must pass `capa validate` as an open finding; check it
    with the loader and the schema before anything is written."""
    try:
        data = load_text(text).data
    except LoadError as error:
        raise ConfigError(f"the new finding would not load: {error.message}") from None
    problems = [message for _, message in schema_errors(data)]
    if problems:
        raise ConfigError("the new finding would not validate: " + "; ".join(problems))


def skeleton(finding_id: str, severity: str, title: str, source: str, raised: dt.date,
             raised_by: str, owner: str | None, settings: Settings) -> str:
    """The text of a new open finding; TODO values mark what the writer must replace."""
    serious = severity in ("major", "minor")
    lines = [
        "---",
        f"id: {finding_id}",
        f"title: {_quote(title)}",
        f"severity: {severity}",
        "status: open",
        f"source: {source}",
        f"raised: {raised.isoformat()}",
        f"raised_by: {_quote(raised_by)}",
    ]
    if severity in ("major", "minor", "observation"):
        lines += [
            "requirement:  # what was not met: a clause of the standard and/or your procedure",
            '  standard: "TODO: e.g. ISO/IEC 27001:2022 A.5.19"',
            '# clauses: ["A.5.19", "8.1"]  # ISO/IEC 27001:2022 clauses and Annex A controls',
        ]
    if serious:
        days = settings.sla_days.get(severity, 365)
        due = raised + dt.timedelta(days=min(days, (dt.date.max - raised).days))
        person = owner or raised_by
        lines += [
            f"owner: {_quote(person)}",
            "corrective_actions:  # actions that remove the root cause, once it is known",
            '  - action: "TODO: the action that removes the cause"',
            f"    owner: {_quote(person)}",
            f"    due: {due.isoformat()}  # at most {days} days after raised for {severity}",
        ]
    elif owner:
        lines.append(f"owner: {_quote(owner)}")
    lines += [
        "---",
        "",
        "## What was found",
        "",
        "TODO: what was observed, where, and the objective evidence of the nonconformity.",
        "",
    ]
    return "\n".join(lines)


def create_finding(settings: Settings, severity: str, title: str, source: str,
                   raised: dt.date, raised_by: str, owner: str | None,
                   existing: list[Path]) -> Path:
    """Write the skeleton to REGISTER/YEAR/ID.md; never overwrite an existing file."""
    _one_line(title, "--title")
    _one_line(raised_by, "--raised-by")
    if owner is not None:
        _one_line(owner, "--owner")
    finding_id = next_id(settings, raised.year, existing)
    target = settings.register_dir / str(raised.year) / f"{finding_id}.md"
    text = skeleton(finding_id, severity, title.strip(), source, raised, raised_by.strip(),
                    owner.strip() if owner else None, settings)
    _check_skeleton(text)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return target
