"""The published register as page text and files, for MkDocs or any Markdown site generator.

The plugin hands these pages to MkDocs and ``capa render`` writes them to a folder (for
Zensical, which runs no MkDocs plugins), so both publish the same register. Pages are
Markdown whose section headings are ours and whose every value from a finding sits in
raw HTML, escaped by Jinja2's autoescape: Markdown never sees finding text, so a title
like ``[x](javascript:...)`` or a line starting ``--8<--`` cannot become a link or an
include. The narrative is converted here with Python-Markdown and sanitised with nh3
before it is embedded, unless the site owner trusts every writer (``allow_raw_html``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import markdown
import nh3
from markupsafe import Markup, escape

from ..contract.evidence import resolve_evidence
from ..contract.model import ERROR, WARNING, Problem
from ..contract.settings import Settings
from ..contract.validate import Validation, validate
from ..git.history import read_history
from ..git.provenance import Provenance, provenance
from ..git.trail import last_changed_note, trail_of
from ..register.data import register_csv, register_json
from ..register.evidence import IMAGE_SUFFIXES, EvidenceViews, published_uri
from ..register.findings import SEVERITIES, STATUSES, Register, as_date
from ..register.rollup import NO_OWNER, Rollup, Similar, clause_key, rollup, similar
from .packs import PACKS_INDEX, Pack, pack_pages, packs_for
from .trends import charts_html

INDEX, REGISTER, REVIEW, CLAUSES = "index.md", "register.md", "management-review.md", "clauses.md"
CSV_URI, JSON_URI = "register.csv", "register.json"
ASSET_DIR = "assets/capa"
NAV_PAGES = (REGISTER, REVIEW, CLAUSES)
NAV_TITLES = {REGISTER: "Register", REVIEW: "Management review", CLAUSES: "Clauses"}
NONE_TEXT = Markup('<span class="capa-none">not recorded</span>')


def finding_uri(finding_id: str) -> str:
    return f"findings/{finding_id}.md"


def clause_anchor(clause: str) -> str:
    return "clause-" + re.sub(r"[^a-z0-9]+", "-", str(clause).lower()).strip("-")


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


LINK_STYLES = ("directory", "html", "source")


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


@dataclass
class Page:
    """One generated page: its Markdown, and the repository file an editor should open."""

    uri: str
    text: str
    in_nav: bool = False
    edit_path: str | None = None

    def split(self) -> tuple[str, list[str]]:
        """The Markdown with each HTML block replaced by a placeholder comment, and the
        blocks: a generator that runs plugins can skip parsing the HTML (most of a page)
        with its Markdown processor and put the blocks back into the converted page."""
        blocks: list[str] = []

        def stash(match: re.Match[str]) -> str:
            blocks.append(match.group(0))
            return f"<!-- capa-block {len(blocks) - 1} -->"

        return _BLOCK.sub(stash, self.text), blocks


# A top-level block of our templates: from a line opening `<div class="capa"` (or
# `"capa ...`) to the first line that is exactly `</div>`. Finding text cannot forge
# either line: its newlines are rendered as `&#10;`.
_BLOCK = re.compile(r'^<div class="capa[ "].*?^</div>$', re.MULTILINE | re.DOTALL)
_BLOCK_END = re.compile(r"^</div>$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"<!-- capa-block (\d+) -->")


def restore_blocks(html_text: str, blocks: list[str], *, searched_only: bool = False) -> str:
    """Put the HTML blocks back where ``Page.split`` left placeholders.

    With ``searched_only``, a block the search index excludes anyway (its opening tag has
    ``data-search-exclude``: history, similar findings) keeps its placeholder, so a search
    plugin that parses every page's content skips it; a second call, on the finished page,
    puts it back. At 10,000 pages that parsing is the largest cost of a build.
    """
    def block(match: re.Match[str]) -> str:
        text = blocks[int(match.group(1))]
        if searched_only and _UNSEARCHED in text[:text.find(">")]:
            return match.group(0)
        return text

    return _PLACEHOLDER.sub(block, html_text)


_UNSEARCHED = "data-search-exclude"


@dataclass
class Rendered:
    """Everything the site needs: pages, generated files, and evidence to copy."""

    pages: dict[str, Page] = field(default_factory=dict)
    assets: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


# What PyYAML refuses in a document (its Reader's check) or reads as a line break (NEL,
# LS, PS): MkDocs parses our page's front matter with PyYAML and, when that fails,
# silently renders it as Markdown.
_NOT_YAML_PRINTABLE = re.compile(
    "[^\x09\x0A\x0D\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFFFD"
    "\U00010000-\U0010FFFF]")


def meta_title(title: str) -> str:
    """The page title as a YAML double-quoted scalar MkDocs is sure to read back.

    JSON strings are YAML double-quoted scalars; a character PyYAML would refuse is
    written as a ``\\uXXXX`` escape (a lone surrogate as U+FFFD), so the front matter
    can never fall through to the Markdown processor as text.
    """
    def escape_char(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        return "\\ufffd" if 0xD800 <= code <= 0xDFFF else f"\\u{code:04x}"

    return _NOT_YAML_PRINTABLE.sub(escape_char, json.dumps(html.escape(title),
                                                           ensure_ascii=False))


def _finalize(value: Any) -> Any:
    """Escape every value, and turn its newlines into ``&#10;``: no finding text ever
    starts a line of the page, so no Markdown preprocessor (snippets, abbreviations)
    can act on it."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    text = escape(value)
    if "\n" in text or "\r" in text:
        return Markup(str(text).replace("\r", "").replace("\n", "&#10;"))
    return text


# Small pieces every page repeats, as functions: a Jinja macro call costs several times
# more, and there are tens of thousands of them in a large register.

def badge(kind: str, value: Any) -> Markup:
    value = _finalize(value)
    return Markup(f'<span class="capa-badge capa-{kind}-{value}">{value}</span>')


def marks(computed: Any) -> Markup:
    out = []
    if computed.overdue:
        out.append('<span class="capa-badge capa-mark-overdue" title="a corrective action is '
                   f'past its due date">overdue {computed.overdue_days} d</span>')
    if computed.stale:
        out.append('<span class="capa-badge capa-mark-stale" title="unchanged for longer than '
                   'the stale period">stale</span>')
    if computed.due_soon:
        out.append('<span class="capa-badge capa-mark-soon">due soon</span>')
    return Markup("".join(out))


def id_list(link: Callable[[str], str], register: Register, ids: list[str]) -> Markup:
    if not ids:
        return Markup('<span class="capa-none">none</span>')
    parts = []
    for fid in ids:
        text = _finalize(fid)
        if fid in register.by_id:
            parts.append(f'<a href="{_finalize(link(finding_uri(fid)))}">{text}</a>')
        else:
            parts.append(str(text))
    return Markup(", ".join(parts))


def natural_key(text: str) -> str:
    """A sort key that orders ``CAPA-2026-999`` before ``CAPA-2026-1000``."""
    return re.sub(r"[0-9]+", lambda m: m.group(0).zfill(12), text)


def days_text(days: float | None) -> str:
    """A median in days: ``42``, ``42.5`` (the median of an even count), or a dash."""
    if days is None:
        return "—"
    return str(int(days)) if days == int(days) else f"{days:.1f}"


def head(link: Callable[[str], str]) -> Markup:
    return Markup(f'<link rel="stylesheet" href="{_finalize(link(ASSET_DIR + "/capa.css"))}">')


@cache
def environment() -> jinja2.Environment:
    """One compiled template set per process: 10,000 pages must not recompile anything."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("capa_docs.site", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=False,
        keep_trailing_newline=True,
        undefined=jinja2.Undefined,
    )
    env.globals.update(finding_uri=finding_uri, clause_anchor=clause_anchor,
                       none_text=NONE_TEXT, badge=badge, marks=marks, id_list=id_list,
                       head=head, natural_key=natural_key,
                       days_text=days_text)
    return env


def asset_bytes(name: str) -> bytes:
    return resources.files("capa_docs.site").joinpath("assets", name).read_bytes()


class Renderer:
    """Renders one register into pages; holds what every page shares."""

    def __init__(self, register: Register, review: Rollup, repo_root: Path, *,
                 links: str = "directory", repo_url: str | None = None,
                 source: Provenance | None = None) -> None:
        if links not in LINK_STYLES:
            raise ValueError(f"links must be one of {', '.join(LINK_STYLES)}")
        self.register = register
        self.review = review
        self.repo_root = repo_root.resolve()
        self.links = links
        self.repo_url = repo_url
        self.source = source
        self.settings = register.settings
        self.env = environment()
        self._markdown = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"])
        self.packs: list[Pack] = []
        self._similar: dict[str, list[Similar]] | None = None
        self.evidence = EvidenceViews(self.repo_root)

    def similar_of(self, finding_id: str) -> list[Similar]:
        """Recurrence seen from one finding: the "Similar findings" section."""
        if self._similar is None:
            self._similar = similar(self.register)
        return self._similar.get(finding_id, [])

    def linker(self, from_uri: str) -> Callable[[str], str]:
        cache_: dict[str, str] = {}

        def link(to_uri: str) -> str:
            if to_uri not in cache_:
                cache_[to_uri] = relative_url(from_uri, to_uri, self.links)
            return cache_[to_uri]

        return link

    def render(self, *, with_index: bool = True) -> Rendered:
        out = Rendered()
        for finding in self.register:
            page = self.finding_page(finding)
            out.pages[page.uri] = page
        out.pages[REGISTER] = Page(REGISTER, self.register_page(), in_nav=True)
        self.packs = packs_for(self.register, self.repo_root)
        out.pages[REVIEW] = Page(REVIEW, self.review_page(), in_nav=True)
        out.pages[CLAUSES] = Page(CLAUSES, self.clauses_page(), in_nav=True)
        if with_index:
            out.pages[INDEX] = Page(INDEX, self.index_page(), in_nav=True)
        out.pages.update((page.uri, page) for page in pack_pages(self, self.packs))
        evidence_of = self.evidence.of
        out.assets[CSV_URI] = register_csv(self.register, evidence_of)
        out.assets[JSON_URI] = register_json(self.register, evidence_of, source=self.source)
        for name in ("capa.css", "register.js", "print.css"):
            out.assets[f"{ASSET_DIR}/{name}"] = asset_bytes(name)
        out.files = dict(self.evidence.files)
        return out

    # Pages ----------------------------------------------------------------------------

    def finding_page(self, finding) -> Page:
        uri = finding_uri(finding.id)
        link = self.linker(uri)
        data = finding.data
        computed = self.register.of(finding)
        actions = []
        for action in data.get("corrective_actions") or []:
            due = as_date(action.get("due"))
            late = (not action.get("completed") and data["status"] != "closed"
                    and due is not None and due < self.register.today)
            overdue_days = (self.register.today - due).days if late and due else 0
            actions.append({**action, "overdue": bool(late), "overdue_days": overdue_days})
        title = f"{finding.id}: {data.get('title', '')}"
        text = self.env.get_template("finding.md.j2").render(
            f=finding, d=data, c=computed, actions=actions, evidence=self.evidence.of(finding),
            narrative=self.narrative(finding, uri), link=link, register=self.register,
            similar=self.similar_of(finding.id), months=self.settings.recurrence_months,
            trail=trail_of(self.register.history, finding.rel, self.repo_url),
            meta_title=Markup(meta_title(title)),
        )
        return Page(uri, text, edit_path=finding.rel)

    def register_page(self) -> str:
        link = self.linker(REGISTER)
        rows = [(f, f.data, self.register.of(f), link(finding_uri(f.id))) for f in self.register]
        overdue = sum(1 for c in self.register.computed.values() if c.overdue)
        stale = sum(1 for c in self.register.computed.values() if c.stale)
        return self.env.get_template("register.md.j2").render(
            register=self.register, rows=rows, link=link, today=self.register.today,
            by_status=self.register.count_by("status", STATUSES),
            by_severity=self.register.count_by("severity", SEVERITIES),
            statuses=STATUSES, severities=SEVERITIES, owners=self.register.owners(),
            overdue=overdue, stale=stale,
            source=Markup(self.source.html()) if self.source else None,
        )

    def _table(self, template: str, link: Callable[[str], str]):
        def table(ids: list[str], column: str = "") -> Markup:
            return Markup(self.env.get_template(template).render(
                ids=ids, column=column, register=self.register, link=link))

        return table

    def review_page(self) -> str:
        link = self.linker(REVIEW)
        return self.env.get_template("management-review.md.j2").render(
            r=self.review, register=self.register, link=link, severities=SEVERITIES,
            no_owner=NO_OWNER, stale_days=self.settings.stale_days,
            reviews=self.settings.reviews, table=self._table("_finding_table.j2", link),
            charts=charts_html(self.register), packs=self.packs, packs_index=PACKS_INDEX,
            months=self.settings.recurrence_months,
        )

    def clauses_page(self) -> str:
        link = self.linker(CLAUSES)
        by_clause: dict[str, list[str]] = defaultdict(list)
        unmapped = []
        for finding in self.register:
            clauses = list(dict.fromkeys(finding.data.get("clauses") or []))
            for clause in clauses:
                by_clause[clause].append(finding.id)
            if not clauses:
                unmapped.append(finding.id)
        groups = sorted(by_clause.items(), key=lambda item: clause_key(item[0]))
        body = [g for g in groups if not g[0].startswith("A.")]
        annex = [g for g in groups if g[0].startswith("A.")]
        return self.env.get_template("clauses.md.j2").render(
            groups=groups, sections=[("Clauses 4 to 10", body), ("Annex A controls", annex)],
            unmapped=unmapped, link=link, register=self.register,
            table=self._table("_clause_table.j2", link),
        )

    def index_page(self) -> str:
        computed = self.register.computed.values()
        return self.env.get_template("index.md.j2").render(
            link=self.linker(INDEX), today=self.register.today, total=len(self.register),
            open=sum(1 for f in self.register if f.data["status"] != "closed"),
            overdue=sum(1 for c in computed if c.overdue),
        )

    # Narrative ------------------------------------------------------------------------

    def narrative(self, finding, page_uri: str) -> Markup:
        """The body as HTML: converted, sanitised, links to evidence and findings rewritten."""
        if not finding.body.strip():
            return Markup('<p class="capa-none">No narrative.</p>')
        converted = self._markdown.reset().convert(finding.body)
        link = self.linker(page_uri)

        def rewrite(tag: str, attribute: str, value: str) -> str | None:
            if (tag, attribute) in (("a", "href"), ("img", "src")):
                return self._narrative_link(finding, value, link, is_link=tag == "a")
            return value

        if self.settings.allow_raw_html:
            # Trusted HTML keeps its newlines (a <pre> or <script> needs them), but must
            # not end our block early (a line that is just </div>) or forge a placeholder.
            trusted = _BLOCK_END.sub(" </div>", converted)
            return Markup(trusted.replace("<!-- capa-block", "<!--  capa-block"))
        cleaned = nh3.clean(converted, attribute_filter=rewrite,
                            link_rel="noopener noreferrer")
        # A newline is kept as a character reference, so no line of sanitised text can
        # start a Markdown construct once embedded in the page (see _finalize).
        return Markup(cleaned.replace("\n", "&#10;"))

    def _narrative_link(self, finding, value: str, link: Callable[[str], str], *,
                        is_link: bool = True) -> str | None:
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or not parts.path or value.startswith("/"):
            return value
        target = parts.path
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if target.endswith(".md") and PurePosixPath(target).stem in self.register.by_id:
            return link(finding_uri(PurePosixPath(target).stem)) + fragment
        resolved = resolve_evidence(finding.path, target, self.repo_root)
        if resolved.ok and resolved.file is not None and resolved.file.is_relative_to(
                self.settings.register_dir):
            uri = published_uri(resolved.file.relative_to(self.repo_root).as_posix())
            if not is_link and resolved.file.suffix.lower() not in IMAGE_SUFFIXES:
                return None  # an <img> of a file published as text would show nothing
            self.evidence.publish(uri, resolved.file)
            return link(uri) + fragment
        # A local file the site does not publish (outside the register, or missing): the
        # link would be broken, so the text stays and the link goes.
        return None


def write_site(rendered: Rendered, outdir: Path) -> list[Path]:
    """Write pages, assets and evidence under ``outdir`` (``capa render``)."""
    import shutil

    written = []
    for uri, page in rendered.pages.items():
        written.append(_write(outdir, uri, page.text.encode("utf-8")))
    for uri, content in rendered.assets.items():
        written.append(_write(outdir, uri, content))
    for uri, source in rendered.files.items():
        target = outdir / uri
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    return written


def _write(outdir: Path, uri: str, content: bytes) -> Path:
    target = outdir / uri
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return target


@dataclass
class Build:
    """One validation pass and, when it found no error, the rendered site."""

    validation: Validation
    notes: list[str]
    rendered: Rendered | None
    source: Provenance | None = None
    """The commit the site was built from, for the footer line."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.validation.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.validation.problems if p.level == WARNING]


def build_site(settings: Settings, repo_root: Path, today: dt.date, *,
               links: str = "directory", with_index: bool = True,
               repo_url: str | None = None, sources: tuple[Path, ...] = ()) -> Build:
    """Validate once, then render if there is no error.

    One history pass serves the whole build: the `stale` rule, "last changed" and every
    finding page's History section read the same result, so git runs once per build
    (plus two small calls for the commit the site is built from). Shared by the plugin
    and ``capa render`` so both publish from the same checks.
    """
    history = read_history(repo_root, settings.register_dir, settings.evidence_dir)
    dates = history.last_changed()
    validation = validate(settings, repo_root, today, cwd=settings.base_dir, history=dates)
    notes = [n for n in (last_changed_note(history), *validation.notes) if n]
    # "Uncommitted changes" covers all the site is made from: findings, evidence, the
    # settings that judge them, and whatever other sources the caller names (docs_dir).
    inputs = [settings.register_dir, settings.evidence_dir, *sources]
    if settings.config_file is not None:
        inputs.append(settings.config_file)
    source = provenance(repo_root, inputs, today, repo_url)
    if any(p.level == ERROR for p in validation.problems):
        return Build(validation, notes, None, source)
    register = Register.from_validation(validation, settings, today, dates, history=history)
    renderer = Renderer(register, rollup(register), repo_root, links=links, repo_url=repo_url,
                        source=source)
    return Build(validation, notes, renderer.render(with_index=with_index), source)
