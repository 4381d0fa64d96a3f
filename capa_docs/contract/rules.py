"""The named rules of the finding contract, one small function each.

A rule looks at one schema-valid finding (or, for register rules, at the whole set of
IDs) and yields ``(key path, message)`` pairs; the validator turns them into problems at
the rule's configured level and the key's line. Messages name the field and say how to
fix it, because the person reading them is writing a finding, not debugging a tool.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .catalogue import Standards
from .evidence import OK, OUTSIDE, EvidenceResolver, Resolved, lfs_pointer_oid, sha256_of
from .followup import effectiveness_due, nearest_name
from .model import ERROR, WARNING, Finding, KeyPath, as_date, stale_since

RuleOutput = Iterator[tuple[KeyPath, str]]
SERIOUS = ("major", "minor")


class RuleSettings(Protocol):
    """The settings a rule reads. Declared here, not imported, because the settings
    module checks configured rule names against ``RULES``: settings sit above rules."""

    id_pattern: str
    sla_days: dict[str, int]
    stale_days: int
    shallow_causes: tuple[str, ...]
    effectiveness_days: dict[str, int]
    owners: dict[str, Any]
    standards: Standards

    def level(self, rule: str, default: str) -> str: ...


@dataclass
class Context:
    """What a rule may know beyond its finding: settings, today, the repo, the register."""

    settings: RuleSettings
    today: dt.date
    repo_root: Path
    last_changed: dict[str, dt.date] = field(default_factory=dict)
    _resolved: dict[tuple[Path, str], Resolved] = field(default_factory=dict, repr=False)
    repo_root_text: str = field(init=False, repr=False)
    """The resolved repository root with a trailing separator, for prefix tests."""
    _resolver: EvidenceResolver = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.repo_root = self.repo_root.resolve()
        text = str(self.repo_root)
        self.repo_root_text = text if text.endswith(os.sep) else text + os.sep
        self._resolver = EvidenceResolver(self.repo_root)

    def resolve(self, f: Finding, written: str) -> Resolved:
        """Resolve an evidence path once, however many rules ask about it."""
        key = (f.path, written)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolved[key] = self._resolver.resolve(f.path, written)
        return resolved


@dataclass(frozen=True)
class Rule:
    name: str
    level: str
    summary: str
    check: Callable[[Finding, Context], Iterable[tuple[KeyPath, str]]] | None = None


RULES: dict[str, Rule] = {}


def _register(name: str, level: str, summary: str,
              check: Callable[[Finding, Context], RuleOutput] | None = None) -> None:
    RULES[name] = Rule(name, level, summary, check)


def rule(name: str, level: str, summary: str):
    """Register a per-finding rule under its contract name."""

    def decorate(check: Callable[[Finding, Context], RuleOutput]):
        _register(name, level, summary, check)
        return check

    return decorate


# Problems found while loading or by the schema, or across the register, have no
# per-finding function; they are listed so levels, docs and tests know every name.
_register("front-matter", ERROR, "Front matter missing, unterminated, not YAML, or hostile.")
_register("duplicate-key", ERROR, "A key appears twice in one mapping.")
_register("schema", ERROR, "The JSON Schema rejects a field: unknown, wrong type, bad value.")
_register("id-duplicate", ERROR, "Two finding files share an ID.")
_register("related-unknown", ERROR, "`related` names a finding that does not exist.")

# `capa diff` judges a change between two commits, not a file, so its rules live apart
# from RULES (which every finding and the README's rule table cover) and have no check
# function here; diff.py applies them. Levels are configured like any other rule.
DIFF_RULES: dict[str, Rule] = {
    item.name: item for item in (
        Rule("gate-changed", WARNING, "The change edits what judges it: the capa settings, "
             "the schema, workflows, CODEOWNERS, actions and hooks, and what the pull "
             "request installs (packaging, requirements, lock files, capa-docs' own code)."),
        Rule("finding-deleted", ERROR, "A finding file disappeared; records are never deleted."),
        Rule("finding-renamed", ERROR, "A finding's ID changed."),
        Rule("raised-changed", ERROR, "`raised` or `raised_by` was edited (backdating)."),
        Rule("closed-edited", ERROR, "A closed finding was changed without being reopened."),
        Rule("evidence-removed", ERROR, "Closure evidence was dropped from a closed finding."),
        Rule("reopened", WARNING, "A closed finding was reopened."),
        Rule("due-extended", WARNING, "A corrective action's due date moved later."),
        Rule("severity-lowered", WARNING, "A finding's severity was lowered."),
        Rule("source-changed", WARNING, "A finding's `source` (where it came from) changed."),
        Rule("closure-signature", ERROR, "With `allowed_signers` set, the commit that "
             "closes a finding or records its effectiveness review, or a later commit of the "
             "change that edits it again, is not signed by a key the base branch's "
             "allowed-signers file lists."),
        Rule("action-removed", ERROR, "A corrective action still open on the base branch is "
             "missing from the finding the change closes."),
    )
}


def _actions(f: Finding) -> list[tuple[int, dict[str, Any]]]:
    return list(enumerate(f.data.get("corrective_actions") or []))


def _evidence(f: Finding) -> list[tuple[int, dict[str, Any]]]:
    return list(enumerate(f.get("closure", "evidence") or []))


def _bad_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


@rule("clause-unknown", ERROR, "A clause is in none of the register's standards (an "
      "ISO/IEC 27001:2013 control is told its 2022 number), or is listed twice.")
def clause_unknown(f: Finding, ctx: Context) -> RuleOutput:
    for index, message in ctx.settings.standards.problems(f.data.get("clauses") or []):
        yield ("clauses", index), f"`clauses[{index}]`: {message}"


@rule("id-filename", ERROR, "The ID differs from the file stem, or breaks the ID pattern.")
def id_filename(f: Finding, ctx: Context) -> RuleOutput:
    finding_id = f.data["id"]
    if _bad_characters(finding_id):
        yield ("id",), (f"`id` holds a control or invisible formatting character: "
                        f"{finding_id!r}; retype it")
        return
    if not re.fullmatch(ctx.settings.id_pattern, finding_id):
        yield ("id",), (f"`id` {finding_id!r} does not match the ID pattern "
                        f"{ctx.settings.id_pattern} (e.g. CAPA-2026-004)")
    if finding_id != f.path.stem:
        yield ("id",), (f"`id` is {finding_id!r} but the file is named {f.path.name!r}; "
                        f"rename the file to {finding_id}.md or fix the ID")


@rule("closure-evidence", ERROR, "Closed without any closure evidence.")
def closure_evidence(f: Finding, ctx: Context) -> RuleOutput:
    if f.data["status"] != "closed":
        return
    closure = f.data.get("closure")
    if not closure:
        yield ("status",), ("status is closed but there is no `closure`; add closure.closed "
                            "(date) and closure.evidence (at least one path or url)")
    elif not closure.get("evidence"):
        yield ("closure",), ("closed without evidence: add at least one item to "
                             "`closure.evidence` (a `path` to a file in the repository or a `url`)")


@rule("evidence-missing", ERROR, "An evidence path does not exist or is not a regular file.")
def evidence_missing(f: Finding, ctx: Context) -> RuleOutput:
    for index, item in _evidence(f):
        if "path" not in item:
            continue
        resolved = ctx.resolve(f, item["path"])
        if resolved.status != OK and resolved.status != OUTSIDE:
            yield ("closure", "evidence", index, "path"), (
                f"evidence `{item['path']}` cannot be used: {resolved.reason}; the path is "
                f"relative to {f.path.name} (commit the file, or fix the path)")


@rule("evidence-outside-repo", ERROR,
      "An evidence path is absolute, escapes the repository, or points into .git/.")
def evidence_outside_repo(f: Finding, ctx: Context) -> RuleOutput:
    for index, item in _evidence(f):
        if "path" in item:
            resolved = ctx.resolve(f, item["path"])
            if resolved.status == OUTSIDE:
                yield ("closure", "evidence", index, "path"), (
                    f"evidence `{item['path']}` is not allowed: {resolved.reason}; evidence "
                    "must be a file inside this repository, e.g. ../evidence/<ID>/file.pdf")


@rule("evidence-hash", ERROR, "An evidence file's sha256 does not match the file.")
def evidence_hash(f: Finding, ctx: Context) -> RuleOutput:
    for index, item in _evidence(f):
        if "path" not in item or "sha256" not in item:
            continue
        resolved = ctx.resolve(f, item["path"])
        if resolved.ok and resolved.file is not None:
            try:
                actual = sha256_of(resolved.file)
            except OSError as exc:
                yield ("closure", "evidence", index, "path"), (
                    f"evidence `{item['path']}` cannot be read to check its sha256: "
                    f"{exc.strerror or exc}; make the file readable")
                continue
            if actual != item["sha256"].lower():
                yield ("closure", "evidence", index, "sha256"), (
                    f"evidence `{item['path']}` has changed since it was pinned: sha256 is "
                    f"{actual}, the finding says {item['sha256']}; restore the file or, if "
                    "the change is intended, update the hash (capa pin)")


@rule("evidence-lfs-pointer", ERROR,
      "An evidence path is a Git LFS pointer: the file itself is not in the checkout.")
def evidence_lfs_pointer(f: Finding, ctx: Context) -> RuleOutput:
    for index, item in _evidence(f):
        if "path" not in item:
            continue
        resolved = ctx.resolve(f, item["path"])
        if resolved.ok and resolved.file is not None:
            oid = lfs_pointer_oid(resolved.file)
            if oid is not None:
                yield ("closure", "evidence", index, "path"), (
                    f"evidence `{item['path']}` is a Git LFS pointer ({oid}), not the file it "
                    "stands for: run `git lfs pull` (in CI, check out with LFS enabled) so the "
                    "real file is checked, pinned and published")


@rule("evidence-unpinned", WARNING,
      "A closed finding's file evidence has no sha256 to prove it unchanged since closure.")
def evidence_unpinned(f: Finding, ctx: Context) -> RuleOutput:
    if f.data["status"] != "closed":
        return
    for index, item in _evidence(f):
        if "path" in item and "sha256" not in item and ctx.resolve(f, item["path"]).ok:
            yield ("closure", "evidence", index, "path"), (
                f"evidence `{item['path']}` is not pinned: without its sha256 nobody can show "
                "it is the file that closed the finding; run `capa pin` and commit the result")


@rule("evidence-url", ERROR, "An evidence URL whose scheme is not https or http.")
def evidence_url(f: Finding, ctx: Context) -> RuleOutput:
    for index, item in _evidence(f):
        if "url" not in item:
            continue
        try:
            parts = urlsplit(item["url"])
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("https", "http") or not _host(parts):
            yield ("closure", "evidence", index, "url"), (
                f"evidence url {item['url']!r} must be an https:// or http:// address "
                "with a host")


def _host(parts) -> str | None:
    """The URL's host name; None for `https:///x`, `https://:443/x` and a bad port."""
    try:
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        return None
    return parts.hostname


@rule("effectiveness", ERROR,
      "A major/minor closed without an effectiveness review that found it effective.")
def effectiveness(f: Finding, ctx: Context) -> RuleOutput:
    if f.data["status"] != "closed" or f.data["severity"] not in SERIOUS:
        return
    review = f.get("closure", "effectiveness")
    if not review:
        where = ("closure",) if f.data.get("closure") else ("status",)
        yield where, (f"a {f.data['severity']} finding cannot be closed without "
                      "`closure.effectiveness` (reviewed, by, result: effective, method)")
    elif review.get("result") != "effective":
        yield ("closure", "effectiveness", "result"), (
            "the effectiveness review found the action not effective: keep the finding "
            "in-progress and add corrective actions, or raise a new finding")


@rule("actions-open", ERROR, "Closed while a corrective action has no completed date.")
def actions_open(f: Finding, ctx: Context) -> RuleOutput:
    if f.data["status"] != "closed":
        return
    actions = _actions(f)
    if not actions and f.data["severity"] in SERIOUS:
        yield ("status",), (f"a {f.data['severity']} finding cannot be closed without a "
                            "corrective action that removes the cause (`corrective_actions`)")
    for index, action in actions:
        if not action.get("completed"):
            yield ("corrective_actions", index), (
                f"closed while corrective action {index + 1} has no `completed` date; "
                "complete it first, or keep the finding in-progress")


@rule("owner-due", ERROR,
      "A major/minor not closed without an owner, or a corrective action without a due date.")
def owner_due(f: Finding, ctx: Context) -> RuleOutput:
    if f.data["status"] == "closed" or f.data["severity"] not in SERIOUS:
        return
    if not f.data.get("owner"):
        yield ("severity",), (f"a {f.data['severity']} finding needs a named `owner` "
                              "until it is closed")
    actions = _actions(f)
    if not actions:
        yield ("severity",), (f"a {f.data['severity']} finding needs at least one entry in "
                              "`corrective_actions` with an `action` and a `due` date")
    for index, action in actions:
        if not action.get("due"):
            yield ("corrective_actions", index), (
                f"corrective action {index + 1} has no `due` date; add one within "
                f"{ctx.settings.sla_days.get(f.data['severity'], 365)} days of `raised`")


@rule("root-cause", ERROR,
      "A major/minor in progress or closed without root cause, extent or correction.")
def root_cause(f: Finding, ctx: Context) -> RuleOutput:
    if f.data["status"] == "open" or f.data["severity"] not in SERIOUS:
        return
    where = ("status",)
    if not f.data.get("root_cause"):
        yield where, (f"a {f.data['severity']} finding that is {f.data['status']} needs "
                      "`root_cause` (method, cause, category)")
    if not f.data.get("extent"):
        yield where, (f"a {f.data['severity']} finding that is {f.data['status']} needs "
                      "`extent`: whether similar nonconformities exist elsewhere (10.2 b 3)")
    if not f.data.get("correction"):
        yield where, (f"a {f.data['severity']} finding that is {f.data['status']} needs "
                      "`correction`: what was done to contain and correct it")


# Words that name a mechanism: the process, control, system, ownership, training or
# resourcing that let the error happen. A cause naming one of them is an analysis, even
# when it also says "human error"; one naming none is a symptom plus who, when and where.
_MECHANISMS = frozenset("""
    process procedure control owner ownership unowned accountability accountable
    responsibility responsible checklist system tool tooling automation automated
    automatic design designed policy policies training trained untrained induction
    workflow template documented undocumented documentation instruction guidance runbook
    playbook requirement approval gate segregation verification validation monitoring
    monitored alert alerting alarm configuration configured misconfigured baseline
    schedule scheduled scheduling calendar reminder trigger triggered escalation interface
    integration handover resource resourcing staffing understaffed capacity workload
    budget funding deputy supervision script pipeline permission contract
""".split())

# A phrase about following (did not follow, not followed) has the followed thing as its
# object; "did not follow the procedure" names a procedure but says nothing of why, so
# the words next to it are part of the symptom.
_OBJECT_WINDOW = 4


def _tokens(text: str) -> list[str]:
    """Lower-case words; hyphens, slashes and punctuation separate them (human-error)."""
    return re.findall(r"[a-z0-9']+", text.lower())


def _forms(word: str) -> tuple[str, ...]:
    """A word and its singular candidates, so "errors" and "mistakes" match the phrases."""
    forms = [word]
    if word.endswith("es") and len(word) > 3:
        forms.append(word[:-2])
    if word.endswith("s") and len(word) > 2:
        forms.append(word[:-1])
    return tuple(forms)


@cache
def _phrase_index(phrases: tuple[str, ...]) -> dict[str, list[tuple[str, ...]]]:
    """Shallow phrases as word tuples, by first word, longest first."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(_tokens(phrase))
        if words:
            index.setdefault(words[0], []).append(words)
    for candidates in index.values():
        candidates.sort(key=len, reverse=True)
    return index


def _word_is(word: str, wanted: str) -> bool:
    return wanted in _forms(word)


def shallow_cause(cause: str, phrases: tuple[str, ...]) -> str | None:
    """The shallow phrase a cause rests on, or None when it names a mechanism (or no
    shallow phrase at all). Hyphens, spacing, case and plurals do not matter."""
    index = _phrase_index(phrases)
    words = _tokens(cause)
    covered = [False] * len(words)
    found: str | None = None
    for start, word in enumerate(words):
        for form in _forms(word):
            for phrase in index.get(form, ()):
                end = start + len(phrase)
                if end <= len(words) and all(_word_is(words[start + k], phrase[k])
                                             for k in range(1, len(phrase))):
                    found = found or " ".join(words[start:end])
                    low, high = start, end
                    if any(w.startswith("follow") for w in phrase):
                        low, high = max(0, start - _OBJECT_WINDOW), end + _OBJECT_WINDOW
                    for k in range(low, min(high, len(words))):
                        covered[k] = True
                    break
    if found is None:
        return None
    for word, is_symptom in zip(words, covered, strict=True):
        if not is_symptom and any(form in _MECHANISMS for form in _forms(word)):
            return None
    return found


@rule("root-cause-shallow", ERROR, "The root cause names a symptom such as 'human error'.")
def root_cause_shallow(f: Finding, ctx: Context) -> RuleOutput:
    cause = f.get("root_cause", "cause")
    if not isinstance(cause, str) or not ctx.settings.shallow_causes:
        return
    found = shallow_cause(cause, ctx.settings.shallow_causes)
    if found is not None:
        yield ("root_cause", "cause"), (
            f"the root cause {found!r} names a symptom, not a cause: ask why it was "
            "possible and name the process, control, ownership, training or system that "
            "let it happen")


def _dates(f: Finding) -> Iterator[tuple[KeyPath, str, dt.date]]:
    """Every date of a finding after `raised`, with its key path and a readable name."""
    candidates: list[tuple[KeyPath, str]] = [
        (("correction", "completed"), "correction.completed"),
        (("closure", "closed"), "closure.closed"),
        (("closure", "effectiveness", "reviewed"), "closure.effectiveness.reviewed"),
    ]
    for index, _ in _actions(f):
        candidates.append((("corrective_actions", index, "due"),
                           f"corrective action {index + 1} due"))
        candidates.append((("corrective_actions", index, "completed"),
                           f"corrective action {index + 1} completed"))
    for keypath, label in candidates:
        value = as_date(f.get(*keypath))
        if value is not None:
            yield keypath, label, value


@rule("date-order", ERROR,
      "A date before `raised`, or a completion, closure or review date in the future.")
def date_order(f: Finding, ctx: Context) -> RuleOutput:
    raised = as_date(f.data["raised"])
    if raised is None:
        return
    if raised > ctx.today:
        yield ("raised",), f"`raised` {raised} is in the future (today is {ctx.today})"
    for keypath, label, value in _dates(f):
        if value < raised:
            yield keypath, f"{label} {value} is before the finding was raised ({raised})"
        elif keypath[-1] != "due" and value > ctx.today:
            yield keypath, (f"{label} {value} is in the future (today is {ctx.today}); "
                            "record it once it has happened")


def _add_days(day: dt.date, days: int) -> dt.date:
    """``day`` plus ``days``, stopping at the last date Python knows (9999-12-31)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


@rule("due-beyond-sla", WARNING, "A corrective action is due later than its severity allows.")
def due_beyond_sla(f: Finding, ctx: Context) -> RuleOutput:
    days = ctx.settings.sla_days.get(f.data["severity"])
    raised = as_date(f.data["raised"])
    if days is None or raised is None:
        return
    limit = _add_days(raised, days)
    for index, action in _actions(f):
        due = as_date(action.get("due"))
        if due is not None and due > limit:
            yield ("corrective_actions", index, "due"), (
                f"corrective action {index + 1} is due {due}, later than the {days} days a "
                f"{f.data['severity']} finding allows (by {limit}); bring it forward or "
                "record why in the narrative")


@rule("overdue", WARNING, "Not closed and a due date has passed.")
def overdue(f: Finding, ctx: Context) -> RuleOutput:
    if f.data["status"] == "closed":
        return
    for index, action in _actions(f):
        due = as_date(action.get("due"))
        if due is not None and not action.get("completed") and due < ctx.today:
            days = (ctx.today - due).days
            yield ("corrective_actions", index, "due"), (
                f"corrective action {index + 1} was due {due}, {days} day"
                f"{'s' if days != 1 else ''} ago; complete it or agree a new date")


@rule("stale", WARNING, "Not closed and unchanged in git for longer than the stale period.")
def stale(f: Finding, ctx: Context) -> RuleOutput:
    if f.data["status"] == "closed":
        return
    changed = ctx.last_changed.get(f.rel)
    since = stale_since(f.data, changed)
    if since is None:
        return
    age = (ctx.today - since).days
    if age > ctx.settings.stale_days:
        last = (f"last commit {changed}" if since == changed else
                f"last activity in {f.get('imported', 'from')}: {since}")
        yield ("status",), (f"{f.data['status']} and unchanged for {age} days ({last}); "
                            "record progress or the reason it is waiting")


# What `capa new` and `capa import` leave for a person to fill in or remove.
_PLACEHOLDER = re.compile(r"\bTODO:|\bnot recorded\b", re.IGNORECASE)
_IMPORT_PROBLEMS = "## Import problems"


def _placeholders(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, str):
        match = _PLACEHOLDER.search(value)
        if match:
            yield path, match[0]
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _placeholders(item, (*path, index))


@rule("unfinished-text", WARNING,
      "Placeholder text (`TODO:`, \"not recorded\") or the import's problem section is "
      "still in the finding.")
def unfinished_text(f: Finding, ctx: Context) -> RuleOutput:
    for path, said in _placeholders(f.data, ()):
        field_name = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path)
        yield path, (f"`{field_name.replace('.[', '[')}` still holds the placeholder "
                     f"{said!r}; write what was decided, or remove the field")
    for number, line in enumerate(f.body.splitlines()):
        if line.strip() == _IMPORT_PROBLEMS:
            yield ("@body", f.body_line + number), (
                "the narrative still holds the import's \"Import problems\" section: fix "
                "each problem it lists, then delete the section")
        elif _PLACEHOLDER.search(line):
            said = _PLACEHOLDER.search(line)[0]  # type: ignore[index]
            yield ("@body", f.body_line + number), (
                f"the narrative still holds the placeholder {said!r}; write what was found "
                "or decided, or delete the line")


@rule("effectiveness-overdue", WARNING,
      "Every corrective action is completed and the effectiveness review is past its date.")
def effectiveness_overdue(f: Finding, ctx: Context) -> RuleOutput:
    due = effectiveness_due(f, ctx.settings.effectiveness_days)
    if due is None or due >= ctx.today:
        return
    days = ctx.settings.effectiveness_days[f.data["severity"]]
    yield ("status",), (
        f"every corrective action was completed, so the effectiveness review fell due {due} "
        f"({days} days after the last one for a {f.data['severity']} finding) and none is "
        "recorded: review whether the actions worked and close the finding with "
        "`closure.effectiveness`, or, if they did not, add corrective actions")


@rule("owner-unknown", WARNING,
      "An owner of a finding not closed is not in the `owners` setting (when it is used).")
def owner_unknown(f: Finding, ctx: Context) -> RuleOutput:
    known = ctx.settings.owners
    if not known or f.data["status"] == "closed":
        return
    named: list[tuple[KeyPath, str]] = []
    if isinstance(f.data.get("owner"), str):
        named.append((("owner",), f.data["owner"]))
    for index, action in _actions(f):
        if isinstance(action.get("owner"), str) and not action.get("completed"):
            named.append((("corrective_actions", index, "owner"), action["owner"]))
    for keypath, name in named:
        if name in known:
            continue
        field_name = ("`owner`" if len(keypath) == 1
                      else f"corrective action {int(keypath[1]) + 1}'s `owner`")
        close = nearest_name(name, known)
        hint = (f"did you mean {close!r}?" if close else
                "add them to `owners` in the capa settings")
        yield keypath, (f"{field_name} {name!r} is not in the `owners` setting, so reminders "
                        f"and calendar invitations cannot reach them; {hint}")


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


@rule("correction-as-action", WARNING,
      "A corrective action repeats the correction: it fixes the symptom, not the cause.")
def correction_as_action(f: Finding, ctx: Context) -> RuleOutput:
    correction = f.get("correction", "action")
    if not isinstance(correction, str):
        return
    fixed = _words(correction)
    for index, action in _actions(f):
        words = _words(action.get("action", ""))
        # Word overlap (Jaccard): reordered or lightly reworded copies still count.
        if words and fixed and len(words & fixed) / len(words | fixed) >= 0.75:
            yield ("corrective_actions", index, "action"), (
                f"corrective action {index + 1} repeats the correction; a corrective action "
                "removes the cause found in `root_cause` so it does not happen again")


def _person(name: str) -> str:
    return " ".join(re.findall(r"\w+", name.lower()))


@rule("self-verified", WARNING, "The effectiveness reviewer is the finding's owner.")
def self_verified(f: Finding, ctx: Context) -> RuleOutput:
    owner = f.data.get("owner")
    reviewer = f.get("closure", "effectiveness", "by")
    if not isinstance(owner, str) or not isinstance(reviewer, str):
        return
    owner_words = _person(owner)
    if owner_words and re.search(rf"\b{re.escape(owner_words)}\b", _person(reviewer)):
        yield ("closure", "effectiveness", "by"), (
            f"the effectiveness review is by the owner ({owner}); have someone independent "
            "of the action verify it")


FINDING_RULES = [r for r in RULES.values() if r.check is not None]
