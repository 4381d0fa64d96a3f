"""The management review pack pages: an index of packs (in the nav) and one page per
review (not in the nav), each showing the register as it stood on the review's date."""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup

from ...register.findings import SEVERITIES, Register
from ..context import Link, SiteContext
from ..packs import PACKS_INDEX, Pack
from ..page import Page
from ..trends import charts_html
from ..urls import finding_uri

PACKS_TITLE = "Management review packs"
GONE = "(no longer in the register)"


def pack_pages(ctx: SiteContext, packs: list[Pack]) -> list[Page]:
    """The index of packs (in the nav) and one page per pack (not in the nav)."""
    if not packs:
        return []
    env = ctx.env
    pages = [Page(PACKS_INDEX, env.get_template("review-packs.md.j2").render(
        packs=list(reversed(packs)), link=ctx.linker(PACKS_INDEX), title=PACKS_TITLE),
        in_nav=True)]
    for pack in packs:
        link = ctx.linker(pack.uri)
        slug = re.sub(r"[^a-z0-9]+", "-", pack.review_id.lower()).strip("-")
        text = env.get_template("review-pack.md.j2").render(
            p=pack, r=pack.figures, register=pack.register, link=link,
            severities=SEVERITIES, stale_days=pack.register.settings.stale_days,
            months=pack.register.settings.recurrence_months,
            table=ctx.table("_finding_table.j2", link, pack.register, ctx.register),
            current=ctx.register, ids=_id_links(link, ctx.register),
            charts=charts_html(pack.register, f"capa-pack-{slug}"),
            meta_title=Markup(f'"Management review pack {_yaml_text(pack.review_id)}"'))
        pages.append(Page(pack.uri, text))
    return pages


def _yaml_text(text: str) -> str:
    return re.sub(r'[\\"\x00-\x1f]', "", text)


def _id_links(link: Link, current: Register) -> Callable[[list[str]], Markup]:
    """Finding IDs as links to their pages, for the IDs the site still has a page for: a
    finding deleted since the review is named in plain text, saying so."""
    def ids(found: list[str]) -> Markup:
        if not found:
            return Markup('<span class="capa-none">none</span>')
        parts = []
        for fid in found:
            if fid in current.by_id:
                parts.append(Markup('<a href="{}">{}</a>').format(link(finding_uri(fid)), fid))
            else:
                parts.append(Markup('{} <span class="capa-gone">{}</span>').format(fid, GONE))
        return Markup(", ").join(parts)

    return ids
