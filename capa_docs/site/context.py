"""What every page builder of one build shares: the register, its figures, how to link,
the templates, and the evidence views.

Each page kind is a function over this context (``site.pages``), so a page builder reads
the same computed figures and publishes evidence into the same set of files as the others,
and what is costly (the templates, the Markdown converter, the similar-findings index) is
made once per build.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import markdown
from markupsafe import Markup

from ..git.closures import ClosureRecord, read_closures
from ..git.provenance import Provenance
from ..git.signatures import Signature
from ..register.evidence import EvidenceViews
from ..register.findings import Register
from ..register.ics import Feed, calendar_feeds
from ..register.reminders import Reminders, reminders
from ..register.rollup import Rollup, Similar, similar
from .packs import Pack, packs_for
from .templating import environment
from .urls import LINK_STYLES, finding_uri, page_url, relative_url

Link = Callable[[str], str]


class SiteContext:
    """One register as one build publishes it; the page builders' shared state."""

    def __init__(self, register: Register, review: Rollup, repo_root: Path, *,
                 links: str = "directory", repo_url: str | None = None,
                 source: Provenance | None = None, offline: bool = False,
                 site_url: str | None = None, site_name: str = "Corrective actions") -> None:
        if links not in LINK_STYLES:
            raise ValueError(f"links must be one of {', '.join(LINK_STYLES)}")
        self.register = register
        self.review = review
        self.repo_root = repo_root.resolve()
        self.links = links
        self.repo_url = repo_url
        self.source = source
        self.offline = offline
        """The pages are for a copy opened from disk (``capa offline``): no search."""
        self.site_url = site_url
        """The site's address (mkdocs.yml site_url): calendar events link finding pages
        with it; without it they carry no link (a calendar cannot follow a relative one)."""
        self.site_name = site_name
        self.settings = register.settings
        self.env = environment()
        self.markdown = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"])
        self.evidence = EvidenceViews(self.repo_root, register)

    @cached_property
    def packs(self) -> list[Pack]:
        """The management review packs, read from the build's history pass."""
        return packs_for(self.register, self.repo_root)

    @cached_property
    def closures(self) -> dict[str, ClosureRecord]:
        """Each closed finding's closing commit, later changes and review commit, from one
        read of the needed file versions."""
        closed = [f.rel for f in self.register if f.data.get("status") == "closed"]
        return read_closures(self.repo_root, self.register.history, closed)

    @cached_property
    def signatures(self) -> dict[str, Signature]:
        """With ``allowed_signers`` set: git's verdict on every closing and review commit.
        The SSH signatures a listed key made are checked in this process (git would run
        ssh-keygen twice a commit); git itself judges every other commit, in one
        ``git log`` over all of them (``git.sshverify``)."""
        signers = self.settings.allowed_signers_file
        if signers is None:
            return {}
        # Imported here: it loads the cryptography library (7 MB of the build's peak
        # memory), which only a register with allowed_signers needs.
        from ..git.sshverify import verify_closures

        commits = [c.commit for record in self.closures.values()
                   for c in (record.closing, record.review) if c is not None]
        return verify_closures(self.repo_root, commits, signers)

    @cached_property
    def reminders(self) -> Reminders:
        """Who owes what, and the calendar's events, as of the build's date."""
        return reminders(self.register)

    @cached_property
    def feeds(self) -> list[Feed]:
        """``register.ics`` and one feed per owner."""
        host = urlsplit(self.site_url).hostname if self.site_url else None
        return calendar_feeds(self.reminders.events, site_name=self.site_name,
                              today=self.register.today,
                              alarm_days=self.settings.calendar_alarm_days,
                              contacts=self.settings.owners, url_of=self.absolute_url,
                              domain=host or "capa-docs")

    def absolute_url(self, finding_id: str) -> str | None:
        """A finding page's full address, when the site knows its own (site_url)."""
        if not self.site_url:
            return None
        page = page_url(finding_uri(finding_id), self.links != "html")
        return self.site_url.rstrip("/") + "/" + page

    @cached_property
    def _similar(self) -> dict[str, list[Similar]]:
        return similar(self.register)

    def similar_of(self, finding_id: str) -> list[Similar]:
        """Recurrence seen from one finding: the "Similar findings" section."""
        return self._similar.get(finding_id, [])

    def linker(self, from_uri: str) -> Link:
        """Links from one page, each worked out once: a page names the same targets often."""
        cache_: dict[str, str] = {}

        def link(to_uri: str) -> str:
            if to_uri not in cache_:
                cache_[to_uri] = relative_url(from_uri, to_uri, self.links)
            return cache_[to_uri]

        return link

    def table(self, template: str, link: Link, register: Register | None = None,
              current: Register | None = None) -> Callable[..., Markup]:
        """A template's ``table(ids, column, notes)``: the findings ``ids`` of ``register``
        (a pack's, or this build's) as a table; ``current`` is the register whose pages
        the rows may link (an ID gone from it is named, not linked)."""
        rows_from = self.register if register is None else register

        def table(ids: list[str], column: str = "",
                  notes: dict[str, str] | None = None) -> Markup:
            return Markup(self.env.get_template(template).render(
                ids=ids, column=column, register=rows_from, link=link, current=current,
                notes=notes or {}))

        return table
