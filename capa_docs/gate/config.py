"""The settings that judge a change: BASE's, found and read in BASE's own tree.

A pull request runs its own copy of the workflow, so HEAD must not choose the rules that
judge it. This module finds the configuration file BASE keeps (which may not be the file
HEAD reads, if the change moves or renames it), reads the capa block from BASE's blob and
the clause catalogues it names from BASE's tree (a catalogue is settings too: it decides
which clauses findings may cite), and works out the register and evidence folders as
repository paths from BASE's text alone.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from ..contract.settings import (
    CONFIG_NAMES,
    ConfigError,
    Settings,
    find_config_file,
    plugin_block_from_text,
    settings_from_mapping,
)
from ..git.tree import SYMLINK, DiffError, cat_blobs, git, tree_entries
from .configs import SideConfig, catalogue_reader, tree_reader


@dataclass(frozen=True)
class GateSettings:
    """BASE's settings as the gate applies them, and the files and folders they name."""

    settings: Settings
    config: str | None
    """BASE's configuration file, repository-relative (None: BASE has none, the defaults)."""
    head_config: str | None
    """The configuration file this run finds on HEAD's side, repository-relative."""
    register: str
    """BASE's register folder as a repository path ("" for the repository root)."""
    evidence: str
    """BASE's evidence folder as a repository path."""
    catalogues: tuple[str, ...] = ()
    """The clause catalogue files BASE's `standards` names, read from BASE's tree."""


def gate_settings(root: Path, cwd: Path, base: str, base_ref: str, config: Path | None,
                  changed: dict[str, str]) -> GateSettings:
    """The settings that judge this change, from BASE's configuration file (``config``:
    the ``--config`` the user gave, if any)."""
    head_config = _config_rel(root, cwd, config)
    cwd_rel = rel_folder(cwd, root)
    config_rel = base_config(root, base, base_ref, head_config, config is not None, cwd_rel,
                             changed)
    catalogues: list[str] = []
    settings = base_settings(root, base, base_ref, config_rel, catalogues)
    # Where the settings' folders start, from BASE's text: resolving it on disk would
    # follow symlinks in HEAD's working tree.
    settings = dataclasses.replace(
        settings, base_dir=root / posixpath.dirname(config_rel) if config_rel else root)
    register = _setting_folder(root, config_rel, settings.register, "register")
    evidence = _setting_folder(root, config_rel, settings.evidence, "evidence")
    return GateSettings(settings, config_rel, head_config, register, evidence,
                        tuple(catalogues))


def head_folders(root: Path, judging: GateSettings, head: SideConfig | None
                 ) -> GateSettings:
    """BASE's settings with the register and evidence folders HEAD's configuration names.

    Rules, levels and SLAs stay BASE's; only where the findings are comes from HEAD, so
    a change that points `register:` at an edited copy has that copy judged, finding by
    finding, against BASE's register. HEAD's folders as unreadable or outside the
    repository leave BASE's in place (gate-changed reports the edit either way).
    """
    if head is None or not isinstance(head.block, dict) or judging.head_config is None:
        return judging
    # Only the folders are wanted: HEAD's `standards` is never read, so no catalogue file
    # the change names is opened (it could be a link to /dev/zero).
    block = {k: v for k, v in head.block.items() if k != "standards"}
    try:
        settings = settings_from_mapping(block, root / posixpath.dirname(
            judging.head_config), Path(judging.head_config))
        register = _setting_folder(root, judging.head_config, settings.register, "register")
        evidence = _setting_folder(root, judging.head_config, settings.evidence, "evidence")
    except (ConfigError, DiffError):
        return judging
    if (register, evidence) == (judging.register, judging.evidence):
        return judging
    base_dir = judging.settings.base_dir  # BASE's settings keep their own starting folder
    moved = dataclasses.replace(judging.settings,
                                register=os.path.relpath(root / register, base_dir),
                                evidence=os.path.relpath(root / evidence, base_dir))
    return dataclasses.replace(judging, settings=moved, register=register, evidence=evidence)


def _config_rel(root: Path, cwd: Path, config: Path | None) -> str | None:
    """Where HEAD's mkdocs.yml stands, relative to the repository, as found from ``cwd``."""
    if config is not None:
        if not (cwd / config).is_file():
            raise DiffError(f"{config}: no such configuration file")
        found: Path | None = (cwd / config).resolve()
    else:
        found = find_config_file(cwd, root)
    if found is not None:
        try:
            return found.relative_to(root).as_posix()
        except ValueError:
            raise DiffError(f"{found} is outside the repository {root}") from None
    return None


def _folders_up(rel: str) -> list[str]:
    """``rel`` and every folder above it, up to the repository root ("")."""
    folders = [rel]
    while folders[-1]:
        folders.append(posixpath.dirname(folders[-1]))
    return folders


_CAPA_LISTED = re.compile(rb"^[ \t-]*capa\b", re.MULTILINE)


def base_config(root: Path, base: str, base_ref: str, head_config: str | None,
                explicit: bool, cwd_rel: str, changed: dict[str, str]) -> str | None:
    """Where BASE keeps its settings, looked up in BASE's own tree, never HEAD's.

    A change can rename mkdocs.yml to mkdocs.yaml or move it, so the file HEAD reads may
    not exist on BASE. BASE's file is the one mkdocs would find there: with ``--config``,
    that path or another known name beside it; otherwise the first known name from the
    folder capa diff runs in up to the repository root. When BASE has settings this run
    would not find (the change deletes them, or ``--config`` points elsewhere), judging
    with the defaults would drop them, so this stops with a usage error instead.
    """
    search = [posixpath.join(folder, name) for folder in _folders_up(cwd_rel)
              for name in CONFIG_NAMES]
    near: list[str] = []
    if explicit and head_config:
        folder = posixpath.dirname(head_config)
        near = [head_config, *(posixpath.join(folder, name) for name in CONFIG_NAMES)]
    gone = sorted(p for p, status in changed.items()
                  if status == "D" and posixpath.basename(p) in CONFIG_NAMES)
    entries = tree_entries(root, base, [*near, *search, *gone])

    def first(candidates: list[str]) -> str | None:
        return next((c for c in candidates if c in entries), None)

    found = first(near) if explicit else first(search)
    if found is not None:
        if entries[found].mode == SYMLINK:
            raise DiffError(f"{base_ref}:{found} is a symbolic link; capa diff reads BASE's "
                            "settings from a regular file only: commit the file itself")
        return found
    elsewhere = first(search) if explicit else None
    if elsewhere is None:
        blobs = cat_blobs(root, [entries[p].sha for p in gone if p in entries])
        elsewhere = next((p for p in gone if p in entries
                          and _CAPA_LISTED.search(blobs.get(entries[p].sha, b""))), None)
    if elsewhere is not None:
        looked = (f"--config {head_config}" if explicit else
                  f"{' or '.join(CONFIG_NAMES)} from {cwd_rel or 'the repository root'} up")
        raise DiffError(
            f"{base_ref} keeps its capa settings in {elsewhere}, which this run would not "
            f"read ({looked}): judging with the defaults would drop {base_ref}'s settings. "
            f"Run capa diff from {posixpath.dirname(elsewhere) or 'the repository root'} "
            f"without --config, or keep {elsewhere} where it is in this change and move it "
            "in a change of its own")
    return None


def base_settings(root: Path, base: str, base_ref: str, config: str | None,
                  catalogues: list[str] | None = None) -> Settings:
    """Settings from BASE's own configuration file (the defaults when BASE has none), with
    the clause catalogues it names read from BASE's tree too (their paths added to
    ``catalogues``)."""
    if config is None:
        return Settings(base_dir=root)
    result = git(root, "cat-file", "blob", f"{base}:{config}")
    where = f"{base_ref}:{config}"
    if result.returncode != 0:
        raise DiffError(f"cannot read {where}: {result.stderr.decode().strip()}")
    # INHERIT is followed in BASE's tree, as MkDocs would follow it in BASE's checkout.
    block = plugin_block_from_text(result.stdout, where, tree_reader(root, base, base_ref))
    reader = catalogue_reader(root, base, base_ref, config,
                              catalogues if catalogues is not None else [])
    return settings_from_mapping(block, root / posixpath.dirname(config), Path(where),
                                 read_catalogue=reader)


def _setting_folder(root: Path, config: str | None, value: str, name: str) -> str:
    """A folder setting as a repository path, worked out from BASE's text alone.

    Resolving it on disk would follow symlinks in HEAD's working tree: a change could then
    point BASE's register folder wherever it likes.
    """
    folder = posixpath.dirname(config) if config else ""
    joined = posixpath.normpath(posixpath.join(folder, value.replace(os.sep, "/")))
    if posixpath.isabs(joined):
        top = root.as_posix().rstrip("/") + "/"
        joined = joined[len(top):] if (joined + "/").startswith(top) else "/"
    if joined == "/" or joined == ".." or joined.startswith("../"):
        raise DiffError(f"`{name}: {value}` in the base branch's settings is outside the "
                        f"repository {root}")
    return "" if joined == "." else joined


def rel_folder(folder: Path, root: Path) -> str:
    """``folder`` as a repository path ("" for the root), or a usage error outside it."""
    try:
        rel = folder.relative_to(root).as_posix()
    except ValueError:
        raise DiffError(f"{folder} is outside the repository {root}") from None
    return "" if rel == "." else rel


def check_register_exists(root: Path, fork: str, base_ref: str, judging: GateSettings) -> None:
    """Stop when BASE's register folder is missing from BASE while BASE holds findings:
    every finding would then look new, and deletions elsewhere would go unseen."""
    register, evidence = judging.register, judging.evidence
    result = git(root, "ls-tree", "-r", "-z", "--name-only", "--full-tree", fork)
    for record in result.stdout.split(b"\0"):
        path = record.decode("utf-8", "surrogateescape")
        if not path.endswith(".md") or (evidence and path.startswith(evidence + "/")):
            continue
        if re.fullmatch(judging.settings.id_pattern, posixpath.basename(path)[:-3]):
            raise DiffError(
                f"the base branch's settings ({judging.config or 'the defaults'}) put the "
                f"register in {register}/, which {base_ref} does not have, yet it holds "
                f"findings such as {path}: capa diff would judge nothing. Fix `register:` on "
                "the base branch first, in a change of its own")
