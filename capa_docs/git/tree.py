"""Reading a repository's commits in bulk, without a checkout.

`capa diff` needs a few files from two commits of a register that may hold 10,000
findings and years of history. One ``git ls-tree`` lists a tree and one
``git cat-file --batch`` process returns every blob asked for: a subprocess per file
would cost seconds. Nothing here writes to the user's work tree or index.
"""

from __future__ import annotations

import os
import posixpath
import stat
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..contract.settings import ConfigError

SYMLINK = "120000"


class DiffError(ConfigError):
    """BASE or HEAD cannot be compared (unknown ref, shallow clone); the CLI exits 2."""


@dataclass
class Entry:
    mode: str
    sha: str


def git(root: Path, *args: str,
        data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    # Paths given to git are file names, never patterns: a finding or folder named `*.md`
    # or `:(glob)x` must not widen what git lists.
    # LC_ALL=C: git's own messages (which the gate reads, e.g. "is ambiguous") in English.
    env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1", "LC_ALL": "C", "LANGUAGE": "C"}
    try:
        return subprocess.run(["git", "-C", str(root), *args], input=data,
                              capture_output=True, check=False, env=env)
    except OSError as exc:
        raise DiffError(f"cannot run git: {exc}") from None


def is_shallow(root: Path) -> bool:
    result = git(root, "rev-parse", "--is-shallow-repository")
    return result.stdout.strip() == b"true"


_FETCH_HINT = ("the clone is shallow and lacks that history: fetch the full history "
               "(actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow` and "
               "`git fetch origin <base-branch>`), then run capa diff again")


def resolve_commit(root: Path, ref: str, role: str) -> str:
    """The commit ``ref`` names, or a DiffError that says how to get it.

    A name git could read two ways is refused: git prefers a tag to a remote branch, so
    a pushed tag named ``origin/main`` would make ``capa diff origin/main`` compare the
    change with a commit the attacker chose (git only warns, and the warning is easy to
    miss in a CI log).
    """
    if not ref or ref.startswith("-"):
        raise DiffError(f"{role}: not a git revision: {ref!r}")
    # Not --quiet: it silences the ambiguity warning too.
    result = git(root, "-c", "core.warnAmbiguousRefs=true", "rev-parse", "--verify",
                 f"{ref}^{{commit}}")
    if b"is ambiguous" in result.stderr:
        raise DiffError(f"{role} {ref!r} is ambiguous: {_ambiguity(root, ref)}; name it in "
                        "full, e.g. refs/remotes/origin/main or a commit SHA")
    if result.returncode == 0:
        return result.stdout.decode().strip()
    if is_shallow(root):
        raise DiffError(f"{role} {ref!r} is not in this repository: {_FETCH_HINT}")
    raise DiffError(f"{role} {ref!r} is not a commit in this repository; check the name, or "
                    "fetch it first (e.g. `git fetch origin main`)")


def _ambiguity(root: Path, ref: str) -> str:
    """The refs a short name could mean, as git's rules try them (gitrevisions(7))."""
    name = ref.split("^")[0].split("~")[0].split("@{")[0]
    candidates = [f"refs/{name}", f"refs/tags/{name}", f"refs/heads/{name}",
                  f"refs/remotes/{name}", f"refs/remotes/{name}/HEAD"]
    listed = git(root, "for-each-ref", "--format=%(refname)", *candidates)
    existing = set(listed.stdout.decode("utf-8", "replace").splitlines())
    found = [ref for ref in candidates if ref in existing]  # git's order: its pick first
    if len(found) > 1:
        return "it names " + " and ".join(found)
    return "git reads it as more than one ref or object"


def merge_base(root: Path, base: str, head: str, base_ref: str) -> str:
    """The one commit BASE and HEAD share, which the gate compares HEAD with.

    With two or more merge bases (a criss-cross history) git picks one by commit date,
    which whoever writes the commits controls, so the gate refuses and asks for the base
    commit by name: passing one of them as BASE makes it the only merge base.
    """
    result = git(root, "merge-base", "--all", base, head)
    bases = result.stdout.decode().split()
    if result.returncode == 0 and len(bases) > 1:
        raise DiffError(f"BASE {base_ref!r} and HEAD have {len(bases)} merge bases "
                        f"({', '.join(b[:12] for b in bases)}): a criss-cross history, so "
                        "which one to compare with is a choice; pass the intended base "
                        "commit as BASE")
    if result.returncode == 0 and bases:
        return bases[0]
    if is_shallow(root):
        raise DiffError(f"BASE {base_ref!r} and HEAD share no commit in this clone: "
                        f"{_FETCH_HINT}")
    raise DiffError(f"BASE {base_ref!r} and HEAD have no common history; compare a branch "
                    "with the branch it was made from")


def ls_tree(root: Path, commit: str, folder: str = "") -> dict[str, Entry]:
    """Every file (blob or symlink) under ``folder`` at ``commit``: one git call."""
    args = ["ls-tree", "-r", "-z", "--full-tree", commit]
    if folder:
        args += ["--", folder]
    result = git(root, *args)
    if result.returncode != 0:
        raise DiffError(f"git ls-tree {commit} failed: {result.stderr.decode().strip()}")
    entries: dict[str, Entry] = {}
    for record in result.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind == "blob":
            entries[path.decode("utf-8", "surrogateescape")] = Entry(mode, sha)
    return entries


def tree_entries(root: Path, commit: str, paths: Iterable[str]) -> dict[str, Entry]:
    """The entries of a few named files at ``commit`` (missing ones left out): one git call."""
    wanted = sorted(set(paths))
    if not wanted:
        return {}
    result = git(root, "ls-tree", "-z", "--full-tree", commit, "--", *wanted)
    if result.returncode != 0:
        raise DiffError(f"git ls-tree {commit} failed: {result.stderr.decode().strip()}")
    entries: dict[str, Entry] = {}
    for record in result.stdout.split(b"\0"):
        meta, _, path = record.partition(b"\t")
        if meta:
            mode, kind, sha = meta.decode().split()
            name = path.decode("utf-8", "surrogateescape")
            if kind == "blob" and name in wanted:
                entries[name] = Entry(mode, sha)
    return entries


def worktree_blobs(root: Path, paths: Iterable[str]) -> dict[str, str]:
    """Blob ids the working tree's files would have if committed (no filters, as stored
    bytes), for regular files that exist; one ``git hash-object`` call."""
    present = [p for p in dict.fromkeys(paths)
               if (root / p).is_file() and not (root / p).is_symlink()]
    if not present:
        return {}
    result = git(root, "hash-object", "--no-filters", "--", *present)
    ids = result.stdout.decode().split()
    return dict(zip(present, ids, strict=False)) if result.returncode == 0 else {}


def cat_blobs(root: Path, shas: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs through one ``git cat-file --batch`` process."""
    unique = list(dict.fromkeys(shas))
    if not unique:
        return {}
    result = git(root, "cat-file", "--batch", data=("\n".join(unique) + "\n").encode())
    out, pos, blobs = result.stdout, 0, {}
    for sha in unique:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        blobs[sha] = out[pos : pos + size]
        pos += size + 1
    return blobs


def changed_paths(root: Path, base: str, head: str | None) -> dict[str, str]:
    """Path -> A, M or D from BASE to HEAD (a commit, or the working tree with its
    untracked, not ignored, files)."""
    args = ["diff", "--name-status", "-z", "--no-renames", "--no-ext-diff", base]
    if head is not None:
        args.append(head)
    result = git(root, *args, "--")
    if result.returncode != 0:
        raise DiffError(f"git diff failed: {result.stderr.decode().strip()}")
    fields = result.stdout.split(b"\0")
    changed: dict[str, str] = {}
    for status, path in zip(fields[0::2], fields[1::2], strict=False):
        if status:
            letter = status.decode()[0]
            changed[path.decode("utf-8", "surrogateescape")] = "M" if letter == "T" else letter
    if head is None:
        untracked = git(root, "ls-files", "-z", "--others", "--exclude-standard")
        for path in untracked.stdout.split(b"\0"):
            if path:
                changed[path.decode("utf-8", "surrogateescape")] = "A"
    return changed


def materialise(root: Path, tree: dict[str, Entry], findings: list[str], stand_ins: list[str],
                 evidence_of: Callable[[str, bytes], list[str]], into: Path) -> dict[str, bytes]:
    """Write a commit's ``findings``, the files their evidence names (``evidence_of`` reads
    them from a finding's path and bytes), and empty ``stand_ins`` for every other finding
    (register-wide rules read only their names) under ``into``; return the findings' bytes.

    Symlinks stay symlinks, so a link that leaves the repository still resolves outside
    the copy and is refused exactly as it would be in a checkout.
    """
    wanted = set(findings)
    blobs = cat_blobs(root, [tree[p].sha for p in findings])
    contents = {path: blobs.get(tree[path].sha, b"") for path in findings}
    evidence_paths: list[str] = []
    for path, raw in contents.items():
        _write(into, path, raw)
        evidence_paths.extend(evidence_of(path, raw))
    for folder in {posixpath.dirname(p) for p in stand_ins}:
        os.makedirs(os.path.join(into, folder), exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for path in stand_ins:
        os.close(os.open(os.path.join(into, path), flags, 0o644))
    links = cat_blobs(root, [e.sha for e in tree.values() if e.mode == SYMLINK])
    targets = {sha: os.fsdecode(raw) for sha, raw in links.items()}
    pending = {p: tree[p] for p in _expand_links(evidence_paths, tree, targets)}
    blobs = cat_blobs(root, [entry.sha for entry in pending.values()])
    for path, entry in pending.items():
        raw = blobs.get(entry.sha, b"")
        if entry.mode == SYMLINK:
            target = into / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.is_symlink() and not target.exists():
                os.symlink(os.fsdecode(raw), target)
        elif path not in wanted:
            _write(into, path, raw)
    return contents


def _expand_links(paths: list[str], tree: dict[str, Entry],
                  targets: dict[str, str]) -> list[str]:
    """The tree entries a path needs: itself, and every symlink met on the way, followed."""
    needed: list[str] = []
    for path in paths:
        needed.extend(follow(tree, targets, path).met)
    return list(dict.fromkeys(needed))


MAX_LINKS = 40
"""Symlinks followed for one path before it counts as a loop (Linux's limit)."""


@dataclass(frozen=True)
class Followed:
    """Where a repository path leads in a tree, as a checkout of it would resolve it."""

    path: str | None
    """The repository path reached; None when the way leaves the repository (``..`` above
    the root, an absolute link) or loops."""
    met: tuple[str, ...]
    """The tree entries passed on the way, in order: each symlink, and the file reached."""


def follow(tree: dict[str, Entry], links: dict[str, str], path: str) -> Followed:
    """Follow ``path`` through ``tree`` one name at a time, as the kernel does: a symlink's
    target (``links``: link path -> target as written) replaces it, from the link's folder,
    and ``..`` goes up from where the way has got to, not from what was written."""
    todo = path.split("/")
    done: list[str] = []
    met: list[str] = []
    hops = 0
    while todo:
        part = todo.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return Followed(None, tuple(met))
            done.pop()
            continue
        here = "/".join([*done, part])
        entry = tree.get(here)
        if entry is not None:
            met.append(here)
        if entry is None or entry.mode != SYMLINK:
            done.append(part)
            continue
        hops += 1
        target = links.get(here)
        if target is None or target.startswith("/") or hops > MAX_LINKS:
            return Followed(None, tuple(met))
        todo[:0] = target.split("/")
    return Followed("/".join(done), tuple(met))


def _write(into: Path, rel: str, raw: bytes) -> None:
    target = into / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)


def memory_dir() -> str | None:
    """A RAM-backed temporary folder where there is one: the copy of HEAD writes one empty
    stand-in per finding, which costs seconds on some disks and milliseconds in memory."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None

def repository_root(folder: Path) -> Path:
    """The git top level containing ``folder``, or ``folder`` itself outside git."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=folder, capture_output=True, text=True, check=False,
        )
    except OSError:
        return folder.resolve()
    if result.returncode == 0 and result.stdout.strip():
        return Path(result.stdout.strip()).resolve()
    return folder.resolve()


MAX_WORKTREE_FILE = 16 * 1024 * 1024


def read_file_at(root: Path, commit: str | None, rel: str) -> bytes | None:
    """One file as ``commit`` has it, or as the working tree does (``commit`` None);
    None when absent, or in the working tree when it is a symbolic link (never followed),
    lies outside the repository through a linked folder, is not a regular file, or is
    larger than any configuration: a change could commit a link to /dev or /dev/zero,
    which would be read forever."""
    if commit is None:
        return _read_worktree_file(root, rel)
    result = git(root, "cat-file", "blob", f"{commit}:{rel}")
    return result.stdout if result.returncode == 0 else None


def _read_worktree_file(root: Path, rel: str) -> bytes | None:
    path = root / rel
    try:
        if path.is_symlink() or not path.resolve().is_relative_to(root.resolve()):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, RuntimeError):
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            raw = handle.read(MAX_WORKTREE_FILE + 1)
        except OSError:
            return None
    return raw if len(raw) <= MAX_WORKTREE_FILE else None
