"""The clauses page: findings grouped by the clause or Annex A control they cite, in the
standard's order, and the findings that cite none."""

from __future__ import annotations

from collections import defaultdict

from ...register.rollup import clause_key
from ..context import SiteContext
from ..page import Page
from ..urls import CLAUSES


def clauses_page(ctx: SiteContext) -> Page:
    by_clause: dict[str, list[str]] = defaultdict(list)
    unmapped = []
    for finding in ctx.register:
        clauses = list(dict.fromkeys(finding.data.get("clauses") or []))
        for clause in clauses:
            by_clause[clause].append(finding.id)
        if not clauses:
            unmapped.append(finding.id)
    groups = sorted(by_clause.items(), key=lambda item: clause_key(item[0]))
    body = [g for g in groups if not g[0].startswith("A.")]
    annex = [g for g in groups if g[0].startswith("A.")]
    link = ctx.linker(CLAUSES)
    text = ctx.env.get_template("clauses.md.j2").render(
        groups=groups, sections=[("Clauses 4 to 10", body), ("Annex A controls", annex)],
        unmapped=unmapped, link=link, register=ctx.register,
        table=ctx.table("_clause_table.j2", link),
    )
    return Page(CLAUSES, text, in_nav=True)
