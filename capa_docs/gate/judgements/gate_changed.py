"""gate-changed: the change edits what judges it.

Workflows, actions, CODEOWNERS, hook definitions, schemas, whatever decides what gets
installed to run the gate, the capa settings themselves (INHERIT chains included), the
clause catalogues and allowed-signers file they name (the gate reads BASE's copies), git
attributes that change what files check out as, MkDocs hooks and the scripts CI runs: a
change to any of them changes how this and later changes are judged, or runs code where
the register is judged and published, so the register's code owners review it first.
Problems of this rule are shown before all others.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...contract.settings import CONFIG_NAMES
from ...git.tree import read_file_at
from ..config import GateSettings
from ..configs import SideConfig, ci_run_files
from .context import Judge
from .signed import signers_path

_GATE_PATHS = (".github/workflows/", ".github/actions/")
_GATE_FILES = {
    "CODEOWNERS": "CODEOWNERS", ".github/CODEOWNERS": "CODEOWNERS",
    "docs/CODEOWNERS": "CODEOWNERS", ".gitlab/CODEOWNERS": "CODEOWNERS",
    ".pre-commit-config.yaml": "the pre-commit configuration",
    # git log's %aN and %aE follow it: the published audit trail's record of who made
    # each commit, every commit before this change included.
    ".mailmap": ("git's .mailmap, which rewrites the author names and e-mails the "
                 "published audit trail shows for every commit"),
}
# The gate installs itself from the pull request (`pip install .`), so whatever decides
# what is installed decides what judges the change.
_INSTALL_FILES = {"pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "Pipfile",
                  "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock", "pylock.toml"}
CATALOGUE = ("a clause catalogue the capa settings name (`standards`): it decides which "
             "clauses findings may cite")
CATALOGUE_FIX = ("; capa diff judges clauses with the base branch's catalogue files only (a "
                 "file the base branch does not have counts for nothing), so a finding "
                 "citing a clause this change adds fails clause-unknown here: land the "
                 "catalogue change first, in a pull request of its own, then the findings "
                 "that cite it")
_INSTALL_PATTERN = re.compile(r"(?:requirements|constraints)[^/]*\.(?:txt|in)|pylock\.[^/]+\.toml"
                              r"|[^/]+\.lock")


def gate_files(judge: Judge, root: Path, base: str, head: str | None,
               judging: GateSettings, sides: tuple[SideConfig | None, SideConfig | None]
               ) -> None:
    """gate-changed for each changed file that decides how changes are judged, in path
    order (``head``: None for the working tree; ``sides``: BASE's and HEAD's
    configuration, for the files they inherit and the hooks they run)."""
    changed = judge.changed
    capa_docs_repo = any(p.startswith("capa_docs/") for p in changed) and _is_capa_docs(
        root, (base, head))
    configs = {judging.config, judging.head_config}
    named = _configured_files(sides)
    for path in judging.catalogues:
        named[path] = CATALOGUE
    signers = signers_path(judging)
    if signers is not None:
        named[signers] = ("the allowed-signers file (setting allowed_signers): the keys "
                          "that may sign closures")
    ci_runs = ci_run_files(root, base)
    for path in sorted(changed):
        reason = _gate_reason(path, capa_docs_repo) or named.get(path)
        if reason is None and path in ci_runs:
            reason = "a script the project's CI runs (named in a workflow step)"
        if reason is None and posixpath.basename(path) in CONFIG_NAMES and path not in configs:
            reason = ("another MkDocs configuration file (mkdocs and capa read the first of "
                      f"{', '.join(CONFIG_NAMES)} they find, so it can take over)")
        if reason:
            judge.report("gate-changed", path, 1,
                         f"this change edits {reason}, which decides how changes are "
                         "judged; it needs review by the register's code owners"
                         + (CATALOGUE_FIX if reason == CATALOGUE else ""))


def _configured_files(sides: tuple[SideConfig | None, SideConfig | None]) -> dict[str, str]:
    """Files either side's configuration inherits or runs as hooks, with the reason."""
    named: dict[str, str] = {}
    for side in sides:
        for path in side.files[1:] if side else []:
            named[path] = ("a file the MkDocs configuration inherits (INHERIT), which "
                           "can change the capa settings and what the build runs")
        for path in side.hooks if side else []:
            named[path] = "a MkDocs hook: Python that runs in the publishing build"
        for path in _catalogue_files(side):
            named[path] = CATALOGUE
    return named


def _catalogue_files(side: SideConfig | None) -> list[str]:
    """The register's own catalogue files in a side's `standards`, repository-relative."""
    block = side.block if side else None
    standards = block.get("standards") if isinstance(block, dict) else None
    if isinstance(standards, str):
        standards = [standards]
    if not side or not side.files or not isinstance(standards, list):
        return []
    folder = posixpath.dirname(side.files[0].rpartition(":")[2])
    return [posixpath.normpath(posixpath.join(folder, entry)) for entry in standards
            if isinstance(entry, str) and entry.lower().endswith((".yaml", ".yml", ".json"))]


def gate_config(judge: Judge, root: Path, head: str | None, judging: GateSettings,
                sides: tuple[SideConfig | None, SideConfig | None]) -> None:
    """gate-changed for the capa block (other mkdocs edits are not the gate) and the
    hooks, as MkDocs reads them with INHERIT followed, and for a configuration that
    moved: mkdocs would read another file from now on."""
    base_config, head_config = judging.config, judging.head_config
    if base_config != head_config:
        if base_config is None:
            what = f"adds {head_config}, a MkDocs configuration the base branch does not have"
        elif head_config is None:
            what = f"moves or deletes {base_config}, the base branch's MkDocs configuration"
        else:
            what = f"moves the MkDocs configuration from {base_config} to {head_config}"
        shown = head_config or base_config
        assert shown is not None
        new_raw = read_file_at(root, head, head_config) if head_config else None
        judge.report("gate-changed", shown, _capa_line(new_raw or b""),
                     f"this change {what}, so the capa settings (rule levels, SLAs, folders) "
                     "come from another file from now on; capa diff judged it with the base "
                     "branch's settings, and it needs review by the register's code owners")
        return
    rel = head_config or "mkdocs.yml"
    old, new = sides
    if not (set(old.files if old else []) | set(new.files if new else [])) & set(judge.changed):
        return
    new_raw = read_file_at(root, head, rel)
    if _block(old) != _block(new):
        judge.report("gate-changed", rel, _capa_line(new_raw or b""),
                     "this change edits the capa settings (rule levels, SLAs, folders) in "
                     "mkdocs.yml or a file it inherits; capa diff judged it with the base "
                     "branch's settings, and it needs review by the register's code owners")
    if (old.hooks if old else []) != (new.hooks if new else []):
        judge.report("gate-changed", rel, 1,
                     "this change edits the MkDocs hooks (`hooks:`, Python that runs in "
                     "the publishing build); it needs review by the register's code owners")


def _block(side: SideConfig | None) -> Any:
    return side.block if side else None


def _gate_reason(path: str, capa_docs_repo: bool) -> str | None:
    """Why a file decides how changes are judged, as a message names it; None if not."""
    if path.startswith(_GATE_PATHS):
        return "a GitHub Actions workflow or local action"
    if path.startswith(".ci/"):
        return "the project's CI script folder (.ci/), which CI runs before the gate"
    if path in _GATE_FILES:
        return _GATE_FILES[path]
    name = posixpath.basename(path)
    if name in ("action.yml", "action.yaml"):
        return "a GitHub Action definition"
    if name == ".pre-commit-hooks.yaml":
        return "the pre-commit hook definitions"
    if name == ".gitattributes":
        return ("git attributes (an `eol`, `text` or `filter` line changes what files, "
                "evidence included, check out as)")
    if name == "conftest.py":
        return "a pytest conftest.py, which runs in CI wherever pytest does"
    if name in (".gitlab-ci.yml", ".gitlab-ci.yaml"):
        return "the GitLab CI configuration"
    if path.startswith(".gitlab/") and name.endswith((".yml", ".yaml")):
        # Where `include: local:` files usually live; GitLab merges them into the pipeline.
        return "a file under .gitlab/ that the GitLab CI configuration can include"
    if name in _INSTALL_FILES or _INSTALL_PATTERN.fullmatch(name) or (
            "/requirements/" in f"/{path}" and name.endswith((".txt", ".in"))):
        return "what gets installed to run the gate (packaging, requirements or a lock file)"
    if name.endswith(".schema.json") or "/schemas/" in f"/{path}":
        return "a JSON Schema"
    if capa_docs_repo and path.startswith("capa_docs/"):
        return "capa-docs's own code, which this repository's workflows install and run"
    return None


def _is_capa_docs(root: Path, commits: Iterable[str | None]) -> bool:
    """Whether the repository is capa-docs itself: then its workflows install the gate
    from the pull request, and `capa_docs/` is the judge."""
    for commit in commits:
        raw = read_file_at(root, commit, "pyproject.toml")
        if raw is None:
            continue
        try:
            name = tomllib.loads(raw.decode("utf-8", "replace")).get("project", {}).get("name")
        except tomllib.TOMLDecodeError:
            continue
        if isinstance(name, str) and name.lower().replace("_", "-") == "capa-docs":
            return True
    return False


def _capa_line(text: bytes) -> int:
    """The line of the capa block in a configuration file (1 when there is none)."""
    match = re.search(rb"^[ \t-]*capa[ \t]*:", text, re.MULTILINE)
    return text[: match.start()].count(b"\n") + 1 if match else 1

