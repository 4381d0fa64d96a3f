"""Where an evidence path points, and whether it may be trusted.

An evidence path comes from an untrusted finding and decides which file the site copies
and publishes, so it must stay inside the repository after every symlink is followed,
and never reach into ``.git/`` (whose config can hold credentials). Containment is
decided on resolved paths with ``is_relative_to``, never on string prefixes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

OK = "ok"
MISSING = "missing"
NOT_A_FILE = "not-a-file"
OUTSIDE = "outside"


@dataclass(frozen=True)
class Resolved:
    """The outcome for one evidence path: a status, the file when it is usable, and why."""

    status: str
    file: Path | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


def resolve_evidence(finding_file: Path, written: str, repo_root: Path) -> Resolved:
    """Resolve ``written`` relative to the finding file and check it stays in the repo."""
    if not written or "\x00" in written:
        return Resolved(MISSING, reason="the path is empty")
    if (PurePosixPath(written).is_absolute() or PureWindowsPath(written).is_absolute()
            or PureWindowsPath(written).drive or written.startswith("~")):
        return Resolved(OUTSIDE, reason="it is an absolute path; write it relative to the finding")
    root = repo_root.resolve()
    lexical = Path(os.path.normpath(finding_file.parent / written))
    if not lexical.is_relative_to(root):
        return Resolved(OUTSIDE, reason="its '..' steps lead out of the repository")
    try:
        real = lexical.resolve(strict=False)
    except RuntimeError:
        return Resolved(OUTSIDE, reason="it is a symlink loop")
    except OSError as exc:
        return Resolved(MISSING, reason=f"it cannot be resolved ({exc.strerror or exc})")
    if not real.is_relative_to(root):
        return Resolved(OUTSIDE, reason="it is a symlink that resolves outside the repository")
    if ".git" in real.relative_to(root).parts or ".git" in lexical.relative_to(root).parts:
        return Resolved(OUTSIDE, reason="it points into .git/, which is never evidence")
    if written.endswith(("/", "/.")):
        # normpath drops a trailing slash, which would accept `file.txt/` as the file.
        return Resolved(NOT_A_FILE, reason="it ends with '/', so it names a folder, not a file")
    try:
        info = real.stat()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return Resolved(MISSING, reason="no such file")
        return Resolved(MISSING, reason=f"it cannot be read ({exc.strerror or exc})")
    if not stat.S_ISREG(info.st_mode):
        return Resolved(NOT_A_FILE, reason="it is not a regular file")
    return Resolved(OK, real)


def sha256_of(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
