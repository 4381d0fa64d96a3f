"""The `capa` command as users and CI run it: formats, exit codes, configuration, `new`."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from capa_docs.contract.model import Problem
from capa_docs.contract.report import github_annotation

from ..helpers import (
    TODAY,
    finding,
    init_repo,
    problems_json,
    run_capa,
    write_evidence,
    write_finding,
)

OVERDUE = finding(status="open", closure=None, root_cause=None, extent=None, correction=None,
                  raised="2026-10-01",
                  corrective_actions=[{"action": "Add the step.", "owner": "Jane Smith",
                                       "due": "2026-11-01"}])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one clean closed finding and one overdue (warning) finding."""
    root = init_repo(tmp_path / "repo")
    register = root / "register"
    write_evidence(register, "CAPA-2026-004")
    write_finding(register, finding())
    write_finding(register, {**OVERDUE, "id": "CAPA-2026-005"})
    return root


def _break(repo: Path) -> Path:
    return write_finding(repo / "register", finding(id="CAPA-2026-006", status="closed",
                                                    closure=None))


def test_clean_register_exits_0_with_summary(repo: Path) -> None:
    result = run_capa("validate", "--today", TODAY, cwd=repo)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        "register/2026/CAPA-2026-005.md:19: warning overdue: corrective action 1 was due "
        "2026-11-01, 27 days ago; complete it or agree a new date",
        "2 findings: 0 errors, 1 warning",
    ]


def test_strict_makes_warnings_fail(repo: Path) -> None:
    lenient = run_capa("validate", "--today", TODAY, cwd=repo)
    strict = run_capa("validate", "--today", TODAY, "--strict", cwd=repo)
    assert lenient.returncode == 0 and strict.returncode == 1
    warnings = [line for line in strict.stdout.splitlines() if ": warning " in line]
    assert warnings and " error " not in strict.stdout
    assert strict.stdout == lenient.stdout


def test_today_from_source_date_epoch(repo: Path) -> None:
    early = run_capa("validate", cwd=repo, env={"SOURCE_DATE_EPOCH": "1790812800"})  # 2026-10-01
    assert early.returncode == 0 and "overdue" not in early.stdout
    late = run_capa("validate", cwd=repo, env={"SOURCE_DATE_EPOCH": "1795000000"})
    assert "overdue" in late.stdout


def test_broken_finding_exits_1_and_is_named(repo: Path) -> None:
    _break(repo)
    result = run_capa("validate", "--today", TODAY, cwd=repo)
    assert result.returncode == 1
    assert ("register/2026/CAPA-2026-006.md:5: error closure-evidence: status is closed but "
            "there is no `closure`") in result.stdout
    assert result.stdout.strip().endswith("3 findings: 2 errors, 1 warning")


def test_output_is_sorted_by_path_and_line(repo: Path) -> None:
    _break(repo)
    lines = run_capa("validate", "--today", TODAY, cwd=repo).stdout.splitlines()[:-1]
    keys = [(line.split(":")[0], int(line.split(":")[1])) for line in lines]
    assert keys == sorted(keys)


def test_json_format_is_stable(repo: Path) -> None:
    _break(repo)
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo)
    document = json.loads(result.stdout)
    assert document["version"] == 1 and document["findings"] == 3
    assert document["errors"] == 2 and document["warnings"] == 1
    assert set(document["problems"][0]) == {"path", "line", "level", "rule", "message"}


def test_github_format_chosen_under_actions_with_step_summary(repo: Path, tmp_path: Path) -> None:
    _break(repo)
    summary = tmp_path / "summary.md"
    summary.write_text("previous step\n")
    result = run_capa("validate", "--today", TODAY, cwd=repo,
                      env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1
    assert ("::error file=register/2026/CAPA-2026-006.md,line=5,title=closure-evidence::status "
            "is closed") in result.stdout
    assert "::warning file=register/2026/CAPA-2026-005.md,line=19,title=overdue::" in result.stdout
    text = summary.read_text()
    assert text.startswith("previous step\n### capa validate")
    assert "| register/2026/CAPA-2026-006.md | 5 | error | `closure-evidence` |" in text


def test_github_annotation_escapes_newlines_percent_and_separators() -> None:
    problem = Problem("a,b:c.md", 3, "schema", "error", "100%\r\nX")
    assert github_annotation(problem) == (
        "::error file=a%2Cb%3Ac.md,line=3,title=schema::100%25%0D%0AX")


def test_single_file_and_folder_arguments(repo: Path) -> None:
    _break(repo)
    one = run_capa("validate", "--today", TODAY, "register/2026/CAPA-2026-004.md", cwd=repo)
    assert one.returncode == 0 and "1 finding: 0 errors" in one.stdout
    folder = run_capa("validate", "--today", TODAY, "register/2026", cwd=repo)
    assert folder.returncode == 1


def test_evidence_markdown_is_not_a_finding(repo: Path) -> None:
    write_evidence(repo / "register", "CAPA-2026-004", "minutes.md", b"# Minutes\n")
    result = run_capa("validate", "--today", TODAY, cwd=repo)
    assert "2 findings" in result.stdout and result.returncode == 0


def test_usage_errors_exit_2(repo: Path) -> None:
    assert run_capa("validate", "--today", "2026-13-01", cwd=repo).returncode == 2
    assert run_capa("validate", "--format", "xml", cwd=repo).returncode == 2
    missing = run_capa("validate", "nowhere.md", cwd=repo)
    assert missing.returncode == 2 and "nowhere.md" in missing.stderr
    assert run_capa("frobnicate", cwd=repo).returncode == 2


_LOADED = ("import sys\nfrom capa_docs.cli import main\n"
           "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
           "print(sorted(m for m in sys.modules if m.startswith('capa_docs.cli.')))\n")
_COMMAND_MODULES = ["capa_docs.cli.diff", "capa_docs.cli.export", "capa_docs.cli.import_",
                    "capa_docs.cli.init", "capa_docs.cli.migrate_clauses",
                    "capa_docs.cli.new", "capa_docs.cli.offline", "capa_docs.cli.pin",
                    "capa_docs.cli.remind", "capa_docs.cli.render", "capa_docs.cli.schema",
                    "capa_docs.cli.validate"]


def _command_modules(*argv: str) -> tuple[list[str], str]:
    result = subprocess.run([sys.executable, "-c", _LOADED, *argv], capture_output=True,
                            text=True, check=True)
    loaded = ast.literal_eval(result.stdout.splitlines()[-1])
    return [m for m in loaded if m in _COMMAND_MODULES], result.stdout + result.stderr


def test_a_command_loads_only_its_own_module_and_help_lists_every_command() -> None:
    """``capa render`` runs ahead of every ``zensical build``: it should not pay for the
    other commands' imports. Without a command named, every command is there to list."""
    assert _command_modules("render", "--help")[0] == ["capa_docs.cli.render"]
    assert _command_modules("validate", "--help")[0] == ["capa_docs.cli.validate"]
    loaded, text = _command_modules("--help")
    assert loaded == _COMMAND_MODULES
    for command in ("init", "render", "import", "migrate-clauses", "remind"):
        assert command in text
    loaded, text = _command_modules("rendr")
    assert loaded == _COMMAND_MODULES and "invalid choice: 'rendr'" in text


def test_missing_register_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = run_capa("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert "register folder" in result.stderr and "Traceback" not in result.stderr


CONFIG = """site_name: Test register
theme:
  name: material
plugins:
  - search
  - capa:
      enabled: !ENV [CAPA_ENABLED, true]
      rules:
        overdue: error
        root-cause-shallow: "off"
      sla_days:
        minor: 30
      shallow_causes: ["vendor delay"]
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
"""


def test_settings_come_from_the_mkdocs_plugin_block(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text(CONFIG)
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo / "register")
    assert result.returncode == 1, result.stderr
    rules = {(Path(p["path"]).name, p["rule"], p["level"]) for p in problems_json(result)}
    assert ("CAPA-2026-005.md", "overdue", "error") in rules
    assert ("CAPA-2026-004.md", "due-beyond-sla", "warning") in rules


def test_configured_shallow_phrase_and_rule_off(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text(CONFIG)
    data = finding(id="CAPA-2026-008")
    data["root_cause"]["cause"] = "Vendor delay."
    data["closure"]["evidence"] = [{"url": "https://example.com/x"}]
    write_finding(repo / "register", data)
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo)
    assert not [p for p in problems_json(result) if p["rule"] == "root-cause-shallow"]
    (repo / "mkdocs.yml").write_text(CONFIG.replace('root-cause-shallow: "off"',
                                                    "root-cause-shallow: error"))
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo)
    assert [p["path"] for p in problems_json(result) if p["rule"] == "root-cause-shallow"] == [
        "register/2026/CAPA-2026-008.md"]


@pytest.mark.parametrize("setting,fragment", [
    ("rules: {no-such-rule: error}", "unknown rule 'no-such-rule'"),
    ("rules: {overdue: loud}", "level must be error, warning or off"),
    ("id_pattern: '([A-Z'", "not a regular expression"),
    ("stale_days: -3", "stale_days"),
    ("sla_days: {critical: 5}", "unknown severity"),
    ("registr: findings", "unknown setting(s) registr"),
    ("{1: a, b: c}", "unknown setting(s) 1, b"),
    ("sla_days: {minor: 999999999}", "sla_days.minor: at most 36,500 days"),
    ("stale_days: 36501", "stale_days: at most 36,500 days"),
    ("recurrence_months: 99999", "recurrence_months: expected a whole number of months "
                                 "from 1 to 1,200"),
    ("due_soon_days: 0x" + "F" * 5000, "cannot be read as YAML: a number 5,002 characters"),
    ("stale_days: " + "9" * 5000, "cannot be read as YAML: a number 5,000 characters"),
    ("reviews: {MR1: 2026-02-30}", "cannot be read as YAML: a value cannot be read "
                                   "(ValueError: day is out of range for month)"),
    ("rules: " + "[" * 3000, "cannot be read as YAML: nested too deeply"),
    ("rules: {schema: warning}", "rules.schema: cannot be warning: a finding the schema "
                                 "rejects is left out"),
    ("rules: {id-duplicate: 'off'}", "rules.id-duplicate: cannot be off: findings sharing "
                                     "an ID would overwrite each other's pages"),
    ("rules: {id-filename: warning}", "rules.id-filename: cannot be warning"),
    ("rules: {front-matter: 'off'}", "rules.front-matter: cannot be off"),
])
def test_bad_settings_exit_2_naming_the_key(repo: Path, setting: str, fragment: str) -> None:
    (repo / "mkdocs.yml").write_text(f"site_name: x\nplugins:\n  - capa:\n      {setting}\n")
    result = run_capa("validate", "--today", TODAY, cwd=repo)
    assert result.returncode == 2, result.stdout
    assert fragment in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"capa: {repo / 'mkdocs.yml'}: ")


def test_explicit_config_file_and_custom_register_folder(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    write_finding(root / "records", {**OVERDUE, "id": "ISMS-2026-001"})
    (root / "site.yml").write_text(
        "site_name: x\nplugins:\n  - capa:\n      register: records\n"
        "      evidence: records/evidence\n      id_pattern: '^ISMS-[0-9]{4}-[0-9]{3}$'\n")
    result = run_capa("validate", "--today", TODAY, "--config", "site.yml", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 finding: 0 errors, 1 warning" in result.stdout


def test_schema_command_prints_a_valid_draft_2020_12_schema(tmp_path: Path) -> None:
    result = run_capa("schema", cwd=tmp_path)
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")

    def walk(node: dict, where: str) -> None:
        for name, prop in node.get("properties", {}).items():
            assert "description" in prop, f"{where}.{name} has no description"
            target = prop
            if "items" in prop and isinstance(prop["items"], dict):
                target = prop["items"]
            if "$ref" in target:
                target = schema["$defs"][target["$ref"].split("/")[-1]]
            walk(target, f"{where}.{name}")
        if node.get("type") == "object" or "properties" in node:
            assert node.get("additionalProperties") is False, where

    walk(schema, "$")


OPEN_FIELDS = {"status": "open", "closure": None, "root_cause": None, "extent": None,
               "correction": None}


@pytest.mark.parametrize("changes,rule", [
    ({"severity": "observation", "closure": None}, "closure-evidence"),
    ({"severity": "ofi", "closure": {"closed": "2026-07-15"}}, "closure-evidence"),
    ({"closure": {**finding()["closure"], "effectiveness": None}}, "effectiveness"),
    ({"closure": {**finding()["closure"], "effectiveness": {
        **finding()["closure"]["effectiveness"], "result": "not-effective"}}}, "effectiveness"),
    ({"corrective_actions": [{"action": "Fix the cause.", "due": "2026-06-30"}]},
     "actions-open"),
    ({"corrective_actions": None}, "actions-open"),
    ({**OPEN_FIELDS, "owner": None}, "owner-due"),
    ({**OPEN_FIELDS, "corrective_actions": [{"action": "Fix the cause."}]}, "owner-due"),
    ({**OPEN_FIELDS, "status": "in-progress"}, "root-cause"),
    ({"extent": None}, "root-cause"),
])
def test_editor_schema_states_status_rules_and_validate_reports_each_once(
        changes: dict, rule: str, tmp_path: Path) -> None:
    """The published schema's if/then blocks let an editor flag what the named rules
    check; `capa validate` reports it once, under the rule, never also as `schema`."""
    schema = json.loads(run_capa("schema", cwd=tmp_path).stdout)
    data = finding(**changes)
    for key in ("closure", "corrective_actions"):
        if isinstance(data.get(key), dict):
            data[key] = {k: v for k, v in data[key].items() if v is not None}
    editor = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    blocks = {error.schema_path[1] for error in editor.iter_errors(data)
              if list(error.schema_path)[:1] == ["allOf"]}
    assert blocks, "the schema alone must refuse it"
    assert {schema["allOf"][index].get("x-rule") for index in blocks} == {rule}
    root = init_repo(tmp_path / "repo")
    write_evidence(root / "register", "CAPA-2026-004")
    write_finding(root / "register", data)
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=root)
    rules = [p["rule"] for p in problems_json(result) if p["level"] == "error"]
    assert rules and set(rules) == {rule}, rules
    assert len(rules) == len({(p["line"], p["message"]) for p in problems_json(result)
                              if p["level"] == "error"})


def test_a_finding_failing_only_the_rule_blocks_stays_on_the_fast_path(tmp_path: Path) -> None:
    """jsonschema (0.1 s to import, 20x slower) runs only when the shape is wrong: a
    finding that breaks only a named rule is judged by the compiled check."""
    register = tmp_path / "register"
    write_finding(register, finding(severity="observation", closure=None))
    script = ("import datetime as dt, sys; from pathlib import Path; "
              "from capa_docs.contract.settings import Settings; "
              "from capa_docs.contract.validate import validate; "
              "root = Path(sys.argv[1]); "
              "result = validate(Settings(base_dir=root), root, dt.date(2026, 11, 28), "
              "workers=1, history={}); "
              "print(sorted({p.rule for p in result.problems}), 'jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                         text=True, check=True, cwd=tmp_path).stdout.strip()
    assert out == "['closure-evidence'] False"


def test_new_writes_the_next_free_id_and_it_validates(repo: Path) -> None:
    first = run_capa("new", "--severity", "minor", "--title", "Backups never restore-tested",
                     "--today", TODAY, cwd=repo)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "register/2026/CAPA-2026-006.md"
    second = run_capa("new", "--severity", "major", "--title", "MFA \"missing\": on VPN",
                      "--source", "external-audit", "--raised-by", "C. Lead", "--today", TODAY,
                      cwd=repo)
    assert second.stdout.strip() == "register/2026/CAPA-2026-007.md"
    new_year = run_capa("new", "--severity", "ofi", "--title", "Automate reviews",
                        "--today", "2027-01-02", cwd=repo)
    assert new_year.stdout.strip() == "register/2027/CAPA-2027-001.md"
    text = (repo / "register/2026/CAPA-2026-007.md").read_text()
    assert 'title: "MFA \\"missing\\": on VPN"' in text and "due: 2027-02-26" in text
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo)
    new_problems = [p for p in problems_json(result) if "CAPA-2026-00" in p["path"]
                    and p["path"][-6:-3] in ("006", "007")]
    # valid; only the TODO placeholders are named, so a skeleton cannot pass as complete
    assert {(p["rule"], p["level"]) for p in new_problems} == {("unfinished-text", "warning")}


def test_new_rejects_a_multiline_title(repo: Path) -> None:
    result = run_capa("new", "--severity", "minor", "--title", "a\nb", cwd=repo)
    assert result.returncode == 2 and "one non-empty line" in result.stderr


def test_without_mkdocs_yml_the_register_is_found_from_a_subfolder(repo: Path) -> None:
    result = run_capa("validate", "--today", TODAY, cwd=repo / "register" / "2026")
    assert result.returncode == 0, result.stderr
    assert "2 findings" in result.stdout
    assert "CAPA-2026-005.md:19: warning overdue" in result.stdout


def test_a_mkdocs_yml_above_the_repository_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("plugins:\n  - capa:\n      register: elsewhere\n")
    root = init_repo(tmp_path / "repo")
    write_finding(root / "register", {**OVERDUE, "id": "CAPA-2026-005"})
    result = run_capa("validate", "--today", TODAY, cwd=root)
    assert result.returncode == 0 and "1 finding" in result.stdout, result.stderr


def test_symlinked_findings_are_refused_not_followed(repo: Path, tmp_path: Path) -> None:
    """A finding decides what the site publishes: a symlink (to a file outside the
    repository, or inside it) is refused, whether discovered or named on the command line;
    so is a finding outside the repository."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    real = write_finding(outside, {**OVERDUE, "id": "CAPA-2026-007"}, folder=".")
    folder = repo / "register" / "2026"
    (folder / "CAPA-2026-007.md").symlink_to(real)
    (folder / "CAPA-2026-008.md").symlink_to("CAPA-2026-004.md")
    walked = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo)
    named = run_capa("validate", "--today", TODAY, "--format", "json",
                     "register/2026/CAPA-2026-007.md", str(real), cwd=repo)
    for result in (walked, named):
        assert result.returncode == 1 and "Traceback" not in result.stderr
    refused = {(Path(p["path"]).name, p["rule"], p["line"]) for p in problems_json(walked)
               if "symbolic link" in p["message"]}
    assert refused == {("CAPA-2026-007.md", "front-matter", 1),
                       ("CAPA-2026-008.md", "front-matter", 1)}
    messages = {p["path"]: p["message"] for p in problems_json(named)
                if p["rule"] == "front-matter"}
    assert "replace the link with the file itself" in messages.pop(
        "register/2026/CAPA-2026-007.md")
    assert [message for message in messages.values()] == [
        f"the file is outside the repository ({repo.resolve()}); a finding must be a file "
        "in the repository it is checked in"]


def test_text_output_escapes_characters_that_could_spoof_the_terminal(tmp_path: Path) -> None:
    """A file name or a value with a bidi override (U+202E), NEL or a tab is printed as an
    escape in text output, so it cannot reorder or rewrite the line; JSON keeps it exact."""
    register = tmp_path / "register"
    write_evidence(register, "CAPA-2026-004")
    write_finding(register, finding(severity="crit\u202eical\t"),
                  name="CAPA-2026-004\u202edm\x85exe")
    text = run_capa("validate", "--today", TODAY, cwd=tmp_path)
    assert text.returncode == 1
    assert not {"\u202e", "\x85", "\t"} & set(text.stdout)
    assert "register/2026/CAPA-2026-004\\u202edm\\x85exe.md:4: error schema:" in text.stdout
    assert 'got "crit\\u202eical\\t"' in text.stdout
    document = json.loads(run_capa("validate", "--today", TODAY, "--format", "json",
                                   cwd=tmp_path).stdout)
    assert document["problems"][0]["path"] == "register/2026/CAPA-2026-004\u202edm\x85exe.md"


def test_github_annotation_escapes_bidi_in_the_message() -> None:
    problem = Problem("a.md", 3, "schema", "error", "got \"x\u202ey\"\nnext")
    assert github_annotation(problem) == (
        "::error file=a.md,line=3,title=schema::got \"x\\u202ey\"%0Anext")


@pytest.mark.parametrize("option,value,named", [
    ("--title", "tab\there", "U+0009 (a tab)"),
    ("--raised-by", "A\tB", "U+0009 (a tab)"),
    ("--owner", "Jane\u200bSmith", "U+200B (zero width space)"),
    ("--title", "Backups\u202e untested", "U+202E (right-to-left override)"),
    ("--title", "Backups\uffff", "U+FFFF (a noncharacter or unassigned code point)"),
    ("--title", "a\x85b", "U+0085 (a control character)"),
])
def test_new_refuses_control_and_invisible_characters(repo: Path, option: str, value: str,
                                                      named: str) -> None:
    """Such a file would fail `capa validate`; `capa new` must not write it and exit 0."""
    args = ["--title", "Backups never restore-tested", option, value]
    result = run_capa("new", "--severity", "minor", *args, "--today", TODAY, cwd=repo)
    assert result.returncode == 2, result.stdout
    assert f"{option} must be one non-empty line of visible text: it holds {named}" in (
        result.stderr)
    assert not (repo / "register/2026/CAPA-2026-006.md").exists()


_CRASHING = ("import sys; import capa_docs.cli.validate as command\n"
             "def boom(*args, **kwargs):\n"
             "    raise KeyError('status')\n"
             "command.validate = boom\n"
             "from capa_docs.cli import main\n"
             "sys.exit(main(sys.argv[1:]))\n")


@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_exits_70_with_one_line_not_1_with_a_traceback(repo: Path, debug: bool) -> None:
    """A bug in capa must not pass for "problems found" (exit 1) in CI."""
    env = {"CAPA_DEBUG": "1"} if debug else {}
    clean = {k: v for k, v in os.environ.items() if k != "CAPA_DEBUG"}
    result = subprocess.run([sys.executable, "-c", _CRASHING, "validate", "--today", TODAY],
                            cwd=repo, capture_output=True, text=True, env={**clean, **env})
    if debug:
        assert result.returncode == 1 and "Traceback" in result.stderr
        assert "KeyError: 'status'" in result.stderr
        return
    assert result.returncode == 70
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("capa: internal error in `capa validate`: KeyError: 'status'.")
    assert "bug in capa-docs" in lines[0] and "CAPA_DEBUG=1" in lines[0]


def test_run_capa_fails_a_test_on_a_crash(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper every CLI test uses refuses a crash, so exit codes alone stay honest."""
    from .. import helpers

    monkeypatch.setattr(helpers, "capa_command", lambda: [sys.executable, "-c", _CRASHING])
    with pytest.raises(AssertionError, match="crashed"):
        helpers.run_capa("validate", "--today", TODAY, cwd=repo)
    assert helpers.run_capa("validate", "--today", TODAY, cwd=repo, crash=True).returncode == 70


@pytest.mark.parametrize("name", ["README.md", "readme.md", "index.md"])
def test_a_register_readme_is_skipped_with_a_note(repo: Path, name: str) -> None:
    """A folder's README or index page is not a finding, walked to or named (as the
    pre-commit hook names every staged Markdown file of the register)."""
    (repo / "register" / "2026" / name).write_text("# Our register\n\nHow we use it.\n")
    for args in ((), (f"register/2026/{name}", "register/2026/CAPA-2026-004.md")):
        result = run_capa("validate", "--today", TODAY, *args, cwd=repo)
        assert result.returncode == 0, result.stdout
        assert "front-matter" not in result.stdout
        assert f"capa: note: register/2026/{name}: skipped, a folder's {name} is not a " \
               "finding" in result.stderr
    (repo / "register" / "2026" / "NOTES.md").write_text("# Not skipped\n")
    other = run_capa("validate", "--today", TODAY, cwd=repo)
    assert other.returncode == 1 and "NOTES.md:1: error front-matter" in other.stdout
