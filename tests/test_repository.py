"""The repository keeps its promises: the README's commands, the rule list, the sample."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from capa_docs.contract.rules import RULES

from .helpers import TODAY, run_capa

ROOT = Path(__file__).resolve().parent.parent


def _command_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.+?)\n```", text)
    assert match, f"README.md has no command under <!-- {marker} -->"
    return match.group(1)


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    site, tests = _command_after("site-command"), _command_after("test-command")
    assert text.index(site) < text.index(tests) < text.index("## What it is")
    assert "mkdocs" in site and "pytest" in tests


def test_ci_runs_the_readme_test_command() -> None:
    extracted = subprocess.run(
        ["bash", "-c", "awk '/<!-- test-command -->/{found=1; next} "
         "found && /^```bash/{getline; print; exit}' README.md"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert extracted == _command_after("test-command")
    assert "README.md" in (ROOT / ".ci/run").read_text()


def test_readme_lists_every_rule() -> None:
    text = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \| (?:error|warning) \|", text, re.MULTILINE))
    assert listed == set(RULES)


def test_sample_register_passes_validate() -> None:
    result = run_capa("validate", "--today", TODAY, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert int(summary.split()[0]) >= 15


def test_repository_schema_is_the_one_the_package_ships(tmp_path: Path) -> None:
    """`schemas/finding.schema.json` is for editors in this repository; `capa schema`
    prints the copy inside the wheel. They must be the same file."""
    printed = run_capa("schema", cwd=tmp_path).stdout
    assert printed == (ROOT / "schemas" / "finding.schema.json").read_text(encoding="utf-8")
