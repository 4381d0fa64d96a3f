"""Readers for what a private build writes: each page's policy and robots tags, the
``_headers`` file as Netlify and Cloudflare Pages read it. Independent of the code under
test: they parse the output as a host or a browser would."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path


class Head(HTMLParser):
    """A page's meta tags (in order, and how many came before the first script, style or
    stylesheet) and the text of each inline script the browser would run."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.metas: list[dict[str, str]] = []
        self.link_tags: list[dict[str, str]] = []
        self.first_loading: int | None = None  # index in metas when the first one came
        self.scripts: list[str] = []
        self._script: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta":
            self.metas.append(values)
        elif tag == "link":
            self.link_tags.append(values)
        loads = tag in ("script", "style") or (tag == "link" and "stylesheet" in values.get(
            "rel", ""))
        if loads and self.first_loading is None:
            self.first_loading = len(self.metas)
        if tag == "script" and "src" not in values and values.get("type", "") in (
                "", "text/javascript", "module"):
            self._script = []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None

    def meta(self, **match: str) -> list[dict[str, str]]:
        return [m for m in self.metas if all(m.get(k.replace("_", "-")) == v
                                             for k, v in match.items())]

    def links(self, rel: str) -> list[str]:
        """The href of each ``<link>`` with this rel, in order."""
        return [tag.get("href", "") for tag in self.link_tags if tag.get("rel") == rel]

    def policy(self) -> dict[str, list[str]]:
        (tag,) = self.meta(http_equiv="Content-Security-Policy")
        return parse_policy(tag["content"])


def parse_policy(text: str) -> dict[str, list[str]]:
    """A policy as directive -> sources; a directive given twice is an error here."""
    directives: dict[str, list[str]] = {}
    for part in text.split(";"):
        words = part.split()
        if words:
            assert words[0] not in directives, f"{words[0]} twice in {text}"
            directives[words[0]] = words[1:]
    return directives


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


_HEADER = re.compile(r"^  +([A-Za-z0-9-]+):[ ]?(.*)$")


def parse_headers_file(text: str) -> dict[str, dict[str, str]]:
    """``_headers`` by Netlify's grammar: a path on a line of its own, then its headers
    indented as ``Name: value``; comments start with ``#``. Anything else fails."""
    rules: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith((" ", "\t")):
            assert line.startswith("/"), f"line {number}: a path must start with /: {line}"
            current = rules.setdefault(line.strip(), {})
            continue
        match = _HEADER.match(line)
        assert match and current is not None, f"line {number}: not a header: {line}"
        assert match.group(1) not in current, f"line {number}: {match.group(1)} twice"
        current[match.group(1)] = match.group(2)
    return rules


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))
