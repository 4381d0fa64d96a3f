"""The gate's rules are documented where users look for them: every `capa diff` rule, at
its level, in the rule table of docs/protecting-the-register.md and in the list of
docs/rules.md."""

from __future__ import annotations

import re
from pathlib import Path

from capa_docs.contract.rules import DIFF_RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_protecting_the_register_lists_every_diff_rule_with_its_level() -> None:
    text = (DOCS / "protecting-the-register.md").read_text()
    listed = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning)", text, re.MULTILINE))
    assert listed == {name: rule.level for name, rule in DIFF_RULES.items()}


def test_rules_page_lists_every_diff_rule_with_its_level() -> None:
    text = (DOCS / "rules.md").read_text()
    listed = dict(re.findall(r"^- `([a-z0-9-]+)` \((error|warning)\)", text, re.MULTILINE))
    assert listed == {name: rule.level for name, rule in DIFF_RULES.items()}
