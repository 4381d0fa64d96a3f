"""Settings: one block in ``mkdocs.yml`` that the CLI and the MkDocs plugin both read.

The block is the ``capa`` entry of ``plugins:``. The CLI reads it without running a build,
so the YAML loader here tolerates mkdocs's own tags (``!ENV``, ``!relative``,
``!!python/name:...``) without executing anything. Every setting has a default, so a
repository with no ``mkdocs.yml`` at all works.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import mergedeep
import yaml

from .catalogue import (
    SHIPPED,
    Catalogue,
    CatalogueError,
    Standards,
    catalogue_from_bytes,
    default_standards,
    find_shipped,
    load_catalogue_file,
)
from .model import ERROR, LEVELS, OFF, WARNING
from .rules import DIFF_RULES, RULES

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
DEFAULT_ID_PATTERN = r"^[A-Z][A-Z0-9]*-[0-9]{4}-[0-9]{3,}$"
DEFAULT_ID_FORMAT = "{prefix}-{year}-{seq:03}"
ID_FORMAT_TOKEN = re.compile(r"\{(prefix|year|seq)(?::0?([0-9]))?\}")


def id_format_parts(fmt: str) -> list[tuple[str, str, int]]:
    """``fmt`` as (literal text, token, width) pieces; a ConfigError when it is not one
    `capa new` can number: exactly one {seq}, only {prefix}, {year} and {seq:0N}."""
    parts: list[tuple[str, str, int]] = []
    end = 0
    for match in ID_FORMAT_TOKEN.finditer(fmt):
        parts.append((fmt[end:match.start()], match[1], int(match[2] or 0)))
        end = match.end()
    parts.append((fmt[end:], "", 0))
    literal = "".join(text for text, _, _ in parts)
    if "{" in literal or "}" in literal:
        raise ConfigError(f"id_format {fmt!r}: only {{prefix}}, {{year}} and {{seq}} or "
                          "{seq:03} may stand in braces")
    if sum(1 for _, token, _ in parts if token == "seq") != 1:
        raise ConfigError(f"id_format {fmt!r}: write {{seq}} (or {{seq:03}}) exactly once, "
                          "for the number that counts up")
    return parts


def id_format_pattern(fmt: str, prefix: str) -> str:
    """The regular expression of the IDs ``fmt`` writes, for ``id_pattern``."""
    out = []
    for text, token, width in id_format_parts(fmt):
        out.append(re.escape(text))
        if token == "prefix":
            out.append(re.escape(prefix))
        elif token == "year":
            out.append("[0-9]{4}")
        elif token == "seq":
            out.append(f"[0-9]{{{max(width, 1)},}}")
    return "^" + "".join(out) + "$"
DEFAULT_SHALLOW_CAUSES = (
    "human error",
    "user error",
    "staff error",
    "staff mistake",
    "operator error",
    "mistake",
    "mistakes were made",
    "forgot",
    "forgotten",
    "oversight",
    "negligence",
    "careless",
    "carelessness",
    "lack of attention",
    "not paying attention",
    "did not follow",
    "didn't follow",
    "not followed",
    "failed to follow",
    "lack of awareness",
)


class ConfigError(Exception):
    """A setting is wrong; the CLI exits 2 and the build stops with this message."""


# Day and month settings are added to dates; past this they overflow Python's dates
# (year 9999) and a rule would fail with a traceback instead of a message.
MAX_DAYS = 36_500
MAX_MONTHS = 1_200

# Rules whose problem takes a finding out of the register, so they cannot be lowered.
ALWAYS_ERRORS = {
    "front-matter": "an unreadable finding is always an error",
    "schema": "a finding the schema rejects is left out of the register and the site, so "
              "lowering it would make the finding vanish silently",
    "id-duplicate": "findings sharing an ID would overwrite each other's pages and links",
    "id-filename": "the file name is the ID that pages, links and `related` use; a "
                   "mismatch would publish the finding under the wrong ID",
}


# repr for messages, with bounded work: YAML aliases can make a value of a few lines that
# repr would write out in billions of items (a "billion laughs" under `register:`).
_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = 12
_REPR.maxstring = _REPR.maxother = 200


def _shown(value: Any) -> str:
    """``repr`` of a setting for a message: short, and never raising (an int too long) or
    expanding a value built from YAML aliases."""
    try:
        text = _REPR.repr(value)
    except (ValueError, RecursionError):
        return "a number too long to show"
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class AzureAccess:
    """Who Azure Static Web Apps lets read the site: users signed in with one of ``roles``,
    through the organisation's own Microsoft Entra ID tenant when ``tenant`` is named."""

    roles: tuple[str, ...] = ("authenticated",)
    tenant: str | None = None


@dataclass(frozen=True)
class Person:
    """How to reach an owner: an e-mail address for calendar invitations (ATTENDEE) and a
    forge handle (``@jsmith``) the reminder digest mentions. Either may be missing."""

    email: str | None = None
    handle: str | None = None


@dataclass(frozen=True)
class Settings:
    """Every capa-docs setting, with the defaults used when ``mkdocs.yml`` is silent."""

    register: str = "register"
    """Folder of finding files, relative to the configuration file."""
    evidence: str = "register/evidence"
    """Folder of evidence files; Markdown here is evidence, never a finding."""
    id_pattern: str = DEFAULT_ID_PATTERN
    """Regular expression every finding ID must match in whole."""
    standards: Standards = field(default_factory=lambda: Standards(default_standards()))
    """The clause catalogues `clauses` are checked against, first one first: shipped
    standards by ID ("27001", "9001") or a register's own catalogue file. A clause of the
    first is written bare (`8.1`), any other's qualified by its ID (`9001:8.4.1`)."""
    id_prefix: str = "CAPA"
    """Prefix `capa new` uses for new IDs: PREFIX-YEAR-NNN."""
    id_format: str = DEFAULT_ID_FORMAT
    """How `capa new` and `capa import` write a new ID: `{prefix}`, `{year}` (the year
    raised; numbering restarts each year) and `{seq}` / `{seq:03}` (the next number,
    zero-padded), e.g. `ISMS-{seq:03}`, so a team keeps its own numbering. Set alone, it
    also sets `id_pattern` to the IDs it writes."""
    sla_days: dict[str, int] = field(default_factory=lambda: {"major": 90, "minor": 365})
    """Longest time from `raised` to a corrective action's `due`, per severity."""
    stale_days: int = 60
    """An open finding unchanged in git for longer than this is stale."""
    due_soon_days: int = 30
    """Window for the management review's 'due soon' list, and for `capa remind`."""
    effectiveness_days: dict[str, int] = field(
        default_factory=lambda: {"major": 90, "minor": 180})
    """Days after a finding's last corrective action is completed by which its
    effectiveness review falls due, per severity; a severity not named gets no date."""
    owners: dict[str, Person] = field(default_factory=dict)
    """Owner names and how to reach each (e-mail, handle); when set, an owner not in it
    is a warning naming the nearest known name (rule `owner-unknown`)."""
    calendar_alarm_days: int = 7
    """Days before a due date the calendar feeds' reminder alarm goes off; 0: no alarm."""
    shallow_causes: tuple[str, ...] = DEFAULT_SHALLOW_CAUSES
    """Phrases that name a symptom, not a cause (whole words; case, hyphens and plurals do
    not matter); a cause that also names a mechanism such as a process or owner passes."""
    rules: dict[str, str] = field(default_factory=dict)
    """Level per rule name: error, warning or off; overrides the defaults."""
    reviews: dict[str, str] = field(default_factory=dict)
    """Management review IDs and their dates (YYYY-MM-DD)."""
    recurrence_months: int = 12
    """Findings sharing a clause and a root-cause category or requirement count as
    recurring when raised within this many months (management review patterns, similar
    findings); a finding raised within this many months after an effective closure with
    the same clause and category, or naming it in ``related``, questions that verdict."""
    recorded_late_days: int = 30
    """A finding first committed more than this many days after its `raised` date (or
    closed before its first commit) is marked "recorded late": its history cannot show
    what happened before then, and review packs before that commit are reconstructed."""
    allowed_signers: str | None = None
    """An OpenSSH allowed-signers file (as git's gpg.ssh.allowedSignersFile), relative to
    the configuration file: when set, the commit closing a finding or recording its
    effectiveness review must be signed by a key it lists (rule `closure-signature`)."""
    allow_raw_html: bool = False
    """Let narrative HTML through unsanitised; only for registers where every writer is trusted."""
    public: bool = False
    """The register is published for everyone: search engines may index it (no robots
    meta tag, no robots.txt, the sitemap kept). Off, every page says noindex."""
    build_shortcuts: bool = True
    """Build finding pages by the site's shortcuts, which give the same bytes faster; off,
    every page goes through MkDocs' normal steps (a build to compare against)."""
    azure_static_web_apps: AzureAccess | None = None
    """Write staticwebapp.config.json so Azure Static Web Apps serves the site only to
    signed-in users holding one of the roles."""
    base_dir: Path = field(default=Path("."), compare=False)
    """Folder the relative settings are resolved against (the configuration file's)."""
    config_file: Path | None = field(default=None, compare=False)

    @property
    def register_dir(self) -> Path:
        return (self.base_dir / self.register).resolve()

    @property
    def evidence_dir(self) -> Path:
        return (self.base_dir / self.evidence).resolve()

    @property
    def allowed_signers_file(self) -> Path | None:
        """The allowed-signers file, when signed closures are required."""
        return (self.base_dir / self.allowed_signers) if self.allowed_signers else None

    def level(self, rule: str, default: str) -> str:
        return self.rules.get(rule, default)


_SETTING_NAMES = {f.name for f in fields(Settings)} - {"base_dir", "config_file"}


# Reads a catalogue file `standards` names, given the entry as written (relative to the
# configuration file's folder); returns (a name for messages, its bytes) or raises
# CatalogueError. The default reads the file on disk; `capa diff` passes one that reads
# the base branch's tree, so a change cannot bring the catalogue that judges it.
CatalogueReader = Callable[[str], tuple[str, bytes]]


def settings_from_mapping(block: dict[str, Any] | None, base_dir: Path,
                          config_file: Path | None = None, *,
                          read_catalogue: CatalogueReader | None = None) -> Settings:
    """Check and convert the plugin block; every mistake is a ConfigError naming the key.

    ``read_catalogue`` fetches the catalogue files `standards` names (default: from disk,
    relative to ``base_dir``)."""
    where = f"{config_file}: plugins.capa" if config_file else "capa settings"
    try:
        return _settings(dict(block or {}), base_dir, config_file, where, read_catalogue)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a setting must end in a message, never a traceback
        raise ConfigError(f"{where}: {_reason(exc)}") from None


def _settings(block: dict[str, Any], base_dir: Path, config_file: Path | None,
              where: str, read_catalogue: CatalogueReader | None = None) -> Settings:
    unknown = sorted(map(str, set(block) - _SETTING_NAMES - _MKDOCS_ONLY))
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_SETTING_NAMES))}"
        )
    values: dict[str, Any] = {}
    if "id_format" in block:
        values["id_format"] = _text(block["id_format"], f"{where}.id_format")
        try:
            id_format_parts(values["id_format"])
        except ConfigError as error:
            raise ConfigError(f"{where}.{error}") from None
        if "id_pattern" not in block:
            values["id_pattern"] = id_format_pattern(
                values["id_format"], str(block.get("id_prefix", "CAPA")))
    for name in ("register", "evidence", "id_prefix", "allowed_signers"):
        if name in block and not (name == "allowed_signers" and block[name] is None):
            values[name] = _text(block[name], f"{where}.{name}")
    if "id_pattern" in block:
        pattern = _text(block["id_pattern"], f"{where}.id_pattern")
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError, ValueError) as exc:
            raise ConfigError(f"{where}.id_pattern: not a regular expression: {exc}") from None
        values["id_pattern"] = pattern
    if "standards" in block:
        values["standards"] = _standards(block["standards"], base_dir, f"{where}.standards",
                                         read_catalogue)
    if "sla_days" in block:
        values["sla_days"] = {**Settings().sla_days,
                              **_per_severity(block["sla_days"], f"{where}.sla_days",
                                              "major: 90")}
    for name in ("stale_days", "due_soon_days", "recorded_late_days"):
        if name in block:
            values[name] = _days(block[name], f"{where}.{name}")
    if "effectiveness_days" in block:
        values["effectiveness_days"] = _per_severity(
            block["effectiveness_days"], f"{where}.effectiveness_days", "major: 90")
    if "owners" in block:
        values["owners"] = _owners(block["owners"], f"{where}.owners")
    if "calendar_alarm_days" in block:
        alarm = block["calendar_alarm_days"]
        if isinstance(alarm, bool) or not isinstance(alarm, int) or not 0 <= alarm <= 365:
            raise ConfigError(f"{where}.calendar_alarm_days: a whole number of days from 0 (no "
                              f"alarm) to 365, got {_shown(alarm)}")
        values["calendar_alarm_days"] = alarm
    if "recurrence_months" in block:
        months = block["recurrence_months"]
        if (isinstance(months, bool) or not isinstance(months, int) or months < 1
                or months > MAX_MONTHS):
            raise ConfigError(f"{where}.recurrence_months: expected a whole number of months "
                              f"from 1 to {MAX_MONTHS:,}, got {_shown(months)}")
        values["recurrence_months"] = months
    if "shallow_causes" in block:
        phrases = block["shallow_causes"]
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip()
                                                    for p in phrases):
            raise ConfigError(f"{where}.shallow_causes: a list of phrases")
        values["shallow_causes"] = tuple(p.strip().lower() for p in phrases)
    if "rules" in block:
        values["rules"] = _rule_levels(block["rules"], f"{where}.rules")
    if "reviews" in block:
        values["reviews"] = _reviews(block["reviews"], f"{where}.reviews")
    if "allow_raw_html" in block:
        if not isinstance(block["allow_raw_html"], bool):
            raise ConfigError(f"{where}.allow_raw_html: true or false")
        values["allow_raw_html"] = block["allow_raw_html"]
    if "public" in block:
        if not isinstance(block["public"], bool):
            raise ConfigError(f"{where}.public: true or false")
        values["public"] = block["public"]
    if "build_shortcuts" in block:
        if not isinstance(block["build_shortcuts"], bool):
            raise ConfigError(f"{where}.build_shortcuts: true or false")
        values["build_shortcuts"] = block["build_shortcuts"]
    if "azure_static_web_apps" in block:
        values["azure_static_web_apps"] = _azure(block["azure_static_web_apps"],
                                                 f"{where}.azure_static_web_apps")
    return Settings(**values, base_dir=base_dir.resolve(), config_file=config_file)


# Keys mkdocs itself adds to every plugin block.
_MKDOCS_ONLY = {"enabled"}


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected text, got {_shown(value)}")
    return value


def _days(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: expected a whole number of days (1 or more), "
                          f"got {_shown(value)}")
    if value > MAX_DAYS:
        raise ConfigError(f"{where}: at most {MAX_DAYS:,} days (100 years), got "
                          f"{_shown(value)}; dates that far ahead cannot be computed")
    return value


def _per_severity(value: Any, where: str, example: str) -> dict[str, int]:
    """A mapping of severity to days (sla_days, effectiveness_days)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: a mapping of severity to days, e.g. {example}")
    checked = {}
    for severity, days in value.items():
        if severity not in ("major", "minor", "observation", "ofi"):
            raise ConfigError(f"{where}: unknown severity {_shown(severity)}; known: major, "
                              "minor, observation, ofi")
        checked[severity] = _days(days, f"{where}.{severity}")
    return checked


_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]+")
_HANDLE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _owners(value: Any, where: str) -> dict[str, Person]:
    """Owner name -> an e-mail, a handle (@name), or {email: ..., handle: ...}."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: a mapping of owner name to e-mail or @handle, e.g. "
                          "Jane Smith: jane.smith@example.com")
    people = {}
    for name, contact in value.items():
        if not isinstance(name, str) or not name.strip() or "\n" in name:
            raise ConfigError(f"{where}: owner names are one line of text, got {_shown(name)}")
        people[name.strip()] = _person(contact, f"{where}.{name.strip()}")
    return people


def _person(contact: Any, where: str) -> Person:
    hint = ("an e-mail address, an @handle, or a mapping with `email` and/or `handle`, e.g. "
            "{email: jane.smith@example.com, handle: '@jsmith'}")
    if isinstance(contact, str):
        contact = ({"handle": contact} if contact.startswith("@") else {"email": contact})
    if not isinstance(contact, dict) or not contact or set(contact) - {"email", "handle"}:
        raise ConfigError(f"{where}: {hint}; got {_shown(contact)}")
    email, handle = contact.get("email"), contact.get("handle")
    if email is not None and not (isinstance(email, str) and _EMAIL.fullmatch(email)):
        raise ConfigError(f"{where}.email: not an e-mail address: {_shown(email)}")
    if handle is not None and not (isinstance(handle, str) and _HANDLE.fullmatch(handle)):
        raise ConfigError(f"{where}.handle: a handle is @ and a user name, e.g. '@jsmith' "
                          f"(quoted: YAML reads a bare @ as an error); got {_shown(handle)}")
    return Person(email, handle)


def _standards(value: Any, base_dir: Path, where: str,
               read: CatalogueReader | None = None) -> Standards:
    """The catalogues named, in order: a shipped standard by ID or name, or a catalogue
    file (.yaml, .yml, .json) relative to the configuration file."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: a list of standards, e.g. [\"27001\", \"9001\"], or "
                          "catalogue files such as catalogues/policies.yaml")
    catalogues: list[Catalogue] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, str | int) or isinstance(entry, bool) or not str(entry).strip():
            raise ConfigError(f"{where}[{index}]: a standard's ID or a catalogue file; "
                              f"got {_shown(entry)}")
        catalogues.append(_catalogue(str(entry).strip(), base_dir, f"{where}[{index}]", read))
    ids: dict[str, str] = {}
    for catalogue in catalogues:
        folded = catalogue.id.casefold()  # one page name on a case-insensitive file system
        if folded in ids:
            raise ConfigError(f"{where}: two catalogues share the ID {catalogue.id} "
                              f"({ids[folded]} and {catalogue.source}); each needs its "
                              "own, since findings qualify clauses with it")
        ids[folded] = catalogue.source
    return Standards(catalogues)


def _catalogue(entry: str, base_dir: Path, where: str,
               read: CatalogueReader | None = None) -> Catalogue:
    if entry.lower().endswith((".yaml", ".yml", ".json")):
        try:
            if read is None:
                return load_catalogue_file(base_dir / entry, entry)
            shown, raw = read(entry)
            return catalogue_from_bytes(raw, shown)
        except CatalogueError as error:
            raise ConfigError(f"{where}: {error}") from None
    found = find_shipped(entry)
    if found is None:
        raise ConfigError(f"{where}: no standard {entry!r}; capa-docs ships "
                          f"{', '.join(SHIPPED)}, or name a catalogue file (.yaml or .json)")
    return found


# Azure's role names: letters, digits, '-' and '_'. `anonymous` is every visitor.
_ROLE = re.compile(r"[A-Za-z0-9_-]{1,64}")
# A tenant ID (a GUID) or one of the tenant's domain names.
_TENANT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*")


def _azure(value: Any, where: str) -> AzureAccess | None:
    """``false``, or ``{tenant: ...}`` (anyone signed in through that tenant), or
    ``{roles: [...]}`` (users invited to a role), or both."""
    if value is False or value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise ConfigError(f"{where}: false, or a mapping with `tenant` (your Microsoft Entra "
                          "tenant), `roles` (roles you invite readers to), or both")
    unknown = sorted(map(str, set(value) - {"roles", "tenant"}))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: roles, tenant")
    tenant = value.get("tenant")
    if tenant is not None and (not isinstance(tenant, str) or not _TENANT.fullmatch(tenant)):
        raise ConfigError(f"{where}.tenant: the Microsoft Entra tenant ID or domain, e.g. "
                          f"contoso.onmicrosoft.com; got {_shown(tenant)}")
    roles = value.get("roles", ["authenticated"])
    if (not isinstance(roles, list) or not roles
            or not all(isinstance(r, str) and _ROLE.fullmatch(r) for r in roles)):
        raise ConfigError(f"{where}.roles: a list of role names (letters, digits, - and _), "
                          f"e.g. [auditor]; got {_shown(roles)}")
    folded = {r.lower() for r in roles}
    if "anonymous" in folded:
        raise ConfigError(f"{where}.roles: `anonymous` is every visitor; name the roles "
                          "that may read the register, e.g. [auditor]")
    if "authenticated" in folded and tenant is None:
        raise ConfigError(f"{where}.roles: `authenticated` without `tenant` lets anyone with "
                          "a Microsoft or GitHub account read the register; name your "
                          "tenant, or a role you invite readers to, e.g. roles: [auditor]")
    return AzureAccess(tuple(dict.fromkeys(roles)), tenant)


def _rule_levels(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: a mapping of rule name to error, warning or off")
    known = set(RULES) | set(DIFF_RULES)
    levels = {}
    for rule, level in value.items():
        if rule not in known:
            raise ConfigError(f"{where}: unknown rule {_shown(rule)}; "
                              f"known: {', '.join(sorted(known))}")
        if level not in LEVELS:
            raise ConfigError(f"{where}.{rule}: level must be {ERROR}, {WARNING} or {OFF}")
        if rule in ALWAYS_ERRORS and level != ERROR:
            raise ConfigError(f"{where}.{rule}: cannot be {level}: {ALWAYS_ERRORS[rule]}; "
                              "remove the setting (it is always an error)")
        levels[rule] = level
    return levels


# Pack page names a review ID cannot take: reviews/index.md lists the packs, and MkDocs
# publishes a README.md as its folder's index page.
RESERVED_REVIEW_PAGES = {"index": "the list of review packs",
                         "readme": "published by MkDocs as the list of review packs"}


def review_page_name(review_id: str) -> str:
    """The file name (without ``.md``) of a review's pack page under ``reviews/``: the ID
    with each run of other characters than letters, digits, ``.``, ``_`` and ``-`` made
    one ``-``. Two IDs with one name would publish one page, so ``_reviews`` refuses them."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", review_id).strip("-.")


def _reviews(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: a mapping of review ID to date, e.g. MR-2026-Q2: 2026-06-30")
    reviews = {}
    pages: dict[str, str] = {}  # page name, case folded (one file on macOS and Windows) -> ID
    for review_id, when in value.items():
        try:
            rid = str(review_id)
        except ValueError:  # an integer too long to write out
            raise ConfigError(f"{where}: a review ID too long to use") from None
        # str() of a list could expand YAML aliases: only a date or a scalar is written out.
        scalar = isinstance(when, str | int | float) and not isinstance(when, bool)
        text = when.isoformat() if isinstance(when, dt.date) else str(when) if scalar else ""
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise ConfigError(f"{where}.{rid}: not a date (YYYY-MM-DD): {_shown(when)}"
                              ) from None
        name = review_page_name(rid)
        if not name:
            raise ConfigError(f"{where}: review ID {rid!r} has no letter or digit to name its "
                              "pack page after; use an ID such as MR-2026-Q2")
        if name.casefold() in RESERVED_REVIEW_PAGES:
            raise ConfigError(f"{where}: review ID {rid!r} would publish its pack as "
                              f"reviews/{name}.md, which is "
                              f"{RESERVED_REVIEW_PAGES[name.casefold()]}; use another ID")
        other = pages.get(name.casefold())
        if other is not None:
            same = f"reviews/{review_page_name(other)}.md"
            also = "" if review_page_name(other) == name else (
                f" and reviews/{name}.md, one file on case-insensitive file systems")
            raise ConfigError(f"{where}: review IDs {other!r} and {rid!r} would both publish "
                              f"their pack as {same}{also}; give each review its own ID")
        pages[name.casefold()] = rid
        reviews[rid] = text
    return dict(sorted(reviews.items(), key=lambda item: item[1]))


class _MkdocsYamlLoader(yaml.SafeLoader):
    """SafeLoader that reads mkdocs's tags as inert values instead of failing on them."""


def _inert(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "ENV" or suffix.endswith(":ENV"):
            return os.environ.get(str(value), None)
        return value
    if isinstance(node, yaml.SequenceNode):
        if suffix == "ENV":
            names = loader.construct_sequence(node)
            for name in names[:-1]:
                if name in os.environ:
                    return os.environ[name]
            return names[-1] if names else None
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


def _number(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """YAML's int and float, refusing absurd lengths: hex and base-60 ints skip Python's
    digit limit and then cannot even be printed in a message."""
    if isinstance(node, yaml.ScalarNode) and len(node.value) > 100:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number {len(node.value):,} characters long", node.start_mark)
    if node.tag.endswith(":int"):
        return loader.construct_yaml_int(node)
    return loader.construct_yaml_float(node)


_MkdocsYamlLoader.add_constructor("tag:yaml.org,2002:int", _number)
_MkdocsYamlLoader.add_constructor("tag:yaml.org,2002:float", _number)
_MkdocsYamlLoader.add_multi_constructor("!", _inert)
_MkdocsYamlLoader.add_multi_constructor("tag:yaml.org,2002:python/", _inert)


def find_config_file(start: Path, top: Path) -> Path | None:
    """The nearest mkdocs.yml in ``start`` or above it, up to ``top`` (the repository)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        if folder == top:
            break
    return None


def load_settings(config_file: Path | None, start: Path, top: Path) -> Settings:
    """Settings from an explicit file, the nearest mkdocs.yml, or the defaults.

    ``top`` is the repository holding ``start`` (the caller asks git): the search for
    mkdocs.yml stops there, and without a configuration file relative settings start
    there, so `capa validate` finds `register/` from any folder of the repository.
    """
    if config_file is None:
        start = start.resolve()
        config_file = find_config_file(start, top)
        if config_file is None:
            return Settings(base_dir=top)
    elif not config_file.is_file():
        raise ConfigError(f"{config_file}: no such configuration file")
    block = read_plugin_block(config_file)
    return settings_from_mapping(block, config_file.parent, config_file)


def read_plugin_block(config_file: Path) -> dict[str, Any]:
    """The ``capa`` block of ``plugins:``, or {} when the plugin is listed bare or absent."""
    try:
        raw = config_file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{config_file}: cannot be read as YAML: {exc}") from None
    return plugin_block_from_text(raw, config_file)


# Reads a file INHERIT names, given the path as written relative to the folder of the
# file that names it; returns (a name for messages and gate checks, its bytes).
InheritReader = Callable[[str, str], tuple[str, bytes]]
MAX_INHERIT_DEPTH = 10


@dataclass
class ConfigDocument:
    """A configuration as MkDocs reads it: INHERIT followed and deep-merged."""

    document: dict[str, Any]
    files: list[str]
    """Every file read, the configuration first, then what it inherits, in order."""


def read_config_document(text: str | bytes, config_file: Path | str,
                         read: InheritReader | None = None) -> ConfigDocument:
    """Parse a configuration and every file its ``INHERIT:`` chain names, merged as MkDocs
    merges them (mergedeep: mappings deep-merged, lists and values replaced), so the
    CLI, the gate and the build all judge with the settings the build will use.

    ``read`` fetches an inherited file: from disk next to ``config_file`` by default; the
    gate passes one that reads BASE's tree, so BASE's chain is read from BASE.
    """
    reader = read or _read_from_disk
    names = [str(config_file)]
    document = _parse(text, str(config_file))
    chain = [document]
    while isinstance(chain[-1], dict) and "INHERIT" in chain[-1]:
        wanted = chain[-1].pop("INHERIT")
        if not isinstance(wanted, str) or not wanted.strip():
            raise ConfigError(f"{names[-1]}: INHERIT must name a configuration file")
        name, raw = reader(names[-1], wanted)
        if name in names:
            raise ConfigError(f"{names[-1]}: INHERIT {wanted!r} leads back to {name}")
        if len(names) > MAX_INHERIT_DEPTH:
            raise ConfigError(f"{names[0]}: more than {MAX_INHERIT_DEPTH} INHERIT levels")
        names.append(name)
        chain.append(_parse(raw, name))
    merged: dict[str, Any] = {}
    for layer in reversed(chain):
        if isinstance(layer, dict):
            mergedeep.merge(merged, layer)
    return ConfigDocument(merged, names)


def _read_from_disk(parent: str, wanted: str) -> tuple[str, bytes]:
    path = os.path.normpath(os.path.join(os.path.dirname(parent), wanted))
    try:
        return path, Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{parent}: INHERIT {wanted!r} cannot be read: "
                          f"{exc.strerror or exc}") from None


def _parse(text: str | bytes, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_MkdocsYamlLoader)  # noqa: S506 - safe subclass
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot be read as YAML: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - PyYAML raises ValueError, RecursionError...
        raise ConfigError(f"{name}: cannot be read as YAML: {_reason(exc)}") from None


def plugin_block_from_text(text: str | bytes, config_file: Path | str,
                           read: InheritReader | None = None) -> dict[str, Any]:
    """The ``capa`` block from a configuration file's text, INHERIT followed.

    `capa diff` judges a pull request by the base branch's settings, which exist only as a
    git blob, never as a file on disk; ``config_file`` only names it in messages.
    """
    return plugin_block(read_config_document(text, config_file, read).document, config_file)


def plugin_block(document: Any, config_file: Path | str) -> dict[str, Any]:
    """The ``capa`` entry of ``plugins:`` in either form MkDocs accepts (a list of names
    and one-key mappings, or a mapping of name to settings); {} when bare or absent."""
    if not isinstance(document, dict):
        return {}
    plugins = document.get("plugins") or []
    if isinstance(plugins, dict):
        block = plugins.get("capa")
        return _block(block, config_file)
    if isinstance(plugins, list):
        for entry in plugins:
            if entry == "capa":
                return {}
            if isinstance(entry, dict) and "capa" in entry:
                return _block(entry["capa"], config_file)
    return {}


def _reason(exc: Exception) -> str:
    """Why a parse failed, in words: PyYAML's own exceptions say little about the value."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, MemoryError):
        return "too large"
    detail = str(exc)
    if "int_max_str_digits" in detail or "Exceeds the limit" in detail:
        return "a number with thousands of digits; shorten it"
    detail = detail if len(detail) <= 200 else detail[:197] + "..."
    return f"a value cannot be read ({type(exc).__name__}: {detail})"


def read_repo_url(config_file: Path | None) -> str | None:
    """``repo_url`` of mkdocs.yml, so `capa render` links commits as the plugin does."""
    if config_file is None:
        return None
    try:
        document = read_config_document(config_file.read_bytes(), config_file).document
    except (OSError, ConfigError):  # an unreadable file has no repo_url
        return None
    value = document.get("repo_url")
    return value if isinstance(value, str) and value.strip() else None


def read_site_url(config_file: Path | None) -> tuple[str | None, bool]:
    """``site_url`` and ``use_directory_urls`` of mkdocs.yml, so `capa remind` links each
    finding's published page as the site does (None when no site_url is set)."""
    if config_file is None:
        return None, True
    try:
        document = read_config_document(config_file.read_bytes(), config_file).document
    except (OSError, ConfigError):
        return None, True
    url = document.get("site_url")
    directory = document.get("use_directory_urls", True) is not False
    return (url if isinstance(url, str) and url.strip() else None), directory


def _block(block: Any, config_file: Path | str) -> dict[str, Any]:
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise ConfigError(f"{config_file}: plugins.capa must be a mapping of settings")
    return block



def resolve_today(explicit: str | None = None) -> dt.date:
    """--today, else SOURCE_DATE_EPOCH (UTC), else the clock: fixed inputs, fixed results."""
    if explicit:
        try:
            return dt.date.fromisoformat(explicit)
        except ValueError:
            raise ConfigError(f"--today: not a date (YYYY-MM-DD): {explicit!r}") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise ConfigError(f"SOURCE_DATE_EPOCH: not a Unix timestamp: {epoch!r}") from None
    return dt.date.today()
