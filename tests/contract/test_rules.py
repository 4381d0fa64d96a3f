"""Every rule of the contract: a finding that breaks it, and a near miss that does not.

All cases live in one real git repository and go through one run of the real CLI; each
case then checks its own file's problems.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..helpers import (
    TODAY,
    commit_all,
    finding,
    front_matter,
    init_repo,
    problems_json,
    run_capa,
    write_evidence,
    write_finding,
)

ROOT = Path(__file__).resolve().parents[2]

OPEN_MINOR = {"status": "open", "closure": None, "root_cause": None, "extent": None,
              "correction": None,
              "corrective_actions": [{"action": "Add the assessment step to onboarding.",
                                      "owner": "Jane Smith", "due": "2027-01-31"}],
              "raised": "2026-10-01"}


@dataclass
class Case:
    name: str
    build: Callable[[str], dict[str, Any]] | None = None
    raw: str | None = None
    expect: str | None = None
    absent: str | None = None
    line_of: str | None = None
    setup: Callable[[Path, str], None] | None = None
    folder: str = "2026"
    stem: Callable[[str], str] | None = None
    """The file's name without .md, from the case's ID (default: the ID itself)."""
    message: str | None = None
    """Text the expected rule's message must hold."""
    lines: tuple[int, ...] = ()
    """Every line the expected rule must be reported on, and no other."""

    def file_stem(self, finding_id: str) -> str:
        return self.stem(finding_id) if self.stem else finding_id


def closed(**changes: Any) -> Callable[[str], dict[str, Any]]:
    def build(finding_id: str) -> dict[str, Any]:
        data = finding(**changes)
        data["id"] = finding_id
        for item in data.get("closure", {}).get("evidence", []) if data.get("closure") else []:
            if "path" in item and item["path"].startswith("../evidence/CAPA-2026-004/"):
                item["path"] = item["path"].replace("CAPA-2026-004", finding_id)
        return data
    return build


def open_minor(**changes: Any) -> Callable[[str], dict[str, Any]]:
    return closed(**{**OPEN_MINOR, **changes})


def with_closure(**changes: Any) -> Callable[[str], dict[str, Any]]:
    def build(finding_id: str) -> dict[str, Any]:
        data = closed()(finding_id)
        data["closure"].update(changes)
        return data
    return build


def with_evidence(item: dict[str, Any]) -> Callable[[str], dict[str, Any]]:
    def build(finding_id: str) -> dict[str, Any]:
        data = closed()(finding_id)
        data["closure"]["evidence"] = [item]
        return data
    return build


def with_action(**changes: Any) -> Callable[[str], dict[str, Any]]:
    def build(finding_id: str) -> dict[str, Any]:
        data = closed()(finding_id)
        data["corrective_actions"][0].update(changes)
        for key, value in changes.items():
            if value is None:
                del data["corrective_actions"][0][key]
        return data
    return build


def effectiveness(**changes: Any) -> Callable[[str], dict[str, Any]]:
    def build(finding_id: str) -> dict[str, Any]:
        data = closed()(finding_id)
        data["closure"]["effectiveness"].update(changes)
        return data
    return build


def _symlink_outside(register: Path, finding_id: str) -> None:
    target = register / "evidence" / finding_id / "link.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to("/etc/hostname")


def _symlink_inside(register: Path, finding_id: str) -> None:
    real = write_evidence(register, finding_id, "real.txt")
    (real.parent / "link.txt").symlink_to("real.txt")


def _cause(text: str) -> Callable[[str], dict[str, Any]]:
    def build(finding_id: str) -> dict[str, Any]:
        data = closed()(finding_id)
        data["root_cause"]["cause"] = text
        return data
    return build


LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:" + b"4d7a" * 16 + b"\nsize 48213\n")


def _lfs_pointer(register: Path, finding_id: str) -> None:
    write_evidence(register, finding_id, "scan.pdf", LFS_POINTER)


def _lfs_lookalike(register: Path, finding_id: str) -> None:
    # The same first line inside a bigger file is content, not a pointer.
    write_evidence(register, finding_id, "scan.pdf", LFS_POINTER + b"x" * 2048)


def _folder_evidence(register: Path, finding_id: str) -> None:
    (register / "evidence" / finding_id / "folder").mkdir(parents=True)


DUPLICATE_KEY = """---
id: {id}
title: First title
severity: ofi
status: open
title: Second title
source: self-identified
raised: 2026-10-01
raised_by: A. Auditor
---
"""

NESTED_DUPLICATES = """---
id: {id}
title: Nested duplicates
severity: ofi
status: open
source: self-identified
raised: 2026-10-01
raised_by: A. Auditor
root_cause:
  cause: The onboarding checklist has no step for the assessment.
  category: process
  cause: Again.
corrective_actions:
  - action: Add the step.
    due: 2026-12-01
    action: Add it twice.
---
"""

IMPORT_LEFTOVER = """---
id: {id}
title: Imported ofi
severity: ofi
status: open
source: self-identified
raised: 2026-10-01
raised_by: A. Auditor
---

## Import problems

- line 3: error schema: `severity` must be one of major, minor
"""

CHECKLIST_SHA = hashlib.sha256(b"Onboarding checklist v3\n").hexdigest()

CASES = [
    Case("clean-closed-minor", closed()),
    Case("clean-open-minor", open_minor()),
    Case("front-matter-missing", raw="# Just a heading\n", expect="front-matter"),
    Case("front-matter-unterminated", raw="---\nid: {id}\ntitle: x\n", expect="front-matter"),
    Case("front-matter-not-mapping", raw="---\n- id\n- title\n---\n", expect="front-matter"),
    Case("front-matter-bad-yaml", raw="---\nid: {id}\ntitle: [unclosed\n---\n",
         expect="front-matter"),
    Case("duplicate-key", raw=DUPLICATE_KEY, expect="duplicate-key", line_of="6"),
    Case("duplicate-key-nested-and-in-list-item", raw=NESTED_DUPLICATES,
         expect="duplicate-key", lines=(12, 16), message="first at line"),
    Case("schema-unknown-field", raw=DUPLICATE_KEY.replace("title: Second title\n", "stauts: x\n")
         , expect="schema", line_of="6"),
    Case("schema-bad-enum", closed(severity="critical"), expect="schema"),
    Case("schema-yes-is-boolean", raw=DUPLICATE_KEY.replace("status: open", "status: yes")
         .replace("title: Second title\n", ""), expect="schema", line_of="5"),
    Case("schema-impossible-date", closed(raised="2026-02-30"), expect="schema"),
    # Noncharacters: PyYAML can neither write nor read them back, the page generator breaks.
    Case("schema-noncharacter-fffe-in-title", closed(title="Backups\ufffe untested"),
         expect="schema", message="`title` is not acceptable"),
    Case("schema-noncharacter-ffff-in-line", closed(raised_by="A. Auditor\uffff"),
         expect="schema", message="`raised_by`"),
    Case("schema-noncharacter-fdd0-in-owner", closed(owner="Jane\ufdd0 Smith"),
         expect="schema", message="noncharacters"),
    Case("schema-noncharacter-in-text", closed(extent="Checked all vendors.\ufdef"),
         expect="schema", message="`extent`"),
    Case("clause-unknown-nearest", closed(clauses=["A.5.38"]), expect="clause-unknown",
         message="A.5.38 is not a clause or control of ISO/IEC 27001:2022; nearest: A.5.37 "
                 "(Documented operating procedures)"),
    Case("clause-unknown-2013-control", closed(clauses=["8.1", "A.12.3.1"]),
         expect="clause-unknown",
         message="`clauses[1]`: A.12.3.1 (Information backup) is a control of ISO/IEC "
                 "27001:2013; in ISO/IEC 27001:2022 it became A.8.13 (Information backup): "
                 "write A.8.13, or run `capa migrate-clauses`"),
    Case("clause-unknown-2013-one-to-many", closed(clauses=["A.18.2.3"]),
         expect="clause-unknown", message="it became A.5.36 (Compliance with policies, "
         "rules and standards for information security) and A.8.8 (Management of technical "
         "vulnerabilities): list the one(s) the finding concerns"),
    Case("clause-unknown-standard-not-configured", closed(clauses=["9001:8.4.1"]),
         expect="clause-unknown", message="9001:8.4.1 names ISO 9001:2015, which is not "
         "among this register's standards"),
    Case("clause-qualified-first-standard-ok", closed(clauses=["27001:A.5.19", "9.2.2"]),
         absent="clause-unknown"),
    Case("clause-with-space-is-schema", closed(clauses=["A.5.19 suppliers"]),
         expect="schema", message="`clauses[0]` is not acceptable"),
    Case("id-filename-mismatch", lambda i: closed()(i) | {"id": "CAPA-2026-999"},
         expect="id-filename"),
    Case("id-filename-pattern", lambda i: closed()(i) | {"id": "capa-2026-1"},
         expect="id-filename"),
    # The file carries the same invisible character, so the ID equals the stem and only
    # the character check gives this message (the pattern check would say "pattern").
    Case("id-filename-format-char", lambda i: closed()(i) | {"id": i + "\u200b"},
         expect="id-filename", stem=lambda i: i + "\u200b",
         message="holds a control or invisible formatting character"),
    Case("id-filename-bidi-override", lambda i: closed()(i) | {"id": i + "\u202e"},
         expect="id-filename", stem=lambda i: i + "\u202e", message="\\u202e"),
    Case("id-trailing-newline", lambda i: closed()(i) | {"id": i + "\n"}, expect="schema",
         message="`id` is not acceptable"),
    Case("closure-evidence-empty", with_closure(evidence=[]), expect="closure-evidence"),
    Case("closure-evidence-no-closure", closed(closure=None), expect="closure-evidence"),
    Case("closure-evidence-open-needs-none", open_minor(), absent="closure-evidence"),
    Case("evidence-missing", with_evidence({"path": "../evidence/nothing-here.pdf"}),
         expect="evidence-missing"),
    Case("evidence-missing-folder", with_evidence({"path": "../evidence/{id}/folder"}),
         expect="evidence-missing", setup=_folder_evidence),
    Case("evidence-missing-name-too-long",
         with_evidence({"path": "../evidence/" + "x" * 300 + "/checklist.txt"}),
         expect="evidence-missing", message="cannot be read (File name too long)"),
    Case("evidence-missing-trailing-slash",
         with_evidence({"path": "../evidence/{id}/checklist.txt/"}),
         expect="evidence-missing", message="names a folder, not a file"),
    Case("evidence-outside-absolute", with_evidence({"path": "/etc/passwd"}),
         expect="evidence-outside-repo"),
    Case("evidence-outside-dotdot", with_evidence({"path": "../../../../../../etc/passwd"}),
         expect="evidence-outside-repo"),
    Case("evidence-outside-symlink", with_evidence({"path": "../evidence/{id}/link.txt"}),
         expect="evidence-outside-repo", setup=_symlink_outside),
    Case("evidence-outside-git", with_evidence({"path": "../../.git/config"}),
         expect="evidence-outside-repo"),
    Case("evidence-symlink-inside-ok", with_evidence({"path": "../evidence/{id}/link.txt"}),
         absent="evidence-outside-repo", setup=_symlink_inside),
    Case("evidence-hash-wrong", with_evidence({"path": "../evidence/{id}/checklist.txt",
                                               "sha256": "0" * 64}), expect="evidence-hash"),
    Case("evidence-hash-right", with_evidence({
        "path": "../evidence/{id}/checklist.txt",
        "sha256": hashlib.sha256(b"Onboarding checklist v3\n").hexdigest()}),
        absent="evidence-hash"),
    # sha256sum prints lower case, some tools upper: the digest is compared without case.
    Case("evidence-hash-right-upper-case", with_evidence({
        "path": "../evidence/{id}/checklist.txt",
        "sha256": hashlib.sha256(b"Onboarding checklist v3\n").hexdigest().upper()}),
        absent="evidence-hash"),
    Case("evidence-hash-wrong-upper-case", with_evidence({
        "path": "../evidence/{id}/checklist.txt", "sha256": "AB" * 32}),
        expect="evidence-hash", message="has changed since it was pinned"),
    Case("evidence-lfs-pointer", with_evidence({"path": "../evidence/{id}/scan.pdf"}),
         expect="evidence-lfs-pointer", setup=_lfs_pointer, message="git lfs pull"),
    # Pinning the pointer's own hash does not make it evidence.
    Case("evidence-lfs-pointer-pinned", with_evidence({
        "path": "../evidence/{id}/scan.pdf", "sha256": hashlib.sha256(LFS_POINTER).hexdigest()}),
        expect="evidence-lfs-pointer", setup=_lfs_pointer),
    Case("evidence-lfs-pointer-lookalike", with_evidence({"path": "../evidence/{id}/scan.pdf"}),
         absent="evidence-lfs-pointer", setup=_lfs_lookalike),
    Case("evidence-unpinned", with_evidence({"path": "../evidence/{id}/checklist.txt"}),
         expect="evidence-unpinned"),
    Case("evidence-unpinned-pinned", with_evidence({
        "path": "../evidence/{id}/checklist.txt", "sha256": CHECKLIST_SHA}),
        absent="evidence-unpinned"),
    Case("evidence-url-javascript", with_evidence({"url": "javascript:alert(1)"}),
         expect="evidence-url"),
    Case("evidence-url-ftp", with_evidence({"url": "ftp://files.example.com/x.pdf"}),
         expect="evidence-url"),
    Case("evidence-url-no-host", with_evidence({"url": "https:///x.pdf"}),
         expect="evidence-url"),
    Case("evidence-url-port-but-no-host", with_evidence({"url": "https://:443/x.pdf"}),
         expect="evidence-url"),
    Case("evidence-url-with-host", with_evidence({"url": "https://intranet.example.com/x"}),
         absent="evidence-url"),
    Case("effectiveness-missing", lambda i: _drop(closed()(i), "closure", "effectiveness"),
         expect="effectiveness"),
    Case("effectiveness-not-effective", effectiveness(result="not-effective"),
         expect="effectiveness"),
    Case("effectiveness-observation-needs-none",
         lambda i: _drop(closed(severity="observation")(i), "closure", "effectiveness"),
         absent="effectiveness"),
    Case("actions-open", with_action(completed=None), expect="actions-open"),
    Case("actions-open-none-recorded", closed(corrective_actions=None), expect="actions-open"),
    Case("owner-due-no-owner", open_minor(owner=None), expect="owner-due"),
    Case("owner-due-no-due", lambda i: _drop_action_key(open_minor()(i), "due"),
         expect="owner-due"),
    Case("owner-due-ofi-needs-none", open_minor(severity="ofi", owner=None,
                                                corrective_actions=None), absent="owner-due"),
    Case("root-cause-missing", open_minor(status="in-progress"), expect="root-cause"),
    Case("root-cause-shallow", lambda i: _set(closed()(i), ("root_cause", "cause"),
                                              "Human error."), expect="root-cause-shallow"),
    Case("root-cause-shallow-forgot", lambda i: _set(closed()(i), ("root_cause", "cause"),
                                                     "The administrator forgot to do it."),
         expect="root-cause-shallow"),
    *[Case(f"root-cause-shallow-{n}", _cause(text), expect="root-cause-shallow")
      for n, text in enumerate([
          "Human error by a new starter in procurement during vendor onboarding week",
          "human-error",
          "Human errors",
          "Mistakes were made",
          "A mistake by the night shift on 14 March in the Leeds office",
          "Staff did not follow the procedure.",
          "The supplier onboarding procedure was not followed.",
          "Operator-errors during the weekend change window",
      ])],
    *[Case(f"root-cause-deep-{n}", _cause(text), absent="root-cause-shallow")
      for n, text in enumerate([
          "Process has no owner, so the review was forgotten.",
          "Human error was possible because the restore procedure has no second check.",
          "Staff did not follow the procedure because no owner was assigned to keep it current.",
          "The checklist has no approval gate, so a mistake in the vendor tier goes unnoticed.",
          "Onboarding training does not cover the assessment; staff forgot what they were "
          "never taught.",
      ])],
    Case("date-order-before-raised", closed(correction={"action": "Fixed.",
                                                        "completed": "2026-01-01"}),
         expect="date-order"),
    Case("date-order-future-closure", with_closure(closed="2026-12-15"), expect="date-order"),
    Case("date-order-future-due-ok", open_minor(), absent="date-order"),
    Case("date-order-raised-in-year-9999", closed(raised="9999-12-30"), expect="date-order",
         message="9999-12-30"),
    Case("related-unknown", closed(related=["CAPA-2099-001"]), expect="related-unknown"),
    Case("related-known", closed(related=["CAPA-2026-100"]), absent="related-unknown"),
    Case("due-beyond-sla", with_action(due="2027-06-30", completed="2026-05-20"),
         expect="due-beyond-sla"),
    Case("overdue", open_minor(corrective_actions=[{"action": "Add the step.",
                                                    "owner": "Jane Smith",
                                                    "due": "2026-11-01"}]), expect="overdue"),
    # The boundary: due today is not overdue yet; due yesterday is, by one day.
    Case("overdue-due-today", open_minor(corrective_actions=[{
        "action": "Add the step.", "owner": "Jane Smith", "due": "2026-11-28"}]),
        absent="overdue"),
    Case("overdue-by-one-day", open_minor(corrective_actions=[{
        "action": "Add the step.", "owner": "Jane Smith", "due": "2026-11-27"}]),
        expect="overdue", message="was due 2026-11-27, 1 day ago"),
    Case("stale", open_minor(), expect="stale"),
    Case("correction-as-action", with_action(
        action="Completed security assessments for the three vendors."),
        expect="correction-as-action"),
    Case("self-verified", effectiveness(by="Jane Smith"), expect="self-verified"),
    Case("self-verified-independent", closed(), absent="self-verified"),
    # Every action completed 2026-05-20: a minor's review falls due 180 days later
    # (2026-11-16), before today; completed 2026-06-10 it falls due 2026-12-07, ahead.
    Case("effectiveness-overdue", closed(status="in-progress", closure=None),
         expect="effectiveness-overdue", message="fell due 2026-11-16", lines=(5,)),
    Case("effectiveness-overdue-not-yet", lambda i: _set(
        closed(status="in-progress", closure=None)(i),
        ("corrective_actions", 0, "completed"), "2026-06-10"), absent="effectiveness-overdue"),
    Case("effectiveness-overdue-closed-has-review", closed(), absent="effectiveness-overdue"),
    # The fixture's owners setting names Jane Smith and Sam Ops.
    Case("owner-unknown-initial", open_minor(owner="J. Smith"), expect="owner-unknown",
         message="did you mean 'Jane Smith'?"),
    Case("owner-unknown-action", open_minor(corrective_actions=[{
        "action": "Add the step.", "owner": "Sam Op", "due": "2027-01-31"}]),
        expect="owner-unknown", message="corrective action 1's `owner` 'Sam Op'"),
    Case("owner-unknown-known", open_minor(owner="Sam Ops"), absent="owner-unknown"),
    Case("owner-unknown-closed-is-history", closed(owner="Jo Leaver"), absent="owner-unknown"),
    Case("unfinished-text-in-a-field", open_minor(corrective_actions=[{
        "action": "TODO: the action that removes the cause", "owner": "Jane Smith",
        "due": "2026-12-20"}]), expect="unfinished-text",
        message="`corrective_actions[0].action` still holds the placeholder 'TODO:'"),
    Case("unfinished-text-not-recorded", closed(extent="Not recorded."),
         expect="unfinished-text", message="`extent` still holds the placeholder"),
    Case("unfinished-text-import-problems", raw=IMPORT_LEFTOVER, expect="unfinished-text",
         line_of="11", message="Import problems"),
    Case("unfinished-text-a-todo-list-is-no-placeholder",
         closed(title="Staff todo lists hold passwords"), absent="unfinished-text"),
]


def _drop(data: dict[str, Any], *keypath: str) -> dict[str, Any]:
    target = data
    for step in keypath[:-1]:
        target = target[step]
    del target[keypath[-1]]
    return data


def _drop_action_key(data: dict[str, Any], key: str) -> dict[str, Any]:
    del data["corrective_actions"][0][key]
    return data


def _set(data: dict[str, Any], keypath: tuple[str, ...], value: Any) -> dict[str, Any]:
    target = data
    for step in keypath[:-1]:
        target = target[step]
    target[keypath[-1]] = value
    return data


def _case_id(index: int) -> str:
    return f"CAPA-2026-{100 + index:03d}"


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    repo = init_repo(tmp_path_factory.mktemp("rules") / "repo")
    register = repo / "register"
    register.mkdir()
    (repo / ".gitignore").write_text("")
    (repo / "mkdocs.yml").write_text("site_name: rules\nplugins:\n  - capa:\n      owners:\n"
                                     "        Jane Smith: jane.smith@example.com\n"
                                     "        Sam Ops: '@samops'\n")
    stale_index = next(i for i, c in enumerate(CASES) if c.name == "stale")
    order = [stale_index] + [i for i in range(len(CASES)) if i != stale_index]
    for index in order:
        case = CASES[index]
        finding_id = _case_id(index)
        write_evidence(register, finding_id)
        if case.setup:
            case.setup(register, finding_id)
        path = register / case.folder / f"{case.file_stem(finding_id)}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        if case.raw is not None:
            path.write_text(case.raw.replace("{id}", finding_id), encoding="utf-8")
        else:
            assert case.build is not None
            text = front_matter(case.build(finding_id)).replace("{id}", finding_id)
            path.write_text(f"---\n{text}---\nNarrative.\n", encoding="utf-8")
        if index == stale_index:
            commit_all(repo, "old finding", date="2026-08-01")
    commit_all(repo, "register", date="2026-11-20")
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo)
    assert result.returncode == 1, result.stderr
    by_file: dict[str, list[dict[str, Any]]] = {}
    for problem in problems_json(result):
        by_file.setdefault(Path(problem["path"]).stem, []).append(problem)
    return by_file


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.name for c in CASES])
def test_rule_case(index: int, validated: dict[str, list[dict[str, Any]]]) -> None:
    case = CASES[index]
    found = validated.get(case.file_stem(_case_id(index)), [])
    rules = {p["rule"] for p in found}
    if case.expect:
        assert case.expect in rules, f"{case.name}: expected {case.expect}, got {found}"
        expected = [p for p in found if p["rule"] == case.expect]
        if case.line_of:
            assert int(case.line_of) in {p["line"] for p in expected}, found
        if case.lines:
            assert sorted(p["line"] for p in expected) == list(case.lines), found
        if case.message:
            assert all(case.message in p["message"] for p in expected), expected
    elif case.absent:
        assert case.absent not in rules, f"{case.name}: {found}"
    else:
        assert found == [], f"{case.name}: expected clean, got {found}"


# The rules the published schema restates as if/then blocks for editors, and `schema`.
EDITOR_RULES = {"schema", "closure-evidence", "effectiveness", "actions-open", "owner-due",
                "root-cause", "clause-unknown"}


@pytest.mark.parametrize("index", [i for i, c in enumerate(CASES) if c.build is not None],
                         ids=[c.name for c in CASES if c.build is not None])
def test_editor_schema_agrees_with_validate(index: int,
                                            validated: dict[str, list[dict[str, Any]]]) -> None:
    """An editor using the published schema flags a finding exactly when `capa validate`
    reports `schema` or one of the rules the schema's if/then blocks restate."""
    import jsonschema

    schema = json.loads((ROOT / "schemas" / "finding.schema.json").read_text())
    editor = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    case = CASES[index]
    assert case.build is not None
    data = case.build(_case_id(index))
    found = validated.get(case.file_stem(_case_id(index)), [])
    reported = {p["rule"] for p in found} & EDITOR_RULES
    flagged = [e.message for e in editor.iter_errors(data)]
    assert bool(flagged) == bool(reported), (case.name, flagged, reported)


def test_every_rule_has_a_failing_case() -> None:
    from capa_docs.contract.rules import RULES

    covered = {c.expect for c in CASES if c.expect}
    assert set(RULES) - covered - {"id-duplicate"} == set()


def test_id_duplicate_across_folders(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    register = repo / "register"
    write_evidence(register, "CAPA-2026-004")
    write_finding(register, finding(), folder="2026")
    write_finding(register, finding(), folder="archive")
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=repo)
    assert result.returncode == 1
    duplicates = [p for p in problems_json(result) if p["rule"] == "id-duplicate"]
    assert {Path(p["path"]).parent.name for p in duplicates} == {"2026", "archive"}


def test_single_file_checked_against_whole_register(tmp_path: Path) -> None:
    """A pre-commit hook passes only changed files; related IDs still resolve."""
    repo = init_repo(tmp_path / "repo")
    register = repo / "register"
    write_evidence(register, "CAPA-2026-004")
    write_finding(register, finding(id="CAPA-2025-019", status="open", closure=None,
                                    corrective_actions=[{"action": "x", "due": "2026-01-31"}],
                                    root_cause=None, extent=None, correction=None,
                                    raised="2025-10-01"), folder="2025")
    target = write_finding(register, finding(related=["CAPA-2025-019", "CAPA-2024-001"]))
    result = run_capa("validate", "--today", TODAY, "--format", "json", str(target), cwd=repo)
    problems = [p for p in problems_json(result) if p["rule"] != "evidence-unpinned"]
    assert [p["rule"] for p in problems] == ["related-unknown"]
    assert "CAPA-2024-001" in problems[0]["message"]
    assert os.path.basename(problems[0]["path"]) == "CAPA-2026-004.md"


@pytest.mark.parametrize("value", ["a\ud800b", "\udfff", "x\ufffe", "\ufdd5"])
def test_noncharacters_and_lone_surrogates_fail_the_schema(value: str) -> None:
    """The loader never yields a lone surrogate (libyaml refuses the escape), but the
    pure-Python loader would; both validators refuse it and the noncharacters."""
    from capa_docs.contract.schema import is_valid, schema_errors

    data = finding(title=value)
    assert not is_valid(data)
    assert [path for path, _ in schema_errors(data)] == [("title",)]


@pytest.mark.parametrize("phrases,cause,found", [
    (("vendor delay",), "Vendor-delays again", "vendor delays"),
    (("vendor delay",), "Vendor delay: the contract has no delivery deadline", None),
    (("vendor delay",), "Human error", None),
    ((), "Human error", None),
])
def test_shallow_phrases_are_configurable(phrases: tuple[str, ...], cause: str,
                                          found: str | None) -> None:
    from capa_docs.contract.rules import shallow_cause

    assert shallow_cause(cause, phrases) == found
