"""The repository's own site builds, and its reference pages cover the whole contract."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from capa_docs.contract.rules import RULES
from capa_docs.contract.settings import Settings
from capa_docs.site.plugin import CapaConfig

from ..sites import SOURCE_DATE_EPOCH

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _schema_paths(schema: dict, prefix: str = "") -> list[str]:
    paths = []
    for name, spec in schema.get("properties", {}).items():
        paths.append(prefix + name)
        if spec.get("type") == "object":
            paths += _schema_paths(spec, f"{prefix}{name}.")
        items = spec.get("items", {})
        if spec.get("type") == "array" and items.get("type") == "object":
            paths += _schema_paths(items, f"{prefix}{name}[].")
    return paths


def test_finding_format_documents_every_field() -> None:
    schema = json.loads((ROOT / "capa_docs/contract/schemas/finding.schema.json").read_text())
    text = (DOCS / "finding-format.md").read_text()
    missing = [p for p in _schema_paths(schema) if f"| `{p}` |" not in text]
    assert not missing


def test_rules_page_lists_every_rule_with_its_level() -> None:
    text = (DOCS / "rules.md").read_text()
    listed = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning) \|", text, re.MULTILINE))
    assert listed == {name: rule.level for name, rule in RULES.items()}


def test_configuration_page_and_plugin_config_cover_every_setting() -> None:
    text = (DOCS / "configuration.md").read_text()
    names = {f.name for f in fields(Settings)} - {"base_dir", "config_file"}
    assert {n for n in names if f"| `{n}` |" not in text} == set()
    assert names | {"enabled"} == {name for name, _ in CapaConfig._schema}


def test_repository_site_builds_strict(tmp_path: Path) -> None:
    # The sample register's overdue and stale figures move with the clock: pin it.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    result = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict",
                             "-d", str(tmp_path / "site")], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert not warnings
    site = tmp_path / "site"
    assert (site / "findings").is_dir() and (site / "rules/index.html").is_file()
    assert (site / "protecting-the-register/index.html").is_file()
