"""The Zensical path at its fastest gives the site it gives the slow way, and a site whose
every link resolves: the sample register rendered with ``capa render --zensical`` and
built by ``zensical build`` with the skeleton cache of ``capa_docs.site.mdblocks`` and
with ``CAPA_BUILD_SHORTCUTS=0``, compared byte for byte; and every link and anchor of it
checked here, since the configuration turns Zensical's own link check off."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown import Markdown

from capa_docs.site import mdblocks

from ..helpers import TODAY, run_capa
from ..sites import SOURCE_DATE_EPOCH
from .test_shortcuts import _same_site

ROOT = Path(__file__).resolve().parents[2]
ZENSICAL = str(Path(sys.executable).parent / "zensical")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def _zensical(config: Path, site: str, *, shortcuts: bool) -> None:
    text = config.read_text()
    config.write_text(re.sub(r'site_dir = "[^"]*"', f'site_dir = "{site}"', text))
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH,
           "CAPA_BUILD_SHORTCUTS": "1" if shortcuts else "0"}
    result = subprocess.run([ZENSICAL, "build", "--clean", "--strict", "-f", str(config)],
                            cwd=config.parent, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample register rendered for Zensical, outside the checkout."""
    out = tmp_path_factory.mktemp("zensical")
    result = run_capa("render", str(out / "pages"), "--today", TODAY,
                      "--zensical", str(out / "zensical.toml"), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def site(rendered: Path) -> Path:
    _zensical(rendered / "zensical.toml", "fast", shortcuts=True)
    return rendered / "fast"


def test_the_cache_gives_the_site_the_full_conversion_gives(rendered: Path, site: Path) -> None:
    _zensical(rendered / "zensical.toml", "slow", shortcuts=False)
    assert _same_site(site, rendered / "slow") > 0
    findings = sorted(p.stem for p in (rendered / "pages/findings").glob("*.md"))
    built = sorted(p.parent.name for p in (site / "findings").glob("*/index.html"))
    assert built == findings and len(findings) > 20


def test_the_configuration_turns_zensicals_link_check_off(rendered: Path) -> None:
    config = tomllib.loads((rendered / "zensical.toml").read_text())["project"]
    assert config["validation"] is False


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append(value)
            elif name in ("id", "name") and value is not None:
                self.ids.add(value)


def _page_for(target: Path) -> Path | None:
    """The file a local URL serves: the file itself, or a folder's index.html."""
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def test_every_link_and_anchor_of_the_site_resolves(site: Path) -> None:
    """What Zensical's link check would have told, and more: every local href and src
    of every page reaches a file of the site, and every #fragment an element's id."""
    parsed: dict[Path, _Links] = {}

    def links(page: Path) -> _Links:
        if page not in parsed:
            parsed[page] = _Links()
            parsed[page].feed(page.read_text())
        return parsed[page]

    checked = 0
    for page in sorted(site.rglob("*.html")):
        for url in links(page).urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                continue
            # 404.html links from the root: it is served at any depth.
            base = site if parts.path.startswith("/") else page.parent
            target = page if not parts.path else _page_for(
                (base / unquote(parts.path).lstrip("/")).resolve())
            assert target is not None and target.is_relative_to(site.resolve()), (page, url)
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in links(target).ids, (page, url)
            checked += 1
    assert checked > 1000


def _pages(rendered: Path) -> list[str]:
    """The finding pages' Markdown as Zensical hands it to Python-Markdown."""
    return [_FRONT_MATTER.sub("", path.read_text())
            for path in sorted((rendered / "pages/findings").glob("*.md"))]


def _convert(text: str) -> tuple[str, list[dict]]:
    md = Markdown(extensions=["toc", "capa_docs.site.mdblocks"],
                  extension_configs={"toc": {"permalink": True}})
    return md.convert(text), md.toc_tokens  # type: ignore[attr-defined]


def test_each_kind_of_finding_page_is_converted_once(rendered: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A new converter per page, as Zensical makes them: the pages after the first of
    each kind reuse its conversion, and give what converting them in full gives."""
    pages = _pages(rendered)
    monkeypatch.setenv(mdblocks.SHORTCUTS_ENV, "0")
    full = [_convert(text) for text in pages]
    monkeypatch.delenv(mdblocks.SHORTCUTS_ENV)
    before = mdblocks.SKELETONS.reused
    assert [_convert(text) for text in pages] == full
    reused = mdblocks.SKELETONS.reused - before
    assert len(pages) - 8 <= reused < len(pages)
    assert all('class="headerlink"' in html and toc for html, toc in full)


def test_a_different_converter_does_not_reuse_another_ones_skeleton(rendered: Path) -> None:
    text = _pages(rendered)[0]
    with_permalinks = _convert(text)[0]
    plain = Markdown(extensions=["toc", "capa_docs.site.mdblocks"]).convert(text)
    assert 'class="headerlink"' in with_permalinks and 'class="headerlink"' not in plain
