"""The home page a site gets when its docs folder has no ``index.md`` of its own."""

from __future__ import annotations

from ...register.findings import NONCONFORMITIES, SEVERITIES
from ..context import SiteContext
from ..page import Page
from ..templating import severity_mix
from ..urls import INDEX


def index_page(ctx: SiteContext) -> Page:
    register = ctx.register
    text = ctx.env.get_template("index.md.j2").render(
        link=ctx.linker(INDEX), today=register.today, total=len(register),
        open=sum(1 for f in register if f.data["status"] != "closed"),
        overdue=sum(1 for c in register.computed.values() if c.overdue), offline=ctx.offline,
        mix=severity_mix(register.count_by("severity", SEVERITIES)),
        open_nc=sum(1 for f in register
                    if f.data["status"] != "closed" and f.data["severity"] in NONCONFORMITIES),
        standards=list(register.settings.standards),
    )
    return Page(INDEX, text, in_nav=True)
