"""Who signed a commit, as git itself verifies it against an OpenSSH allowed-signers file.

A closure is a claim that a corrective action worked; with ``allowed_signers`` set, the
commit that makes it must be signed by a key the organisation lists. git verifies SSH
signatures itself (``ssh-keygen -Y verify`` against ``gpg.ssh.allowedSignersFile``), so
this module only asks it, for every commit at once: one ``git log --no-walk --stdin``,
never one call per finding.

Only SSH signatures count. OpenPGP and X.509 verification are pointed at ``false`` for
the call, so a key in whoever runs the build's own GnuPG keyring cannot vouch for a
closure: the allowed-signers file in the repository is the one list of trusted keys.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

GOOD = "good"
UNSIGNED = "unsigned"
UNKNOWN_SIGNER = "unknown-signer"
BAD = "bad"
UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Signature:
    """git's verdict on one commit's signature."""

    commit: str
    status: str
    """``good`` (a listed key signed it), ``unsigned``, ``unknown-signer`` (a valid
    signature by a key the file does not list), ``bad`` (the signature does not match, or
    the key is expired or revoked), ``unverified`` (git could not check it)."""
    signer: str = ""
    """The principal the allowed-signers file names for the key (for ``good``)."""
    fingerprint: str = ""
    """The key's fingerprint, ``SHA256:...``, whenever git reports one."""

    @property
    def good(self) -> bool:
        return self.status == GOOD

    def describe(self) -> str:
        """What a message or a page says about the commit's signature."""
        if self.status == GOOD:
            return f"signed by {self.signer} ({self.fingerprint})"
        if self.status == UNSIGNED:
            return "not signed"
        if self.status == UNKNOWN_SIGNER:
            return (f"signed with a key the allowed-signers file does not list "
                    f"({self.fingerprint or 'unknown key'})")
        if self.status == BAD:
            return ("signed, but the signature does not verify (altered commit, or an "
                    "expired or revoked key)")
        return ("signature could not be checked (the allowed-signers file is missing, or "
                "ssh-keygen is not installed)")


# git's %G? letters: G good, U good but unknown validity (for SSH: a key not listed), X
# good but expired, Y good by an expired key, R good by a revoked key, B bad, E cannot be
# checked, N none.
_STATUS = {"G": GOOD, "U": UNKNOWN_SIGNER, "N": UNSIGNED, "B": BAD, "X": BAD, "Y": BAD,
           "R": BAD, "E": UNVERIFIED}


def verify_commits(repo_root: Path, commits: Iterable[str], allowed_signers: Path
                   ) -> dict[str, Signature]:
    """Each commit's signature, checked by git against ``allowed_signers``; an empty
    answer for a commit git does not know. One git process for all of them."""
    wanted = list(dict.fromkeys(commits))
    if not wanted:
        return {}
    if not allowed_signers.is_file():  # git would call every signed commit unsigned
        return {sha: Signature(sha, UNVERIFIED) for sha in wanted}
    command = ["git", "-C", str(repo_root),
               "-c", f"gpg.ssh.allowedSignersFile={allowed_signers}",
               "-c", "gpg.openpgp.program=false", "-c", "gpg.x509.program=false",
               "log", "--no-walk=unsorted", "--stdin", "--no-color",
               "--format=%H%x1f%G?%x1f%GS%x1f%GF%x1e"]
    try:
        result = subprocess.run(command, input="\n".join(wanted) + "\n", capture_output=True,
                                text=True, encoding="utf-8", errors="replace", check=False)
    except OSError:
        return {sha: Signature(sha, UNVERIFIED) for sha in wanted}
    found: dict[str, Signature] = {}
    for record in result.stdout.split("\x1e"):
        fields = record.strip("\n").split("\x1f")
        if len(fields) != 4:
            continue
        sha, letter, signer, fingerprint = fields
        status = _STATUS.get(letter, UNVERIFIED)
        if status == GOOD and not fingerprint.startswith("SHA256:"):
            status = UNVERIFIED  # not an SSH signature: only the listed SSH keys count
        found[sha] = Signature(sha, status, signer if status == GOOD else "", fingerprint)
    return found
