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
from pathlib import Path, PureWindowsPath

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
    return EvidenceResolver(repo_root).resolve(finding_file, written)


class EvidenceResolver:
    """Resolves the evidence paths of one repository, remembering which folders hold no
    symlink, so that a file in such a folder costs one ``lstat`` instead of one per
    folder of its path (``Path.resolve``) and two ``stat`` calls.

    Where no symlink is involved the resolved path is the lexical one, so every answer
    is the one ``Path.resolve`` would lead to; anything else (a symlink anywhere, a file
    that cannot be read, a platform other than POSIX) takes the general path.
    """

    def __init__(self, repo_root: Path) -> None:
        self.root = repo_root.resolve()
        self._root_depth = len(self.root.parts)
        self._plain_folders: dict[str, bool] = {}

    def resolve(self, finding_file: Path, written: str) -> Resolved:
        if not written or "\x00" in written:
            return Resolved(MISSING, reason="the path is empty")
        # A Windows path is absolute only with a drive (C:\x, \\server\share), and one
        # with a drive alone (C:x) is refused too, so the drive decides. A drive needs a
        # colon second or a separator first: other paths skip the costly parse.
        if (written.startswith(("/", "~"))
                or (written[1:2] == ":" or written[0] == "\\")
                and PureWindowsPath(written).drive):
            return Resolved(OUTSIDE,
                            reason="it is an absolute path; write it relative to the finding")
        root = self.root
        # normpath of os.path.join equals normpath of the pathlib join (both drop `.` and
        # doubled separators; normpath then folds `..`), at a tenth of the cost.
        lexical = Path(os.path.normpath(os.path.join(finding_file.parent, written)))
        if not lexical.is_relative_to(root):
            return Resolved(OUTSIDE, reason="its '..' steps lead out of the repository")
        info = self._plain_stat(lexical)
        if info is None:
            return _resolve_through_links(lexical, written, root)
        if ".git" in lexical.parts[self._root_depth:]:
            return Resolved(OUTSIDE, reason="it points into .git/, which is never evidence")
        if written.endswith(("/", "/.")):
            return Resolved(NOT_A_FILE, reason=_TRAILING_SLASH)
        if not stat.S_ISREG(info.st_mode):
            return Resolved(NOT_A_FILE, reason="it is not a regular file")
        return Resolved(OK, lexical)

    def _plain_stat(self, lexical: Path) -> os.stat_result | None:
        """``lstat`` of a path whose resolved form is itself (no symlink in it, the file
        included), or None when that is not known to hold."""
        if os.name != "posix":
            return None
        text = str(lexical)
        if not self._plain(os.path.dirname(text)):
            return None
        try:
            info = os.lstat(text)
        except OSError:
            return None
        return None if stat.S_ISLNK(info.st_mode) else info

    def _plain(self, folder: str) -> bool:
        """True when no part of ``folder`` is a symlink (a missing part counts as none, as
        ``os.path.realpath`` counts it), so that it resolves to itself."""
        known = self._plain_folders.get(folder)
        if known is None:
            parent = os.path.dirname(folder)
            known = (parent == folder or self._plain(parent)) and not os.path.islink(folder)
            self._plain_folders[folder] = known
        return known


_TRAILING_SLASH = "it ends with '/', so it names a folder, not a file"


def _resolve_through_links(lexical: Path, written: str, root: Path) -> Resolved:
    """The general case: follow every symlink, then judge where the path ends up."""
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
        return Resolved(NOT_A_FILE, reason=_TRAILING_SLASH)
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
    # Plain descriptor reads in 64 KiB blocks: a buffered file object read in 1 MiB
    # blocks allocates (and maps) a megabyte per read, four times the cost of hashing a
    # small evidence file.
    digest = hashlib.sha256()
    fd = os.open(file, os.O_RDONLY)
    try:
        while block := os.read(fd, 1 << 16):
            digest.update(block)
    finally:
        os.close(fd)
    return digest.hexdigest()


# Git LFS pointer files (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md): under
# 1024 bytes, first line "version <spec URL>". The hawser URL is the pre-1.0 spelling.
_LFS_VERSIONS = (b"version https://git-lfs.github.com/spec/",
                 b"version https://hawser.github.com/spec/")
_LFS_POINTER_MAX = 1024


def lfs_pointer_oid(file: Path) -> str | None:
    """The object ID if `file` is a Git LFS pointer in place of its content, else None.

    A checkout without `git lfs pull` leaves a small text pointer where the evidence should
    be; pinning and publishing the pointer would "prove" a file nobody has seen.
    """
    try:
        fd = os.open(file, os.O_RDONLY)
    except OSError:
        return None
    try:
        head = os.read(fd, _LFS_POINTER_MAX)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(head) >= _LFS_POINTER_MAX or not head.startswith(_LFS_VERSIONS):
        return None
    for line in head.splitlines():
        if line.startswith(b"oid "):
            return line[4:].decode("ascii", "replace").strip()
    return None
