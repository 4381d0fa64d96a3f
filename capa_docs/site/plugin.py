"""The MkDocs plugin ``capa``: a thin adapter from MkDocs events to the core.

It reads its settings from the same ``plugins: - capa:`` block the CLI reads, validates
the register once per build (errors stop the build with the CLI's lines; rule warnings
are printed), and hands the pages that ``render`` produced to MkDocs as generated files
(``generated``). It keeps the site private (``theme``, ``privacy``, ``hosting``): no web
fonts, no sitemap, no source maps, a policy and robots tags on every page, and the
headers file for the host. Runs unchanged under ProperDocs.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from ..contract.settings import (
    ConfigError,
    Settings,
    resolve_today,
    settings_from_mapping,
)
from ..git.provenance import Provenance
from ..git.tree import repository_root
from .csp import policy
from .generated import add_rendered, drop_held_files, drop_register_sources
from .hosting import (
    AZURE_FILE,
    HEADERS_FILE,
    PRIVATE_ROBOTS,
    ROBOTS_TXT,
    azure_config,
    headers_file,
    security_headers,
)
from .mdblocks import SHORTCUTS_ENV
from .page import Rendered, restore_blocks
from .privacy import Content, PagePrivacy, content_of
from .render import Build, build_site
from .shortcuts import Shortcuts
from .templating import PAGE_STYLES
from .theme import private_files, private_theme
from .urls import ASSET_DIR, INDEX, NAV_PAGES

log = get_plugin_logger(__name__)


class CapaConfig(base.Config):
    """The ``capa`` block of ``mkdocs.yml``; the same keys as ``capa_docs.config.Settings``,
    which checks them (so the CLI, which reads the block without MkDocs, agrees)."""

    enabled = c.Type(bool, default=True)
    """Turn the plugin off without removing its settings (e.g. for a docs-only preview)."""
    register = c.Optional(c.Type(str))
    """Folder of finding files, relative to mkdocs.yml. Default: `register`."""
    evidence = c.Optional(c.Type(str))
    """Folder of evidence files, relative to mkdocs.yml; Markdown here is evidence, never a
    finding. Default: `register/evidence`."""
    id_pattern = c.Optional(c.Type(str))
    """Regular expression every finding ID must match in whole.
    Default: `^[A-Z][A-Z0-9]*-[0-9]{4}-[0-9]{3,}$`."""
    standards = c.Optional(c.Type((list, str)))
    """The clause catalogues `clauses` are checked against, first one first: shipped
    standards by ID ("27001", "9001", "14001", "45001", "13485", "42001", "22301") or
    catalogue files. Default: `["27001"]` (ISO/IEC 27001:2022)."""
    id_prefix = c.Optional(c.Type(str))
    """Prefix `capa new` uses for new IDs (PREFIX-YEAR-NNN). Default: `CAPA`."""
    id_format = c.Optional(c.Type(str))
    """How `capa new` and `capa import` write new IDs, e.g. `ISMS-{seq:03}`.
    Default: `{prefix}-{year}-{seq:03}`."""
    sla_days = c.Optional(c.Type(dict))
    """Longest time from `raised` to a corrective action's `due`, per severity.
    Default: `{major: 90, minor: 365}`."""
    stale_days = c.Optional(c.Type(int))
    """An open finding unchanged in git for longer than this many days is stale. Default: 60."""
    due_soon_days = c.Optional(c.Type(int))
    """Window of the management review's 'due soon' list, in days. Default: 30."""
    effectiveness_days = c.Optional(c.Type(dict))
    """Days after a finding's last corrective action is completed by which its
    effectiveness review falls due, per severity (rule `effectiveness-overdue`, calendar
    feeds, `capa remind`). Default: `{major: 90, minor: 180}`."""
    owners = c.Optional(c.Type(dict))
    """Owner names to an e-mail address, an `@handle`, or `{email: ..., handle: ...}`: the
    calendar feeds invite the e-mail, the reminder digest mentions the handle; when set, an
    owner not in it is a warning (rule `owner-unknown`). Default: `{}` (not used)."""
    calendar_alarm_days = c.Optional(c.Type(int))
    """Days before a due date the calendar feeds' reminder goes off; 0 for none. Default: 7."""
    shallow_causes = c.Optional(c.Type(list))
    """Phrases that name a symptom, not a cause; replaces the default list."""
    rules = c.Optional(c.Type(dict))
    """Level per rule name: error, warning or off."""
    reviews = c.Optional(c.Type(dict))
    """Management review IDs and their dates; each review gets a pack page."""
    recurrence_months = c.Optional(c.Type(int))
    """Window, in months, within which findings sharing a clause and a root-cause category
    or requirement count as recurring, and within which a later finding recurring an
    effective closure questions its verdict. Default: 12."""
    recorded_late_days = c.Optional(c.Type(int))
    """A finding first committed more than this many days after it was raised is marked
    recorded late. Default: 30."""
    allowed_signers = c.Optional(c.Type(str))
    """OpenSSH allowed-signers file: closures and effectiveness reviews must be committed
    signed by a key it lists. Default: none (signatures not required)."""
    allow_raw_html = c.Optional(c.Type(bool))
    """Publish narrative HTML unsanitised. Only for registers where every writer is trusted.
    Default: false."""
    public = c.Optional(c.Type(bool))
    """The register is published for everyone: no robots meta tag, no robots.txt, and the
    sitemap is kept. Default: false (every page says noindex, nofollow)."""
    build_shortcuts = c.Optional(c.Type(bool))
    """Build finding pages by the shortcuts (Markdown converted once, the theme's page
    rendered once per page kind, search entries read by a faster tokenizer), each giving
    the same bytes as the normal path. Default: true; false builds everything the normal
    way."""
    azure_static_web_apps = c.Optional(c.Type((bool, dict)))
    """Write staticwebapp.config.json so Azure Static Web Apps serves the site only to
    signed-in users: a mapping with `tenant` (Microsoft Entra tenant) and/or `roles`.
    Default: false."""


def settings_from_plugin(config: CapaConfig, config_file: Path) -> Settings:
    """The plugin's options as core Settings; unset options keep the core defaults."""
    block = {key: value for key, value in config.items()
             if key != "enabled" and value is not None}
    return settings_from_mapping(block, config_file.parent, config_file)


class CapaPlugin(BasePlugin[CapaConfig]):
    """Validate the register and publish it: register, finding pages, review, clauses."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.repo_root: Path | None = None
        self.rendered: Rendered | None = None
        self.blocks: dict[str, list[str]] = {}
        self.copyright: str | None = None
        self.privacy = PagePrivacy()
        self.contents: dict[str, Content] = {}
        self.shortcuts = Shortcuts()
        self.offline = False
        """Set by ``capa offline``: a copy opened from disk, no host files, no search."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        config_file = Path(config.config_file_path or "mkdocs.yml").resolve()
        try:
            self.settings = settings_from_plugin(self.config, config_file)
        except ConfigError as error:
            raise PluginError(str(error)) from None
        self.repo_root = repository_root(self.settings.base_dir)
        self.copyright = config.copyright
        for warning in private_theme(config, public=self.settings.public):
            log.warning(warning)
        site_host = urlsplit(config.site_url).hostname if config.site_url else None
        self.privacy = PagePrivacy(private=not self.settings.public, site_host=site_host)
        self.contents = {}
        _print_styles(config)
        self.shortcuts = Shortcuts.for_build(
            config, self.settings.build_shortcuts and os.environ.get(SHORTCUTS_ENV) != "0")
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self.settings is None or self.repo_root is None:
            return files
        build = _build(self.settings, self.repo_root, files, config, self.offline)
        if build.source is not None:
            config.copyright = _footer(self.copyright, build.source)
        # Its pages go to MkDocs (add_rendered empties rendered.pages); it stays for the
        # evidence folders `mkdocs serve` watches.
        self.rendered = _rendered_or_stop(build)
        self.shortcuts.claim(list(self.rendered.pages), [uri for uri, page in
                                                         self.rendered.pages.items()
                                                         if not page.in_nav])
        self.blocks = add_rendered(files, self.rendered, config, self.repo_root)
        drop_held_files(files, self.rendered.held)
        private_files(files, config, public=self.settings.public)
        _claim_host_files(files, config, self.settings, self.offline)
        return files

    # First, so a plugin listed before capa (minify, lightbox...) sees the blocks, not
    # our placeholders; the blocks search excludes come back first thing in on_post_page.
    @event_priority(100)
    def _restore_searched_blocks(self, html: str, *, page: Page, config: MkDocsConfig,
                                 files: Files) -> str | None:
        """Put back the HTML blocks the Markdown processor did not need to parse."""
        blocks = self.blocks.get(page.file.src_uri)
        return restore_blocks(html, blocks, searched_only=True) if blocks else html

    # Last, once every plugin has changed the content: its scripts are never allowed.
    @event_priority(-100)
    def _note_content(self, html: str, *, page: Page, config: MkDocsConfig,
                      files: Files) -> str | None:
        if self.config.enabled:
            self.contents[page.file.src_uri] = content_of(html)
        return html

    on_page_content = CombinedEvent(_restore_searched_blocks, _note_content)

    @event_priority(100)
    def _restore_blocks(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        """Put back the blocks the search index excludes, kept out of its parser; the
        page's blocks are released here, the last step that needs them."""
        blocks = self.blocks.pop(page.file.src_uri, None)
        return restore_blocks(output, blocks) if blocks else output

    # Last, so the policy hashes the page as it is written.
    @event_priority(-100)
    def _make_private(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        if not self.config.enabled:
            return output
        content = self.contents.pop(page.file.src_uri, Content())
        return self.privacy.page(output, page.file.src_uri, content)

    on_post_page = CombinedEvent(_restore_blocks, _make_private)

    @event_priority(-100)
    def on_post_template(self, output_content: str, *, template_name: str,
                         config: MkDocsConfig) -> str | None:
        """The theme's 404 page gets the same policy and tags as every other page."""
        if self.config.enabled and template_name.endswith(".html"):
            return self.privacy.page(output_content, template_name)
        return output_content

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Write the host files (the policy of every page as headers) and name every other
        host a page still loads something from."""
        if not self.config.enabled or self.settings is None:
            return
        if self.privacy.remote:
            log.warning("capa: the theme or configuration loads resources from other hosts, "
                        "which the site's Content-Security-Policy blocks: "
                        f"{_hosts(self.privacy.remote)}; see Publishing privately")
        if self.privacy.written:
            log.info("capa: page content loads resources from other hosts, which the site's "
                     f"Content-Security-Policy blocks: {_hosts(self.privacy.written)}")
        if not self.offline:
            _write_host_files(Path(config.site_dir), self.settings, self.privacy)
        log.debug(self.shortcuts.summary())

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Without an explicit nav, put Home, Register, Management review, Clauses first."""
        if self.config.enabled and config.nav is None:
            nav.items.sort(key=_nav_rank)
        self.shortcuts.leave_nav(nav)
        return nav

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        if self.config.enabled:
            self.shortcuts.env(env, config)
        return env

    def on_pre_page(self, page: Page, *, config: MkDocsConfig, files: Files) -> Page:
        if self.config.enabled:
            self.shortcuts.pre_page(page)
        return page

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when a finding or an evidence file changes, even outside docs_dir."""
        if self.config.enabled and self.settings is not None:
            for folder in _watched(self.settings, self.rendered):
                server.watch(str(folder))
        return server


def _today() -> dt.date:
    try:
        return resolve_today()
    except ConfigError as error:
        raise PluginError(str(error)) from None


def _build(settings: Settings, repo_root: Path, files: Files, config: MkDocsConfig,
           offline: bool = False) -> Build:
    """Validate and render the register for this MkDocs build; the site's own
    ``index.md``, when it has one, stands instead of the generated home page."""
    if not settings.register_dir.is_dir():
        raise PluginError(f"capa: register folder {settings.register_dir} does not exist; "
                          "create it or set `register:` in the capa plugin block")
    drop_register_sources(files, settings)
    has_index = files.get_file_from_path(INDEX) is not None
    return build_site(settings, repo_root, _today(),
                      links="directory" if config.use_directory_urls else "html",
                      with_index=not has_index, repo_url=config.repo_url,
                      sources=(Path(config.docs_dir),), offline=offline,
                      site_url=config.site_url, site_name=config.site_name)


def _print_styles(config: MkDocsConfig) -> None:
    """Every page of the site, the user guide's too, prints on A4 with the as-of date and
    commit (print.css and the build's stamp.css): the register's own pages link them in
    their content (for ``capa render`` too), the site's other pages get them here."""
    for name in PAGE_STYLES:
        uri = f"{ASSET_DIR}/{name}"
        if uri not in config.extra_css:
            config.extra_css.append(uri)


def _footer(copyright: str | None, source: Provenance) -> str:
    """The footer ties every page, ours and the site's own, to the commit it shows:
    mkdocs-material and the mkdocs themes print `copyright` in the footer."""
    line = source.html()
    return f"{copyright}<br>{line}" if copyright else line


def _rendered_or_stop(build: Build) -> Rendered:
    """Print the build's notes and rule warnings; stop the build on any error.

    A rule warning (overdue, stale...) describes the register, which the site exists to
    show: it is printed but does not fail `mkdocs build --strict`. A rule set to `error`
    in the block stops the build like any other error.
    """
    for note in build.notes:
        log.info(note)
    for problem in build.warnings:
        log.info(str(problem))
    if build.rendered is None:
        errors = build.errors
        lines = "\n".join(str(p) for p in errors)
        raise PluginError(f"capa: the register has {len(errors)} error"
                          f"{'s' if len(errors) != 1 else ''}:\n{lines}")
    return build.rendered


def _claim_host_files(files: Files, config: MkDocsConfig, settings: Settings | None,
                offline: bool) -> None:
    """robots.txt disallowing everything, unless the register is public; the site's own
    robots.txt, _headers or staticwebapp.config.json would contradict ours, so it stops
    the build."""
    if settings is None or offline:
        return
    ours = [HEADERS_FILE]
    if not settings.public:
        ours.append(ROBOTS_TXT)
    if settings.azure_static_web_apps is not None:
        ours.append(AZURE_FILE)
    for name in ours:
        if files.get_file_from_path(name) is not None:
            raise PluginError(f"capa: {name} in {config.docs_dir} clashes with the {name} "
                              "the plugin writes for a private register; remove it"
                              + (", or set `public: true` in the capa block"
                                 if name == ROBOTS_TXT else ""))
    if not settings.public:
        files.append(File.generated(config, ROBOTS_TXT, content=PRIVATE_ROBOTS))


def _hosts(first_seen: dict[str, str]) -> str:
    return ", ".join(f"{host} (first in {where})" for host, where in sorted(first_seen.items()))


def _write_host_files(site_dir: Path, settings: Settings, privacy: PagePrivacy) -> None:
    """_headers and, when asked, staticwebapp.config.json, with every page's hashes."""
    headers = security_headers(policy(privacy.code, header=True),
                               private=not settings.public)
    (site_dir / HEADERS_FILE).write_text(headers_file(headers), encoding="utf-8")
    if settings.azure_static_web_apps is not None:
        (site_dir / AZURE_FILE).write_text(
            azure_config(headers, settings.azure_static_web_apps), encoding="utf-8")


def _nav_rank(item: Any) -> int:
    """Home, Register, Management review, Clauses first; the rest keep their order."""
    first = (INDEX, *NAV_PAGES)
    file = getattr(item, "file", None)
    uri = file.src_uri if file is not None else None
    return first.index(uri) if uri in first else len(first)


def _watched(settings: Settings, rendered: Rendered | None) -> list[Path]:
    """The register folder, then every other folder evidence comes from (it may live
    anywhere in the repository: a policy folder, say)."""
    register = settings.register_dir
    folders = {settings.evidence_dir}
    if rendered is not None:
        folders.update(source.parent for source in rendered.files.values())
    return [register, *(folder for folder in sorted(folders)
                        if folder.is_dir() and not folder.is_relative_to(register))]
