"""The MkDocs configuration on each side as the build reads it: INHERIT chains followed
inside the repository, the capa block, the hooks, and the files the project's CI runs.

MkDocs honours ``INHERIT:`` and runs ``hooks:`` (Python) in the publishing build, so a
change can turn rules off or run code there without touching mkdocs.yml's capa block:
the gate must read the configuration the way MkDocs does, on both sides, to see it.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract.catalogue import CatalogueError
from ..contract.settings import (
    CatalogueReader,
    ConfigDocument,
    ConfigError,
    InheritReader,
    plugin_block,
    read_config_document,
)
from ..git.tree import SYMLINK, cat_blobs, git, read_file_at, tree_entries


@dataclass
class SideConfig:
    """One side's configuration, or why it could not be read."""

    files: list[str] = field(default_factory=list)
    """The configuration and every file it inherits, repository-relative."""
    block: Any = None
    """The capa block ({} when bare), or an "unreadable: ..." text."""
    hooks: list[str] = field(default_factory=list)
    """``hooks:`` as repository paths."""


def tree_reader(root: Path, commit: str | None, label: str) -> InheritReader:
    """Reads what INHERIT names from one side (a commit, or the working tree when None),
    never from outside the repository: BASE's chain comes from BASE alone."""

    def read(parent: str, wanted: str) -> tuple[str, bytes]:
        parent_rel = parent.removeprefix(f"{label}:") if label else parent
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(parent_rel), wanted))
        if posixpath.isabs(wanted) or rel == ".." or rel.startswith("../"):
            raise ConfigError(f"{parent}: INHERIT {wanted!r} is outside the repository; "
                              "capa diff reads inherited settings from the repository only")
        if commit is not None:
            entry = tree_entries(root, commit, [rel]).get(rel)
            if entry is not None and entry.mode == SYMLINK:
                # git hands back the link's target as the file's text: read as settings,
                # it would drop the inherited ones without a word.
                raise ConfigError(f"{parent}: INHERIT {wanted!r} ({rel}) is a symbolic link; "
                                  "capa diff reads inherited settings from a regular file "
                                  "only: commit the file itself")
        raw = read_file_at(root, commit, rel)
        if raw is None:
            raise ConfigError(f"{parent}: INHERIT {wanted!r} ({rel}) cannot be read")
        return (f"{label}:{rel}" if label else rel), raw

    return read


def catalogue_reader(root: Path, commit: str, label: str, config: str,
                     read: list[str]) -> CatalogueReader:
    """Reads the catalogue files a side's `standards` names from that side's tree, never
    from the working tree: the catalogue decides which clauses findings may cite, so a
    change must not bring the one that judges it. Each path read is added to ``read``
    (gate-changed reports a change to it)."""
    top = root.as_posix().rstrip("/") + "/"

    def reader(entry: str) -> tuple[str, bytes]:
        joined = posixpath.join(posixpath.dirname(config), entry.replace(os.sep, "/"))
        rel = posixpath.normpath(joined)
        if posixpath.isabs(rel):
            rel = rel[len(top):] if rel.startswith(top) else "/"
        if rel == "/" or rel == ".." or rel.startswith("../"):
            raise CatalogueError(f"{entry}: outside the repository; capa diff reads "
                                 f"{label}'s clause catalogues from {label}'s tree only")
        shown = f"{label}:{rel}"
        entries = tree_entries(root, commit, [rel])
        if rel not in entries:
            raise CatalogueError(
                f"{shown}: {label} does not have this catalogue file, so capa diff has no "
                "catalogue to judge clauses by (it never takes the change's copy): add the "
                f"catalogue to {label} first, in a change of its own")
        if entries[rel].mode == SYMLINK:
            raise CatalogueError(f"{shown} is a symbolic link; capa diff reads {label}'s "
                                 "catalogue from a regular file only: commit the file itself")
        read.append(rel)
        return shown, cat_blobs(root, [entries[rel].sha]).get(entries[rel].sha, b"")

    return reader


def read_side_config(root: Path, commit: str | None, rel: str | None,
                     label: str = "") -> SideConfig | None:
    """The configuration ``rel`` on one side (None when that side has no such file)."""
    if rel is None:
        return None
    raw = read_file_at(root, commit, rel)
    if raw is None:
        return None
    name = f"{label}:{rel}" if label else rel
    try:
        chain: ConfigDocument = read_config_document(raw, name, tree_reader(root, commit, label))
    except ConfigError as error:
        return SideConfig([rel], f"unreadable: {error}")
    files = [f.removeprefix(f"{label}:") if label else f for f in chain.files]
    try:
        block: Any = plugin_block(chain.document, name)
    except ConfigError as error:
        block = f"unreadable: {error}"
    return SideConfig(files, block, _hooks(chain.document, rel))


def _hooks(document: dict[str, Any], rel: str) -> list[str]:
    hooks = document.get("hooks") or []
    folder = posixpath.dirname(rel)
    return [posixpath.normpath(posixpath.join(folder, h)) for h in hooks if isinstance(h, str)]


# Paths a CI step names (`bash .ci/run`, `python scripts/check.py`): kept when the commit
# has such a file.
_PATH_TOKEN = re.compile(r"(?<![\w./-])(?:\./)?([\w.-]+(?:/[\w.-]+)+|[\w-][\w.-]*\.(?:py|sh|bash))"
                         r"(?![\w/-])")
_CI_FILES = (".gitlab-ci.yml", ".gitlab-ci.yaml")
# Where the steps of local actions and GitLab's `include: local:` files live (their YAML
# files only: a script kept there is not itself a list of steps).
_CI_FOLDERS = (".github/actions", ".gitlab")
_TOOLS = {"make": ("Makefile", "GNUmakefile", "makefile"), "tox": ("tox.ini",),
          "nox": ("noxfile.py",)}


def ci_run_files(root: Path, commit: str) -> set[str]:
    """Files the project's CI runs at ``commit``: scripts its workflow steps name (in a
    workflow, a local action under .github/actions/, the GitLab CI configuration or a
    file under .gitlab/ it can include), and the Makefile, tox.ini or noxfile.py when a
    step calls make, tox or nox."""
    listing = git(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--",
                  ".github/workflows", *_CI_FOLDERS, *_CI_FILES)
    entries = [r.partition(b"\t") for r in listing.stdout.split(b"\0") if r]
    shas = [meta.split()[2].decode() for meta, _, path in entries if len(meta.split()) == 3
            and (path.startswith(b".github/workflows/") or path.endswith((b".yml", b".yaml")))]
    text = "\n".join(b.decode("utf-8", "replace") for b in cat_blobs(root, shas).values())
    candidates = {m.group(1).removeprefix("./") for m in _PATH_TOKEN.finditer(text)}
    for word, names in _TOOLS.items():
        if re.search(rf"(?<![\w-]){word}(?![\w-])", text):
            candidates.update(names)
    return set(tree_entries(root, commit, candidates)) if candidates else set()
