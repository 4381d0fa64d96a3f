"""The management review page: the figures ISO/IEC 27001 clause 9.3 asks for, as of
today, with the trend charts and links to each review's pack."""

from __future__ import annotations

from ...register.findings import SEVERITIES
from ...register.rollup import NO_OWNER
from ..context import SiteContext
from ..packs import PACKS_INDEX
from ..page import Page
from ..trends import charts_html
from ..urls import REVIEW


def review_page(ctx: SiteContext) -> Page:
    link = ctx.linker(REVIEW)
    settings = ctx.settings
    text = ctx.env.get_template("management-review.md.j2").render(
        r=ctx.review, register=ctx.register, link=link, severities=SEVERITIES,
        no_owner=NO_OWNER, stale_days=settings.stale_days,
        reviews=settings.reviews, table=ctx.table("_finding_table.j2", link),
        charts=charts_html(ctx.register), packs=ctx.packs, packs_index=PACKS_INDEX,
        months=settings.recurrence_months, alarm_days=settings.calendar_alarm_days,
        effectiveness_days_text=_periods(settings.effectiveness_days),
        register_feed=ctx.feeds[0], owner_feeds=ctx.feeds[1:],
    )
    return Page(REVIEW, text, in_nav=True)


def _periods(days: dict[str, int]) -> str:
    """``90 days for a major, 180 for a minor`` from the effectiveness_days setting."""
    parts = [f"{n} days for a{'n' if s[0] in 'aeiou' else ''} {s}" for s, n in days.items()]
    return ", ".join(parts) if parts else "the configured period"
