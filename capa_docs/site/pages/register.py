"""The register page: every finding in one table, with counts by status and severity and
the commit the site was built from."""

from __future__ import annotations

from markupsafe import Markup

from ...contract.catalogue import Standards
from ...contract.model import Finding
from ...register.findings import SEVERITIES, STATUSES, action_owners
from ..context import SiteContext
from ..page import Page
from ..urls import REGISTER, finding_uri


def _standards_of(finding: Finding, standards: Standards) -> str:
    """The IDs of the standards a finding cites a clause of, for the Standard filter."""
    found = {r.catalogue.id for r in map(standards.resolve, finding.data.get("clauses") or [])
             if r is not None}
    return " ".join(sorted(found))


def register_page(ctx: SiteContext) -> Page:
    register = ctx.register
    link = ctx.linker(REGISTER)
    standards = register.settings.standards
    rows = [(f, f.data, register.of(f), link(finding_uri(f.id)),
             _standards_of(f, standards) if standards.several else "") for f in register]
    overdue = sum(1 for c in register.computed.values() if c.overdue)
    stale = sum(1 for c in register.computed.values() if c.stale)
    late = sum(1 for c in register.computed.values() if c.recorded_late)
    text = ctx.env.get_template("register.md.j2").render(
        register=register, rows=rows, link=link, today=register.today,
        by_status=register.count_by("status", STATUSES),
        by_severity=register.count_by("severity", SEVERITIES),
        statuses=STATUSES, severities=SEVERITIES, owners=register.owners(),
        overdue=overdue, stale=stale, recorded_late=late, offline=ctx.offline,
        action_owners=action_owners,
        source=Markup(ctx.source.html()) if ctx.source else None,
        standards=list(standards) if standards.several else [],
    )
    return Page(REGISTER, text, in_nav=True)
