"""Settings as MkDocs reads them: INHERIT followed and merged, both forms of `plugins:`."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.utils.yaml import yaml_load

from capa_docs.contract.settings import (
    ConfigError,
    plugin_block,
    read_config_document,
    read_plugin_block,
)

from ..helpers import TODAY, finding, init_repo, run_capa, write_evidence, write_finding

# (files, what the capa block must be); mkdocs.yml is the configuration read.
CASES = {
    "mapping-form": ({"mkdocs.yml": "plugins:\n  search: {}\n  capa:\n    stale_days: 9\n"},
                     {"stale_days": 9}),
    "list-form": ({"mkdocs.yml": "plugins:\n  - search\n  - capa:\n      stale_days: 9\n"},
                  {"stale_days": 9}),
    "bare-name": ({"mkdocs.yml": "plugins:\n  - capa\n"}, {}),
    "inherited-block": ({"mkdocs.yml": "INHERIT: base.yml\nsite_name: x\n",
                         "base.yml": "plugins:\n  capa:\n    stale_days: 9\n"},
                        {"stale_days": 9}),
    "child-mapping-deep-merges": (
        {"mkdocs.yml": "INHERIT: base.yml\nplugins:\n  capa:\n    rules:\n      stale: 'off'\n",
         "base.yml": "plugins:\n  capa:\n    stale_days: 9\n    rules:\n      overdue: error\n"},
        {"stale_days": 9, "rules": {"overdue": "error", "stale": "off"}}),
    "child-list-replaces-parent": (
        {"mkdocs.yml": "INHERIT: base.yml\nplugins:\n  - search\n  - capa\n",
         "base.yml": "plugins:\n  capa:\n    rules:\n      closure-evidence: off\n"},
        {}),
    "two-levels-from-a-subfolder": (
        {"mkdocs.yml": "INHERIT: config/site.yml\n",
         "config/site.yml": "INHERIT: ../shared/base.yml\nsite_name: x\n",
         "shared/base.yml": "plugins:\n  - capa:\n      sla_days:\n        major: 30\n"},
        {"sla_days": {"major": 30}}),
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root / "mkdocs.yml"


@pytest.mark.parametrize("name", sorted(CASES))
def test_capa_block_is_what_mkdocs_reads(tmp_path: Path, name: str) -> None:
    files, expected = CASES[name]
    config = _write(tmp_path, files)
    assert read_plugin_block(config) == expected
    with config.open("rb") as handle:  # MkDocs' own loader, INHERIT and merge included
        assert plugin_block(yaml_load(handle), config) == expected


def test_every_file_of_the_chain_is_named(tmp_path: Path) -> None:
    config = _write(tmp_path, CASES["two-levels-from-a-subfolder"][0])
    chain = read_config_document(config.read_bytes(), config)
    assert [Path(f).relative_to(tmp_path).as_posix() for f in chain.files] == [
        "mkdocs.yml", "config/site.yml", "shared/base.yml"]
    assert "INHERIT" not in chain.document


@pytest.mark.parametrize(("files", "message"), [
    ({"mkdocs.yml": "INHERIT: a.yml\n", "a.yml": "INHERIT: mkdocs.yml\n"}, "leads back to"),
    ({"mkdocs.yml": "INHERIT: missing.yml\n"}, "INHERIT 'missing.yml' cannot be read"),
    ({"mkdocs.yml": "INHERIT: [a, b]\n"}, "INHERIT must name a configuration file"),
    ({"mkdocs.yml": "INHERIT: a.yml\n", "a.yml": "plugins: [\n"}, "a.yml: cannot be read"),
])
def test_a_broken_chain_is_a_config_error(tmp_path: Path, files: dict[str, str],
                                          message: str) -> None:
    config = _write(tmp_path, files)
    with pytest.raises(ConfigError, match=message):
        read_plugin_block(config)


def test_capa_validate_judges_with_inherited_settings(tmp_path: Path) -> None:
    """A rule turned off in the inherited file is off for the CLI too, as for the build."""
    root = init_repo(tmp_path / "repo")
    write_evidence(root / "register", "CAPA-2026-004")
    write_finding(root / "register", finding(id="CAPA-2026-005", status="closed",
                                             closure=None))
    plain = run_capa("validate", "--today", TODAY, cwd=root)
    assert plain.returncode == 1 and "closure-evidence" in plain.stdout
    _write(root, {"mkdocs.yml": "INHERIT: config/base.yml\nsite_name: Register\n",
                  "config/base.yml": "plugins:\n  - capa:\n      rules:\n"
                                     "        closure-evidence: warning\n"
                                     "        effectiveness: warning\n"})
    inherited = run_capa("validate", "--today", TODAY, cwd=root)
    assert inherited.returncode == 0, inherited.stdout + inherited.stderr
    assert "warning closure-evidence" in inherited.stdout
    (root / "config/base.yml").write_text("INHERIT: ../mkdocs.yml\n")
    looped = run_capa("validate", "--today", TODAY, cwd=root)
    assert looped.returncode == 2 and "leads back to" in looped.stderr
