"""Clause catalogues: the standards a register's `clauses` are checked against.

A catalogue is data, not code: a standard's ID, name, edition and its clause and control
numbers with their short titles (the published headings, never the standard's text), in
a YAML or JSON file checked against ``schemas/catalogue.schema.json`` when it is loaded.
capa-docs ships the ISO management-system standards under ``catalogues/``; a register
adds its own file (an internal policy set, SOC 2 criteria) by naming it in `standards`.

A finding writes a clause of the register's first standard as the standard numbers it
(``8.1``, ``A.5.19``) and any other standard's qualified by its ID (``9001:8.4.1``).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema
import yaml

CATALOGUE_SCHEMA = "schemas/catalogue.schema.json"

# The catalogues capa-docs ships, by ID, in the order `capa schema` documents them.
SHIPPED = {
    "27001": "iso-iec-27001-2022.yaml",
    "9001": "iso-9001-2015.yaml",
    "14001": "iso-14001-2015.yaml",
    "45001": "iso-45001-2018.yaml",
    "13485": "iso-13485-2016.yaml",
    "42001": "iso-iec-42001-2023.yaml",
    "22301": "iso-22301-2019.yaml",
}
DEFAULT_STANDARDS = ("27001",)
NEAREST_SHOWN = 3


class CatalogueError(Exception):
    """A catalogue cannot be used; the message names the file and what to fix."""


@dataclass(frozen=True)
class Replaced:
    """A number of the edition a catalogue replaced, and what it became."""

    number: str
    title: str
    now: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """One standard's clause and control numbers, in the standard's order."""

    id: str
    standard: str
    edition: str | None
    title: str | None
    clauses: dict[str, str | None]
    controls: dict[str, str | None] = field(default_factory=dict)
    controls_title: str = "Controls"
    previous_edition: str | None = None
    previous: dict[str, Replaced] = field(default_factory=dict)
    source: str = ""
    _positions: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._positions.update((n, i) for i, n in enumerate(self.numbers()))

    @property
    def name(self) -> str:
        """The standard as people write it: ``ISO 9001:2015``."""
        return f"{self.standard}:{self.edition}" if self.edition else self.standard

    def __contains__(self, number: object) -> bool:
        return number in self.clauses or number in self.controls

    def numbers(self) -> list[str]:
        return [*self.clauses, *self.controls]

    def is_control(self, number: str) -> bool:
        return number in self.controls

    def title_of(self, number: str) -> str | None:
        """The number's short title, or its nearest titled parent's for a numbered
        paragraph the standard gives no heading (ISO 9001's 4.4.1)."""
        entries = self.controls if number in self.controls else self.clauses
        while number:
            title = entries.get(number)
            if title:
                return title
            number = number.rpartition(".")[0]
        return None

    def order(self, number: str) -> tuple[int, int]:
        """Sort key: the catalogue's own order, clauses before controls."""
        index = self._positions.get(number)
        return (0, index) if index is not None else (1, 0)

    def nearest(self, number: str, count: int = NEAREST_SHOWN) -> list[str]:
        """The catalogue's numbers closest to ``number``: the most leading parts in
        common, then the nearest value of the first part that differs."""
        wanted = number.split(".")
        scored = [(_distance(wanted, known.split(".")), position, known)
                  for position, known in enumerate(self.numbers())]
        return [known for *_, known in sorted(scored)[:count]]

    def shown(self, number: str) -> str:
        """``A.8.13 (Information backup)``: a number with its title, for messages."""
        title = self.title_of(number)
        return f"{number} ({title})" if title else number


def _distance(wanted: list[str], known: list[str]) -> tuple[int, float, int]:
    common = 0
    for mine, theirs in zip(wanted, known, strict=False):
        if mine != theirs:
            break
        common += 1
    if common < len(wanted) and common < len(known):
        gap = _part_gap(wanted[common], known[common])
    else:
        gap = 0.0
    return (-common, gap, abs(len(known) - len(wanted)))


_TRAILING_DIGITS = re.compile(r"(.*?)([0-9]+)")


def _part_gap(mine: str, theirs: str) -> float:
    """How far apart two parts of a number are: 5 and 7 by 2, POL-03 and POL-01 by 2;
    parts with different letters are far apart."""
    a, b = _TRAILING_DIGITS.fullmatch(mine), _TRAILING_DIGITS.fullmatch(theirs)
    if a and b and a.group(1) == b.group(1):
        return abs(int(a.group(2)) - int(b.group(2)))
    return 1000.0


@cache
def _validator() -> Callable[[Any], Any]:
    return fastjsonschema.compile(catalogue_schema())


@cache
def catalogue_schema() -> dict[str, Any]:
    text = resources.files("capa_docs.contract").joinpath(CATALOGUE_SCHEMA)
    schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return schema


def catalogue_from_data(data: Any, source: str) -> Catalogue:
    """A catalogue from parsed data, checked against the catalogue schema first."""
    try:
        _validator()(data)
    except fastjsonschema.JsonSchemaException:
        raise CatalogueError(f"{source}: not a clause catalogue: {_why(data)}") from None
    previous = data.get("previous") or {}
    replaced = {number: Replaced(number, entry["title"], tuple(entry["now"]))
                for number, entry in (previous.get("controls") or {}).items()}
    catalogue = Catalogue(
        id=data["id"], standard=data["standard"], edition=data.get("edition"),
        title=data.get("title"), clauses=dict(data["clauses"]),
        controls=dict(data.get("controls") or {}),
        controls_title=data.get("controls_title") or "Controls",
        previous_edition=previous.get("edition"), previous=replaced, source=source)
    both = sorted(set(catalogue.clauses) & set(catalogue.controls))
    if both:
        raise CatalogueError(f"{source}: {', '.join(both)} listed as both a clause and a "
                             "control; give each number once")
    for old in replaced.values():
        missing = [n for n in old.now if n not in catalogue]
        if missing:
            raise CatalogueError(f"{source}: previous.controls.{old.number} names "
                                 f"{', '.join(missing)}, which the catalogue does not list")
    return catalogue


def _why(data: Any) -> str:
    """The first schema error in words: where it is and what was expected."""
    import jsonschema  # only a broken catalogue needs its messages

    errors = sorted(jsonschema.Draft202012Validator(catalogue_schema()).iter_errors(data),
                    key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return "it does not match the catalogue schema"
    first = errors[0]
    where = ".".join(str(step) for step in first.absolute_path) or "top level"
    return f"{where}: {first.message[:200]}"


def parse_catalogue(text: str | bytes, source: str) -> Catalogue:
    """A catalogue from YAML or JSON text (JSON is YAML); ``source`` names it in messages."""
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CatalogueError(f"{source}: cannot be read as YAML or JSON: "
                             f"{str(exc).splitlines()[0][:200]}") from None
    return catalogue_from_data(data, source)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def shipped(catalogue_id: str) -> Catalogue:
    """A catalogue capa-docs ships, by ID ("9001")."""
    name = SHIPPED[catalogue_id]
    text = resources.files("capa_docs.contract").joinpath("catalogues", name).read_bytes()
    return parse_catalogue(text, f"capa-docs catalogue {name}")


def default_standards() -> tuple[Catalogue, ...]:
    return tuple(shipped(i) for i in DEFAULT_STANDARDS)


def find_shipped(name: str) -> Catalogue | None:
    """The shipped catalogue a setting names: its ID, name or name with edition, in any
    case and spacing ("27001", "ISO/IEC 27001", "iso 9001:2015")."""
    wanted = _folded(name)
    for catalogue_id in SHIPPED:
        catalogue = shipped(catalogue_id)
        if wanted in {_folded(catalogue.id), _folded(catalogue.standard),
                      _folded(catalogue.name), _folded(f"{catalogue.id}:{catalogue.edition}")}:
            return catalogue
    return None


def _folded(text: str) -> str:
    return re.sub(r"[^a-z0-9:]", "", re.sub(r"\b(?:iso|iec)\b", "", text.lower()))


MAX_CATALOGUE_BYTES = 2 * 1024 * 1024
MAX_CATALOGUE_DEPTH = 8


def load_catalogue_file(path: Path, shown: str) -> Catalogue:
    """A register's own catalogue file from disk, read as `catalogue_from_bytes` reads one.

    Only a regular file is read, and never more than the size limit: a symbolic link the
    change commits could point at /dev/zero or /dev/stdin, which would never end.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise CatalogueError(f"{shown}: cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CatalogueError(f"{shown}: not a regular file; a clause catalogue is a "
                                 "YAML or JSON file in the repository")
        try:
            text = handle.read(MAX_CATALOGUE_BYTES + 1)
        except OSError as exc:
            raise CatalogueError(f"{shown}: cannot be read: {exc.strerror or exc}") from None
    return catalogue_from_bytes(text, shown)


def catalogue_from_bytes(text: bytes, shown: str) -> Catalogue:
    """A register's own catalogue from its bytes, wherever they come from (a file on disk,
    or a git blob: `capa diff` reads the base branch's). It arrives by pull request like a
    finding, so it is refused before it is built when it is huge, uses YAML aliases (an
    alias bomb) or nests deeper than a catalogue ever does (libyaml's composer recurses
    in C)."""
    if len(text) > MAX_CATALOGUE_BYTES:
        raise CatalogueError(f"{shown}: over {MAX_CATALOGUE_BYTES // 1024 // 1024} MiB; "
                             "a clause catalogue is far smaller")
    _refuse_hostile(text, shown)
    return parse_catalogue(text, shown)


def _refuse_hostile(text: bytes, shown: str) -> None:
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise CatalogueError(f"{shown}: line {event.start_mark.line + 1} uses a YAML "
                                     "alias (*name); write the values out")
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_CATALOGUE_DEPTH:
                    raise CatalogueError(f"{shown}: line {event.start_mark.line + 1} nests "
                                         f"deeper than {MAX_CATALOGUE_DEPTH} levels")
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        raise CatalogueError(f"{shown}: cannot be read as YAML or JSON: "
                             f"{str(exc).splitlines()[0][:200]}") from None


@dataclass(frozen=True)
class Resolved:
    """A clause reference of a finding, resolved to its catalogue."""

    catalogue: Catalogue
    number: str


class Standards:
    """The register's catalogues, first one first: resolves a finding's clause references
    and explains the ones that do not resolve."""

    def __init__(self, catalogues: Iterable[Catalogue]) -> None:
        self.catalogues = tuple(catalogues)
        self.by_id = {c.id: c for c in self.catalogues}
        self.first = self.catalogues[0]
        self.several = len(self.catalogues) > 1
        # Every spelling a finding may use, to its (standard, number): one dict lookup
        # per clause of 10,000 findings.
        self._known: dict[str, tuple[str, str]] = {}
        for catalogue in reversed(self.catalogues):
            for number in catalogue.numbers():
                self._known[f"{catalogue.id}:{number}"] = (catalogue.id, number)
        for number in self.first.numbers():
            self._known[number] = (self.first.id, number)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Standards) and other.catalogues == self.catalogues

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Standards({', '.join(c.name for c in self.catalogues)})"

    def __iter__(self) -> Iterator[Catalogue]:
        return iter(self.catalogues)

    def resolve(self, ref: object) -> Resolved | None:
        if not isinstance(ref, str):
            return None
        qualifier, colon, number = ref.partition(":")
        catalogue = self.by_id.get(qualifier) if colon else self.first
        if not colon:
            number = ref
        if catalogue is None or number not in catalogue:
            return None
        return Resolved(catalogue, number)

    def key(self, ref: str) -> str:
        """One spelling per clause, for grouping: ``9001:8.4.1``; the first standard's
        clauses are written bare when it is the only standard, as they always were."""
        found = self.resolve(ref)
        if found is None:
            return ref
        if not self.several and found.catalogue is self.first:
            return found.number
        return f"{found.catalogue.id}:{found.number}"

    def accepted(self) -> list[str]:
        """Every spelling a finding may use, for the schema an editor checks against."""
        values = list(self.first.numbers())
        for catalogue in self.catalogues:
            values += [f"{catalogue.id}:{number}" for number in catalogue.numbers()]
        return values

    def problems(self, refs: list[Any]) -> Iterator[tuple[int, str]]:
        """(index, message) for each reference that names no clause, or one twice."""
        known = self._known
        seen: dict[tuple[str, str], str] = {}
        for index, ref in enumerate(refs):
            key = known.get(ref) if isinstance(ref, str) else None
            if key is None:
                yield index, self.explain(str(ref))
                continue
            if key in seen and seen[key] != ref:
                yield index, (f"{ref} and {seen[key]} are the same clause of "
                              f"{self.by_id[key[0]].name}; list it once")
            seen.setdefault(key, ref)

    def explain(self, ref: str) -> str:
        qualifier, colon, number = ref.partition(":")
        if colon:
            catalogue = self.by_id.get(qualifier)
            if catalogue is None:
                return self._unknown_standard(ref, qualifier)
        else:
            catalogue, number = self.first, ref
        old = catalogue.previous.get(number)
        if old is not None:
            return _replaced_message(ref, catalogue, old)
        elsewhere = [c for c in self.catalogues if c is not catalogue and number in c]
        hint = ""
        if elsewhere and not colon:
            other = elsewhere[0]
            hint = (f"; {other.shown(number)} is a clause of {other.name}: write "
                    f"{other.id}:{number}")
        nearest = ", ".join(catalogue.shown(n) for n in catalogue.nearest(number))
        return (f"{ref} is not a clause or control of {catalogue.name}{hint}; "
                f"nearest: {nearest}")

    def _unknown_standard(self, ref: str, qualifier: str) -> str:
        configured = ", ".join(f"{c.id} ({c.name})" for c in self.catalogues)
        known = find_shipped(qualifier)
        if known is not None:
            return (f"{ref} names {known.name}, which is not among this register's "
                    f"standards ({configured}); add \"{known.id}\" to `standards` in the "
                    "capa block of mkdocs.yml, or correct the clause")
        return (f"{ref} names no standard of this register: `{qualifier}` is not one of "
                f"{configured}; qualify a clause with one of those IDs, e.g. "
                f"{self.catalogues[-1].id}:{self.catalogues[-1].numbers()[0]}")


def _replaced_message(ref: str, catalogue: Catalogue, old: Replaced) -> str:
    qualifier = ref.partition(":")[0] + ":" if ":" in ref else ""
    became = " and ".join(catalogue.shown(n) for n in old.now)
    if len(old.now) == 1:
        advice = (f"write {qualifier}{old.now[0]}, or run `capa migrate-clauses` to rewrite "
                  f"every {catalogue.previous_edition} number")
    else:
        advice = "list the one(s) the finding concerns"
    return (f"{ref} ({old.title}) is a control of {catalogue.standard}:"
            f"{catalogue.previous_edition}; in {catalogue.name} it became {became}: {advice}")
