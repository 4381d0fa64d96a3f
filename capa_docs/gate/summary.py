"""The review summary of `capa diff`: what a pull request does to the CAPA record.

A reviewer should see at a glance which findings are new, which moved on, which closed
and on what evidence, and which were extended, downgraded or reopened, before reading any
file. Written as Markdown so the same text serves stdout, the job summary and a
pull-request comment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..contract.model import ERROR, WARNING
from ..contract.report import markdown_cell, summary_line
from .result import Change, DiffResult

_Row = Callable[[Change], Sequence[str]]

# Section title, change kind, table header, and how one change fills a row.
_SECTIONS: tuple[tuple[str, str, Sequence[str], _Row], ...] = (
    ("New findings", "new", ("ID", "Severity", "Status", "Title"),
     lambda c: (c.finding_id, *c.detail[:1], c.after, *c.detail[1:2])),
    ("Status changes", "status", ("ID", "Status"),
     lambda c: (c.finding_id, f"{c.before} → {c.after}")),
    ("Closures", "closed", ("ID", "Closed", "Evidence"),
     lambda c: (c.finding_id, c.after, "; ".join(c.detail) or "none")),
    ("Due dates extended", "extended", ("ID", "Action", "Due"),
     lambda c: (c.finding_id, ", ".join(c.detail), f"{c.before} → {c.after}")),
    ("Severity lowered", "lowered", ("ID", "Severity"),
     lambda c: (c.finding_id, f"{c.before} → {c.after}")),
    ("Source changed", "source", ("ID", "Source"),
     lambda c: (c.finding_id, f"{c.before} → {c.after}")),
    ("Evidence pinned", "pinned", ("ID", "Evidence"), lambda c: (c.finding_id,
                                                               "; ".join(c.detail))),
    ("Signed closures", "signed", ("ID", "Signature"), lambda c: (c.finding_id,
                                                                 "; ".join(c.detail))),
    ("Reopened", "reopened", ("ID", "Status"),
     lambda c: (c.finding_id, f"{c.before} → {c.after}")),
    ("Renamed", "renamed", ("ID", "Was"), lambda c: (c.after, c.before)),
    ("Moved", "moved", ("ID", "From", "To"), lambda c: (c.finding_id, c.before, c.after)),
    ("Deleted", "deleted", ("ID", "File"), lambda c: (c.finding_id, c.path)),
)


def review_markdown(result: DiffResult) -> str:
    """The whole summary: verdict, gate changes first, each kind of change, every problem."""
    errors = sum(1 for p in result.problems if p.level == ERROR)
    warnings = sum(1 for p in result.problems if p.level == WARNING)
    verdict = ("does not pass: fix the errors below" if errors else
               "passes, with warnings for the reviewer" if warnings else "passes")
    lines = [f"## capa diff: {markdown_cell(result.base_label)} ... "
             f"{markdown_cell(result.head_label)}", "",
             f"**{summary_line(result.files, result.problems)}**: this change {verdict}.", ""]
    gate = [p for p in result.problems if p.rule == "gate-changed"]
    if gate:
        lines += ["> [!WARNING]", "> This change edits what judges it. Review these files "
                  "before anything else:"]
        lines += [f"> - `{markdown_cell(p.path)}`: {markdown_cell(p.message)}" for p in gate]
        lines.append("")
    for title, kind, header, row in _SECTIONS:
        changes = [c for c in result.changes if c.kind == kind]
        if not changes:
            continue
        lines += [f"### {title} ({len(changes)})", "", _row(header),
                  "|" + "---|" * len(header)]
        lines += [_row(row(c)) for c in changes]
        lines.append("")
    if not result.changes:
        lines += ["No finding was added, changed or removed.", ""]
    problems = [p for p in result.problems if p.rule != "gate-changed"]
    if problems:
        lines += [f"### Problems ({len(problems)})", "",
                  "| File | Line | Level | Rule | Message |", "|---|---:|---|---|---|"]
        lines += [f"| {markdown_cell(p.path)} | {p.line} | {p.level} | `{p.rule}` | "
                  f"{markdown_cell(p.message)} |" for p in problems]
        lines.append("")
    return "\n".join(lines) + "\n"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(markdown_cell(str(c)) for c in cells) + " |"
