"""The files of a new register repository, for ``capa init``.

Each file is package data under ``templates/`` with ``@NAME@`` placeholders, a form no
file here uses otherwise (GitHub's ``${{ }}``, the shell's ``$VAR`` and GitLab's
variables stay as written). ``starter_files`` fills them in, a pure function;
``write_starter`` writes the files that are not there yet and never replaces one unless
told to, so running ``capa init`` again changes nothing.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..contract.settings import CONFIG_NAMES, DEFAULT_SHALLOW_CAUSES, ConfigError

TEMPLATES = Path(__file__).parent / "templates"
CI_CHOICES = ("github", "gitlab", "none")
SITE_CHOICES = ("mkdocs", "zensical")
ZENSICAL_TESTED = "0.0.73"
"""The Zensical release capa-docs' tests build with, pinned when it is not installed."""
DEFAULT_NAME = "ISMS corrective actions"
_PLACEHOLDER = re.compile(r"@([A-Z][A-Z_]*)@")

# Where each file goes, and the template it comes from (None: an empty file, which keeps
# its folder in git).
COMMON_FILES: tuple[tuple[str, str | None], ...] = (
    ("mkdocs.yml", "mkdocs.yml"),
    ("docs/about.md", "about.md"),
    ("register/evidence/.gitkeep", None),
    (".gitignore", "gitignore"),
    ("README.md", "README.md"),
    ("CODEOWNERS", "CODEOWNERS"),
    (".pre-commit-config.yaml", "pre-commit-config.yaml"),
    ("requirements.txt", "requirements.txt"),
)
CI_FILES: dict[str, tuple[tuple[str, str], ...]] = {
    "github": ((".github/workflows/register-gate.yml", "github-gate.yml"),
               (".github/workflows/register-site.yml", "github-publish.yml"),
               (".github/workflows/register-reminders.yml", "github-remind.yml"),
               (".github/scripts/remind-issues.py", "remind-issues.py")),
    "gitlab": ((".gitlab-ci.yml", "gitlab-ci.yml"),
               (".gitlab/scripts/remind-issues.py", "gitlab-remind-issues.py")),
    "none": (),
}


def default_install() -> str:
    """The capa-docs that writes the files is the one CI installs, until a reviewed
    change says otherwise: a register does not break when capa-docs releases."""
    return f"capa-docs=={__version__}"


@dataclass(frozen=True)
class StarterFile:
    path: str
    """Relative to the repository, with forward slashes."""
    content: str


# How each site generator builds and previews the site: in CI (into site/, or _site/ for
# the GitHub Pages artifact) and on one's own machine.
_MKDOCS = {
    "BUILD": "mkdocs build --strict",
    "BUILD_INTO_SITE": "mkdocs build --strict --site-dir _site",
    "BUILD_GITLAB": "mkdocs build --strict --site-dir site",
    "SERVE": ".venv/bin/mkdocs serve            # the site at http://127.0.0.1:8000, "
             "rebuilt on every save",
    "SITE_NOTE": "`mkdocs serve` previews the site; `mkdocs build --strict` builds\n"
                 "# it into site/, as CI does.",
}
_RENDER = "capa render site-src --zensical --pages docs"
_ZENSICAL = {
    "BUILD": f"{_RENDER} && zensical build --clean --strict",
    "BUILD_INTO_SITE": f"{_RENDER} --site-dir _site && zensical build --clean --strict",
    "BUILD_GITLAB": f"{_RENDER} && zensical build --clean --strict",
    "SERVE": f".venv/bin/{_RENDER} && .venv/bin/zensical serve   # the site at "
             "http://127.0.0.1:8000;\n# render again after changing a finding",
    "SITE_NOTE": "Zensical builds the site: `capa render site-src --zensical` writes\n"
                 "# its pages and zensical.toml, `zensical build` builds it into site/. The\n"
                 "# theme and plugins below are the MkDocs plugin's, for `mkdocs serve`.",
}


def zensical_requirement() -> str:
    """The Zensical installed here (the one capa render hashed the theme of), else the
    release capa-docs is tested with."""
    try:
        return f"zensical=={importlib.metadata.version('zensical')}"
    except importlib.metadata.PackageNotFoundError:
        return f"zensical=={ZENSICAL_TESTED}"


def starter_files(name: str, ci: str, install: str, site: str = "mkdocs") -> list[StarterFile]:
    """Every file of a new register repository, rendered for this name, CI, install and
    site generator."""
    _one_line(name, "--name")
    _one_line(install, "--install")
    if ci not in CI_CHOICES:
        raise ConfigError(f"--ci must be one of {', '.join(CI_CHOICES)}")
    if site not in SITE_CHOICES:
        raise ConfigError(f"--site must be one of {', '.join(SITE_CHOICES)}")
    build = _ZENSICAL if site == "zensical" else _MKDOCS
    values = {
        **build,
        "ZENSICAL": f"\n{zensical_requirement()}" if site == "zensical" else "",
        "ZENSICAL_IGNORED": ("\n/site-src/\n/capa-theme/\n/zensical.toml"
                             if site == "zensical" else ""),
        "VERSION": __version__,
        "SITE_NAME_YAML": _yaml_text(name),
        "SITE_NAME_MD": name,
        "INSTALL": install,
        "INSTALL_YAML": _yaml_text(install),
        "SHALLOW_CAUSES": "\n".join(f"        - {_yaml_text(cause)}"
                                    for cause in DEFAULT_SHALLOW_CAUSES),
    }
    values["CI_README"] = render(f"readme-ci-{ci}.md", values).rstrip("\n")
    return [StarterFile(path, render(template, values) if template else "")
            for path, template in (*COMMON_FILES, *CI_FILES[ci])]


def render(template: str, values: dict[str, str]) -> str:
    """A template with its placeholders filled; an unknown one is a bug, not a blank."""
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _yaml_text(text: str) -> str:
    """A YAML double-quoted scalar: a JSON string is one, with everything escaped."""
    return json.dumps(text, ensure_ascii=False)


def _one_line(value: str, option: str) -> None:
    hidden = [ch for ch in value if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")]
    if not value.strip() or hidden:
        raise ConfigError(f"{option} must be one non-empty line of visible text")


@dataclass
class Outcome:
    """What ``write_starter`` did with each file, by path."""

    written: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, why it was left as it is)."""


def write_starter(root: Path, files: Sequence[StarterFile], force: bool) -> Outcome:
    """Write each file that is not there; one that is (even a broken link) is left as it
    is, byte for byte, unless ``force``. Writing mkdocs.yml beside an mkdocs.yaml would
    take the settings over (MkDocs and capa read mkdocs.yml first), so it is skipped then
    too. An OSError is a ConfigError naming the file."""
    outcome = Outcome()
    for file in files:
        target = root / file.path
        reason = _why_skip(root, file.path, target)
        if reason == _OTHER_CONFIG or (reason and not force):
            outcome.skipped.append((file.path, reason))
            continue
        if reason and target.is_dir() and not target.is_symlink():
            raise ConfigError(f"{target}: a folder is where capa init writes a file; "
                              "move it away first")
        data = file.content.encode("utf-8")
        if reason and not target.is_symlink() and _read(target) == data:
            outcome.skipped.append((file.path, "already has this content"))
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()  # replace the link itself, never the file it points to
            target.write_bytes(data)
        except OSError as error:
            raise ConfigError(f"cannot write {target}: {error.strerror or error}") from None
        (outcome.replaced if reason else outcome.written).append(file.path)
    return outcome


_OTHER_CONFIG = "mkdocs.yaml holds the settings here (MkDocs would read mkdocs.yml instead)"


def _why_skip(root: Path, rel: str, target: Path) -> str | None:
    if rel == CONFIG_NAMES[0] and any(os.path.lexists(root / name) for name in CONFIG_NAMES[1:]):
        return _OTHER_CONFIG
    if os.path.lexists(target):
        return "exists (--force replaces it)"
    return None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
