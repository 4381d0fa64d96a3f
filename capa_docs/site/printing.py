"""What every printed page of the site carries: the date the register was judged against
and the commit it was built from, in the page's margin.

A printout leaves the site: an auditor files it, and months later nobody can tell which
state of the register it showed. So each printed page says it, in the bottom margin
(CSS page-margin boxes, printed by Chromium 131+; browsers without them print the page
without the line, never with a wrong one). The text is the same for every page of one
build, so it is one small stylesheet, written per build, linked by every page.
"""

from __future__ import annotations

import datetime as dt

from ..git.provenance import Provenance

STAMP_CSS = "stamp.css"


def stamp_text(today: dt.date, source: Provenance | None) -> str:
    """``Register as of 2026-11-28 · commit 1a2b3c4d5e``: only a date, hex and our words,
    so it needs no escaping inside a CSS string."""
    text = f"Register as of {today.isoformat()}"
    if source is None or source.commit is None:
        return text + " · not built from a git commit"
    text += f" · commit {source.short}"
    return text + (" with uncommitted changes" if source.dirty else "")


def stamp_css(today: dt.date, source: Provenance | None) -> bytes:
    """The stylesheet that prints the stamp and the page number on every page."""
    text = stamp_text(today, source)
    return (
        "/* capa-docs: written per build; see capa_docs/site/printing.py. */\n"
        "@media print {\n"
        "  @page {\n"
        f'    @bottom-left {{ content: "{text}"; font: 8pt sans-serif; color: #444; }}\n'
        '    @bottom-right { content: "page " counter(page) " of " counter(pages);\n'
        "      font: 8pt sans-serif; color: #444; }\n"
        "  }\n"
        "}\n").encode()
