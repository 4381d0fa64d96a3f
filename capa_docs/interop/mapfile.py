"""``--map-file FILE``: a migration's column maps, value maps and defaults, kept in YAML.

A team migrating a register runs the import more than once (a dry run, a fix, another
run), so what it decided belongs in a file next to the sheet rather than in a long
command line::

    sheet: NC register            # the worksheet, when not the one the import picks
    columns:                      # COLUMN: FIELD, as --map
      "Log #": id
      "Risk ref": risks
    values:                       # FIELD: {cell as written: contract value}
      status: {"On hold": open, "Parked": open}
      severity: {"Cat A": major}
    set:                          # FIELD: value where the cell is empty, as --set
      source: internal-audit

Anything wrong in it is a usage error naming the key, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..contract.scaffold import SEVERITIES, SOURCES
from ..contract.settings import ConfigError
from .columns import all_fields, is_field
from .values import words

# The fields whose cells are translated, with the values each may be translated to.
VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    "severity": SEVERITIES,
    "status": ("open", "in-progress", "closed"),
    "source": SOURCES,
    "effectiveness": ("effective", "not-effective"),
}
KEYS = ("sheet", "columns", "values", "set")


def read_map_file(path: Path) -> dict[str, Any]:
    """The map file as {"sheet", "columns", "values", "set"}, each checked."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"--map-file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"--map-file {path}: not UTF-8 text") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"--map-file {path}: not YAML{where}: "
                          f"{getattr(error, 'problem', None) or 'cannot be parsed'}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(f"--map-file {path}: write a mapping with the keys "
                          f"{', '.join(KEYS)}")
    unknown = [str(k) for k in document if k not in KEYS]
    if unknown:
        raise ConfigError(f"--map-file {path}: unknown key {unknown[0]!r}; "
                          f"keys: {', '.join(KEYS)}")
    return {"sheet": _sheet(path, document.get("sheet")),
            "columns": _columns(path, document.get("columns") or {}),
            "values": _values(path, document.get("values") or {}),
            "set": _sets(path, document.get("set") or {})}


def _mapping(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"--map-file {path}: {key} must be a mapping")
    return value


def _sheet(path: Path, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"--map-file {path}: sheet must be a worksheet's name")
    return value


def _columns(path: Path, value: Any) -> dict[str, str]:
    columns: dict[str, str] = {}
    for heading, target in _mapping(path, "columns", value).items():
        if not isinstance(target, str) or not is_field(target):
            raise ConfigError(f"--map-file {path}: columns.{heading}: unknown field "
                              f"{target!r}; fields: {all_fields()}")
        columns[" ".join(str(heading).split())] = target
    return columns


def _values(path: Path, value: Any) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for name, table in _mapping(path, "values", value).items():
        if name not in VALUE_FIELDS:
            raise ConfigError(f"--map-file {path}: values.{name}: unknown field {name!r}; "
                              f"value maps apply to {', '.join(VALUE_FIELDS)}")
        entries: dict[str, str] = {}
        for said, meant in _mapping(path, f"values.{name}", table).items():
            if meant not in VALUE_FIELDS[name]:
                raise ConfigError(f"--map-file {path}: values.{name}.{said}: {meant!r} is not "
                                  f"one of {', '.join(VALUE_FIELDS[name])}")
            entries[str(said).strip()] = meant
            entries[words(str(said))] = meant
        result[name] = entries
    return result


def _sets(path: Path, value: Any) -> dict[str, str]:
    sets: dict[str, str] = {}
    for name, given in _mapping(path, "set", value).items():
        if not is_field(str(name)) or name in ("id", "narrative"):
            raise ConfigError(f"--map-file {path}: set.{name}: unknown field {name!r}")
        if given is None or not str(given).strip():
            raise ConfigError(f"--map-file {path}: set.{name}: give a value")
        sets[str(name)] = str(given).strip()
    return sets
