"""Finding files as the gate meets them: which repository paths are findings, and their
front matter read leniently.

The gate compares files that validation may reject (BASE's version of a finding, or a
HEAD file that fails the schema), so reading here never raises: an unreadable file is
None, and its ID falls back to its file name.
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..contract.frontmatter import LoadError, decode, load_text
from ..contract.validate import is_finding_name


def finding_path(path: str, register: str, evidence: str) -> bool:
    """The same choice `validate.discover` makes, on repository-relative POSIX paths."""
    if not is_finding_name(posixpath.basename(path)):
        return False
    if register:
        if not path.startswith(register + "/"):
            return False
        inner = path[len(register) + 1 :]
    else:
        inner = path
    if evidence and (path + "/").startswith(evidence + "/"):
        return False
    return not any(part.startswith(".") for part in inner.split("/")[:-1])


def load(raw: bytes) -> tuple[dict[str, Any], str] | None:
    """A finding's front matter and body, or None when it cannot be read."""
    try:
        document = load_text(decode(raw))
    except LoadError:
        return None
    return document.data, document.body


def parse(raw: bytes) -> dict[str, Any] | None:
    """A finding's front matter alone, or None when it cannot be read."""
    loaded = load(raw)
    return loaded[0] if loaded else None


def finding_id(data: dict[str, Any] | None, path: str) -> str:
    """The ID a finding declares, else its file name: what the record is called."""
    value = (data or {}).get("id")
    return value if isinstance(value, str) else posixpath.splitext(posixpath.basename(path))[0]
