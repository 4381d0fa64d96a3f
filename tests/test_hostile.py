"""Hostile finding files: each ends in a clear `front-matter` error, never a crash or hang.

Each case runs the real CLI in a subprocess, so a segfault (libyaml's composer at deep
nesting), a hang (an alias bomb walked by jsonschema) or blown memory would fail the
test instead of killing the test runner.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import TODAY, problems_json, run_capa

VALID = ("id: {id}\ntitle: An opportunity\nseverity: ofi\nstatus: open\n"
         "source: self-identified\nraised: 2026-10-01\nraised_by: A. Auditor\n")

ALIAS_BOMB = "\n".join([
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]",
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]",
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]",
]) + "\n"

HOSTILE: dict[str, bytes] = {
    "deep-flow-nesting": b"---\n" + VALID.encode() + b"x: " + b"[" * 30000 + b"]" * 30000
    + b"\n---\n",
    "deep-block-nesting": b"---\n" + VALID.encode() + b"x:\n" + b"- " * 30000 + b"a\n---\n",
    "python-object-tag": b"---\n" + VALID.encode()
    + b"x: !!python/object/apply:os.system ['echo pwned']\n---\n",
    "binary-tag": b"---\n" + VALID.encode() + b"x: !!binary aGVsbG8=\n---\n",
    "int-tag-empty": b"---\n" + VALID.encode() + b"x: !!int ''\n---\n",
    "bool-tag-empty": b"---\n" + VALID.encode() + b"x: !!bool ''\n---\n",
    "local-tag": b"---\n" + VALID.encode() + b"x: !custom value\n---\n",
    "alias-bomb": b"---\n" + VALID.encode() + ALIAS_BOMB.encode() + b"---\n",
    "huge-number": b"---\n" + VALID.encode() + b"x: " + b"9" * 5000 + b"\n---\n",
    "not-utf8": b"---\n" + VALID.encode() + b"owner: J\xe9r\xf4me\n---\n",
    "multi-megabyte": b"---\n" + VALID.encode() + b"---\n" + b"lorem ipsum " * 400_000,
    "huge-front-matter": b"---\n" + VALID.encode() + b"extent: " + b"x" * 600_000 + b"\n---\n",
    "second-document-marker": b"---\n" + VALID.encode() + b"...\nother: doc\n---\n",
    "merge-key": b"---\n" + VALID.encode() + b"base: &b {k: 1}\nx:\n  <<: *b\n---\n",
    "nul-byte": b"---\n" + VALID.encode() + b"x: a\x00b\n---\n",
    "empty-file": b"",
    "only-dashes": b"---\n---\n",
}


@pytest.fixture(scope="module")
def hostile_register(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    root = tmp_path_factory.mktemp("hostile")
    register = root / "register" / "2026"
    register.mkdir(parents=True)
    names = {}
    for index, (name, content) in enumerate(HOSTILE.items()):
        finding_id = f"CAPA-2026-{index + 1:03d}"
        names[finding_id] = name
        (register / f"{finding_id}.md").write_bytes(content.replace(b"{id}",
                                                                    finding_id.encode()))
    good = register / "CAPA-2026-900.md"
    good.write_text("---\n" + VALID.replace("{id}", "CAPA-2026-900") + "---\n")
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=root, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    by_case: dict[str, list[dict]] = {}
    for problem in problems_json(result):
        by_case.setdefault(names.get(Path(problem["path"]).stem, "good"), []).append(problem)
    return by_case


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_a_front_matter_error(name: str, hostile_register: dict) -> None:
    problems = hostile_register.get(name, [])
    assert [p["rule"] for p in problems] == ["front-matter"], problems
    assert problems[0]["level"] == "error"


def test_one_bad_file_hides_no_other(hostile_register: dict) -> None:
    assert "good" not in hostile_register
    assert set(hostile_register) == set(HOSTILE)


@pytest.mark.parametrize("name", ["deep-flow-nesting", "alias-bomb", "multi-megabyte",
                                  "python-object-tag", "huge-number"])
def test_each_hostile_file_alone_fails_fast_and_cleanly(name: str, tmp_path: Path) -> None:
    target = tmp_path / "register" / "CAPA-2026-001.md"
    target.parent.mkdir(parents=True)
    target.write_bytes(HOSTILE[name].replace(b"{id}", b"CAPA-2026-001"))
    result = run_capa("validate", "--today", TODAY, str(target), cwd=tmp_path, timeout=20)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    assert "CAPA-2026-001.md" in result.stdout and "error front-matter:" in result.stdout


def test_bom_and_crlf_are_accepted_and_lines_still_right(tmp_path: Path) -> None:
    text = "---\n" + VALID.replace("{id}", "CAPA-2026-001") + "owner: x\nowner: y\n---\nBody\n"
    target = tmp_path / "register" / "CAPA-2026-001.md"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=tmp_path)
    problems = problems_json(result)
    assert [(p["rule"], p["line"]) for p in problems] == [("duplicate-key", 10)]


def test_quoted_and_unquoted_dates_both_work(tmp_path: Path) -> None:
    text = "---\n" + VALID.replace("{id}", "CAPA-2026-001").replace(
        "raised: 2026-10-01", "raised: '2026-10-01'") + "---\n"
    target = tmp_path / "register" / "CAPA-2026-001.md"
    target.parent.mkdir(parents=True)
    target.write_text(text)
    result = run_capa("validate", "--today", TODAY, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "1 finding: 0 errors, 0 warnings" in result.stdout


@pytest.mark.parametrize("line,field", [("owner: NO", "owner"), ("status: yes", "status"),
                                        ("raised: 2026-02-30", "raised"),
                                        ("raised: 2026-10-01T10:00:00", "raised")])
def test_yaml_surprises_fail_in_the_schema_naming_the_field(line: str, field: str,
                                                           tmp_path: Path) -> None:
    lines = VALID.replace("{id}", "CAPA-2026-001").splitlines()
    key = line.split(":")[0]
    lines = [entry for entry in lines if not entry.startswith(key + ":")] + [line]
    target = tmp_path / "register" / "CAPA-2026-001.md"
    target.parent.mkdir(parents=True)
    target.write_text("---\n" + "\n".join(lines) + "\n---\n")
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=tmp_path)
    problems = problems_json(result)
    assert [p["rule"] for p in problems] == ["schema"], problems
    assert f"`{field}`" in problems[0]["message"]
    assert problems[0]["line"] == len(lines) + 1
