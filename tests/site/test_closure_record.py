"""What git records of a closure, on the finding page: who signed it, what changed after
it, when its evidence was pinned.

The scripted history: CAPA-2026-001 is closed on 2026-07-01 in a commit Alice signs, its
evidence pinned on 2026-08-15 and its narrative rewritten on 2026-09-01, both without
reopening it; CAPA-2026-002 is closed in an unsigned commit, CAPA-2026-003 in one signed
by a key the allowed-signers file does not list. Keys are made with ssh-keygen and the
commits signed by git, as a user would.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from ..gate.test_signed import allowed_line, fingerprint, make_key
from ..helpers import finding, front_matter, git, init_repo, write_evidence
from ..sites import Page, mkdocs_build, write_config

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                                reason="ssh-keygen is not installed (openssh-client)")

REPO_URL = "https://git.example.com/org/isms"
EVIDENCE = b"Onboarding checklist v3\n"
PIN = hashlib.sha256(EVIDENCE).hexdigest()


def _in_progress(fid: str) -> dict[str, Any]:
    data = finding(id=fid, raised="2026-01-10", status="in-progress", closure=None)
    data["corrective_actions"][0].pop("completed")
    return data


def _closed(fid: str, pinned: bool = True) -> dict[str, Any]:
    data = finding(id=fid, raised="2026-01-10")
    data["closure"]["closed"] = "2026-07-01"
    data["closure"]["effectiveness"]["reviewed"] = "2026-06-28"
    data["closure"]["evidence"][0]["path"] = f"../evidence/{fid}/checklist.txt"
    if not pinned:
        data["closure"]["evidence"][0].pop("sha256")
    return data


def _write(root: Path, data: dict[str, Any], body: str = "Narrative.\n") -> None:
    path = root / "register" / "2026" / f"{data['id']}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front_matter(data)}---\n{body}", encoding="utf-8")


def _at(day: str) -> dict[str, str]:
    stamp = f"{day}T12:00:00+00:00"
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def _commit(root: Path, message: str, day: str, key: Path | None = None) -> str:
    git(root, "add", "-A")
    args = ["commit", "-q", "-m", message]
    if key is not None:
        args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", *args, "-S"]
    git(root, *args, env=_at(day))
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def closure_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("closures")
    keys = {name: make_key(base, name) for name in ("alice", "mallory")}
    root = init_repo(base / "repo")
    write_config(root, {"allowed_signers": "allowed_signers"}, repo_url=REPO_URL)
    (root / "allowed_signers").write_text(allowed_line("alice@example.com", keys["alice"]))
    (root / ".gitignore").write_text("site/\n")
    for fid in ("CAPA-2026-001", "CAPA-2026-002", "CAPA-2026-003"):
        write_evidence(root / "register", fid, content=EVIDENCE)
        _write(root, _in_progress(fid))
    _commit(root, "Raise three findings", "2026-01-12")
    _write(root, _closed("CAPA-2026-001", pinned=False))
    shas = {"closed": _commit(root, "Close CAPA-2026-001", "2026-07-01", keys["alice"])}
    _write(root, _closed("CAPA-2026-002"))
    shas["unsigned"] = _commit(root, "Close CAPA-2026-002", "2026-07-02")
    _write(root, _closed("CAPA-2026-003"))
    shas["mallory"] = _commit(root, "Close CAPA-2026-003", "2026-07-03", keys["mallory"])
    _write(root, _closed("CAPA-2026-001"))
    shas["pinned"] = _commit(root, "capa pin", "2026-08-15")
    _write(root, _closed("CAPA-2026-001"), "Narrative, rewritten after closure.\n")
    shas["edited"] = _commit(root, "Reword the narrative", "2026-09-01")
    mkdocs_build(root / "mkdocs.yml")
    return root / "site", {"shas": shas, "alice": fingerprint(keys["alice"]),
                           "mallory": fingerprint(keys["mallory"])}


def _page(site: Path, fid: str) -> Page:
    return Page(site / "findings" / fid / "index.html")


def _text(page: Page, css: str) -> str:
    return " ".join(e.text for e in page.with_class(css))


def test_a_closure_signed_by_a_listed_key_shows_its_signer(
        closure_site: tuple[Path, dict[str, Any]]) -> None:
    site, known = closure_site
    page = _page(site, "CAPA-2026-001")
    signed = _text(page, "capa-signed")
    assert f"closure signed by alice@example.com ({known['alice']}), verified at build" \
        in signed
    links = [a.attrs["href"] for a in page.find_all("a")]
    assert f"{REPO_URL}/commit/{known['shas']['closed']}" in links


def test_unsigned_and_unlisted_closures_say_so(
        closure_site: tuple[Path, dict[str, Any]]) -> None:
    site, known = closure_site
    unsigned = _page(site, "CAPA-2026-002")
    assert not unsigned.with_class("capa-signed")
    assert "closure not verified: the commit is not signed" in _text(unsigned, "capa-unsigned")
    unlisted = _text(_page(site, "CAPA-2026-003"), "capa-unsigned")
    assert "signed with a key the allowed-signers file does not list" in unlisted
    assert known["mallory"] in unlisted


def _after_closure(page: Page) -> list[list[str]]:
    table = page.with_class("capa-after-closure")[0]
    rows, stack = [], [table]
    while stack:
        node = stack.pop()
        if node.tag == "tr" and node.children and node.children[0].tag == "td":
            rows.append([td.text for td in node.children])
        stack.extend(reversed(node.children))
    return rows


def test_changes_after_closure_are_listed_with_old_and_new_values(
        closure_site: tuple[Path, dict[str, Any]]) -> None:
    site, known = closure_site
    page = _page(site, "CAPA-2026-001")
    assert "changed 2 times after closure" in _text(page, "capa-mark-changed")
    rows = _after_closure(page)
    # The pin: a row of its own commit (date, author, commit, field, before, after).
    pin = next(r for r in rows if "closure.evidence[1].sha256" in r)
    assert pin[0] == "2026-08-15" and pin[2] == known["shas"]["pinned"][:10]
    assert pin[-2:] == ["(absent)", PIN]
    text = next(r for r in rows if "narrative" in r)
    assert text[-2:] == ["Narrative.", "Narrative, rewritten after closure."]
    assert len(rows) == 2
    quiet = _page(site, "CAPA-2026-002")
    assert not quiet.with_class("capa-after-closure")
    assert not quiet.with_class("capa-mark-changed")


def test_each_pin_says_when_it_was_committed_against_the_closure(
        closure_site: tuple[Path, dict[str, Any]]) -> None:
    site, _known = closure_site
    assert "pinned 2026-08-15, 45 days after closure" in _text(
        _page(site, "CAPA-2026-001"), "capa-pin-when")
    assert "pinned 2026-07-02, 1 day after closure" in _text(
        _page(site, "CAPA-2026-002"), "capa-pin-when")
    url = _text(_page(site, "CAPA-2026-001"), "capa-pin-url")
    assert "unpinned: a web address can change after closure" in url


def test_long_values_are_cut_around_their_first_difference() -> None:
    """A rewritten narrative of pages shows where it changed, not its first lines."""
    from capa_docs.git.closures import differences, shorten

    before = ({"title": "a"}, "x" * 300 + " <b>old</b>")
    after = ({"title": "<script>"}, "x" * 300 + " <b>new</b>")
    found = {c.field: c for c in differences(copy.deepcopy(before), after)}
    assert found["title"].after == "<script>"
    assert found["narrative"].before.startswith("…") and "old" in found["narrative"].before
    assert shorten("short", "text") == ("short", "text")


def test_a_build_checks_listed_keys_signatures_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closures signed by a listed key are verified in the build's own process: with no
    ssh-keygen on the PATH (git's way costs two ssh-keygen runs a commit), the page still
    names the signer; a key the file does not list is still git's to judge, and git
    cannot verify it without ssh-keygen."""
    keys = {name: make_key(tmp_path, name) for name in ("alice", "mallory")}
    root = init_repo(tmp_path / "repo")
    write_config(root, {"allowed_signers": "allowed_signers"})
    (root / "allowed_signers").write_text(allowed_line("alice@example.com", keys["alice"]))
    for fid in ("CAPA-2026-001", "CAPA-2026-002"):
        write_evidence(root / "register", fid, content=EVIDENCE)
        _write(root, _in_progress(fid))
    _commit(root, "Raise two findings", "2026-01-12")
    _write(root, _closed("CAPA-2026-001"))
    _commit(root, "Close CAPA-2026-001", "2026-07-01", keys["alice"])
    _write(root, _closed("CAPA-2026-002"))
    _commit(root, "Close CAPA-2026-002", "2026-07-02", keys["mallory"])
    alice = fingerprint(keys["alice"])
    only_git = tmp_path / "bin"
    only_git.mkdir()
    (only_git / "git").symlink_to(shutil.which("git") or "git")
    monkeypatch.setenv("PATH", str(only_git))
    mkdocs_build(root / "mkdocs.yml")
    signed = _text(_page(root / "site", "CAPA-2026-001"), "capa-signed")
    assert f"closure signed by alice@example.com ({alice}), verified at build" in signed
    unlisted = _page(root / "site", "CAPA-2026-002")
    assert not unlisted.with_class("capa-signed")
    assert "closure not verified" in _text(unlisted, "capa-unsigned")
