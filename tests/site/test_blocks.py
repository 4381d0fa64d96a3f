"""Where a generated page's HTML blocks are (site/page.py): the two-search scan finds
exactly what the block's one-pattern definition finds, on texts made of every kind of
line that can open, close or imitate a block."""

from __future__ import annotations

import random
import re

from capa_docs.site.page import Page, block_spans, restore_blocks

DEFINITION = re.compile(r'^<div class="capa[ "].*?^</div>$', re.MULTILINE | re.DOTALL)
LINES = ('<div class="capa">', '<div class="capa capa-history" data-search-exclude>',
         '<div class="capab">', ' <div class="capa">', '<div class="capa"', "</div>",
         " </div>", "</div> ", "</div></div>", "## Heading", "", "text </div>",
         '<p>a <div class="capa">b</p>', "<!-- capa-block 0 -->")


def test_the_scan_finds_what_the_definition_finds() -> None:
    rng = random.Random(18)
    for _ in range(3000):
        text = "\n".join(rng.choice(LINES) for _ in range(rng.randint(0, 14)))
        assert block_spans(text) == [m.span() for m in DEFINITION.finditer(text)], text


def test_split_and_restore_give_the_page_back() -> None:
    rng = random.Random(10)
    for _ in range(500):
        text = "\n".join(rng.choice(LINES[:-1]) for _ in range(rng.randint(0, 14)))
        skeleton, blocks = Page("p.md", text).split()
        assert len(blocks) == len(block_spans(text))
        assert restore_blocks(skeleton, blocks) == text
