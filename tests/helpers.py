"""Builders the tests share: real repositories, real finding files, the real CLI."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

TODAY = "2026-11-28"


def capa_command() -> list[str]:
    """The installed console script, as a user runs it."""
    script = Path(sys.executable).parent / "capa"
    if script.exists():
        return [str(script)]
    found = shutil.which("capa")
    return [found] if found else [sys.executable, "-m", "capa_docs"]


EXIT_CRASH = 70


def run_capa(*args: str, cwd: Path, env: dict[str, str] | None = None,
             timeout: float = 120, stdin: bytes | None = None,
             crash: bool = False) -> subprocess.CompletedProcess[str]:
    """The real ``capa`` in a subprocess. A crash fails the calling test unless it asks
    for one (``crash=True``): an exit code alone cannot tell a refused finding from a
    bug, so no test that checks only the code can pass on a traceback."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "SOURCE_DATE_EPOCH",
                             "CAPA_DEBUG")}
    full_env.update(env or {})
    result = subprocess.run([*capa_command(), *args], cwd=cwd, env=full_env,
                            capture_output=True, text=True, timeout=timeout,
                            input=None if stdin is None else stdin)
    if not crash:
        assert result.returncode != EXIT_CRASH and "Traceback" not in result.stderr, (
            f"capa {' '.join(args)} crashed:\n{result.stderr}")
    return result


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, "GIT_AUTHOR_NAME": "Test Author",
                "GIT_AUTHOR_EMAIL": "author@example.com", "GIT_COMMITTER_NAME": "Test Author",
                "GIT_COMMITTER_EMAIL": "author@example.com", **(env or {})}
    result = subprocess.run(["git", *args], cwd=repo, env=full_env, capture_output=True,
                            text=True, check=True)
    return result.stdout


def init_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Author")
    git(root, "config", "user.email", "author@example.com")
    return root


def commit_all(repo: Path, message: str, date: str | None = None) -> None:
    env = {}
    if date:
        env = {"GIT_AUTHOR_DATE": f"{date}T12:00:00+00:00",
               "GIT_COMMITTER_DATE": f"{date}T12:00:00+00:00"}
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, env=env)


CLOSED_MINOR: dict[str, Any] = {
    "id": "CAPA-2026-004",
    "title": "Supplier security assessments skipped for three new vendors",
    "severity": "minor",
    "status": "closed",
    "source": "internal-audit",
    "raised": "2026-03-14",
    "raised_by": "A. Auditor",
    "requirement": {"standard": "ISO/IEC 27001:2022 A.5.19",
                    "procedure": "PRC-SUP-01 section 3.2"},
    "clauses": ["A.5.19", "8.1"],
    "owner": "Jane Smith",
    "root_cause": {
        "method": "5-whys",
        "whys": ["The procurement team did not complete them.",
                 "The supplier assessment procedure was not part of procurement onboarding."],
        "cause": "Process ownership gap; procurement not included in ISMS procedure "
                 "communication.",
        "category": "ownership",
    },
    "extent": "Checked all 27 vendors onboarded since 2025; two more lacked assessments.",
    "correction": {"action": "Completed security assessments for the three vendors.",
                   "completed": "2026-03-28"},
    "corrective_actions": [{
        "action": "Add the supplier assessment step to the procurement onboarding checklist.",
        "owner": "Jane Smith", "due": "2026-06-30", "completed": "2026-05-20"}],
    "closure": {
        "closed": "2026-07-15",
        "evidence": [
            {"path": "../evidence/CAPA-2026-004/checklist.txt",
             # sha256 of write_evidence's default content: closed evidence is pinned
             "sha256": "b4f23f869fceaee98900829b5e7b672311bc22bf861c02bfb771a7abab59a4ec",
             "description": "Updated onboarding checklist"},
            {"url": "https://intranet.example.com/procurement/checklist",
             "description": "Published checklist"},
        ],
        "effectiveness": {"reviewed": "2026-07-10", "by": "B. Reviewer (Internal Audit)",
                          "result": "effective",
                          "method": "Re-sampled 10 vendors onboarded after 2026-06-01."},
    },
}


def finding(**changes: Any) -> dict[str, Any]:
    """A valid closed minor finding with top-level fields replaced (None removes one)."""
    data = copy.deepcopy(CLOSED_MINOR)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = copy.deepcopy(value)
    return data


def front_matter(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200)


def write_finding(register: Path, data: dict[str, Any], body: str = "Narrative.\n",
                  folder: str = "2026", name: str | None = None) -> Path:
    path = register / folder / f"{name or data['id']}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front_matter(data)}---\n{body}", encoding="utf-8")
    return path


def write_evidence(register: Path, finding_id: str, name: str = "checklist.txt",
                   content: bytes = b"Onboarding checklist v3\n") -> Path:
    path = register / "evidence" / finding_id / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def problems_json(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return json.loads(result.stdout)["problems"]
