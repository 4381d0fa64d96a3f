"""Clause catalogues: the shipped files against their schema and the standards' published
structure, the `standards` setting, a register's own catalogue, and `capa schema`."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from capa_docs.contract.catalogue import SHIPPED, Standards, shipped
from capa_docs.contract.settings import ConfigError, settings_from_mapping

from ..helpers import (
    TODAY,
    finding,
    init_repo,
    problems_json,
    run_capa,
    write_evidence,
    write_finding,
)

CATALOGUES = resources.files("capa_docs.contract").joinpath("catalogues")


def _schema() -> dict:
    text = resources.files("capa_docs.contract").joinpath("schemas/catalogue.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


def test_the_catalogue_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(_schema())


@pytest.mark.parametrize("name", sorted(SHIPPED.values()))
def test_each_shipped_catalogue_validates_against_the_schema(name: str) -> None:
    data = yaml.safe_load(CATALOGUES.joinpath(name).read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft202012Validator(_schema()).iter_errors(data)]
    assert errors == []
    assert SHIPPED[data["id"]] == name


def test_every_catalogue_file_in_the_package_is_shipped() -> None:
    files = {p.name for p in CATALOGUES.iterdir() if p.name.endswith(".yaml")}
    assert files == set(SHIPPED.values())


# The published structure: the main clauses, how many second-level clauses each standard
# has (4.1 ... 10.3), and its Annex A controls.
STRUCTURE = {
    "27001": (("4", "5", "6", "7", "8", "9", "10"), 23, 93),
    "9001": (("4", "5", "6", "7", "8", "9", "10"), 28, 0),
    "14001": (("4", "5", "6", "7", "8", "9", "10"), 22, 0),
    "45001": (("4", "5", "6", "7", "8", "9", "10"), 23, 0),
    "13485": (("4", "5", "6", "7", "8"), 23, 0),
    "42001": (("4", "5", "6", "7", "8", "9", "10"), 24, 38),
    "22301": (("4", "5", "6", "7", "8", "9", "10"), 26, 0),
}


@pytest.mark.parametrize("catalogue_id", sorted(STRUCTURE))
def test_each_catalogue_has_the_standards_published_clause_counts(catalogue_id: str) -> None:
    catalogue = shipped(catalogue_id)
    main, second, controls = STRUCTURE[catalogue_id]
    numbers = list(catalogue.clauses)
    assert tuple(n for n in numbers if "." not in n) == main
    assert sum(1 for n in numbers if n.count(".") == 1) == second
    assert len(catalogue.controls) == controls
    for number in numbers:  # every subclause sits under a listed parent, in order
        parent = number.rpartition(".")[0]
        assert not parent or numbers.index(parent) < numbers.index(number), number


@pytest.mark.parametrize("catalogue_id,numbers", [
    ("13485", ["4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.1.6"]),
    ("9001", ["4.4.1", "4.4.2", "6.1.1", "6.1.2", "6.2.1", "6.2.2", "7.5.3.1", "7.5.3.2",
              "8.2.3.1", "8.2.3.2", "8.7.1", "8.7.2", "9.2.1", "9.2.2", "10.2.1", "10.2.2"]),
])
def test_numbered_paragraphs_without_a_heading_are_clauses(catalogue_id: str,
                                                           numbers: list[str]) -> None:
    """Auditors cite a standard's numbered paragraphs that have no heading of their own
    (ISO 13485 4.1.6, the validation of QMS software, is among its most cited): each is a
    clause, with no title of its own, or a finding citing it would be clause-unknown."""
    clauses = shipped(catalogue_id).clauses
    assert {n: clauses.get(n, "missing") for n in numbers} == dict.fromkeys(numbers)


def test_27001_annex_a_has_the_four_themes_of_2022() -> None:
    themes = Counter(n.split(".")[1] for n in shipped("27001").controls)
    assert themes == {"5": 37, "6": 8, "7": 14, "8": 34}


def test_42001_annex_a_has_its_38_controls_by_objective() -> None:
    groups = Counter(n.split(".")[1] for n in shipped("42001").controls)
    assert groups == {"2": 3, "3": 2, "4": 5, "5": 4, "6": 9, "7": 5, "8": 4, "9": 3, "10": 3}


def test_the_2013_correspondence_covers_all_114_controls() -> None:
    catalogue = shipped("27001")
    assert catalogue.previous_edition == "2013"
    old = catalogue.previous
    assert len(old) == 114
    sections = Counter(n.split(".")[1] for n in old)
    assert sections == {"5": 2, "6": 7, "7": 6, "8": 10, "9": 14, "10": 2, "11": 15,
                        "12": 14, "13": 7, "14": 13, "15": 5, "16": 7, "17": 4, "18": 8}
    assert all(n in catalogue.controls for entry in old.values() for n in entry.now)
    assert [n for n, e in old.items() if len(e.now) > 1] == ["A.18.2.3"]
    # Every 2022 control that took over a 2013 one; the eleven new ones took over none.
    new = set(catalogue.controls) - {n for e in old.values() for n in e.now}
    assert new == {"A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11",
                   "A.8.12", "A.8.16", "A.8.23", "A.8.28"}


# ISO/IEC 27002:2022 Annex B as ISO prints it, 2022 control first (table B.1; ISO's
# published mapping tables), transcribed independently of the catalogue's 2013-first
# `previous` table: each 2022 control and the 2013 controls it took over ("" for the new
# ones). Checked 2026-12-04, see docs/configuration.md "Sources of the shipped catalogues".
PUBLISHED_2022_FROM_2013 = """
5.1 5.1.1 5.1.2|5.2 6.1.1|5.3 6.1.2|5.4 7.2.1|5.5 6.1.3|5.6 6.1.4|5.7|5.8 6.1.5 14.1.1
5.9 8.1.1 8.1.2|5.10 8.1.3 8.2.3|5.11 8.1.4|5.12 8.2.1|5.13 8.2.2|5.14 13.2.1 13.2.2 13.2.3
5.15 9.1.1 9.1.2|5.16 9.2.1|5.17 9.2.4 9.3.1 9.4.3|5.18 9.2.2 9.2.5 9.2.6|5.19 15.1.1
5.20 15.1.2|5.21 15.1.3|5.22 15.2.1 15.2.2|5.23|5.24 16.1.1|5.25 16.1.4|5.26 16.1.5
5.27 16.1.6|5.28 16.1.7|5.29 17.1.1 17.1.2 17.1.3|5.30|5.31 18.1.1 18.1.5|5.32 18.1.2
5.33 18.1.3|5.34 18.1.4|5.35 18.2.1|5.36 18.2.2 18.2.3|5.37 12.1.1
6.1 7.1.1|6.2 7.1.2|6.3 7.2.2|6.4 7.2.3|6.5 7.3.1|6.6 13.2.4|6.7 6.2.2|6.8 16.1.2 16.1.3
7.1 11.1.1|7.2 11.1.2 11.1.6|7.3 11.1.3|7.4|7.5 11.1.4|7.6 11.1.5|7.7 11.2.9|7.8 11.2.1
7.9 11.2.6|7.10 8.3.1 8.3.2 8.3.3 11.2.5|7.11 11.2.2|7.12 11.2.3|7.13 11.2.4|7.14 11.2.7
8.1 6.2.1 11.2.8|8.2 9.2.3|8.3 9.4.1|8.4 9.4.5|8.5 9.4.2|8.6 12.1.3|8.7 12.2.1
8.8 12.6.1 18.2.3|8.9|8.10|8.11|8.12|8.13 12.3.1|8.14 17.2.1|8.15 12.4.1 12.4.2 12.4.3
8.16|8.17 12.4.4|8.18 9.4.4|8.19 12.5.1 12.6.2|8.20 13.1.1|8.21 13.1.2|8.22 13.1.3|8.23
8.24 10.1.1 10.1.2|8.25 14.2.1|8.26 14.1.2 14.1.3|8.27 14.2.5|8.28|8.29 14.2.8 14.2.9
8.30 14.2.7|8.31 12.1.4 14.2.6|8.32 12.1.2 14.2.2 14.2.3 14.2.4|8.33 14.3.1|8.34 12.7.1
"""


def test_the_2013_correspondence_is_the_published_table_row_for_row() -> None:
    """`capa migrate-clauses` rewrites findings from the catalogue's table, so a wrong row
    is a wrong record: the catalogue, read backwards, must give ISO's table exactly (for
    instance A.8.3.2, disposal of media, went to A.7.10 alone, not to A.7.14)."""
    published: dict[str, set[str]] = {}
    for row in PUBLISHED_2022_FROM_2013.replace("\n", "|").split("|"):
        if row.strip():
            control, *old = row.split()
            published["A." + control] = {"A." + n for n in old}
    catalogue = shipped("27001")
    backwards: dict[str, set[str]] = {n: set() for n in catalogue.controls}
    for number, entry in catalogue.previous.items():
        for now in entry.now:
            backwards[now].add(number)
    assert backwards == published


@pytest.mark.parametrize("written,expected", [
    (["27001"], ["27001"]),
    ("ISO 9001:2015", ["9001"]),
    (["ISO/IEC 27001:2022", "iso 9001", "14001:2015", 45001], ["27001", "9001", "14001",
                                                                "45001"]),
])
def test_standards_setting_names_shipped_catalogues(written: object, expected: list[str],
                                                    tmp_path: Path) -> None:
    settings = settings_from_mapping({"standards": written}, tmp_path)
    assert [c.id for c in settings.standards] == expected


@pytest.mark.parametrize("written,message", [
    (["9002"], "no standard '9002'; capa-docs ships 27001, 9001"),
    ([], "a list of standards"),
    (["27001", "ISO/IEC 27001"], "two catalogues share the ID 27001"),
    (["policies.yaml"], "policies.yaml: cannot be read"),
    ([True], "a standard's ID or a catalogue file"),
])
def test_standards_setting_mistakes_are_config_errors(written: object, message: str,
                                                      tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({"standards": written}, tmp_path)
    assert message in str(caught.value)
    assert "standards" in str(caught.value)


POLICIES = """\
# Our own policy set, as a clause catalogue.
id: POL
standard: ACME policies
edition: "2026"
clauses:
  POL-01: Information handling
  POL-01.2: Encryption at rest
  POL-02: Supplier onboarding
"""


def test_a_register_adds_its_own_catalogue_file(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "catalogues").mkdir()
    (root / "catalogues" / "policies.yaml").write_text(POLICIES)
    (root / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - capa:\n"
        "      standards: [\"27001\", catalogues/policies.yaml]\n")
    write_evidence(root / "register", "CAPA-2026-004")
    write_finding(root / "register", finding(clauses=["A.5.19", "POL:POL-01.2"]))
    write_finding(root / "register", finding(id="CAPA-2026-005",
                                             clauses=["POL:POL-03", "POL-01"]))
    result = run_capa("validate", "--today", TODAY, "--format", "json", cwd=root)
    problems = [(p["path"], p["rule"], p["message"]) for p in problems_json(result)
                if p["level"] == "error"]
    assert problems == [
        ("register/2026/CAPA-2026-005.md", "clause-unknown",
         "`clauses[0]`: POL:POL-03 is not a clause or control of ACME policies:2026; nearest: "
         "POL-02 (Supplier onboarding), POL-01 (Information handling), POL-01.2 (Encryption "
         "at rest)"),
        ("register/2026/CAPA-2026-005.md", "clause-unknown",
         "`clauses[1]`: POL-01 is not a clause or control of ISO/IEC 27001:2022; POL-01 "
         "(Information handling) is a clause of ACME policies:2026: write POL:POL-01; "
         "nearest: 4 (Context of the organization), 5 (Leadership), 6 (Planning)"),
    ], result.stdout


def test_a_catalogue_file_that_breaks_the_schema_is_refused_with_its_place(
        tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "policies.json").write_text(json.dumps(
        {"id": "POL", "standard": "ACME", "clauses": {"POL 01": "Spaces are not allowed"}}))
    (root / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - capa:\n      standards: [policies.json]\n")
    (root / "register").mkdir()
    result = run_capa("validate", cwd=root)
    assert result.returncode == 2
    assert "standards[0]: policies.json: not a clause catalogue: clauses" in result.stderr
    assert "'POL 01'" in result.stderr


@pytest.mark.parametrize("text,message", [
    ("id: POL\nstandard: x\nclauses: &c {A: x}\ncontrols: *c\n", "uses a YAML alias"),
    ("id: POL\nstandard: x\nclauses: " + "[" * 50 + "]" * 50 + "\n", "nests deeper than 8"),
    ("id: POL\nstandard: x\nclauses: {A: x}\ncontrols: {A: y}\n",
     "A listed as both a clause and a control"),
    ("id: POL\nstandard: x\nclauses: {A: x}\nprevious: {edition: '1', controls: "
     "{B: {title: b, now: [C]}}}\n", "previous.controls.B names C"),
])
def test_a_hostile_or_inconsistent_catalogue_file_is_refused(text: str, message: str,
                                                             tmp_path: Path) -> None:
    (tmp_path / "own.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({"standards": ["own.yaml"]}, tmp_path)
    assert message in str(caught.value)


def test_capa_schema_reflects_the_configured_catalogues(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - capa:\n      standards: [\"9001\", \"27001\"]\n")
    schema = json.loads(run_capa("schema", cwd=root).stdout)
    block = next(b for b in schema["allOf"] if b.get("x-rule") == "clause-unknown")
    accepted = block["properties"]["clauses"]["items"]["enum"]
    assert "8.4.1" in accepted and "9001:8.4.1" in accepted and "27001:A.5.19" in accepted
    assert "A.5.19" not in accepted  # 27001 is the second standard: qualified only
    editor = jsonschema.Draft202012Validator(schema)
    assert not list(editor.iter_errors(finding(clauses=["8.4.1", "27001:A.5.19"])))
    assert list(editor.iter_errors(finding(clauses=["A.5.19"])))


def test_the_shipped_schema_holds_the_default_catalogue() -> None:
    from capa_docs.contract.schema import finding_schema, schema_for

    default = Standards([shipped("27001")])
    assert schema_for(default) == finding_schema()


@pytest.mark.parametrize("kind", ["link to /dev/zero", "over the size limit"])
def test_a_catalogue_that_is_no_regular_file_or_too_big_is_refused(kind: str,
                                                                    tmp_path: Path) -> None:
    """A catalogue arrives by pull request: a committed link to /dev/zero would be read
    forever, and a huge file would be parsed whole, unless both are refused first."""
    own = tmp_path / "own.yaml"
    if kind == "over the size limit":
        own.write_text("id: POL\nstandard: x\nclauses:\n" + "  # padding\n" * 200_000)
        message = "over 2 MiB"
    else:
        own.symlink_to("/dev/zero")
        message = "not a regular file"
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping({"standards": ["own.yaml"]}, tmp_path)
    assert f"standards[0]: own.yaml: {message}" in str(caught.value)
