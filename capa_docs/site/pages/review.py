"""The management review page: the figures ISO/IEC 27001 clause 9.3 asks for, as of
today, with the trend charts and links to each review's pack.

A register covering several standards also gets one page per standard,
``management-review/<ID>.md`` (out of the navigation), with the same figures over the
findings citing a clause of that standard: the review of one management system.
"""

from __future__ import annotations

from ...contract.catalogue import Catalogue
from ...register.findings import NONCONFORMITIES, SEVERITIES, Register
from ...register.rollup import NO_OWNER, Rollup, rollup
from ..context import SiteContext
from ..packs import PACKS_INDEX
from ..page import Page
from ..trends import charts_html
from ..urls import REVIEW, clause_page_uri


def review_pages(ctx: SiteContext) -> list[Page]:
    standards = ctx.settings.standards
    if not standards.several:
        return [_review_page(ctx, REVIEW)]
    narrowed = [(c, _narrowed_uri(ctx, c)) for c in standards]
    pages = [_review_page(ctx, REVIEW, narrowed=narrowed)]
    pages += [_review_page(ctx, uri, narrow=c) for c, uri in narrowed]
    return pages


def _narrowed_uri(ctx: SiteContext, catalogue: Catalogue) -> str:
    name = clause_page_uri(ctx.settings.standards, catalogue).removeprefix("clauses/")
    return f"management-review/{name}"


def _review_page(ctx: SiteContext, uri: str, *, narrow: Catalogue | None = None,
                 narrowed: list[tuple[Catalogue, str]] | None = None) -> Page:
    """The review over the whole register, or (``narrow``) over the findings citing one
    standard; finding IDs are looked up in the whole register either way."""
    link = ctx.linker(uri)
    settings = ctx.settings
    register = ctx.register
    figures = register.narrowed(narrow.id) if narrow else register
    review = rollup(figures) if narrow else ctx.review
    slug = f"capa-chart-{uri.removesuffix('.md').replace('/', '-')}"
    text = ctx.env.get_template("management-review.md.j2").render(
        r=review, register=register, link=link, severities=SEVERITIES,
        nonconformities=NONCONFORMITIES,
        conformities=figures.count_by("severity", SEVERITIES)["conformity"],
        targets={s: settings.sla_days[s] for s in NONCONFORMITIES if s in settings.sla_days},
        beyond=beyond_notes(register, review), overdue_owners=overdue_notes(review),
        questioned=questioned_notes(review, register),
        no_owner=NO_OWNER, stale_days=settings.stale_days,
        reviews=settings.reviews, table=ctx.table("_finding_table.j2", link),
        charts=charts_html(figures, slug if narrow else "capa-chart"), packs=ctx.packs,
        packs_index=PACKS_INDEX, months=settings.recurrence_months,
        alarm_days=settings.calendar_alarm_days,
        effectiveness_days_text=_periods(settings.effectiveness_days),
        register_feed=ctx.feeds[0], owner_feeds=ctx.feeds[1:],
        narrow=narrow, narrowed=narrowed, whole=REVIEW,
        narrow_q=f"&standard={narrow.id}" if narrow else "",
    )
    return Page(uri, text, in_nav=narrow is None)


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
