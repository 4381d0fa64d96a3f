"""The data every part of capa-docs passes around: findings as loaded, and problems found.

Kept free of behaviour so that the loader, the rules, the register and the renderers can
all depend on it without depending on each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KeyPath = tuple[str | int, ...]


def as_date(value: Any) -> dt.date | None:
    """A contract date (the loader keeps dates as the text written), or None when absent
    or not a date: the one place that turns finding dates into dates."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None

def stale_since(data: dict[str, Any], changed: dt.date | None) -> dt.date | None:
    """When a finding's stale clock starts: git's last change, except for a finding that
    `capa import` wrote and nobody has changed since (git's last change no later than the
    import's date): then the last dated activity the spreadsheet recorded, so that an
    import does not make years-old open findings look fresh."""
    imported = data.get("imported")
    if isinstance(imported, dict):
        activity = as_date(imported.get("last_activity"))
        when = as_date(imported.get("date"))
        if activity is not None and (changed is None or (when is not None and changed <= when)):
            return activity
    return changed


ERROR = "error"
WARNING = "warning"
OFF = "off"
LEVELS = (ERROR, WARNING, OFF)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file, reported as ``path:line: level rule: message``."""

    path: str
    line: int
    rule: str
    level: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level} {self.rule}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "level": self.level,
            "rule": self.rule,
            "message": self.message,
        }


@dataclass
class Finding:
    """One finding file: its front matter as data, where each key stands, and its narrative.

    ``data`` holds what YAML gave, except that dates stay the text the user wrote
    (``"2026-03-14"``), so the schema can tell a real date from ``2026-02-30``.
    ``lines`` maps a key path such as ``("closure", "evidence", 0, "path")`` to its line
    in the file (1-based), so any problem can point at the line to fix.
    """

    path: Path
    rel: str
    data: dict[str, Any]
    lines: dict[KeyPath, int]
    body: str = ""
    body_line: int = 1
    schema_valid: bool = True
    computed: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        value = self.data.get("id")
        return value if isinstance(value, str) else self.path.stem

    def line_of(self, keypath: KeyPath) -> int:
        """The line of ``keypath`` or of its nearest ancestor that has one; a rule about
        the narrative names its line as ``("@body", line)``."""
        if len(keypath) == 2 and keypath[0] == "@body" and isinstance(keypath[1], int):
            return keypath[1]
        for end in range(len(keypath), 0, -1):
            line = self.lines.get(keypath[:end])
            if line is not None:
                return line
        return 1

    def get(self, *keypath: str | int) -> Any:
        """The value at ``keypath``, or None where any step is missing."""
        value: Any = self.data
        for step in keypath:
            if isinstance(step, int):
                if not isinstance(value, list) or step >= len(value):
                    return None
            elif not isinstance(value, dict):
                return None
            value = value[step] if isinstance(step, int) else value.get(step)
        return value
