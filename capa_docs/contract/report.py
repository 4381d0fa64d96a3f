"""Problems as text for people, JSON for tools, and annotations for GitHub Actions."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .model import ERROR, WARNING, Problem

FORMATS = ("text", "json", "github")


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


WRITERS = {"text": write_text, "json": write_json, "github": write_github}
