"""The management review page: the figures ISO/IEC 27001 clause 9.3 asks for, as of
today, with the trend charts and links to each review's pack."""

from __future__ import annotations

from ...register.findings import NONCONFORMITIES, SEVERITIES, Register
from ...register.rollup import NO_OWNER, Rollup
from ..context import SiteContext
from ..packs import PACKS_INDEX
from ..page import Page
from ..trends import charts_html
from ..urls import REVIEW


def review_page(ctx: SiteContext) -> Page:
    link = ctx.linker(REVIEW)
    settings = ctx.settings
    register = ctx.register
    text = ctx.env.get_template("management-review.md.j2").render(
        r=ctx.review, register=register, link=link, severities=SEVERITIES,
        nonconformities=NONCONFORMITIES,
        conformities=register.count_by("severity", SEVERITIES)["conformity"],
        targets={s: settings.sla_days[s] for s in NONCONFORMITIES if s in settings.sla_days},
        beyond=beyond_notes(register, ctx.review), overdue_owners=overdue_notes(ctx.review),
        questioned=questioned_notes(ctx.review, register),
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


def beyond_notes(register: Register, review: Rollup) -> dict[str, str]:
    """Why each finding closed beyond its target is listed: the figures behind it."""
    out = {}
    for fid in review.closed_beyond_target:
        computed = register.computed[fid]
        severity = register.by_id[fid].data["severity"]
        target = register.settings.sla_days.get(severity)
        out[fid] = (f"{computed.days_to_close} days to close; target {target} days for a "
                    f"{severity}: {computed.beyond_target_days} days over")
    return out


def questioned_notes(review: Rollup, register: Register) -> dict[str, str]:
    """The later findings that recur each effective closure."""
    return {fid: "effectiveness questioned: recurred as "
                 + ", ".join(register.computed[fid].recurred_as)
            for fid in review.effectiveness_questioned}


def overdue_notes(review: Rollup) -> dict[str, str]:
    """Who owns each overdue finding's late actions: the person to chase, who may not be
    the finding's owner."""
    owners: dict[str, list[str]] = {}
    for item in review.overdue_actions:
        owners.setdefault(item.finding_id, []).append(f"action {item.number}: {item.owner}")
    return {fid: "overdue " + "; ".join(sorted(texts)) for fid, texts in owners.items()}
