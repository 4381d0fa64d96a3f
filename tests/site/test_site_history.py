"""The audit trail on the built site: real git histories, real MkDocs builds, parsed pages.

A scripted history (four authors, time zones, a due-date extension, a close, a reopen with
an owner change, a move across folders, a hostile commit subject) is built once; tests
read the History section, the register's "Last changed" column, the evidence pins and the
"Built from commit" footer from the HTML. A shallow clone and a folder without git still
build and say what is missing. Two builds of one commit in two folders, in two processes
with different hash seeds, give byte-identical sites.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..helpers import TODAY, finding, front_matter, git, init_repo, write_evidence
from ..sites import SOURCE_DATE_EPOCH, Page, mkdocs_build, write_config

REPO_URL = "https://git.example.com/org/isms"
OLD = "register/2026/CAPA-2026-001.md"
NEW = "register/archive/2026/CAPA-2026-001.md"
QUIET = "register/2026/CAPA-2026-002.md"
HOSTILE_SUBJECT = 'Close again <script>alert(1)</script> & "done"'
EVIDENCE = b"Onboarding checklist v3\n"


def _version(status: str, due: str, owner: str = "Jane Smith", evidence_up: int = 1,
             finding_id: str = "CAPA-2026-001") -> str:
    """One version of a finding: valid at every step, closed ones with pinned evidence."""
    action = {"action": "Add the assessment step to the onboarding checklist.",
              "owner": owner, "due": due}
    changes: dict = {"id": finding_id, "status": status, "owner": owner, "raised": "2026-01-10",
                     "corrective_actions": [action]}
    if status == "closed":
        action["completed"] = "2026-05-20"
        closure = finding()["closure"]
        prefix = "../" * evidence_up
        closure["evidence"] = [
            {"path": f"{prefix}evidence/CAPA-2026-001/checklist.txt",
             "sha256": hashlib.sha256(EVIDENCE).hexdigest(), "description": "Pinned"},
            {"path": f"{prefix}evidence/CAPA-2026-001/notes.txt", "description": "Unpinned"}]
        closure["closed"] = "2026-07-01"
        changes["closure"] = closure
    else:
        changes["closure"] = None
    return f"---\n{front_matter(finding(**changes))}---\nNarrative.\n"


def _commit(repo: Path, message: str, author: str, stamp: str) -> str:
    email = author.split()[0].lower() + "@example.com"
    env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": stamp,
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email,
           "GIT_COMMITTER_DATE": stamp}
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD").strip()


def _write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def scripted_repo(root: Path) -> dict[str, str]:
    """The history every test reads; returns the commit ids by step name."""
    repo = init_repo(root)
    write_config(repo, {"stale_days": 60}, repo_url=REPO_URL, site_url="https://example.com/")
    (repo / "docs" / "about.md").write_text("# About\n\nThe register site.\n")
    (repo / ".gitignore").write_text("site/\n")
    write_evidence(repo / "register", "CAPA-2026-001", content=EVIDENCE)
    write_evidence(repo / "register", "CAPA-2026-001", "notes.txt", b"Meeting notes\n")
    shas = {}
    _write(repo, OLD, _version("open", "2026-06-30"))
    shas["raised"] = _commit(repo, "Raise CAPA-2026-001", "Alice Auditor",
                             "2026-01-10T10:00:00+02:00")
    _write(repo, OLD, _version("in-progress", "2026-06-30"))
    _write(repo, QUIET, _version("open", "2026-12-31", finding_id="CAPA-2026-002"))
    shas["progressed"] = _commit(repo, "Start work; raise CAPA-2026-002", "Bob Owner",
                                 "2026-02-01T09:30:00-05:00")
    _write(repo, OLD, _version("in-progress", "2026-09-30"))
    shas["extended"] = _commit(repo, "Extend the due date", "Carol Manager",
                               "2026-03-01T16:00:00+00:00")
    _write(repo, OLD, _version("closed", "2026-09-30"))
    shas["closed"] = _commit(repo, "Close CAPA-2026-001", "Alice Auditor",
                             "2026-04-01T11:00:00+02:00")
    _write(repo, OLD, _version("in-progress", "2026-09-30", owner="Dan Deputy"))
    shas["reopened"] = _commit(repo, "Reopen: the fix did not hold", "Bob Owner",
                               "2026-05-01T08:00:00-05:00")
    (repo / NEW).parent.mkdir(parents=True)
    git(repo, "mv", OLD, NEW)
    shas["moved"] = _commit(repo, "Archive CAPA-2026-001", "Carol Manager",
                            "2026-06-01T12:00:00+00:00")
    _write(repo, NEW, _version("closed", "2026-09-30", owner="Dan Deputy", evidence_up=2))
    shas["closed again"] = _commit(repo, HOSTILE_SUBJECT, "Dan Deputy",
                                   "2026-07-01T12:00:00+00:00")
    return shas


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("history") / "repo"
    shas = scripted_repo(root)
    mkdocs_build(root / "mkdocs.yml")
    return root, shas


def _rows(page: Page, table_class: str) -> list[list[str]]:
    table = page.with_class(table_class)[0]
    rows = [e for e in table.children if e.tag == "tbody"][0].children
    return [[cell.text for cell in row.children] for row in rows]


def _finding_page(root: Path, finding_id: str = "CAPA-2026-001") -> Page:
    return Page(root / "site" / "findings" / finding_id / "index.html")


def test_timeline_on_the_built_page(built: tuple[Path, dict[str, str]]) -> None:
    root, shas = built
    short = {step: sha[:10] for step, sha in shas.items()}
    assert _rows(_finding_page(root), "capa-timeline") == [
        ["2026-01-10", "Raised", "status open", "Alice Auditor", short["raised"]],
        ["2026-02-01", "In progress", "open \u2192 in-progress", "Bob Owner",
         short["progressed"]],
        ["2026-03-01", "Due date extended", "action 1: 2026-06-30 \u2192 2026-09-30",
         "Carol Manager", short["extended"]],
        ["2026-04-01", "Closed", "in-progress \u2192 closed", "Alice Auditor", short["closed"]],
        ["2026-05-01", "Reopened", "closed \u2192 in-progress", "Bob Owner", short["reopened"]],
        ["2026-05-01", "Owner changed", "Jane Smith \u2192 Dan Deputy", "Bob Owner",
         short["reopened"]],
        ["2026-06-01", "Moved", f"{OLD} \u2192 {NEW}", "Carol Manager", short["moved"]],
        ["2026-07-01", "Closed", "in-progress \u2192 closed", "Dan Deputy",
         short["closed again"]],
    ]


def test_times_keep_the_committers_offset(built: tuple[Path, dict[str, str]]) -> None:
    root, _ = built
    times = [t.attrs["datetime"] for t in _finding_page(root).find_all("time")]
    assert times[:2] == ["2026-01-10T10:00:00+02:00", "2026-02-01T09:30:00-05:00"]


def test_change_log_newest_first_with_commit_links(built: tuple[Path, dict[str, str]]) -> None:
    root, shas = built
    page = _finding_page(root)
    log = _rows(page, "capa-changelog")
    order = ["closed again", "moved", "reopened", "closed", "extended", "progressed", "raised"]
    assert [row[3] for row in log] == [shas[step][:10] for step in order]
    assert log[0][:3] == ["2026-07-01", "Dan Deputy", HOSTILE_SUBJECT]
    assert log[-1][:3] == ["2026-01-10", "Alice Auditor", "Raise CAPA-2026-001"]
    history = page.with_class("capa-history")[0]
    links = [a.attrs["href"] for a in page.find_all("a") if "/commit/" in a.attrs.get("href", "")]
    assert f"{REPO_URL}/commit/{shas['raised']}" in links
    assert set(links) == {f"{REPO_URL}/commit/{sha}" for sha in shas.values()}
    assert "Change log (7 commits, newest first)" in history.text
    assert not page.with_class("capa-history-note")


def test_history_stays_out_of_the_search_index(built: tuple[Path, dict[str, str]]) -> None:
    """10,000 findings' change logs would double the index; the page itself is searched."""
    root, _ = built
    index = (root / "site/search/search_index.json").read_text(encoding="utf-8")
    assert "Supplier security assessments" in index
    assert "Archive CAPA-2026-001" not in index and "Carol Manager" not in index


def test_commit_subject_is_escaped(built: tuple[Path, dict[str, str]]) -> None:
    root, _ = built
    page = _finding_page(root)
    assert not [e for e in page.content_elements() if e.tag == "script"]
    raw = (root / "site/findings/CAPA-2026-001/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;done&#34;" in raw


def test_register_shows_last_changed_and_stale_from_the_same_pass(
        built: tuple[Path, dict[str, str]]) -> None:
    root, _ = built
    register = Page(root / "site/register/index.html")
    header = [th.text for th in register.find_all("th") if th.attrs.get("data-type")]
    assert header[-1] == "Last changed"
    rows = {row.children[0].text: row for row in register.find_all("tr")
            if "data-status" in row.attrs}
    assert rows["CAPA-2026-001"].children[-1].text == "2026-07-01"
    assert rows["CAPA-2026-002"].children[-1].text == "2026-02-01"
    assert "capa-row-stale" in rows["CAPA-2026-002"].attrs["class"]
    data = json.loads((root / "site/register.json").read_text(encoding="utf-8"))
    computed = {f["fields"]["id"]: f["computed"] for f in data["findings"]}
    assert computed["CAPA-2026-002"]["last_changed"] == "2026-02-01"
    assert computed["CAPA-2026-002"]["stale"] is True


def test_evidence_pins_are_shown(built: tuple[Path, dict[str, str]]) -> None:
    root, _ = built
    pins = [e.text for e in _finding_page(root).with_class("capa-pin")]
    assert pins == ["SHA-256 verified at build", "not pinned (no sha256 in the finding)"]


def test_footer_and_register_name_the_commit(built: tuple[Path, dict[str, str]]) -> None:
    root, shas = built
    head = shas["closed again"]
    line = f"Built from commit {head[:10]} on {TODAY}"
    for url in ("findings/CAPA-2026-001", "register", "about", ""):
        footer = Page(root / "site" / url / "index.html").with_class("md-copyright")[0]
        assert line in " ".join(footer.text.split()), url
    register = Page(root / "site/register/index.html")
    assert line in register.with_class("capa-asof")[0].text
    link = register.with_class("capa-provenance")[0].children[0]
    assert link.attrs["href"] == f"{REPO_URL}/commit/{head}"
    data = json.loads((root / "site/register.json").read_text(encoding="utf-8"))
    assert data["built_from"] == {"commit": head, "uncommitted_changes": False,
                                  "built": TODAY}


def test_one_history_pass_per_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stale rule, "last changed" and the History sections share one history pass, and
    the build starts a handful of git processes, not one per finding."""
    from capa_docs.site import render as render

    scripted_repo(tmp_path / "repo")
    passes = []
    original_pass = render.read_history

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        passes.append(args)
        return original_pass(*args, **kwargs)

    calls: list[list[str]] = []
    original = subprocess.Popen.__init__

    def record(self, args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        calls.append([str(a) for a in args])
        original(self, args, *rest, **kwargs)

    monkeypatch.setattr(render, "read_history", counted)
    monkeypatch.setattr(subprocess.Popen, "__init__", record)
    mkdocs_build(tmp_path / "repo" / "mkdocs.yml")
    assert len(passes) == 1
    gits = [c for c in calls if c[:1] == ["git"]]
    assert 0 < len(gits) <= 10, gits


def test_uncommitted_changes_are_named(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    scripted_repo(repo)
    _write(repo, QUIET, _version("in-progress", "2026-12-31", finding_id="CAPA-2026-002"))
    mkdocs_build(repo / "mkdocs.yml")
    footer = Page(repo / "site/register/index.html").with_class("md-copyright")[0].text
    assert "with uncommitted changes to the register" in " ".join(footer.split())


@pytest.mark.parametrize("changed", ["mkdocs.yml", "docs/about.md"])
def test_uncommitted_settings_or_pages_are_named(tmp_path: Path, changed: str) -> None:
    """A changed capa block (levels, SLA days) changes what the pages say: the footer must
    not claim the site is exactly the commit."""
    repo = tmp_path / "repo"
    scripted_repo(repo)
    mkdocs_build(repo / "mkdocs.yml")
    footer = Page(repo / "site/register/index.html").with_class("md-copyright")[0].text
    assert "uncommitted" not in footer
    with (repo / changed).open("a", encoding="utf-8") as handle:
        handle.write("\n# edited, not committed\n")
    mkdocs_build(repo / "mkdocs.yml")
    footer = Page(repo / "site/register/index.html").with_class("md-copyright")[0].text
    assert "with uncommitted changes to the register or its settings" in " ".join(footer.split())


def test_shallow_clone_builds_and_says_so(built: tuple[Path, dict[str, str]],
                                          tmp_path: Path) -> None:
    root, shas = built
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)],
                   check=True, capture_output=True)
    mkdocs_build(clone / "mkdocs.yml")
    page = _finding_page(clone)
    note = page.with_class("capa-history-note")[0].text
    assert note.startswith("Incomplete history: the site was built from a shallow clone")
    assert _rows(page, "capa-timeline") == [
        ["2026-07-01", "Earlier history missing",
         "this build's clone starts here; earlier commits are not in it", "Dan Deputy",
         shas["closed again"][:10]]]
    assert len(_rows(page, "capa-changelog")) == 1
    # The stale rule cannot date a file last changed before the clone's oldest commit.
    register = Page(clone / "site/register/index.html")
    quiet = [r for r in register.find_all("tr") if r.children and
             r.children[0].text == "CAPA-2026-002"][0]
    assert quiet.children[-1].text == ""
    assert "capa-row-stale" not in quiet.attrs.get("class", "")


def test_folder_without_git_builds_and_says_so(built: tuple[Path, dict[str, str]],
                                               tmp_path: Path) -> None:
    root, _ = built
    plain = tmp_path / "plain"
    shutil.copytree(root, plain, ignore=shutil.ignore_patterns(".git", "site"))
    mkdocs_build(plain / "mkdocs.yml")
    page = _finding_page(plain)
    note = page.with_class("capa-history-note")[0].text
    assert note.startswith("No change history: not a git repository.")
    assert not page.with_class("capa-timeline") and not page.with_class("capa-changelog")
    footer = page.with_class("md-copyright")[0].text
    assert f"Built on {TODAY} from files not committed to git" in " ".join(footer.split())


def test_uncommitted_new_finding_says_so(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    scripted_repo(repo)
    _write(repo, "register/2026/CAPA-2026-003.md",
           _version("open", "2026-12-31", finding_id="CAPA-2026-003"))
    mkdocs_build(repo / "mkdocs.yml")
    note = _finding_page(repo, "CAPA-2026-003").with_class("capa-history-note")[0].text
    assert note.startswith("No change history yet: this file has not been committed.")


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_builds_in_two_folders_are_byte_identical(built: tuple[Path, dict[str, str]],
                                                      tmp_path: Path) -> None:
    """Copies of one commit, built by `mkdocs build` in separate processes with different
    hash seeds and SOURCE_DATE_EPOCH set: every file of the two sites is the same."""
    root, _ = built
    sites = []
    for index, name in enumerate(("first", "a-much-longer-second-folder-name")):
        copy = tmp_path / name / "repo"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("site"))
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH,
               "PYTHONHASHSEED": str(index + 1)}
        subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict",
                        "--quiet"], cwd=copy, env=env, check=True, capture_output=True)
        sites.append(_tree(copy / "site"))
    first, second = sites
    assert sorted(first) == sorted(second)
    # The headers file holds every page's script and style hashes: the same too.
    assert {"_headers", "robots.txt", "search/search_index.json", "register.csv",
            "register.json", "findings/CAPA-2026-001/index.html"} <= set(first)
    assert [name for name in first if first[name] != second[name]] == []
