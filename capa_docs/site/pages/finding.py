"""A finding's own page: its facts, actions, evidence, narrative, history and similar
findings, with "edit this page" opening the finding's file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from ...contract.model import Finding
from ...git.closures import pin_dates
from ...git.history import Change
from ...git.trail import after_closure, closing_commit, trail_of
from ...register.findings import as_date
from ..context import SiteContext
from ..narrative import narrative_html
from ..page import Page
from ..templating import meta_title
from ..urls import finding_uri


def finding_page(ctx: SiteContext, finding: Finding) -> Page:
    uri = finding_uri(finding.id)
    data = finding.data
    title = f"{finding.id}: {data.get('title', '')}"
    computed = ctx.register.of(finding)
    evidence = ctx.evidence.of(finding)
    record = ctx.closures.get(finding.rel)
    closing, review = closing_commit(record, ctx.repo_url)
    history = ctx.register.history
    pins = pin_dates(history.for_path(finding.rel) if history is not None else None)
    text = ctx.env.get_template("finding.md.j2").render(
        f=finding, d=data, c=computed,
        actions=_actions(data, ctx.register.today), evidence=evidence,
        pin_notes=[_pin_note(view.recorded_pin, pins, computed.closed) for view in evidence],
        after_closure=after_closure(record, ctx.repo_url), closing=closing,
        review_commit=review, signed=ctx.settings.allowed_signers is not None,
        closing_signature=ctx.signatures.get(closing.sha) if closing else None,
        review_signature=ctx.signatures.get(review.sha) if review else None,
        narrative=narrative_html(ctx, finding, uri), link=ctx.linker(uri),
        register=ctx.register, similar=ctx.similar_of(finding.id),
        months=ctx.settings.recurrence_months,
        target=ctx.settings.sla_days.get(data.get("severity")),
        not_applicable=data.get("severity") == "conformity",
        trail=trail_of(ctx.register.history, finding.rel, ctx.repo_url,
                       finding.data.get("imported")),
        meta_title=Markup(meta_title(title)),
    )
    return Page(uri, text, edit_path=finding.rel)


def _pin_note(pin: str, first: dict[str, Change], closed: dt.date | None) -> str:
    """When the evidence's pin was first committed, against the closure date: a pin made
    long after closure proves the file is unchanged since the pin, not since closure."""
    if not pin:
        return ""
    change = first.get(pin)
    if change is None:
        return "pin not committed yet"
    if closed is None:
        return f"pinned {change.day}"
    days = (change.day - closed).days
    if days > 0:
        return f"pinned {change.day}, {days} day{'s' if days != 1 else ''} after closure"
    if days == 0:
        return f"pinned {change.day}, the day of closure"
    return f"pinned {change.day}, {-days} day{'s' if days != -1 else ''} before closure"


def _actions(data: dict[str, Any], today: dt.date) -> list[dict[str, Any]]:
    """The corrective actions, each marked overdue (and by how many days) as of today, or
    completed late (and by how many days after its due date)."""
    actions = []
    for action in data.get("corrective_actions") or []:
        due = as_date(action.get("due"))
        late = (not action.get("completed") and data["status"] != "closed"
                and due is not None and due < today)
        overdue_days = (today - due).days if late and due else 0
        completed = as_date(action.get("completed"))
        late_days = (completed - due).days if completed and due and completed > due else 0
        actions.append({**action, "overdue": bool(late), "overdue_days": overdue_days,
                        "late_days": late_days})
    return actions
