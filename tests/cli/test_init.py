"""`capa init`: a register repository from zero, as a new team starts one.

Everything runs for real: the CLI as a subprocess, `mkdocs build --strict`, git,
actionlint on the GitHub workflows, GitLab's published CI schema (through
check-jsonschema) on .gitlab-ci.yml, and pre-commit installing the hook.
"""

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

from capa_docs import __version__
from capa_docs.cli.starter import CI_FILES, COMMON_FILES, default_install, starter_files
from capa_docs.contract.settings import DEFAULT_SHALLOW_CAUSES, Settings, settings_from_mapping
from capa_docs.site.plugin import CapaConfig

from ..gate.test_gate import PINNED, _lint
from ..gate.test_gate import actionlint as actionlint  # noqa: F401 - the session fixture
from ..helpers import CLOSED_MINOR, TODAY, finding, front_matter, git, run_capa
from ..sites import SOURCE_DATE_EPOCH

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ALL_FILES = {path for path, _ in COMMON_FILES}
GITHUB_FILES = {path for path, _ in CI_FILES["github"]}
GITLAB_FILES = {path for path, _ in CI_FILES["gitlab"]}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GITHUB_") and k not in ("CAPA_DEBUG", "SOURCE_DATE_EPOCH")}
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH  # the site's overdue figures hold still
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def mkdocs_build(folder: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` as a user types it in the register's folder."""
    return subprocess.run([str(BIN / "mkdocs"), "build", "--strict"], cwd=folder,
                          env=_env(), capture_output=True, text=True, timeout=300)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".git" not in p.parts}


def _user(folder: Path) -> None:
    git(folder, "config", "user.name", "Test Author")
    git(folder, "config", "user.email", "author@example.com")


def _init(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = run_capa("init", *args, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _load(text: str) -> Any:
    data = yaml.safe_load(text)
    if isinstance(data, dict) and True in data:  # YAML 1.1 reads the key `on` as True
        data["on"] = data.pop(True)
    return data


# --- the promise: from an empty folder to a register that works ------------------------

def test_empty_folder_to_a_working_register(tmp_path: Path) -> None:
    folder = tmp_path / "isms"
    folder.mkdir()
    result = _init("--name", "ACME ISMS", cwd=folder)
    for path in ALL_FILES | GITHUB_FILES:
        assert f"wrote {path}\n" in result.stdout
    assert "nothing committed" in result.stdout
    assert set(files_of(folder)) == ALL_FILES | GITHUB_FILES
    # git init ran, on main, and nothing is committed.
    assert git(folder, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=folder,
                          capture_output=True).returncode != 0

    validate = run_capa("validate", cwd=folder)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert validate.stdout.strip() == "0 findings: 0 errors, 0 warnings"
    built = mkdocs_build(folder)
    assert built.returncode == 0, built.stderr
    home = (folder / "site" / "index.html").read_text(encoding="utf-8")
    assert "ACME ISMS" in home
    assert (folder / "site" / "register" / "index.html").is_file()
    assert "About this register" in (folder / "site" / "about" / "index.html").read_text()

    new = run_capa("new", "--severity", "minor", "--title", "Backups never restore-tested",
                   "--raised-by", "A. Auditor", "--today", TODAY, cwd=folder)
    assert new.returncode == 0, new.stderr
    written = re.fullmatch(r"register/(\d{4})/CAPA-\1-001\.md", new.stdout.strip())
    assert written, new.stdout
    assert run_capa("validate", cwd=folder).returncode == 0
    assert mkdocs_build(folder).returncode == 0
    page = folder / "site" / "findings" / f"CAPA-{written.group(1)}-001" / "index.html"
    assert "Backups never restore-tested" in page.read_text(encoding="utf-8")


def test_the_journey_of_a_new_team(tmp_path: Path) -> None:
    """Init, commit on main, branch, close a finding without evidence: the gate names
    closure-evidence. Add the evidence and pin it: the gate passes and the site builds.
    The gate runs as the generated workflow runs it, against a real remote."""
    folder = tmp_path / "isms"
    _init(str(folder), "--name", "ACME ISMS", cwd=tmp_path)
    _user(folder)
    raised = run_capa("new", "--severity", "minor", "--title", "Supplier checks skipped",
                      "--raised-by", "A. Auditor", "--today", "2026-03-14", cwd=folder)
    path = folder / raised.stdout.strip()
    finding_id = path.stem
    in_progress = finding(id=finding_id, status="in-progress", closure=None,
                          corrective_actions=[{**CLOSED_MINOR["corrective_actions"][0],
                                               "completed": None}])
    in_progress["corrective_actions"][0].pop("completed")
    path.write_text(f"---\n{front_matter(in_progress)}---\nFound in the March audit.\n",
                    encoding="utf-8")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "Start the register")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(folder, "remote", "add", "origin", str(origin))
    git(folder, "push", "-q", "origin", "main")
    git(folder, "fetch", "-q", "origin")

    git(folder, "checkout", "-q", "-b", "close-it")
    closed = finding(id=finding_id, closure={
        "closed": "2026-07-15", "effectiveness": CLOSED_MINOR["closure"]["effectiveness"]})
    path.write_text(f"---\n{front_matter(closed)}---\nFound in the March audit.\n",
                    encoding="utf-8")
    git(folder, "commit", "-q", "-am", "Close it")
    refused = run_capa("diff", "main", "--today", TODAY, cwd=folder)
    assert refused.returncode == 1
    assert "closure-evidence" in refused.stdout
    gate = _run_gate(folder)
    assert gate.returncode == 1 and "closure-evidence" in gate.stdout

    evidence = folder / "register" / "evidence" / finding_id / "checklist.pdf"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.4 onboarding checklist v3\n")
    closed["closure"]["evidence"] = [{"path": f"../evidence/{finding_id}/checklist.pdf",
                                      "description": "Updated onboarding checklist"}]
    path.write_text(f"---\n{front_matter(closed)}---\nFound in the March audit.\n",
                    encoding="utf-8")
    pinned = run_capa("pin", cwd=folder)
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert "sha256:" in path.read_text(encoding="utf-8")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "Evidence, pinned")
    passed = run_capa("diff", "main", "--today", TODAY, cwd=folder)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    gate = _run_gate(folder)
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert (folder / "site" / "index.html").is_file()


def _run_gate(folder: Path) -> subprocess.CompletedProcess[str]:
    """Every `run:` of the generated gate job after the install, in order, with the
    environment GitHub gives a pull request into main; stops at the first failure."""
    workflow = _load((folder / ".github/workflows/register-gate.yml").read_text())
    steps = [s for s in workflow["jobs"]["gate"]["steps"] if "run" in s]
    assert "pip install --requirement requirements.txt" in steps[0]["run"]
    env = {**_env(), "BASE_REF": "main"}
    out = []
    for step in steps[1:]:
        result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=folder, env=env,
                                capture_output=True, text=True, timeout=300)
        out.append(result.stdout + result.stderr)
        if result.returncode != 0:
            return subprocess.CompletedProcess(step["run"], result.returncode, "".join(out), "")
    return subprocess.CompletedProcess("gate", 0, "".join(out), "")


# --- what it writes -------------------------------------------------------------------

def test_mkdocs_yml_spells_out_every_setting_at_its_default(tmp_path: Path) -> None:
    files = {f.path: f.content for f in starter_files("ACME ISMS", "github",
                                                      default_install())}
    text = files["mkdocs.yml"]
    config = yaml.safe_load(text)
    assert config["site_name"] == "ACME ISMS"
    assert config["theme"]["name"] == "material"
    # No Google Fonts, nor anything else fetched from a third party by the site.
    assert "font" not in config["theme"] and "fonts.googleapis" not in text
    block = next(p["capa"] for p in config["plugins"] if isinstance(p, dict) and "capa" in p)
    plugin_options = {name for name, _ in CapaConfig._schema}
    missing, unknown = plugin_options - set(block), set(block) - plugin_options
    assert not missing, ("capa_docs/cli/templates/mkdocs.yml must spell out every setting "
                         f"at its default, with a one-line comment: add {sorted(missing)}")
    assert not unknown, f"not settings of the plugin: {sorted(unknown)}"
    assert settings_from_mapping({k: v for k, v in block.items() if k != "enabled"},
                                 tmp_path) == Settings()
    assert tuple(block["shallow_causes"]) == DEFAULT_SHALLOW_CAUSES
    capa_lines = text[text.index("  - capa:"):].splitlines()[1:]
    for line in capa_lines:
        if re.match(r"^      [a-z_]+:", line):
            assert re.search(r"\S\s+# \S", line), f"no comment: {line}"


def test_names_and_install_sources_are_quoted_not_pasted() -> None:
    name = 'ACME "ISMS": #1 — Zürich'
    install = "capa-docs @ git+https://git.example.com/tools/capa-docs@0123abc"
    files = {f.path: f.content for f in starter_files(name, "gitlab", install)}
    assert yaml.safe_load(files["mkdocs.yml"])["site_name"] == name
    assert files["README.md"].startswith(f"# {name}\n")
    requirements = [line for line in files["requirements.txt"].splitlines()
                    if line and not line.startswith("#")]
    assert requirements == [install]
    hook = yaml.safe_load(files[".pre-commit-config.yaml"])["repos"][0]["hooks"][0]
    assert hook["additional_dependencies"] == [install]
    for path, content in files.items():
        assert not re.search(r"@[A-Z][A-Z_]*@", content), f"placeholder left in {path}"
    assert all(f"capa-docs {__version__}" in files[p] for p in
               ("mkdocs.yml", "README.md", "requirements.txt", ".gitlab-ci.yml"))


def test_default_install_pins_the_version_that_wrote_the_files(tmp_path: Path) -> None:
    _init(str(tmp_path / "r"), "--ci", "none", cwd=tmp_path)
    requirements = (tmp_path / "r" / "requirements.txt").read_text().splitlines()
    assert requirements[-1] == f"capa-docs=={__version__}"
    hook = yaml.safe_load((tmp_path / "r" / ".pre-commit-config.yaml").read_text())
    assert hook["repos"][0]["hooks"][0]["additional_dependencies"] == [
        f"capa-docs=={__version__}"]


@pytest.mark.parametrize("bad", ["Two\nlines", "  ", "tab\there"])
def test_a_name_on_more_than_one_line_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    result = run_capa("init", str(tmp_path / "r"), "--name", bad, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "capa: --name must be one non-empty line of visible text"
    assert not (tmp_path / "r").exists()


def test_the_hook_is_capa_docs_own(tmp_path: Path) -> None:
    """The local hook in .pre-commit-config.yaml is the one .pre-commit-hooks.yaml
    publishes, field for field, plus where to install capa-docs from."""
    published = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    files = {f.path: f.content for f in starter_files("x", "none", default_install())}
    config = yaml.safe_load(files[".pre-commit-config.yaml"])
    assert config["repos"][0]["repo"] == "local"
    hook = config["repos"][0]["hooks"][0]
    assert {k: v for k, v in hook.items() if k != "additional_dependencies"} == published


def test_codeowners_covers_register_evidence_settings_and_ci() -> None:
    files = {f.path: f.content for f in starter_files("x", "github", default_install())}
    rules = {line.split()[0]: line.split()[1:] for line in files["CODEOWNERS"].splitlines()
             if line.strip() and not line.startswith("#")}
    for pattern in ("/register/", "/register/evidence/", "/mkdocs.yml", "/requirements*.txt",
                    "/.github/", "/.gitlab-ci.yml", "/.gitlab/", "/.pre-commit-config.yaml",
                    "/CODEOWNERS"):
        assert rules[pattern] == ["@your-org/isms-owners"], pattern
    assert "replace @your-org/isms-owners" in files["CODEOWNERS"]
    assert "@your-org/isms-owners" in files["README.md"]


# --- never overwrites -----------------------------------------------------------------

def test_running_init_twice_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "isms"
    _init(str(folder), "--name", "ACME ISMS", cwd=tmp_path)
    before = files_of(folder)
    times = {p: (folder / p).stat().st_mtime_ns for p in before}
    again = _init(str(folder), "--name", "Another name", "--ci", "gitlab", cwd=tmp_path)
    assert "wrote mkdocs.yml" not in again.stdout
    for path in ALL_FILES:
        assert f"skipped {path}: exists (--force replaces it)" in again.stdout
    assert "git init" not in again.stdout
    # --ci gitlab adds the GitLab files; nothing that was there changed, not even its time.
    after = files_of(folder)
    assert after == {**before, **{p: after[p] for p in GITLAB_FILES}}
    assert {p: (folder / p).stat().st_mtime_ns for p in before} == times
    third = _init(str(folder), "--name", "ACME ISMS", "--ci", "gitlab", cwd=tmp_path)
    assert "capa init: 0 files written" in third.stdout
    assert files_of(folder) == after


def test_a_hand_edited_mkdocs_yml_is_kept_byte_for_byte(tmp_path: Path) -> None:
    folder = tmp_path / "isms"
    folder.mkdir()
    mine = b"site_name: Ours\r\nplugins:\r\n  - capa:\r\n      stale_days: 30"  # no last EOL
    (folder / "mkdocs.yml").write_bytes(mine)
    result = _init("--name", "ACME ISMS", cwd=folder)
    assert "skipped mkdocs.yml: exists (--force replaces it)" in result.stdout
    assert "wrote README.md" in result.stdout
    assert (folder / "mkdocs.yml").read_bytes() == mine
    forced = _init("--name", "ACME ISMS", "--force", cwd=folder)
    assert "replaced mkdocs.yml" in forced.stdout
    assert "skipped README.md: already has this content" in forced.stdout
    assert yaml.safe_load((folder / "mkdocs.yml").read_text())["site_name"] == "ACME ISMS"


def test_force_replaces_a_link_not_the_file_it_points_to(tmp_path: Path) -> None:
    folder = tmp_path / "isms"
    folder.mkdir()
    outside = tmp_path / "precious.md"
    outside.write_text("Not yours.\n")
    (folder / "README.md").symlink_to(outside)
    assert "skipped README.md" in _init(cwd=folder).stdout
    _init("--force", cwd=folder)
    assert outside.read_text() == "Not yours.\n"
    assert not (folder / "README.md").is_symlink()


def test_an_mkdocs_yaml_is_not_shadowed(tmp_path: Path) -> None:
    folder = tmp_path / "isms"
    folder.mkdir()
    (folder / "mkdocs.yaml").write_text("site_name: Ours\n")
    result = _init("--force", cwd=folder)
    assert "skipped mkdocs.yml: mkdocs.yaml holds the settings here" in result.stdout
    assert not (folder / "mkdocs.yml").exists()


def test_dir_that_is_a_file_is_exit_2_with_one_line(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("x\n")
    result = run_capa("init", str(target), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"capa: {target} is a file, not a folder: name a folder to write into\n"
    assert result.stdout == ""
    beneath = run_capa("init", str(target / "sub"), cwd=tmp_path)
    assert beneath.returncode == 2 and len(beneath.stderr.splitlines()) == 1
    assert beneath.stderr.startswith(f"capa: cannot write in {target / 'sub'}: ")


def test_dir_not_writable_is_exit_2_with_one_line(tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes through permissions; sysfs refuses even root
        target = Path("/sys/capa-init-test")
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        target = locked
    result = run_capa("init", str(target), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"capa: cannot write in {target}: ")
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_inside_a_repository_no_second_git_init(tmp_path: Path) -> None:
    top = tmp_path / "monorepo"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    result = _init(str(top / "isms"), cwd=tmp_path)
    assert "git init" not in result.stdout
    assert not (top / "isms" / ".git").exists()
    assert f"inside the repository {top.resolve()}" in result.stdout
    at_top = _init(cwd=top)
    assert "inside the repository" not in at_top.stdout


# --- CI -------------------------------------------------------------------------------

def test_ci_none_writes_no_ci(tmp_path: Path) -> None:
    _init("--ci", "none", cwd=tmp_path)
    assert set(files_of(tmp_path)) == ALL_FILES


def test_github_workflows_pass_actionlint_and_the_policy(actionlint: list[str],  # noqa: F811
                                                         tmp_path: Path) -> None:
    _init("--name", "ACME ISMS", cwd=tmp_path)
    for rel in sorted(f for f in GITHUB_FILES if f.startswith(".github/workflows/")):
        workflow = tmp_path / rel
        linted = _lint(actionlint, workflow, tmp_path)
        assert linted.returncode == 0, linted.stdout + linted.stderr
        text = workflow.read_text()
        data = _load(text)
        assert "pull_request_target" not in str(data["on"])
        assert data["permissions"] in ({}, {"contents": "read"})
        for line in text.splitlines():
            match = re.match(r"\s*(?:-\s*)?uses:\s*(\S+)(.*)$", line)
            if match:
                assert PINNED.match(match.group(1)), f"not pinned to a commit: {line}"
                assert re.search(r"#\s*v\d+\.\d+\.\d+", match.group(2)), line
        for job in data["jobs"].values():
            for step in job["steps"]:
                assert "${{" not in step.get("run", ""), "pass expressions through env"
                if "actions/checkout@" in step.get("uses", ""):
                    assert step["with"]["fetch-depth"] == 0
                    assert step["with"]["persist-credentials"] is False
                if "pip install" in step.get("run", ""):
                    assert step["run"] == "python -m pip install --requirement requirements.txt"


def test_github_gate_runs_the_whole_gate(tmp_path: Path) -> None:
    _init(cwd=tmp_path)
    data = _load((tmp_path / ".github/workflows/register-gate.yml").read_text())
    assert set(data["on"]) == {"pull_request"}
    gate = data["jobs"]["gate"]
    assert gate["name"] == "capa gate" and "permissions" not in gate  # the read-only default
    runs = [s.get("run", "") for s in gate["steps"]]
    assert runs[-3:] == ["capa validate", 'capa diff "refs/remotes/origin/${BASE_REF}"',
                         "mkdocs build --strict"]
    assert gate["steps"][-2]["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    scanning = data["jobs"]["code-scanning"]
    assert scanning["if"] == "vars.CAPA_CODE_SCANNING == 'true'"
    assert scanning["permissions"] == {"contents": "read", "security-events": "write"}
    assert any("--format sarif" in s.get("run", "") for s in scanning["steps"])
    assert any("upload-sarif@" in s.get("uses", "") for s in scanning["steps"])


def test_github_site_is_private_unless_pages_is_opted_into(tmp_path: Path) -> None:
    _init(cwd=tmp_path)
    text = (tmp_path / ".github/workflows/register-site.yml").read_text()
    data = _load(text)
    assert data["on"]["push"]["branches"] == ["main"] and data["permissions"] == {}
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read"}
    uses = {s.get("uses", "").split("@")[0]: s for s in build["steps"]}
    artifact = uses["actions/upload-artifact"]
    assert "if" not in artifact and artifact["with"]["path"] == "_site"
    assert uses["actions/upload-pages-artifact"]["if"] == "vars.CAPA_PUBLISH_PAGES == 'true'"
    assert deploy["if"] == "vars.CAPA_PUBLISH_PAGES == 'true'"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "WARNING: a GitHub Pages site is PUBLIC" in text
    assert "mkdocs build --strict --site-dir _site" in [s.get("run") for s in build["steps"]]


def test_gitlab_ci_is_valid_and_runs_the_gate(tmp_path: Path) -> None:
    _init("--ci", "gitlab", cwd=tmp_path)
    assert set(files_of(tmp_path)) == ALL_FILES | GITLAB_FILES
    assert {".gitlab-ci.yml", ".gitlab/scripts/remind-issues.py"} == GITLAB_FILES
    ci = tmp_path / ".gitlab-ci.yml"
    checked = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema",
                              "vendor.gitlab-ci", str(ci)], capture_output=True, text=True,
                             timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = ci.read_text()
    data = yaml.safe_load(text)
    assert data["variables"]["GIT_DEPTH"] == "0"
    assert data[".capa"]["before_script"] == [
        "python -m pip install --requirement requirements.txt"]
    gate = data["capa-gate"]
    assert gate["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert gate["variables"]["BASE_REF"] == (
        "refs/remotes/origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
    script = gate["script"]
    for command in ("capa validate", 'capa diff "$BASE_REF"',
                    "mkdocs build --strict --site-dir site",
                    "capa validate --format gitlab > gl-capa-validate.json || true",
                    'capa diff --format gitlab "$BASE_REF" > gl-capa-diff.json || true'):
        assert command in script
    assert gate["artifacts"]["reports"]["codequality"] == ["gl-capa-validate.json",
                                                           "gl-capa-diff.json"]
    assert gate["artifacts"]["when"] == "always"
    site = data["register-site"]
    assert "mkdocs build --strict --site-dir site" in site["script"]
    assert site["artifacts"]["paths"] == ["site/"]
    pages = data["pages"]
    assert pages["rules"] == [{"if": '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && '
                                     '$CAPA_PUBLISH_PAGES == "true" && '
                                     '$CI_PIPELINE_SOURCE != "schedule"'}]
    assert pages["artifacts"]["paths"] == ["public"]
    assert "WARNING: a GitLab Pages site is PUBLIC" in text


def test_gitlab_gate_commands_run(tmp_path: Path) -> None:
    """The gate job's script, as a GitLab runner would run it on a merge request into main
    (the job's variables expanded, the fetch from a real remote)."""
    folder = tmp_path / "isms"
    _init(str(folder), "--ci", "gitlab", cwd=tmp_path)
    _user(folder)
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "Start")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(folder, "remote", "add", "origin", str(origin))
    git(folder, "push", "-q", "origin", "main")
    git(folder, "checkout", "-q", "-b", "change")
    gate = yaml.safe_load((folder / ".gitlab-ci.yml").read_text())["capa-gate"]
    env = {**_env(), "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    env["BASE_REF"] = gate["variables"]["BASE_REF"].replace(
        "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
    script = "\n".join(gate["script"])
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=folder,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (folder / "gl-capa-validate.json").read_text().strip() == "[]"
    assert (folder / "gl-capa-diff.json").read_text().strip() == "[]"


# --- an existing spreadsheet, and the hook ----------------------------------------------

def test_from_a_spreadsheet_imports_into_the_new_register(tmp_path: Path) -> None:
    sheet = tmp_path / "log.csv"
    sheet.write_text("NC No.,Title,Severity,Status,Source,Raised,Raised by,Owner,Clauses\n"
                     "NC-2,Visitor badges not returned,OFI,Open,Monitoring,2026-03-15,"
                     "A. Auditor,Luc Martin,A.7.2\n", encoding="utf-8")
    result = run_capa("init", "isms", "--ci", "none", "--from", str(sheet), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wrote mkdocs.yml" in result.stdout
    assert "wrote isms/register/2026/CAPA-2026-001.md (row 2): valid" in result.stdout
    assert run_capa("validate", cwd=tmp_path / "isms").returncode == 0
    missing = run_capa("init", "other", "--from", "nothing.csv", cwd=tmp_path)
    assert missing.returncode == 2 and not (tmp_path / "other").exists()


def test_pre_commit_runs_the_hook_on_a_finding(tmp_path: Path) -> None:
    """The real pre-commit builds the hook's environment from the generated
    .pre-commit-config.yaml, installing capa-docs from this checkout (`--install PATH`),
    and runs it on a good and a bad finding (needs the package registry; about 60 s)."""
    pre_commit = shutil.which("pre-commit", path=str(BIN))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    folder = tmp_path / "isms"
    _init(str(folder), "--ci", "none", "--install", str(ROOT), cwd=tmp_path)
    _user(folder)
    good = finding(id="CAPA-2026-004", closure=None, status="in-progress")
    bad = finding(id="CAPA-2026-005", closure=None)
    for data in (good, bad):
        target = folder / "register" / "2026" / f"{data['id']}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\n{front_matter(data)}---\nNarrative.\n", encoding="utf-8")
    git(folder, "add", "-A")
    env = {**_env(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}

    def run(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "run", "capa-validate", "--files", *files],
                              cwd=folder, env=env, capture_output=True, text=True,
                              timeout=900)

    passed = run("register/2026/CAPA-2026-004.md", "README.md")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"capa validate\.+Passed", passed.stdout)
    failed = run("register/2026/CAPA-2026-005.md")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert re.search(r"capa validate\.+Failed", failed.stdout)
    assert "closure-evidence" in failed.stdout
    assert shlex.split(yaml.safe_load((folder / ".pre-commit-config.yaml").read_text())
                       ["repos"][0]["hooks"][0]["entry"]) == ["capa", "validate"]
