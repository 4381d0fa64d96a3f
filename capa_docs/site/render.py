"""The published register as page text and files, for MkDocs or any Markdown site generator.

The plugin hands these pages to MkDocs and ``capa render`` writes them to a folder (for
Zensical, which runs no MkDocs plugins), so both publish the same register from the same
checks: ``build_site`` validates once and, when nothing is an error, ``render_site`` asks
each page builder (``site.pages``) for its pages over one shared ``SiteContext`` and adds
the downloads, the stylesheets and the evidence files the pages cite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..contract.model import ERROR, WARNING, Problem
from ..contract.settings import Settings
from ..contract.validate import Validation, validate
from ..git.history import read_history
from ..git.provenance import Provenance, provenance
from ..git.trail import last_changed_note
from ..register.data import register_csv, register_json
from ..register.findings import Register
from ..register.rollup import rollup
from .context import SiteContext
from .page import Page, Rendered
from .pages.clauses import clauses_pages
from .pages.finding import finding_page
from .pages.index import index_page
from .pages.packs import pack_pages
from .pages.register import register_page
from .pages.review import review_pages
from .printing import STAMP_CSS, stamp_css
from .urls import ASSET_DIR, CSV_URI, INDEX, JSON_URI
from .written import OutsideFolder

ASSETS = ("capa.css", "register.js", "print.css")


def asset_bytes(name: str) -> bytes:
    return resources.files("capa_docs.site").joinpath("assets", name).read_bytes()


def render_site(ctx: SiteContext, *, with_index: bool = True) -> Rendered:
    """Every page, download and file of the site. The finding pages come first: they
    decide which evidence files are published, in the order the pages cite them."""
    out = Rendered()
    for finding in ctx.register:
        page = finding_page(ctx, finding)
        out.pages[page.uri] = page
    for page in (register_page(ctx), *review_pages(ctx), *clauses_pages(ctx)):
        out.pages[page.uri] = page
    if with_index:
        out.pages[INDEX] = index_page(ctx)
    out.pages.update((page.uri, page) for page in pack_pages(ctx, ctx.packs))
    evidence_of = ctx.evidence.of
    out.assets[CSV_URI] = register_csv(ctx.register, evidence_of, source=ctx.source)
    out.assets[JSON_URI] = register_json(ctx.register, evidence_of, source=ctx.source)
    for feed in ctx.feeds:
        out.assets[feed.uri] = feed.content
    for name in ASSETS:
        out.assets[f"{ASSET_DIR}/{name}"] = asset_bytes(name)
    out.assets[f"{ASSET_DIR}/{STAMP_CSS}"] = stamp_css(ctx.register.today, ctx.source)
    out.files = dict(ctx.evidence.files)
    out.held = ctx.evidence.held
    return out


def add_own_pages(rendered: Rendered, folder: Path, repo_root: Path) -> list[str]:
    """The site's own pages (the plugin's docs_dir) beside the register's, as the plugin
    publishes them: each Markdown file a page in the navigation, after the register's,
    every other file as it is. A file is not taken, and named in what is returned for the
    caller to refuse, when it has the name of one the register publishes, or is a link to
    something outside the repository."""
    refused: list[str] = []
    top = repo_root.resolve()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        uri = path.relative_to(folder).as_posix()
        if uri in rendered.pages or uri in rendered.assets or uri in rendered.files:
            refused.append(f"{uri} would replace the register's own")
        elif not path.resolve().is_relative_to(top):
            refused.append(f"{uri} links outside the repository")
        elif path.suffix == ".md":
            try:
                rendered.pages[uri] = Page(uri, path.read_text(encoding="utf-8"), in_nav=True,
                                           edit_path=path.resolve().relative_to(top).as_posix())
            except UnicodeDecodeError:
                refused.append(f"{uri} is not UTF-8 text")
        else:
            rendered.files[uri] = path
    return refused


def write_site(rendered: Rendered, outdir: Path) -> list[Path]:
    """Write pages, assets and evidence under ``outdir`` (``capa render``).

    Every write lands in ``outdir``: a file there that is a link is replaced, not written
    through, and a folder that leads outside it stops the run before anything is
    written (``OutsideFolder``). The folder may come from a branch, and a page holds
    text from a finding file."""
    import shutil

    jobs: list[tuple[Path, str | bytes | Path]] = [  # page text encoded as it is written
        *((outdir / uri, page.text) for uri, page in rendered.pages.items()),
        *((outdir / uri, content) for uri, content in rendered.assets.items()),
        *((outdir / uri, source) for uri, source in rendered.files.items())]
    outdir.mkdir(parents=True, exist_ok=True)
    top = outdir.resolve()
    folders = list(dict.fromkeys(path.parent for path, _ in jobs))
    for folder in folders:  # all checked before any is made or written
        if not folder.resolve().is_relative_to(top):
            raise OutsideFolder(f"{folder} leads outside {outdir} (a link): remove it")
    for folder in folders:  # one mkdir a folder, not one a file
        folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path, content in jobs:
        if path.is_symlink():
            path.unlink()
        if isinstance(content, Path):
            shutil.copyfile(content, path)
        else:
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        written.append(path)
    return written


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
               repo_url: str | None = None, sources: tuple[Path, ...] = (),
               offline: bool = False, site_url: str | None = None,
               site_name: str = "Corrective actions") -> Build:
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
    for finding in validation.findings:
        # Each key's line serves only the problems, all reported by now: 1,000 findings'
        # line maps are 3 MB the build would otherwise hold while it renders the pages.
        finding.lines = {}
    register = Register.from_validation(validation, settings, today, dates, history=history)
    ctx = SiteContext(register, rollup(register), repo_root, links=links, repo_url=repo_url,
                      source=source, offline=offline, site_url=site_url,
                      site_name=site_name)
    return Build(validation, notes, render_site(ctx, with_index=with_index), source)
