"""A Python-Markdown extension for site generators that read ``capa render``'s pages.

Most of a generated page is HTML blocks (``<div class="capa ...">`` to a line that is
exactly ``</div>``, see ``page``) that Markdown has no need to parse: the plugin holds them
back from MkDocs, but a generator such as Zensical converts each page itself, with a new
converter per page, and Python-Markdown's raw-HTML parser reads every tag of every block.
Listed in the generator's ``markdown_extensions`` as ``capa_docs.site.mdblocks``, this
extension stores each block in the converter's HTML stash before that parser runs, as
that parser would store it: the page's text reaches the HTML as it was written.

What is left once the blocks are out (the headings between them) is the same on every
finding page of one kind, so it is converted once: the result, with a slot where each
block goes, and its table of contents are kept for the next page with the same text and
the same converter settings, which gets them with its own blocks in the slots. Markdown
never reads a block, so the result is exact; ``CAPA_BUILD_SHORTCUTS=0`` converts every
page in full (``tests/site/test_zensical.py`` compares both sites byte for byte).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from .page import block_spans

SHORTCUTS_ENV = "CAPA_BUILD_SHORTCUTS"
"""Set to 0 to build without the shortcuts (the plugin's and this one) whatever the
configuration says: the build to compare against."""
_SLOT = "<!-- capa-slot {} -->"
_SLOT_PATTERN = re.compile(r"<!-- capa-slot (\d+) -->")
_KEPT = 64
"""Distinct page skeletons kept: a register's pages come in a handful of kinds."""


@dataclass(frozen=True)
class _Converted:
    pieces: list[str]
    """The converted skeleton split at its slots: text, slot number, text, ..., text."""
    toc_tokens: list[dict[str, Any]]
    toc: str

    def fill(self, blocks: list[str]) -> str:
        """The page: the skeleton with each block in its slot."""
        pieces = self.pieces[:]
        for at in range(1, len(pieces), 2):
            pieces[at] = blocks[int(pieces[at])]
        return "".join(pieces)


def _tokens(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of a table of contents, for a page of its own (what ``copy.deepcopy``
    gives, at a tenth of its cost: the tokens are dicts of strings and children)."""
    return [{**token, "children": _tokens(token["children"])} for token in tokens]


class _Skeletons:
    """The skeletons converted so far in this process, and how many pages reused one."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, tuple[str, ...]], _Converted] = {}
        self.reused = 0

    def get(self, key: tuple[str, tuple[str, ...]]) -> _Converted | None:
        done = self._kept.get(key)
        self.reused += done is not None
        return done

    def keep(self, key: tuple[str, tuple[str, ...]], done: _Converted) -> None:
        if len(self._kept) >= _KEPT:
            self._kept.clear()
        self._kept[key] = done


SKELETONS = _Skeletons()


def _settings(md: Markdown) -> tuple[str, ...]:
    """The converter's extensions and their settings: the skeleton's output depends on
    them as much as on its text."""
    return tuple(f"{type(ext).__module__}.{type(ext).__name__}:{sorted(ext.getConfigs().items())!r}"
                 for ext in md.registeredExtensions)


class _StashBlocks(Preprocessor):
    """Takes the blocks out, leaving a slot for each; on a skeleton converted before,
    leaves nothing to parse at all."""

    def run(self, lines: list[str]) -> list[str]:
        self.md.capa_page = None  # type: ignore[attr-defined]
        text = "\n".join(lines)
        spans = block_spans(text)
        if not spans:
            return lines
        blocks = [text[start:end] for start, end in spans]
        gaps = [text[end:start] for (_, end), (start, _) in
                zip([(0, 0), *spans], [*spans, (len(text), len(text))], strict=True)]
        if os.environ.get(SHORTCUTS_ENV) == "0" or any("capa-slot" in gap for gap in gaps):
            return self._stashed(gaps, blocks)
        key = ("".join(gap + _SLOT.format(index) for index, gap in enumerate(gaps[:-1]))
               + gaps[-1], _settings(self.md))
        done = SKELETONS.get(key)
        if done is not None:
            self.md.capa_page = (done, blocks, None)  # type: ignore[attr-defined]
            return []
        self.md.capa_page = (None, blocks, key)  # type: ignore[attr-defined]
        return self._stashed(gaps, [_SLOT.format(index) for index in range(len(blocks))])

    def _stashed(self, gaps: list[str], blocks: list[str]) -> list[str]:
        """The page with each block (or its slot) in the stash, as the raw-HTML parser
        would have stored it."""
        out = [gaps[0]]
        for block, gap in zip(blocks, gaps[1:], strict=True):
            out.append("\n" + self.md.htmlStash.store(block) + "\n")
            out.append(gap)
        return "".join(out).split("\n")


class _FillSlots(Postprocessor):
    """Runs last: keeps a new skeleton's result, then puts each block in its slot."""

    def run(self, text: str) -> str:
        page = getattr(self.md, "capa_page", None)
        if page is None:
            return text
        done, blocks, key = page
        if done is None:
            done = _Converted(_SLOT_PATTERN.split(text),
                              _tokens(getattr(self.md, "toc_tokens", [])),
                              getattr(self.md, "toc", ""))
            slots = done.pieces[1::2]
            if key is not None and slots == [str(n) for n in range(len(blocks))]:
                SKELETONS.keep(key, done)
        else:
            self.md.toc_tokens = _tokens(done.toc_tokens)  # type: ignore[attr-defined]
            self.md.toc = done.toc  # type: ignore[attr-defined]
        return done.fill(blocks)


class CapaBlocksExtension(Extension):
    """Stash the register's HTML blocks ahead of the raw-HTML parser."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # Above html_block (20), after normalize_whitespace (30).
        md.preprocessors.register(_StashBlocks(md), "capa_blocks", 25)
        # After every built-in postprocessor (the lowest, unescape, is 10).
        md.postprocessors.register(_FillSlots(md), "capa_slots", 1)


def makeExtension(**kwargs: Any) -> CapaBlocksExtension:  # noqa: N802 (Markdown's API)
    return CapaBlocksExtension(**kwargs)
