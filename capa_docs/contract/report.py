"""Problems as text for people, JSON for tools, annotations for GitHub Actions, and the
reports CI services read: SARIF 2.1.0 (GitHub code scanning) and GitLab Code Quality."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from .. import __version__
from .model import ERROR, WARNING, Problem
from .rules import DIFF_RULES, RULES

FORMATS = ("text", "json", "github", "sarif", "gitlab")


def summary_line(files: int, problems: Sequence[Problem]) -> str:
    errors = sum(1 for p in problems if p.level == ERROR)
    warnings = sum(1 for p in problems if p.level == WARNING)
    return (f"{files} finding{'s' if files != 1 else ''}: "
            f"{errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}")


# Control, format (bidi overrides such as U+202E), separator, surrogate and unassigned
# characters: shown raw, they let a file name or a value rewrite the terminal line.
_HIDDEN = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Cn"))


def terminal_safe(text: str) -> str:
    """``text`` with every character that could move or reorder terminal text written
    as a Python escape (``\\u202e``, ``\\x85``, ``\\t``), so what is shown is what is there."""
    if text.isprintable():
        return text
    return "".join(ch.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(ch) in _HIDDEN else ch for ch in text)


def write_text(out: TextIO, files: int, problems: Sequence[Problem],
               notes: Sequence[str] = ()) -> None:
    """One line per problem, then the verdict; notes go to stderr, apart from the record."""
    for problem in problems:
        out.write(terminal_safe(str(problem)) + "\n")
    for note in notes:
        sys.stderr.write(f"capa: note: {terminal_safe(note)}\n")
    out.write(summary_line(files, problems) + "\n")


def terminal_safe_keeping_breaks(text: str) -> str:
    """`terminal_safe` for each line, keeping CR and LF (an annotation escapes those)."""
    if text.isprintable():
        return text
    return "\n".join("\r".join(terminal_safe(part) for part in line.split("\r"))
                     for line in text.split("\n"))


def write_json(out: TextIO, files: int, problems: Sequence[Problem],
               notes: Sequence[str] = ()) -> None:
    document = {
        "version": 1,
        "findings": files,
        "errors": sum(1 for p in problems if p.level == ERROR),
        "warnings": sum(1 for p in problems if p.level == WARNING),
        "notes": list(notes),
        "problems": [p.as_dict() for p in problems],
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: Problem) -> str:
    """A workflow command that GitHub shows on the pull request's diff."""
    command = "error" if problem.level == ERROR else "warning"
    return (f"::{command} file={_escape_property(problem.path)},line={problem.line},"
            f"title={_escape_property(problem.rule)}::"
            f"{_escape_data(terminal_safe_keeping_breaks(problem.message))}")


def write_github(out: TextIO, files: int, problems: Sequence[Problem],
                 notes: Sequence[str] = ()) -> None:
    for problem in problems:
        out.write(github_annotation(problem) + "\n")
    for note in notes:
        out.write(f"::notice::{_escape_data(note)}\n")
    out.write(summary_line(files, problems) + "\n")


def markdown_cell(text: str) -> str:
    """Text made safe for one cell of a Markdown table (no pipes, no raw HTML)."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


_cell = markdown_cell


def markdown_table(title: str, files: int, problems: Sequence[Problem]) -> str:
    """The step summary: a heading, the verdict, and one table row per problem."""
    lines = [f"### {title}", "", summary_line(files, problems), ""]
    if problems:
        lines += ["| File | Line | Level | Rule | Message |", "|---|---:|---|---|---|"]
        lines += [f"| {_cell(p.path)} | {p.line} | {p.level} | `{p.rule}` | {_cell(p.message)} |"
                  for p in problems]
        lines.append("")
    return "\n".join(lines) + "\n"


def append_step_summary(path: str | None, text: str) -> None:
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(text)


_DIGITS = re.compile(r"[0-9]+")


def fingerprints(problems: Sequence[Problem]) -> Iterator[str]:
    """A fingerprint per problem that stays the same from run to run while the problem does.

    It hashes the rule, the file and the message with its numbers left out, never the
    line: an edit above a problem, a day passing ("due 2026-10-30, 29 days ago"; "today
    is ..."), or a due date moved does not make it look fixed and raised again. Problems
    that are then alike in one file are told apart by their order, as they were found.
    """
    seen: dict[tuple[str, str, str], int] = {}
    for problem in problems:
        key = (problem.rule, problem.path, _DIGITS.sub("#", problem.message))
        twin = seen[key] = seen.get(key, -1) + 1
        text = "\0".join((*key, str(twin)))
        yield hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _uri(path: str) -> str:
    """A problem's path as a SARIF URI reference, relative to where capa ran."""
    return quote(path.replace("\\", "/"), safe="/")


SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")


def _sarif_rules(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    """Every rule of the contract and the gate with its help text, then any other rule a
    problem names, so a result's ruleIndex always finds its rule."""
    known = {**RULES, **DIFF_RULES}
    names = list(known) + sorted({p.rule for p in problems} - set(known))
    rules = []
    for name in names:
        rule = known.get(name)
        text = rule.summary if rule else f"capa-docs rule {name}."
        level = rule.level if rule else ERROR
        rules.append({
            "id": name,
            "shortDescription": {"text": text},
            "fullDescription": {"text": text},
            "help": {"text": f"{name} ({level} by default): {text} Each result's message "
                             "names the field and how to fix it.",
                     "markdown": f"`{name}` ({level} by default): {text} Each result's "
                                 "message names the field and how to fix it."},
            "defaultConfiguration": {"level": "error" if level == ERROR else "warning"},
        })
    return rules


def write_sarif(out: TextIO, files: int, problems: Sequence[Problem],
                notes: Sequence[str] = ()) -> None:
    """One SARIF 2.1.0 run: a rule per contract rule, a result per problem at its file and
    line (relative to where capa ran: run it at the repository root), notes as tool
    notifications. GitHub code scanning reads it (github/codeql-action/upload-sarif)."""
    rules = _sarif_rules(problems)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [{
        "ruleId": problem.rule,
        "ruleIndex": index[problem.rule],
        "level": "error" if problem.level == ERROR else "warning",
        "message": {"text": problem.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(problem.path), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(problem.line, 1)},
        }}],
        "partialFingerprints": {"capaProblem/v1": fingerprint},
    } for problem, fingerprint in zip(problems, fingerprints(problems), strict=True)]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "capa-docs", "version": __version__,
                            "semanticVersion": __version__, "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {
            "text": "The folder capa ran in: the repository root in CI."}}},
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [{"level": "note", "message": {"text": note}}
                                           for note in notes],
        }],
        "results": results,
        "properties": {"findings": files},
    }
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


# GitLab's scale is info, minor, major, critical, blocker; an error fails the gate, a
# warning does not, and neither says more about impact than that.
_GITLAB_SEVERITY = {ERROR: "major", WARNING: "minor"}


def write_gitlab(out: TextIO, files: int, problems: Sequence[Problem],
                 notes: Sequence[str] = ()) -> None:
    """A GitLab Code Quality report (`artifacts: reports: codequality:`): one issue per
    problem, with a fingerprint GitLab uses to tell new problems from fixed ones between
    the merge request and its target branch. Notes go to stderr, as with text."""
    issues = [{
        "description": problem.message,
        "check_name": problem.rule,
        "fingerprint": fingerprint,
        "severity": _GITLAB_SEVERITY.get(problem.level, "info"),
        "location": {"path": problem.path, "lines": {"begin": max(problem.line, 1)}},
    } for problem, fingerprint in zip(problems, fingerprints(problems), strict=True)]
    for note in notes:
        sys.stderr.write(f"capa: note: {terminal_safe(note)}\n")
    json.dump(issues, out, indent=2, ensure_ascii=False)
    out.write("\n")


WRITERS = {"text": write_text, "json": write_json, "github": write_github,
           "sarif": write_sarif, "gitlab": write_gitlab}
