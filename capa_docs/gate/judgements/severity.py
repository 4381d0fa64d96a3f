"""Severity: a finding downgraded, which the reviewer should see with its reason, and a
closure judged at the stricter of the two severities.

Lowering a major to an observation in the change that closes it would otherwise skip what
closing a major needs (root cause, completed corrective actions, an effectiveness review):
the closure must meet the rules of BASE's severity when that was the more serious one.
"""

from __future__ import annotations

import dataclasses

from ...contract.model import Finding, KeyPath
from ...contract.rules import FINDING_RULES, Context, Rule
from .context import Judge, Pair

# Lower index, more serious: lowering severity moves right.
SEVERITY_ORDER = ("major", "minor", "observation", "ofi", "conformity")


def _lowered(before: object, after: object) -> bool:
    return (before in SEVERITY_ORDER and after in SEVERITY_ORDER
            and SEVERITY_ORDER.index(after) > SEVERITY_ORDER.index(before))  # type: ignore[arg-type]


def severity_lowered(judge: Judge, pair: Pair) -> None:
    """severity-lowered: HEAD's severity is less serious than BASE's."""
    before, after = pair.old_data.get("severity"), pair.data.get("severity")
    if _lowered(before, after):
        judge.at("severity-lowered", pair.new, pair.rel, ("severity",),
                 f"severity lowered from {before} to {after}; the reviewer should confirm "
                 "the reason is recorded in the narrative")
        judge.change("lowered", pair.new.id, pair.rel, before, after)


def closed_at_base_severity(judge: Judge, pair: Pair) -> None:
    """The contract's rules that depend on severity, for a finding this change leaves
    closed at a lower severity than BASE's: each problem they find with BASE's severity
    that HEAD's own validation did not, under the rule's own name and level."""
    before, after = pair.old_data.get("severity"), pair.data.get("severity")
    if (pair.data.get("status") != "closed" or not _lowered(before, after)
            or not pair.new.schema_valid):
        return
    stricter = dataclasses.replace(pair.new, data={**pair.data, "severity": before})
    context = Context(judge.settings, judge.today, judge.root)
    for rule in FINDING_RULES:
        own = set(_problems(rule, pair.new, context))
        for keypath, message in _problems(rule, stricter, context):
            if (keypath, message) not in own:
                judge.at(rule.name, pair.new, pair.rel, keypath,
                         f"judged as a {before} finding, its severity on the base branch "
                         f"(lowered to {after} in the change that closes it): {message}")


def _problems(rule: Rule, finding: Finding, context: Context) -> list[tuple[KeyPath, str]]:
    return list(rule.check(finding, context)) if rule.check else []
