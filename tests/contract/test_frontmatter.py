"""Splitting a finding file: the closing fence is found as the pattern that defines it."""

from __future__ import annotations

import random
import re

import pytest

from capa_docs.contract.frontmatter import LoadError, _closing_fence, split


def test_closing_fence_finds_what_the_pattern_finds() -> None:
    rng = random.Random(7)
    pieces = ["-", "---", "\n", " ", "\t", "a", "\n---", "---\n", "\r", "\u2028"]
    for _ in range(20_000):
        text = "---\n" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        match = re.search(r"^---[ \t]*$", text[4:], re.MULTILINE)
        expected = None if match is None else (4 + match.start(), 4 + match.end())
        assert _closing_fence(text) == expected, repr(text)


@pytest.mark.parametrize(("text", "front", "body", "body_line"), [
    ("---\nid: X\n---\nbody\n", "id: X\n", "body\n", 4),
    ("---\nid: X\n--- \t\n\nbody", "id: X\n", "\nbody", 4),
    ("---\n---\n", "", "", 3),
    ("---\na: ----\nb: 1\n---", "a: ----\nb: 1\n", "", 5),
    ("---\na: |\n  ---x\n---\n", "a: |\n  ---x\n", "", 5),
])
def test_split(text: str, front: str, body: str, body_line: int) -> None:
    assert split(text) == (front, body, body_line)


@pytest.mark.parametrize("text", ["---", "---\n", "---\nid: X\n", "---\nid: X\n ---\n",
                                  "---\nid: X\n---x\n"])
def test_unterminated(text: str) -> None:
    with pytest.raises(LoadError, match="not terminated"):
        split(text)
