"""The build shortcuts (site/shortcuts.py) give the site MkDocs' normal steps give, byte for
byte: the sample register, generated registers with hostile and trusted HTML, edit and
canonical URLs, and the configurations where a shortcut must stand aside. Every build is
a real ``mkdocs build`` in a subprocess, once with ``CAPA_BUILD_SHORTCUTS=0``; the search
index (search/search_index.json, what lunr builds its index from in the reader's browser)
is one of the files compared, so search finds the same things either way."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from capa_docs.site.searchparse import sections, tokens
from capa_docs.site.shell import VERIFIED

from ..helpers import TODAY, commit_all, finding, init_repo, write_evidence, write_finding
from ..sites import SOURCE_DATE_EPOCH, hostile_register, sample_register

ROOT = Path(__file__).resolve().parents[2]
MKDOCS = str(Path(sys.executable).parent / "mkdocs")
_SUMMARY = re.compile(r"build shortcuts: (\d+) pages' Markdown reused, (\d+) pages from a "
                      r"theme shell, (\d+) pages read for search")


def _build(root: Path, site: Path, *, shortcuts: bool) -> str:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH,
           "CAPA_BUILD_SHORTCUTS": "1" if shortcuts else "0"}
    result = subprocess.run([MKDOCS, "build", "--strict", "-v", "-d", str(site)], cwd=root,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next((ln for ln in result.stderr.splitlines() if "build shortcuts" in ln), "")
    assert line, "the plugin says what the shortcuts did"
    return line


def _same_site(first: Path, second: Path) -> int:
    """Every file of both sites, byte for byte; the number of files."""
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    others = sorted(p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file())
    assert names == others
    differ = [n for n in names if (first / n).read_bytes() != (second / n).read_bytes()]
    assert differ == [], f"{len(differ)} files differ, first {differ[:5]}"
    return len(names)


def _both_ways(root: Path, tmp: Path) -> tuple[tuple[int, ...] | None, Path]:
    """Build with and without the shortcuts; the counts the summary gives (None when
    they were off) and the site."""
    line = _build(root, tmp / "fast", shortcuts=True)
    _build(root, tmp / "normal", shortcuts=False)
    assert _same_site(tmp / "fast", tmp / "normal") > 0
    match = _SUMMARY.search(line)
    return (tuple(int(n) for n in match.groups()) if match else None), tmp / "fast"


def test_sample_register_site_is_the_same(tmp_path: Path) -> None:
    counts, site = _both_ways(ROOT, tmp_path)
    findings = len(list((site / "findings").iterdir()))
    assert counts is not None
    reused, shelled, searched = counts
    assert reused == findings - 1 and searched > findings  # the register page's too
    # The first pages of each kind check its shell; the sample sets repo_url, so a page's
    # edit URL names its folder (register/2025/, register/2026/): one kind per folder.
    folders = {p.parent for p in (ROOT / "register").rglob("*.md") if "evidence" not in p.parts}
    assert shelled == findings - VERIFIED * len(folders)
    assert len(json.loads((site / "search/search_index.json").read_text())["docs"]) > findings


NARRATIVES = (
    "Plain text with **bold**, `code` & an ampersand.\n",
    "## A heading\n\nA list:\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "```\ncode <block> & stuff\n```\n\nSee [the other](CAPA-2026-101.md#closure).\n",
    "<div class=\"note\" data-x='1'>raw <b>HTML</b> &amp; <em>more</em></div>\n",
    "Tricky < and > in text, a tab\there, unicode: Übung — 監査 — emoji 🙂.\n",
    "",
)
TITLES = ("Records <b>not</b> kept & \"quoted\"", "Übung: 監査の記録", "{{ jinja }} {% raw %}",
          "Plain title", "Edit the raw blob", "Title with 'single' quotes")


def _generated(root: Path, count: int = 24) -> None:
    """Findings of every form: open, closed with evidence, links, odd titles, HTML."""
    register = root / "register"
    for i in range(count):
        fid = f"CAPA-2026-{100 + i:03d}"
        changes: dict[str, Any] = {"id": fid, "title": TITLES[i % len(TITLES)]}
        if i % 3 == 0:
            write_evidence(register, fid)
            closure = finding()["closure"]
            closure["evidence"][0]["path"] = f"../evidence/{fid}/checklist.txt"
            changes["closure"] = closure
        else:
            changes.update(status="in-progress", closure=None,
                           corrective_actions=[{"action": f"Act {i}", "owner": "Sam",
                                                "due": "2026-12-20"}])
        if i % 4 == 1:
            changes["related"] = [f"CAPA-2026-{100 + (i + 1) % count:03d}"]
        write_finding(register, finding(**changes), body=NARRATIVES[i % len(NARRATIVES)],
                      folder="2026" if i % 5 else "archive")
    hostile_register(root)
    sample_register(root)


def _repo(root: Path, plugin: dict[str, Any] | None = None, **extra: Any) -> Path:
    init_repo(root)
    _generated(root)
    config = {"site_name": "Shortcuts", "theme": {"name": "material"}, "docs_dir": "docs",
              "plugins": ["search", {"capa": plugin or {}}], **extra}
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "about.md").write_text("# About\n\nThe register's own page.\n")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    commit_all(root, "register", date=TODAY)
    return root


def test_generated_register_with_edit_and_canonical_urls_is_the_same(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo", site_url="https://isms.example.com/register/",
                 repo_url="https://github.com/example/isms", edit_uri="edit/main/docs/",
                 theme={"name": "material", "features": ["content.action.edit",
                                                         "content.action.view"]})
    counts, site = _both_ways(root, tmp_path)
    assert counts is not None and counts[1] > 0  # shells served pages with edit URLs
    page = (site / "findings/CAPA-2026-101/index.html").read_text()
    assert "https://github.com/example/isms/edit/main/register/2026/CAPA-2026-101.md" in page
    assert 'href="https://isms.example.com/register/findings/CAPA-2026-101/"' in page


def test_trusted_html_keeps_its_policy_the_same(tmp_path: Path) -> None:
    """With allow_raw_html a narrative's script and style reach the page: its search entries
    go through Material's parser, and the policy hashes are those of the normal build."""
    root = _repo(tmp_path / "repo", {"allow_raw_html": True})
    (root / "register/2026/CAPA-2026-101.md").write_text(
        (root / "register/2026/CAPA-2026-101.md").read_text()
        + "\n<script>alert(1)</script>\n<style>p{color:red}</style>\n"
          "<h2 id=\"own\">Own heading</h2>\n<!-- a -- comment -->\n")
    commit_all(root, "raw html", date=TODAY)
    counts, site = _both_ways(root, tmp_path)
    assert counts is not None
    ours = len(list(site.rglob("index.html"))) - 1  # every page but docs/about.md
    assert 0 < counts[2] < ours  # pages with a script's code went to Material's parser
    headers = (site / "_headers").read_text()
    assert "script-src 'self'" in headers


@pytest.mark.parametrize("case", ["custom_dir", "in_nav", "other_plugin", "setting_off"])
def test_shortcuts_stand_aside_and_the_site_is_the_same(tmp_path: Path, case: str) -> None:
    extra: dict[str, Any] = {}
    plugin: dict[str, Any] = {}
    plugins: list[Any] | None = None
    if case == "custom_dir":
        extra["theme"] = {"name": "material", "custom_dir": "overrides"}
    elif case == "in_nav":
        extra["nav"] = ["about.md", {"One finding": "findings/CAPA-2026-101.md"}]
    elif case == "other_plugin":
        plugins = ["search", "tags", {"capa": {}}]
    else:
        plugin["build_shortcuts"] = False
    root = tmp_path / "repo"
    if case == "custom_dir":
        (root / "overrides").mkdir(parents=True)
        (root / "overrides/main.html").write_text(
            '{% extends "base.html" %}\n{% block content %}<p class="mine">{{ page.title }}'
            "</p>{{ super() }}{% endblock %}\n")
    _repo(root, plugin, **extra)
    if plugins is not None:
        config = yaml.safe_load((root / "mkdocs.yml").read_text())
        config["plugins"] = plugins
        (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        commit_all(root, "tags", date=TODAY)
    counts, site = _both_ways(root, tmp_path)
    if case == "in_nav":
        assert counts is not None  # on, but the page in the nav went the normal way
        findings = len(list((site / "findings").iterdir()))
        assert counts[1] == findings - 1 - VERIFIED
        assert "One finding" in (site / "findings/CAPA-2026-101/index.html").read_text()
    else:
        assert counts is None
    if case == "custom_dir":
        assert '<p class="mine">' in (site / "findings/CAPA-2026-101/index.html").read_text()


# The search tokenizer: the calls it makes are the calls HTMLParser makes, or it declines.

class _Recorder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, ...]] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.calls.append(("start", tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.calls.append(("end", tag))

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.calls.append(("startend", tag, attrs))

    def handle_data(self, data: str) -> None:
        self.calls.append(("data", data))

    def handle_comment(self, data: str) -> None:
        self.calls.append(("comment", data))


def _ours(html_text: str) -> list[tuple[Any, ...]] | None:
    calls = tokens(html_text)
    if calls is None:
        return None
    names = {1: "data", 2: "comment", 3: "end", 4: "start", 5: "startend"}
    return [(names[kind], first) if kind in (1, 2, 3) else (names[kind], first, second)
            for kind, first, second in calls]


AGREED = [
    '<div class="capa"><p>Text &amp; more &#10; &lt;b&gt;</p></div>\n',
    "<H2 ID='Sec' data-search-exclude>Title<a class=\"headerlink\" href=\"#s\">¶</a></H2>",
    '<img src="a.png" alt="x &quot;y&quot;" /><br><input disabled>',
    "<!-- capa-block 3 --><!---->text at the end &amp trailing &",
    '<a href="x?a=1&amp;b=2" title="a>b">l</a>  \n  <ul>\n<li>1</li>\n</ul>',
    "<svg viewBox=\"0 0 1 1\"><path d=\"M0 0\"/><text x='1'>t</text></svg>",
    "no tags at all &eacute;&#233;&#xe9; &unknown;",
    "<p\n  class=\"x\"\n>multi-line tag</p>",
    '<script src="a.js" defer></script><p>after</p><style>p { color: red }</style>',
    "<SCRIPT>var a = 1;</SCRIPT >text",
]
DECLINED = [
    "<script>if (a < b) {}</script>", "<style>a::after { content: '&amp;' }</style>",
    "<script>unclosed", "<script/>", "<script></style>", "a < b", "<p class=x>u</p>",
    "<!-- a -- b -->", "<!DOCTYPE html>", "<?php ?>", "<textarea><b></textarea>",
    "<p a=\"1\"b=\"2\">", "<title>x</title>",
]


@pytest.mark.parametrize("html_text", AGREED)
def test_tokenizer_makes_htmlparsers_calls(html_text: str) -> None:
    recorder = _Recorder()
    recorder.feed(html_text)
    recorder.close()
    assert _ours(html_text) == recorder.calls


@pytest.mark.parametrize("html_text", DECLINED)
def test_tokenizer_declines_what_it_does_not_read_exactly(html_text: str) -> None:
    assert _ours(html_text) is None


# Sections: what Material's own parser divides a page into, from our calls.

SEARCHED = [
    *AGREED,
    "<p>Preface</p><h2 id=\"a\">A<a class=\"headerlink\" href=\"#a\">¶</a></h2>"
    "<div class=\"capa\"><dl><dt>Owner</dt><dd>Jane</dd></dl><p> </p><p>x</p></div>"
    "<h3 id=\"b\">B</h3><pre><code>  keep\n  spaces  </code></pre><ul><li></li><li>y</li></ul>",
    "<h2>no id</h2><h1 id=\"t\">Title</h1>text<h2 id=\"s\" data-search-exclude>Skip</h2>t2",
    "<div data-search-exclude><div>inner</div>after inner</div>outer<div>d</div>",
    "<section><h2 id=\"n\">Nested</h2><p>in</p></section><p>out</p><h4 id=\"m\">M</h4>",
    "<table class=\"linenodiv\"><tr><td>1</td></tr></table><p>code</p><sub>2</sub><sup></sup>",
    "<p>a<p>b</p></p><li><p>x</p></li></li></p>",
    "<h2 id=\"e\"><code>c</code> and <em>e</em></h2>\n\n\n<p>t&amp;t</p>   \n   ",
    "<object><p>gone</p></object><p>kept</p>",
    # A page as large as a register's table is read match by match.
    "<table>" + "<tr><td class=\"c\">x &amp; y</td><td><code>z</code></td></tr>\n" * 3000
    + "</table><h2 id=\"after\">After</h2><script src=\"r.js\"></script><p>end</p>",
]


def _shape(found: list[Any]) -> list[tuple[Any, ...]]:
    return [(s.el.tag, s.el.attrs, s.depth, s.id, s.title, s.text, s.is_excluded())
            for s in found]


@pytest.mark.parametrize("html_text", SEARCHED)
def test_sections_are_materials(html_text: str) -> None:
    from material.plugins.search.plugin import Element, Parser, Section

    parser = Parser()
    parser.feed(html_text)
    parser.close()
    ours = sections(html_text, Section, Element)
    assert ours is not None
    assert _shape(ours) == _shape(parser.data)
