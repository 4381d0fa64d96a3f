"""A Python-Markdown extension for site generators that read ``capa render``'s pages.

Most of a generated page is HTML blocks (``<div class="capa ...">`` to a line that is
exactly ``</div>``, see ``page``) that Markdown has no need to parse: the plugin holds them
back from MkDocs, but a generator such as Zensical converts each page itself, with a new
converter per page, and Python-Markdown's raw-HTML parser reads every tag of every block.
Listed in the generator's ``markdown_extensions`` as ``capa_docs.site.mdblocks``, this
extension stores each block in the converter's HTML stash before that parser runs, as
that parser would store it: the page's text reaches the HTML as it was written.
"""

from __future__ import annotations

from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from .page import block_spans


class _StashBlocks(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        spans = block_spans(text)
        if not spans:
            return lines
        out: list[str] = []
        at = 0
        for start, end in spans:
            out.append(text[at:start])
            out.append("\n" + self.md.htmlStash.store(text[start:end]) + "\n")
            at = end
        out.append(text[at:])
        return "".join(out).split("\n")


class CapaBlocksExtension(Extension):
    """Stash the register's HTML blocks ahead of the raw-HTML parser."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # Above html_block (20), after normalize_whitespace (30).
        md.preprocessors.register(_StashBlocks(md), "capa_blocks", 25)


def makeExtension(**kwargs: Any) -> CapaBlocksExtension:  # noqa: N802 (Markdown's API)
    return CapaBlocksExtension(**kwargs)
