"""A generated page, the set of them a build publishes, and the HTML blocks a page holds
back from the Markdown processor.

Most of a page is raw HTML the Markdown processor has no need to parse; ``Page.split``
swaps each block for a placeholder and ``restore_blocks`` puts it back. The block syntax
lives only here, so trusted narrative HTML is kept from imitating it (``contain``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# A top-level block of our templates: from a line opening `<div class="capa"` (or
# `"capa ...`) to the first line that is exactly `</div>`. Finding text cannot forge
# either line: its newlines are rendered as `&#10;`.
_BLOCK = re.compile(r'^<div class="capa[ "].*?^</div>$', re.MULTILINE | re.DOTALL)
_BLOCK_END = re.compile(r"^</div>$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"<!-- capa-block (\d+) -->")
_UNSEARCHED = "data-search-exclude"


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


def block_spans(text: str) -> list[tuple[int, int]]:
    """Where each top-level HTML block of a page's text starts and ends."""
    return [match.span() for match in _BLOCK.finditer(text)]


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
