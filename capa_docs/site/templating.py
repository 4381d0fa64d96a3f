"""The Jinja2 environment every page renders with, and the escaping that keeps finding
text inert.

Pages are Markdown whose section headings are ours and whose every value from a finding
sits in raw HTML, escaped by Jinja2's autoescape: Markdown never sees finding text, so a
title like ``[x](javascript:...)`` or a line starting ``--8<--`` cannot become a link or
an include. The title in a page's front matter is escaped for YAML (``meta_title``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ..register.findings import Register
from .urls import ASSET_DIR, clause_anchor, clause_target, finding_uri

NONE_TEXT = Markup('<span class="capa-none">not recorded</span>')
NA_TEXT = Markup('<span class="capa-none capa-not-applicable">not applicable</span>')


# What PyYAML refuses in a document (its Reader's check) or reads as a line break (NEL,
# LS, PS): MkDocs parses our page's front matter with PyYAML and, when that fails,
# silently renders it as Markdown.
_NOT_YAML_PRINTABLE = re.compile(
    "[^\x09\x0A\x0D\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFFFD"
    "\U00010000-\U0010FFFF]")


def meta_title(title: str) -> str:
    """The page title as a YAML double-quoted scalar MkDocs is sure to read back.

    JSON strings are YAML double-quoted scalars; a character PyYAML would refuse is
    written as a ``\\uXXXX`` escape (a lone surrogate as U+FFFD), so the front matter
    can never fall through to the Markdown processor as text.
    """
    def escape_char(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        return "\\ufffd" if 0xD800 <= code <= 0xDFFF else f"\\u{code:04x}"

    return _NOT_YAML_PRINTABLE.sub(escape_char, json.dumps(html.escape(title),
                                                           ensure_ascii=False))


def _finalize(value: Any) -> Any:
    """Escape every value, and turn its newlines into ``&#10;``: no finding text ever
    starts a line of the page, so no Markdown preprocessor (snippets, abbreviations)
    can act on it."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    text = escape(value)
    if "\n" in text or "\r" in text:
        return Markup(str(text).replace("\r", "").replace("\n", "&#10;"))
    return text


# Small pieces every page repeats, as functions: a Jinja macro call costs several times
# more, and there are tens of thousands of them in a large register.

def badge(kind: str, value: Any) -> Markup:
    value = _finalize(value)
    return Markup(f'<span class="capa-badge capa-{kind}-{value}">{value}</span>')


def marks(computed: Any) -> Markup:
    out = []
    if computed.overdue:
        out.append('<span class="capa-badge capa-mark-overdue" title="a corrective action is '
                   f'past its due date">overdue {computed.overdue_days} d</span>')
    if computed.stale:
        out.append('<span class="capa-badge capa-mark-stale" title="unchanged for longer than '
                   'the stale period">stale</span>')
    if computed.due_soon:
        out.append('<span class="capa-badge capa-mark-soon">due soon</span>')
    if computed.recorded_late:
        out.append('<span class="capa-badge capa-mark-late" title="first committed '
                   f'{computed.first_recorded}, {computed.recorded_days_after_raised} days '
                   'after it was raised: its history before then is not in git">recorded '
                   'late</span>')
    return Markup("".join(out))


def id_list(link: Callable[[str], str], register: Register, ids: list[str]) -> Markup:
    if not ids:
        return Markup('<span class="capa-none">none</span>')
    parts = []
    for fid in ids:
        text = _finalize(fid)
        if fid in register.by_id:
            parts.append(f'<a href="{_finalize(link(finding_uri(fid)))}">{text}</a>')
        else:
            parts.append(str(text))
    return Markup(", ".join(parts))


def natural_key(text: str) -> str:
    """A sort key that orders ``CAPA-2026-999`` before ``CAPA-2026-1000``."""
    return re.sub(r"[0-9]+", lambda m: m.group(0).zfill(12), text)


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 observation``, ``2 observations``: figures read as sentences."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def severity_mix(counts: dict[str, int]) -> str:
    """Findings by kind, nonconformities apart: "8 nonconformities (2 major, 6 minor),
    1 observation, 1 opportunity for improvement, 2 conformities". A headline that adds
    conformities and OFIs to nonconformities tells a reader more went wrong than did."""
    major, minor = counts.get("major", 0), counts.get("minor", 0)
    return ", ".join([
        f"{plural(major + minor, 'nonconformity', 'nonconformities')} "
        f"({major} major, {minor} minor)",
        plural(counts.get("observation", 0), "observation"),
        plural(counts.get("ofi", 0), "opportunity for improvement",
               "opportunities for improvement"),
        plural(counts.get("conformity", 0), "conformity", "conformities")])


def days_text(days: float | None) -> str:
    """A median in days: ``42``, ``42.5`` (the median of an even count), or a dash."""
    if days is None:
        return "—"
    return str(int(days)) if days == int(days) else f"{days:.1f}"


def pin(view: Any) -> Markup:
    """Whether an evidence file matches the sha256 its finding records."""
    if view.pinned == "verified":
        return Markup(' <strong class="capa-pin capa-pin-verified">SHA-256 verified at '
                      'build</strong>')
    if view.pinned == "mismatch":
        return Markup(' <strong class="capa-pin capa-pin-mismatch">does not match the sha256 '
                      'recorded in the finding</strong>')
    return Markup(' <span class="capa-pin capa-pin-none">not pinned (no sha256 in the '
                  'finding)</span>')


def commit_link(commit: Any) -> Markup:
    """A short commit id, linked to the repository's commit page when ``repo_url`` is set."""
    code = f"<code>{_finalize(commit.short)}</code>"
    if commit.url:
        return Markup(f'<a href="{_finalize(commit.url)}">{code}</a>')
    return Markup(code)


def signature(verdict: Any, what: str) -> Markup:
    """git's verdict on a closing or review commit's signature, checked at this build."""
    if verdict is not None and verdict.good:
        return Markup(f'<strong class="capa-signed">{_finalize(what)} signed by '
                      f'{_finalize(verdict.signer)} (<code>{_finalize(verdict.fingerprint)}'
                      '</code>), verified at build</strong>')
    text = verdict.describe() if verdict is not None else "signature not checked"
    return Markup(f'<strong class="capa-unsigned">{_finalize(what)} not verified: the commit '
                  f'is {_finalize(text)}; the allowed-signers file lists the keys that may '
                  'sign it</strong>')


def clause_href(link: Callable[[str], str], register: Any, ref: str) -> str:
    """The link to a clause reference's entry on its standard's clauses page."""
    page, _, anchor = clause_target(register.settings.standards, ref).partition("#")
    return link(page) + (f"#{anchor}" if anchor else "")


PAGE_STYLES = ("capa.css", "print.css", "stamp.css")
"""Every page's stylesheets: the register's, the print layout (A4), and the build's stamp
(the as-of date and commit printed on each page; site/printing.py)."""


def head(link: Callable[[str], str]) -> Markup:
    return Markup("".join(f'<link rel="stylesheet" href="{_finalize(link(f"{ASSET_DIR}/{name}"))}">'
                          for name in PAGE_STYLES))


@cache
def environment() -> jinja2.Environment:
    """One compiled template set per process: 10,000 pages must not recompile anything."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("capa_docs.site", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=False,
        keep_trailing_newline=True,
        undefined=jinja2.Undefined,
    )
    env.globals.update(finding_uri=finding_uri, clause_anchor=clause_anchor,
                       clause_href=clause_href,
                       none_text=NONE_TEXT, na_text=NA_TEXT, badge=badge, marks=marks,
                       id_list=id_list,
                       head=head, natural_key=natural_key, pin=pin,
                       commit_link=commit_link, signature=signature,
                       days_text=days_text, plural=plural, severity_mix=severity_mix)
    return env
