"""A finding's own page: its facts, actions, evidence, narrative, history and similar
findings, with "edit this page" opening the finding's file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from ...contract.model import Finding
from ...git.trail import trail_of
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
    text = ctx.env.get_template("finding.md.j2").render(
        f=finding, d=data, c=ctx.register.of(finding),
        actions=_actions(data, ctx.register.today), evidence=ctx.evidence.of(finding),
        narrative=narrative_html(ctx, finding, uri), link=ctx.linker(uri),
        register=ctx.register, similar=ctx.similar_of(finding.id),
        months=ctx.settings.recurrence_months,
        trail=trail_of(ctx.register.history, finding.rel, ctx.repo_url),
        meta_title=Markup(meta_title(title)),
    )
    return Page(uri, text, edit_path=finding.rel)


def _actions(data: dict[str, Any], today: dt.date) -> list[dict[str, Any]]:
    """The corrective actions, each marked overdue (and by how many days) as of today."""
    actions = []
    for action in data.get("corrective_actions") or []:
        due = as_date(action.get("due"))
        late = (not action.get("completed") and data["status"] != "closed"
                and due is not None and due < today)
        overdue_days = (today - due).days if late and due else 0
        actions.append({**action, "overdue": bool(late), "overdue_days": overdue_days})
    return actions
