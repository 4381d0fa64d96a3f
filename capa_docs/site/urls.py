"""Where each page and file of the published register lives, and how pages link them.

Every page builder names its targets by source URI (``findings/X.md``) and turns them
into links here, so the three link styles (MkDocs with and without directory URLs, and
source links for Zensical) are decided in one place.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ..contract.catalogue import Catalogue, Standards

INDEX, REGISTER, REVIEW, CLAUSES = "index.md", "register.md", "management-review.md", "clauses.md"
CSV_URI, JSON_URI = "register.csv", "register.json"
ASSET_DIR = "assets/capa"
NAV_PAGES = (REGISTER, REVIEW, CLAUSES)
NAV_TITLES = {REGISTER: "Register", REVIEW: "Management review", CLAUSES: "Clauses"}
LINK_STYLES = ("directory", "html", "source")


def finding_uri(finding_id: str) -> str:
    return f"findings/{finding_id}.md"


def clause_anchor(clause: str) -> str:
    return "clause-" + re.sub(r"[^a-z0-9]+", "-", str(clause).lower()).strip("-")


def clause_page_uri(standards: Standards, catalogue: Catalogue) -> str:
    """The page listing a standard's clauses: ``clauses.md`` when the register has one
    standard (as it always was), else ``clauses/<ID>.md``, with ``clauses.md`` listing
    the standards."""
    if not standards.several:
        return CLAUSES
    name = re.sub(r"[^a-z0-9._-]+", "-", catalogue.id.lower())
    return f"clauses/{'standard-' + name if name in ('index', 'readme') else name}.md"


def clause_target(standards: Standards, ref: str) -> str:
    """Page and anchor of a finding's clause reference (the clauses page if unknown)."""
    found = standards.resolve(ref)
    if found is None:
        return CLAUSES
    return (f"{clause_page_uri(standards, found.catalogue)}"
            f"#{clause_anchor(found.number)}")


def page_url(uri: str, directory_urls: bool) -> str:
    """The URL MkDocs gives a page ``uri`` (``findings/X.md`` -> ``findings/X/``)."""
    if not uri.endswith(".md"):
        return uri
    stem = uri[:-3]
    if not directory_urls:
        return stem + ".html"
    if stem == "index" or stem.endswith("/index"):
        return stem[:-5]
    return stem + "/"


def relative_url(from_uri: str, to_uri: str, links: str) -> str:
    """A link from page ``from_uri`` to a page or file, relative so the site can move.

    ``directory`` and ``html`` give the final URLs MkDocs publishes (MkDocs leaves links in
    raw HTML alone); ``source`` links source files (``../register.md``), as Markdown links
    are written, for generators that rewrite them, as Zensical does even in raw HTML.
    Every link climbs to the site root and back down: no path arithmetic per link, which
    matters at 10,000 pages with a dozen links each. The path is percent-encoded: an
    evidence file named ``report #2 ?v=1.pdf`` must not end its link at the ``#``.
    """
    if links == "source":
        return "../" * from_uri.count("/") + quote(to_uri)
    directory_urls = links == "directory"
    rel = ("../" * page_url(from_uri, directory_urls).count("/")
           + quote(page_url(to_uri, directory_urls)))
    return rel or "./"
