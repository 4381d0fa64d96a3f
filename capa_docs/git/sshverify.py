"""Signed closures checked at build speed: SSH signatures verified in this process, git
asked only about the commits this cannot vouch for.

git verifies an SSH-signed commit by running ``ssh-keygen`` twice (``-Y find-principals``,
then ``-Y verify``): some 20 to 55 ms a commit, minutes for a register of 10,000 signed
closures. This module reads every commit object through one ``git cat-file --batch``,
splits off the signature as git does (``parse_buffer_signed_by_header``), reads the
allowed-signers file as ssh-keygen does (``git.allowed_signers``) and checks the
signature with the ``cryptography`` library (``git.sshsig``).

It only ever says "good", and only when every step was read exactly as git and
ssh-keygen read it. Every other commit (unsigned, OpenPGP, bad, unknown key, a key type,
certificate, key lifetime or file line not handled here, a ``gpg.ssh.program`` or
``gpg.ssh.revocationFile`` configured) goes to ``git.signatures.verify_commits``, so git
stays the authority on every refusal and on everything unusual, and the verdicts are the
ones git gives (tests/git/test_sshverify.py compares them commit by commit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .allowed_signers import AllowedSigners, parse
from .signatures import GOOD, Signature, verify_commits
from .sshsig import PublicKey, parse_armored
from .tree import git

NAMESPACE = "git"
_COMMITTER = re.compile(rb"\ncommitter ([^\n]*)\n")
_DATE = re.compile(rb"> ([0-9]{1,20}) [+-][0-9]{4}")
_FIRST_DAY, _LAST_DAY = 2 * 86400, 253402300799 - 2 * 86400  # 1970-01-03, 9999-12-29


def verify_closures(repo_root: Path, commits: Iterable[str], allowed_signers: Path
                    ) -> dict[str, Signature]:
    """Each commit's signature against ``allowed_signers``: the verdicts of
    ``verify_commits``, most of them found without running ssh-keygen."""
    wanted = list(dict.fromkeys(commits))
    vouched = vouch(repo_root, wanted, allowed_signers)
    rest = [sha for sha in wanted if sha not in vouched]
    return {**vouched, **verify_commits(repo_root, rest, allowed_signers)}


def vouch(repo_root: Path, commits: list[str], allowed_signers: Path
          ) -> dict[str, Signature]:
    """The commits among ``commits`` signed by a key the file allows, as git would report
    them (signer and fingerprint); the others are left out."""
    if not commits or not allowed_signers.is_file() or _configured(repo_root):
        return {}
    signers = parse(allowed_signers.read_bytes())
    if signers is None:
        return {}
    found: dict[str, Signature] = {}
    keys: dict[bytes, PublicKey | None] = {}
    principals: dict[bytes, str | None] = {}  # a few keys sign thousands of closures
    for sha, body in _commit_objects(repo_root, commits).items():
        verdict = _vouch_one(sha, body, signers, keys, principals)
        if verdict is not None:
            found[sha] = verdict
    return found


def _vouch_one(sha: str, body: bytes, signers: AllowedSigners,
               keys: dict[bytes, PublicKey | None], principals: dict[bytes, str | None]
               ) -> Signature | None:
    signed = split_signed(body, b"gpgsig-sha256" if len(sha) == 64 else b"gpgsig")
    if signed is None:
        return None
    payload, armored = signed
    signature = parse_armored(armored, keys)
    if signature is None or not _verify_time_readable(payload):
        return None
    blob = signature.key.blob
    if blob not in principals:
        principals[blob] = signers.signer(blob, NAMESPACE)
    signer = principals[blob]
    if not signer or not signature.verifies(payload, NAMESPACE.encode()):
        return None
    return Signature(sha, GOOD, signer, signature.key.fingerprint)


def split_signed(body: bytes, header: bytes) -> tuple[bytes, bytes] | None:
    """(payload, signature) of a commit object, as git's ``parse_buffer_signed_by_header``
    splits them: the signature header's lines out of the payload, other ``gpgsig*``
    headers dropped from it too; None when the commit has no signature."""
    payload: list[bytes] = []
    signature: list[bytes] = []
    in_signature = other = False
    pos = 0
    while pos < len(body):
        newline = body.find(b"\n", pos)
        end = len(body) if newline < 0 else newline + 1
        line = body[pos:end]
        part = None
        if in_signature and line[:1] == b" ":
            part = line[1:]
        elif line.startswith(header + b" "):
            part, other = line[len(header) + 1:], False
        elif line.startswith(b"gpgsig"):
            other = True
        elif other and line[:1] != b" ":
            other = False
        if part is not None:
            signature.append(part)
            in_signature = True
        else:
            if line[:1] == b"\n":  # the message: all of the rest
                end = len(body)
                line = body[pos:]
            if not other:
                payload.append(line)
            in_signature = False
        pos = end
    return (b"".join(payload), b"".join(signature)) if signature else None


def _verify_time_readable(payload: bytes) -> bool:
    """Whether ssh-keygen will accept the ``-Overify-time`` git passes for this commit.

    git passes the committer date as local time, ``YYYYMMDDHHMMSS``, and ssh-keygen reads
    it back with ``mktime``: a date whose year has other than four digits, or that comes
    back at or before 1970, makes git's verification fail, so git must judge the commit.
    Any date from 1970-01-03 to 9999-12-29 UTC reads back in every time zone (offsets are
    under 26 hours); anything outside that range, or without a date git can read, is left
    to git."""
    header = _COMMITTER.search(b"\n" + payload.split(b"\n\n", 1)[0] + b"\n")
    ident = header.group(1) if header is not None else b""
    date = _DATE.fullmatch(ident[ident.rfind(b">"):])
    return date is not None and _FIRST_DAY <= int(date.group(1)) <= _LAST_DAY


def _configured(repo_root: Path) -> bool:
    """Whether git is set to verify SSH signatures with another program or against a
    revocation list: then git verifies every commit itself."""
    result = git(repo_root, "config", "--get-regexp", r"^gpg\.ssh\.(program|revocationfile)$")
    return result.returncode != 1


def _commit_objects(repo_root: Path, commits: list[str]) -> dict[str, bytes]:
    """Each commit's raw object (commits only) through one ``git cat-file --batch``."""
    result = git(repo_root, "cat-file", "--batch", data=("\n".join(commits) + "\n").encode())
    out, pos, found = result.stdout, 0, {}
    for sha in commits:
        end = out.find(b"\n", pos)
        if end < 0:
            break
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        if header[1] == b"commit" and header[0].decode() == sha:
            found[sha] = out[pos:pos + size]
        pos += size + 1
    return found
