""""Edit this page" on the Zensical path opens what it opens on the plugin's site: the
finding's file, a page of one's own, nothing for a page the register generates. The
address is worked out as MkDocs works it out (``site.editurl``), checked against MkDocs'
own code for each way mkdocs.yml can say it, and against real builds of both sites."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from mkdocs.config import load_config
from mkdocs.structure.pages import Page as MkDocsPage

from capa_docs.contract.settings import ConfigError
from capa_docs.site.editurl import edit_urls
from capa_docs.site.page import Page, yaml_string

from ..helpers import TODAY, run_capa
from ..sites import SOURCE_DATE_EPOCH, mkdocs_build, repo_with, sample_register, write_config

ZENSICAL = str(Path(sys.executable).parent / "zensical")

CONFIGS = [
    {"repo_url": "https://github.com/org/isms"},  # MkDocs' default for GitHub
    {"repo_url": "https://gitlab.com/org/isms/"},
    {"repo_url": "https://bitbucket.org/org/isms"},
    {"repo_url": "https://github.com/org/isms", "edit_uri": "edit/main/docs"},  # no slash
    {"repo_url": "https://git.example.com/org/isms", "edit_uri": "-/edit/main/docs/"},
    {"repo_url": "https://git.example.com/org/isms"},  # a host MkDocs knows nothing of
    {"edit_uri": "https://git.example.com/org/isms/edit/main/docs/"},  # no repo_url
    {"repo_url": "https://github.com/org/isms",
     "edit_uri_template": "blob/main/docs/{path}?plain=1"},
    {"repo_url": "https://example.com/git/isms",
     "edit_uri_template": "edit?file=docs%2F{path!q}"},
    {"repo_url": "https://github.com/org/isms", "docs_dir": "site-pages"},
    {"repo_url": "https://github.com/org/isms", "edit_uri": ""},  # "" turns links off
    {},
]
FILES = ["register/2026/CAPA-2026-004.md", "docs/about.md", "docs/deep/er/page.md"]


def _mkdocs_edit_url(root: Path, settings: dict[str, Any], path: str) -> str | None:
    """MkDocs' own answer: its config validation (defaults, slashes), then the page's
    ``_set_edit_url`` for a file at ``path`` seen from docs_dir, as the plugin gives it."""
    config_file = root / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump({"site_name": "x", **settings}))
    (root / settings.get("docs_dir", "docs")).mkdir(exist_ok=True)
    config = load_config(str(config_file))
    page = SimpleNamespace(file=SimpleNamespace(edit_uri=os.path.relpath(
        root / path, config.docs_dir).replace(os.sep, "/")))
    MkDocsPage._set_edit_url(page, config.repo_url, config.edit_uri,  # type: ignore[arg-type]
                             config.edit_uri_template)
    return page.edit_url  # type: ignore[attr-defined]


@pytest.mark.parametrize("settings", CONFIGS, ids=lambda s: ",".join(s) or "none")
def test_the_address_is_mkdocs_own_for_every_way_to_say_it(
        tmp_path: Path, settings: dict[str, Any]) -> None:
    edit_url = edit_urls(settings, tmp_path)
    for path in FILES:
        expected = _mkdocs_edit_url(tmp_path, settings, path)
        got = edit_url(tmp_path / path) if edit_url is not None else None
        assert got == expected, (settings, path)
    assert (edit_urls(settings, tmp_path) is None) == (
        _mkdocs_edit_url(tmp_path, settings, FILES[0]) is None)


class _EditLinks(HTMLParser):
    """The href of the page's edit and raw-view buttons."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "a" and "md-content__button" in classes and values.get("href"):
            self.links.append(values["href"] or "")


def _edit_links(site: Path) -> dict[str, list[str]]:
    return {page.relative_to(site).as_posix(): _EditLinks(page.read_text()).links
            for page in sorted(site.rglob("index.html"))}


def _own_pages(root: Path) -> None:
    sample_register(root)
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs/about.md").write_text("# About this register\n\nAsk the ISMS team.\n")
    # Written on Windows: a byte-order mark and CRLF, its own front matter kept.
    (root / "docs/windows.md").write_bytes(
        b"\xef\xbb\xbf---\r\ntitle: Kept title\r\n---\r\n\r\n# Windows page\r\n")


def _zensical_site(root: Path) -> Path:
    rendered = run_capa("render", "site-src", "--today", TODAY, "--zensical", "--pages",
                        "docs", "--site-dir", "zensical-site", cwd=root)
    assert rendered.returncode == 0, rendered.stderr
    result = subprocess.run([ZENSICAL, "build", "--clean", "--strict"], cwd=root,
                            env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return root / "zensical-site"


def test_every_page_links_where_the_plugin_s_page_links(tmp_path: Path) -> None:
    """Both sites of one register, with repo_url, edit_uri and the edit and view
    buttons: the same edit links on every page they share; the finding's file, the
    page of one's own, no link on the register's generated pages."""
    root = repo_with(tmp_path, _own_pages)
    theme = {"name": "material", "features": ["content.action.edit", "content.action.view"]}
    write_config(root, {}, repo_url="https://github.com/org/isms", edit_uri="edit/main/docs/",
                 theme=theme)
    mkdocs_build(root / "mkdocs.yml")
    plugin = _edit_links(root / "site")
    zensical = _edit_links(_zensical_site(root))
    shared = sorted(set(plugin) & set(zensical))
    assert "findings/CAPA-2026-004/index.html" in shared and "about/index.html" in shared
    assert {page: zensical[page] for page in shared} == {page: plugin[page] for page in shared}
    assert zensical["findings/CAPA-2026-004/index.html"] == [
        "https://github.com/org/isms/edit/main/register/2026/CAPA-2026-004.md",
        "https://github.com/org/isms/raw/main/register/2026/CAPA-2026-004.md"]
    assert zensical["about/index.html"][0] == "https://github.com/org/isms/edit/main/docs/about.md"
    assert zensical["register/index.html"] == [] == zensical["index.html"]
    assert zensical["windows/index.html"][0].endswith("/edit/main/docs/windows.md")
    windows = (root / "zensical-site/windows/index.html").read_text()
    assert "<title>Kept title - " in windows and "capa_edit_url" not in windows
    config = (root / "zensical.toml").read_text()
    assert 'features = ["content.action.edit", "content.action.view"]' in config


def test_without_repo_url_no_page_has_an_edit_link(tmp_path: Path) -> None:
    root = repo_with(tmp_path, _own_pages)
    theme = {"name": "material", "features": ["content.action.edit"]}
    write_config(root, {}, theme=theme)
    links = _edit_links(_zensical_site(root))
    assert links and not any(links.values())
    assert "features" not in (root / "zensical.toml").read_text()


def test_a_config_reached_through_a_link_gives_the_same_addresses(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    settings = {"repo_url": "https://github.com/org/isms"}
    through = edit_urls(settings, tmp_path / "link")
    assert through is not None
    assert through(tmp_path / "real/register/2026/CAPA-2026-004.md") == (
        "https://github.com/org/isms/edit/master/register/2026/CAPA-2026-004.md")


def test_a_template_that_cannot_be_filled_in_stops_render_with_one_line(
        tmp_path: Path) -> None:
    root = repo_with(tmp_path, sample_register)
    write_config(root, {}, repo_url="https://github.com/org/isms",
                 edit_uri_template="blob/main/{path.foo}")
    result = run_capa("render", "out", "--today", TODAY, "--zensical", cwd=root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "mkdocs.yml edit_uri_template 'blob/main/{path.foo}' cannot be filled in" in (
        result.stderr)
    assert not (root / "out").exists()


def test_a_page_named_outside_the_basic_plane_builds(tmp_path: Path) -> None:
    """Its edit address is written as itself: Zensical's YAML reader refuses JSON's
    surrogate-pair escapes."""
    root = repo_with(tmp_path, _own_pages)
    (root / "docs/\U0001f600.md").write_text("# Smile\n")
    write_config(root, {}, repo_url="https://github.com/org/isms",
                 theme={"name": "material", "features": ["content.action.edit"]})
    links = _edit_links(_zensical_site(root))
    assert links["\U0001f600/index.html"] == [
        "https://github.com/org/isms/edit/master/docs/\U0001f600.md"]


def test_a_template_is_refused_before_any_page_is_asked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="edit_uri_template"):
        edit_urls({"repo_url": "https://g.example/o/r", "edit_uri_template": "{nope}"},
                  tmp_path)


@pytest.mark.parametrize("value", ["plain", 'quote " and \\', "line\nbreak", "\x00\x07\x1b",
                                   "\x7f\x85\x9f", "\u2028\u2029", "\ufeff", "\U0001f600 ok",
                                   "é ü 中"])
def test_a_front_matter_value_reads_back_as_it_was(value: str) -> None:
    """As YAML reads it, and with no surrogate escape (Zensical's reader refuses those)."""
    text = yaml_string(value)
    assert yaml.safe_load(f"k: {text}") == {"k": value}
    assert "\\ud8" not in text and "\\ud9" not in text and "\\uda" not in text


@pytest.mark.parametrize(("text", "expected"), [
    ("# Page\n", '---\nk: "v"\n---\n\n# Page\n'),
    ("---\n\n# A rule\n", '---\nk: "v"\n---\n\n---\n\n# A rule\n'),  # no closing line
    ("---\ntitle: T\n...\n", '---\nk: "v"\ntitle: T\n...\n'),
    ("--- \ntitle: T\n---\n", '---\nk: "v"\ntitle: T\n---\n'),
    ("---\t\r\ntitle: T\r\n---\r\n", '---\r\nk: "v"\r\ntitle: T\r\n---\r\n'),
    ("---\ntitle: T\n---\n# Page\n", '---\nk: "v"\ntitle: T\n---\n# Page\n'),
    ("---\r\ntitle: T\r\n---\r\n", '---\r\nk: "v"\r\ntitle: T\r\n---\r\n'),
    ("\ufeff---\ntitle: T\n---\n", '\ufeff---\nk: "v"\ntitle: T\n---\n'),
    ("\ufeff# Page\n", '\ufeff---\nk: "v"\n---\n\n# Page\n'),
])
def test_a_key_joins_the_front_matter_a_page_has(text: str, expected: str) -> None:
    """A page's own front matter stays front matter, with or without a byte-order mark,
    with LF or CRLF: a second block would show the first as text."""
    page = Page("p.md", text)
    page.set_front_matter("k", "v")
    assert page.text == expected
