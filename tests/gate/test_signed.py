"""Signed closures at the gate: keys made with ssh-keygen, commits signed with them by git.

The base branch lists Alice's key in its allowed-signers file. A pull request that closes
a finding passes when Alice signed the closing commit, and fails with
`closure-signature` when the commit is unsigned, signed by a key the file does not list
(even one the pull request adds to the file), or not committed at all.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ..helpers import commit_all, git, init_repo, problems_json, run_capa, write_evidence
from .test_diff import closed_now, in_progress, open_minor

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                                reason="ssh-keygen is not installed (openssh-client)")

RULE = "closure-signature"


def make_key(folder: Path, name: str) -> Path:
    """A fresh ed25519 key pair; returns the private key's path."""
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
                   check=True, capture_output=True)
    return key


def fingerprint(key: Path) -> str:
    out = subprocess.run(["ssh-keygen", "-l", "-f", f"{key}.pub"], check=True,
                         capture_output=True, text=True).stdout
    return out.split()[1]


def allowed_line(principal: str, key: Path) -> str:
    """One line of an allowed-signers file: the principal, then the public key."""
    return f'{principal} namespaces="git" {Path(f"{key}.pub").read_text().strip()}\n'


def signed_commit(repo: Path, message: str, key: Path | None) -> str:
    """Commit everything, signed with ``key`` (None: unsigned)."""
    git(repo, "add", "-A")
    args = ["commit", "-q", "-m", message]
    if key is not None:
        args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", *args, "-S"]
    git(repo, *args)
    return git(repo, "rev-parse", "HEAD").strip()


def write(register: Path, data: dict) -> None:
    path = register / "2026" / f"{data['id']}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{yaml.safe_dump(data, sort_keys=False)}---\nNarrative.\n")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    return {name: make_key(folder, name) for name in ("alice", "mallory")}


@pytest.fixture
def repo(tmp_path: Path, keys: dict[str, Path]) -> Path:
    """main: an in-progress finding, Alice's key listed; branch `pr` checked out."""
    root = init_repo(tmp_path / "repo")
    (root / "mkdocs.yml").write_text(
        "site_name: t\nplugins:\n  - capa:\n      allowed_signers: allowed_signers\n")
    (root / "allowed_signers").write_text(allowed_line("alice@example.com", keys["alice"]))
    register = root / "register"
    write_evidence(register, "CAPA-2026-005")
    write(register, in_progress(open_minor()))
    commit_all(root, "Base register", "2026-11-01")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def _close(repo: Path) -> None:
    write(repo / "register", closed_now(open_minor()))


def _diff(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_capa("diff", "main", *args, "--today", "2026-11-28", cwd=repo)


def test_a_closure_signed_by_a_listed_key_passes_and_names_its_signer(
        repo: Path, keys: dict[str, Path]) -> None:
    _close(repo)
    sha = signed_commit(repo, "Close CAPA-2026-005", keys["alice"])
    result = _diff(repo, "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [p for p in problems_json(_diff(repo, "HEAD", "--format", "json"))
                if p["rule"] == RULE]
    summary = _diff(repo, "HEAD", "--format", "markdown").stdout
    assert "Signed closures" in summary
    assert f"closure {sha[:10]} signed by alice@example.com ({fingerprint(keys['alice'])})" \
        in summary


def test_an_unsigned_closure_fails_with_the_rule_named(repo: Path) -> None:
    _close(repo)
    sha = signed_commit(repo, "Close CAPA-2026-005", None)
    result = _diff(repo, "HEAD")
    assert result.returncode == 1
    assert f"error {RULE}:" in result.stdout
    assert f"commit {sha[:10]}, which records the closure of CAPA-2026-005, is not signed" \
        in result.stdout


def test_a_closure_signed_by_an_unlisted_key_fails(repo: Path, keys: dict[str, Path]) -> None:
    _close(repo)
    signed_commit(repo, "Close CAPA-2026-005", keys["mallory"])
    result = _diff(repo, "HEAD")
    assert result.returncode == 1
    assert f"error {RULE}:" in result.stdout
    assert "signed with a key the allowed-signers file does not list" in result.stdout
    assert fingerprint(keys["mallory"]) in result.stdout


def test_a_change_cannot_list_its_own_key(repo: Path, keys: dict[str, Path]) -> None:
    with (repo / "allowed_signers").open("a") as listed:
        listed.write(allowed_line("mallory@example.com", keys["mallory"]))
    _close(repo)
    signed_commit(repo, "Close CAPA-2026-005 and trust my key", keys["mallory"])
    result = _diff(repo, "HEAD")
    assert result.returncode == 1
    assert "does not list" in result.stdout and f"{RULE}:" in result.stdout


def test_a_later_signed_commit_does_not_cover_an_unsigned_closure(
        repo: Path, keys: dict[str, Path]) -> None:
    _close(repo)
    unsigned = signed_commit(repo, "Close CAPA-2026-005", None)
    (repo / "notes.txt").write_text("unrelated\n")
    signed_commit(repo, "Sign something else", keys["alice"])
    result = _diff(repo, "HEAD")
    assert result.returncode == 1 and unsigned[:10] in result.stdout


def test_a_closure_in_the_working_tree_is_not_signed(repo: Path) -> None:
    _close(repo)
    result = _diff(repo)
    assert result.returncode == 1
    assert "is not committed yet, so it is not signed" in result.stdout


def test_without_the_setting_signatures_are_not_required(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text("site_name: t\nplugins:\n  - capa: {}\n")
    commit_all(repo, "No signatures", "2026-11-02")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "pr")
    git(repo, "checkout", "-q", "-b", "pr2")
    _close(repo)
    signed_commit(repo, "Close CAPA-2026-005", None)
    assert _diff(repo, "HEAD").returncode == 0


def test_an_effectiveness_review_committed_unsigned_before_a_signed_closure_fails(
        repo: Path, keys: dict[str, Path]) -> None:
    reviewed = in_progress(open_minor())
    reviewed["closure"] = {"effectiveness": closed_now(open_minor())["closure"]["effectiveness"]}
    write(repo / "register", reviewed)
    review = signed_commit(repo, "Record the effectiveness review", None)
    _close(repo)
    signed_commit(repo, "Close CAPA-2026-005", keys["alice"])
    result = _diff(repo, "HEAD")
    assert result.returncode == 1
    assert (f"commit {review[:10]}, which records the effectiveness review of CAPA-2026-005, "
            "is not signed") in result.stdout
    assert "which records the closure" not in result.stdout


def test_editing_the_allowed_signers_file_is_a_gate_change(
        repo: Path, keys: dict[str, Path]) -> None:
    with (repo / "allowed_signers").open("a") as listed:
        listed.write(allowed_line("mallory@example.com", keys["mallory"]))
    signed_commit(repo, "Trust Mallory", None)
    result = _diff(repo, "HEAD")
    assert "allowed_signers:1: warning gate-changed:" in result.stdout
    assert "the allowed-signers file" in result.stdout
