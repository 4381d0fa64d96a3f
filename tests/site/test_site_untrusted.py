"""What a pull request's author controls besides front-matter text: evidence file types and
names, titles PyYAML cannot read back, trusted HTML, narrative links; built for real."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from mkdocs.exceptions import Abort, PluginError

from capa_docs.register.evidence import published_uri
from capa_docs.site.templating import meta_title, natural_key

from ..helpers import finding, write_evidence, write_finding
from ..sites import PNG, Page, mkdocs_build, repo_with, write_config

SCRIPT = b"<script>alert('evidence')</script>\n"
# Each would run as a page of the site, or become one, if published under its own name.
ACTIVE = ("minutes.mdown", "minutes.mkdn", "minutes.mkd", "page.xht", "page.xhtm",
          "page.html", "image.svg", "notes.unknownext")
ODD_NAMES = ("report #2 ?v=1.pdf", "100% done.txt", ".htaccess")


def _evidence_register(root: Path) -> None:
    register = root / "register"
    items = []
    for name in (*ACTIVE, *ODD_NAMES):
        write_evidence(register, "CAPA-2026-004", name, SCRIPT)
    write_evidence(register, "CAPA-2026-004", "shot.png", PNG)
    for name in (*ACTIVE, *ODD_NAMES, "shot.png"):
        items.append({"path": f"../evidence/CAPA-2026-004/{name}", "description": name})
    data = finding()
    data["closure"]["evidence"] = items
    body = ("See [the procedure](../../docs-outside.md), [the minutes]"
            "(../evidence/CAPA-2026-004/minutes.mdown) and ![a chart]"
            "(../evidence/CAPA-2026-004/image.svg) ![a shot](../evidence/CAPA-2026-004/shot.png)"
            "\n")
    write_finding(register, data, body=body)
    (root / "docs-outside.md").write_text("not published\n", encoding="utf-8")


@pytest.fixture(scope="module")
def evidence_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = repo_with(tmp_path_factory.mktemp("evidence"), _evidence_register)
    write_config(root)
    mkdocs_build(root / "mkdocs.yml")
    return root / "site"


def _published(site: Path) -> dict[str, Path]:
    return {p.relative_to(site / "files").as_posix(): p
            for p in (site / "files").rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", ACTIVE)
def test_active_evidence_is_published_as_text_only(evidence_site: Path, name: str) -> None:
    published = _published(evidence_site)
    expected = f"register/evidence/CAPA-2026-004/{name}.txt"
    assert published[expected].read_bytes() == SCRIPT
    stem = name.rsplit(".", 1)[0]
    assert not any(uri.startswith(f"register/evidence/CAPA-2026-004/{stem}/")
                   for uri in published), "evidence became a page of the site"
    assert f"register/evidence/CAPA-2026-004/{name}" not in published


def test_no_page_of_the_site_carries_evidence_script(evidence_site: Path) -> None:
    for html_file in evidence_site.rglob("*.html"):
        assert "alert('evidence')" not in html_file.read_text(encoding="utf-8"), html_file


def test_every_evidence_link_reaches_its_file(evidence_site: Path) -> None:
    page = Page(evidence_site / "findings/CAPA-2026-004/index.html")
    base = (evidence_site / "findings/CAPA-2026-004")
    hrefs = [a.attrs["href"] for a in page.find_all("a")
             if "/files/" in a.attrs.get("href", "")]
    names = set()
    for href in hrefs:
        assert "#" not in href and "?" not in href, href
        target = (base / unquote(href)).resolve()
        assert target.is_file(), href
        names.add(target.name)
    for name in ODD_NAMES:
        shown = f"_{name}" if name.startswith(".") else name
        assert shown in names or f"{shown}.txt" in names, name


def test_narrative_links_only_to_what_is_published(evidence_site: Path) -> None:
    page = Page(evidence_site / "findings/CAPA-2026-004/index.html")
    narrative = page.with_class("capa-narrative")[0]
    links = [e for e in narrative.descendants() if e.tag == "a"]
    hrefs = [a.attrs.get("href") for a in links]
    assert not any(h and "docs-outside" in h for h in hrefs)  # not published: no link
    assert "the procedure" in narrative.text  # the words stay
    assert any(h and h.endswith("minutes.mdown.txt") for h in hrefs)
    images = [e for e in narrative.descendants() if e.tag == "img"]
    sources = [i.attrs.get("src", "") for i in images]
    assert any(s.endswith("shot.png") for s in sources)
    assert not any("image.svg" in s for s in sources)  # an image published as text: no src



def test_published_uri_allowlists_passive_types() -> None:
    assert published_uri("register/e/report.pdf") == "files/register/e/report.pdf"
    assert published_uri("register/e/shot.PNG") == "files/register/e/shot.PNG"
    assert published_uri("register/e/x.xht") == "files/register/e/x.xht.txt"
    assert published_uri("register/.hidden/.env") == "files/register/_.hidden/_.env.txt"


def test_meta_title_survives_characters_yaml_refuses(tmp_path: Path) -> None:
    import yaml

    for title in ("a \ufffe [x](javascript:alert(1))", "b \uffff", "c \x85 \u2028 d",
                  "e \ud800", "plain <b>\"q\"</b> 😀"):
        loaded = yaml.safe_load("title: " + meta_title(title))["title"]
        # Read back exactly as written, HTML-escaped; a lone surrogate becomes U+FFFD.
        assert loaded == html.escape(title).replace("\ud800", "\ufffd")


def test_title_with_a_noncharacter_never_reaches_markdown(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """MkDocs renders front matter it cannot parse as Markdown: a link would come alive."""
    def build(root: Path) -> None:
        write_finding(root / "register", finding(
            id="CAPA-2026-004", title="\ufffe [click](javascript:alert(document.domain))"))
        write_evidence(root / "register", "CAPA-2026-004")

    root = repo_with(tmp_path, build)
    write_config(root, {"rules": {"schema": "error"}})
    try:
        mkdocs_build(root / "mkdocs.yml")
    except (PluginError, Abort):  # the schema refuses it: then nothing is published
        assert "error schema: `title`" in caplog.text
        assert not (root / "site/findings/CAPA-2026-004/index.html").exists()
        return
    raw = (root / "site/findings/CAPA-2026-004/index.html").read_text(encoding="utf-8")
    assert 'href="javascript:' not in raw
    assert not re.search(r"<h2[^>]*>title:", raw)


def test_trusted_html_cannot_end_the_block_or_forge_a_placeholder(tmp_path: Path) -> None:
    body = ("<div>first</div>\n\n</div>\n\n# Not a heading of ours\n\n"
            "<!-- capa-block 0 -->\n\nafter\n")

    def build(root: Path) -> None:
        write_finding(root / "register", finding(), body=body)
        write_evidence(root / "register", "CAPA-2026-004")

    root = repo_with(tmp_path, build)
    write_config(root, {"allow_raw_html": True})
    mkdocs_build(root / "mkdocs.yml")
    raw = (root / "site/findings/CAPA-2026-004/index.html").read_text(encoding="utf-8")
    assert raw.count('class="capa-crumbs"') == 1  # block 0 was not pasted in again
    assert "<p>after</p>" in raw


def test_ids_sort_naturally() -> None:
    ids = ["CAPA-2026-1000", "CAPA-2026-999", "CAPA-2025-1200", "CAPA-2026-010"]
    assert sorted(ids, key=natural_key) == [
        "CAPA-2025-1200", "CAPA-2026-010", "CAPA-2026-999", "CAPA-2026-1000"]
