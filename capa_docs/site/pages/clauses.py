"""The clauses pages: findings grouped by the clause or control they cite, in the
standard's order, each under its short title; and the findings that cite none.

With one standard (the default, ISO/IEC 27001:2022) that is one page, ``clauses.md``.
With several, each standard gets ``clauses/<ID>.md`` (out of the navigation) and
``clauses.md`` lists the standards with their counts and the findings citing no clause.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ...contract.catalogue import Catalogue
from ..context import SiteContext
from ..page import Page
from ..urls import CLAUSES, clause_page_uri


@dataclass
class StandardClauses:
    """One standard's cited clauses and controls, each with its findings."""

    catalogue: Catalogue
    uri: str
    groups: dict[str, list[str]] = field(default_factory=dict)

    def sections(self) -> list[tuple[str, list[tuple[str, list[str]]]]]:
        ordered = sorted(self.groups.items(), key=lambda g: self.catalogue.order(g[0]))
        clauses = [g for g in ordered if not self.catalogue.is_control(g[0])]
        controls = [g for g in ordered if self.catalogue.is_control(g[0])]
        first, last = next(iter(self.catalogue.clauses)), list(self.catalogue.clauses)[-1]
        heading = f"Clauses {first.split('.')[0]} to {last.split('.')[0]}"
        return [(heading, clauses), (self.catalogue.controls_title, controls)]

    @property
    def findings(self) -> int:
        return len({fid for ids in self.groups.values() for fid in ids})


def clauses_pages(ctx: SiteContext) -> list[Page]:
    standards = ctx.register.settings.standards
    cited = {c.id: StandardClauses(c, clause_page_uri(standards, c)) for c in standards}
    unmapped = []
    for finding in ctx.register:
        refs = [r for r in dict.fromkeys(finding.data.get("clauses") or [])
                if isinstance(r, str)]
        resolved = [found for found in map(standards.resolve, refs) if found is not None]
        for found in resolved:
            groups = cited[found.catalogue.id].groups
            groups.setdefault(found.number, []).append(finding.id)
        if not resolved:
            unmapped.append(finding.id)
    if not standards.several:
        only = cited[standards.first.id]
        return [_standard_page(ctx, only, unmapped, in_nav=True)]
    pages = [_standard_page(ctx, page, None, in_nav=False) for page in cited.values()]
    link = ctx.linker(CLAUSES)
    text = ctx.env.get_template("clauses-index.md.j2").render(
        standards=list(cited.values()), unmapped=unmapped, link=link,
        register=ctx.register, table=ctx.table("_clause_table.j2", link))
    return [Page(CLAUSES, text, in_nav=True), *pages]


def _standard_page(ctx: SiteContext, cited: StandardClauses, unmapped: list[str] | None,
                   *, in_nav: bool) -> Page:
    link = ctx.linker(cited.uri)
    groups = defaultdict(list, cited.groups)
    text = ctx.env.get_template("clauses.md.j2").render(
        c=cited.catalogue, groups=sorted(groups.items(),
                                         key=lambda g: cited.catalogue.order(g[0])),
        sections=cited.sections(), unmapped=unmapped, link=link, register=ctx.register,
        table=ctx.table("_clause_table.j2", link), overview=None if in_nav else CLAUSES,
        several=ctx.register.settings.standards.several)
    return Page(cited.uri, text, in_nav=in_nav)
