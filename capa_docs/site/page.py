"""A generated page, the set of them a build publishes, and the HTML blocks a page holds
back from the Markdown processor.

Most of a page is raw HTML the Markdown processor has no need to parse; ``Page.split``
swaps each block for a placeholder and ``restore_blocks`` puts it back. The block syntax
lives only here, so trusted narrative HTML is kept from imitating it (``contain``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

# A top-level block of our templates: from a line opening `<div class="capa"` (or
# `"capa ...`) to the first line that is exactly `</div>`. Finding text cannot forge
# either line: its newlines are rendered as `&#10;`.
_BLOCK_START = re.compile(r'^<div class="capa[ "]', re.MULTILINE)
_BLOCK_END = re.compile(r"^</div>$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"<!-- capa-block (\d+) -->")
_UNSEARCHED = "data-search-exclude"
_FRONT_MATTER = re.compile(r"---[ \t]*(\r?\n)(?:.*?\n)??(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                           re.DOTALL)
"""Front matter as MkDocs reads it: a ``---`` line, then YAML, then ``---`` or ``...``
(without the closing line, a leading ``---`` is a horizontal rule)."""
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def yaml_string(value: str) -> str:
    """``value`` as a double-quoted YAML scalar that any YAML reader takes back as it is:
    JSON's escapes are YAML's, a character outside the Basic Multilingual Plane is
    written as itself (JSON's surrogate pairs are refused by Zensical's reader), and a
    character YAML does not print is escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return _NOT_YAML_PRINTABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


@dataclass
class Page:
    """One generated page: its Markdown, and the repository file an editor should open."""

    uri: str
    text: str
    in_nav: bool = False
    edit_path: str | None = None

    def set_front_matter(self, key: str, value: str) -> None:
        """Put ``key: value`` first in the page's front matter (made when it has none),
        for a generator whose templates read it. Front matter is found as MkDocs finds
        it (``_FRONT_MATTER``: trailing blanks, LF or CRLF, after a byte-order mark), so
        a page of one's own keeps its front matter and a leading rule stays a rule."""
        bom = "\ufeff" if self.text.startswith("\ufeff") else ""
        body = self.text[len(bom):]
        front = _FRONT_MATTER.match(body)
        if front is not None:
            newline = front.group(1)
            self.text = (f"{bom}---{newline}{key}: {yaml_string(value)}{newline}"
                         + body[front.start(1) + len(newline):])
        else:
            self.text = f"{bom}---\n{key}: {yaml_string(value)}\n---\n\n{body}"

    def split(self) -> tuple[str, list[str]]:
        """The Markdown with each HTML block replaced by a placeholder comment, and the
        blocks: a generator that runs plugins can skip parsing the HTML (most of a page)
        with its Markdown processor and put the blocks back into the converted page."""
        blocks: list[str] = []

        pieces: list[str] = []
        at = 0
        for start, end in block_spans(self.text):
            pieces.append(self.text[at:start])
            pieces.append(f"<!-- capa-block {len(blocks)} -->")
            blocks.append(self.text[start:end])
            at = end
        pieces.append(self.text[at:])
        return "".join(pieces), blocks


def block_spans(text: str) -> list[tuple[int, int]]:
    """Where each top-level HTML block of a page's text starts and ends: an opening line,
    then the first closing line after it (two searches a block, where one lazy pattern
    over both tried the closing line at every character of the block)."""
    spans: list[tuple[int, int]] = []
    at = 0
    while (start := _BLOCK_START.search(text, at)) is not None:
        end = _BLOCK_END.search(text, start.end())
        if end is None:
            break
        spans.append((start.start(), end.end()))
        at = end.end()
    return spans


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


def contain(trusted_html: str) -> str:
    """Trusted HTML as it may sit inside a block: it keeps its newlines (a ``<pre>`` or
    ``<script>`` needs them), but cannot end the block early (a line that is just
    ``</div>``) or forge a placeholder."""
    contained = _BLOCK_END.sub(" </div>", trusted_html)
    return contained.replace("<!-- capa-block", "<!--  capa-block")


@dataclass
class Rendered:
    """Everything the site needs: pages, generated files, and evidence to copy."""

    pages: dict[str, Page] = field(default_factory=dict)
    assets: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    held: frozenset[Path] = frozenset()
    """Evidence files marked ``publish: false``: never in the site, wherever they live."""
