"""SSH-signed commits checked in Python give git's verdicts, commit by commit.

Keys are made with ssh-keygen (ed25519, ECDSA on P-256, P-384 and P-521, RSA); commits
are signed by git (``git commit -S``) or, for what git never writes (a payload altered
after signing, a signature in another namespace, an RSA signature over SHA-1, an SSHSIG
blob with a swapped key), assembled by hand and written with ``git hash-object``. Each
case compares ``verify_closures`` (Python first, git for the rest) with
``verify_commits`` (git alone, ssh-keygen underneath) and says whether Python itself
vouched for the commit: it may only ever vouch for a commit git calls good.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from capa_docs.git import allowed_signers as signers_file
from capa_docs.git import sshsig
from capa_docs.git.signatures import verify_commits
from capa_docs.git.sshverify import split_signed, verify_closures, vouch

from ..helpers import git, init_repo

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                                reason="ssh-keygen is not installed (openssh-client)")

KINDS = {"ed25519": ["-t", "ed25519"], "ecdsa256": ["-t", "ecdsa", "-b", "256"],
         "ecdsa384": ["-t", "ecdsa", "-b", "384"], "ecdsa521": ["-t", "ecdsa", "-b", "521"],
         "rsa": ["-t", "rsa", "-b", "2048"], "mallory": ["-t", "ed25519"]}


def _string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _mpint(value: int) -> bytes:
    return _string(value.to_bytes(value.bit_length() // 8 + 1, "big"))


class Key:
    """A key pair ssh-keygen made: its files, its public line, its private key."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / name
        subprocess.run(["ssh-keygen", "-q", *KINDS[name], "-N", "", "-C", name, "-f",
                        str(self.path)], check=True, capture_output=True)
        self.public = Path(f"{self.path}.pub").read_text().split()
        self.blob = base64.b64decode(self.public[1])
        self.private = serialization.load_ssh_private_key(self.path.read_bytes(), None)

    def line(self, principals: str, options: str = 'namespaces="git"') -> str:
        return f"{principals} {options} {self.public[0]} {self.public[1]}\n".replace(
            "  ", " ")

    def raw_signature(self, data: bytes, rsa_algorithm: bytes = b"rsa-sha2-512") -> bytes:
        """An SSH signature blob over ``data``, made with the ``cryptography`` library."""
        key = self.private
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return _string(b"ssh-ed25519") + _string(key.sign(data))
        if isinstance(key, ec.EllipticCurvePrivateKey):
            digest = {256: hashes.SHA256, 384: hashes.SHA384, 521: hashes.SHA512}[
                key.curve.key_size]
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest())))
            return _string(self.public[0].encode()) + _string(_mpint(r) + _mpint(s))
        assert isinstance(key, rsa.RSAPrivateKey)
        digest = {b"rsa-sha2-512": hashes.SHA512, b"rsa-sha2-256": hashes.SHA256,
                  b"ssh-rsa": hashes.SHA1}[rsa_algorithm]
        return _string(rsa_algorithm) + _string(key.sign(data, padding.PKCS1v15(), digest()))


def sshsig_blob(key: Key, message: bytes, *, namespace: bytes = b"git",
                hash_algorithm: bytes = b"sha512", rsa_algorithm: bytes = b"rsa-sha2-512",
                signed_by: Key | None = None, version: int = 1, reserved: bytes = b"") -> bytes:
    """An armoured SSHSIG, assembled here: what ssh-keygen writes, or a variant of it."""
    digest = hashlib.new(hash_algorithm.decode(), message).digest()
    data = (b"SSHSIG" + _string(namespace) + _string(b"") + _string(hash_algorithm)
            + _string(digest))
    signature = (signed_by or key).raw_signature(data, rsa_algorithm)
    blob = (b"SSHSIG" + version.to_bytes(4, "big") + _string(key.blob) + _string(namespace)
            + _string(reserved) + _string(hash_algorithm) + _string(signature))
    body = base64.b64encode(blob).decode()
    lines = [body[i:i + 70] for i in range(0, len(body), 70)]
    return ("-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines)
            + "\n-----END SSH SIGNATURE-----\n").encode()


def keygen_signature(key: Key, message: bytes, folder: Path, *options: str,
                     namespace: str = "git") -> bytes:
    """The signature `ssh-keygen -Y sign` makes over ``message``."""
    path = folder / f"payload-{hashlib.sha256(message).hexdigest()[:12]}"
    path.write_bytes(message)
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(key.path), "-n", namespace,
                    *options, str(path)], check=True, capture_output=True)
    return Path(f"{path}.sig").read_bytes()


class Repo:
    """A repository with one base commit, and ways to add signed commits on it."""

    def __init__(self, root: Path, object_format: str = "sha1") -> None:
        root.mkdir(parents=True)
        git(root, "init", "-q", "-b", "main", f"--object-format={object_format}")
        init_repo(root)
        (root / "a.txt").write_text("a\n")
        git(root, "add", "a.txt")
        git(root, "commit", "-q", "-m", "Base")
        self.root = root
        self.tree = git(root, "rev-parse", "HEAD^{tree}").strip()
        self.base = git(root, "rev-parse", "HEAD").strip()
        self.count = 0

    def committed(self, key: Key) -> str:
        """A commit git signs with ``key`` (git commit -S)."""
        self.count += 1
        git(self.root, "-c", "gpg.format=ssh", "-c", f"user.signingkey={key.path}", "commit",
            "-q", "--allow-empty", "-S", "-m", f"Close CAPA-2026-{self.count:03d}",
            env={"GIT_COMMITTER_DATE": "2026-07-01T12:00:00+00:00"})
        return git(self.root, "rev-parse", "HEAD").strip()

    def payload(self, message: str = "Close", stamp: int = 1782907200) -> bytes:
        return (f"tree {self.tree}\nparent {self.base}\n"
                f"author A <a@example.com> {stamp} +0000\n"
                f"committer A <a@example.com> {stamp} +0200\n\n{message}\n").encode()

    def written(self, payload: bytes, signature: bytes, header: bytes = b"gpgsig") -> str:
        """The commit object of ``payload`` carrying ``signature`` in ``header``."""
        head, _, message = payload.partition(b"\n\n")
        lines = signature.rstrip(b"\n").split(b"\n")
        body = head + b"\n" + header + b" " + b"\n ".join(lines) + b"\n\n" + message
        return subprocess.run(["git", "-C", str(self.root), "hash-object", "-w", "-t",
                               "commit", "--literally", "--stdin"], input=body, check=True,
                              capture_output=True).stdout.decode().strip()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    folder = tmp_path_factory.mktemp("keys")
    return {name: Key(folder, name) for name in KINDS}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return Repo(tmp_path_factory.mktemp("signed") / "repo")


def judged(repo: Repo, shas: list[str], allowed: str, folder: Path
           ) -> tuple[dict[str, object], dict[str, object]]:
    """(what Python vouched for, the verdicts) after checking both equal git's."""
    path = folder / "allowed_signers"
    path.write_text(allowed)
    reference = verify_commits(repo.root, shas, path)
    verdicts = verify_closures(repo.root, shas, path)
    assert verdicts == reference
    vouched = vouch(repo.root, shas, path)
    for sha, verdict in vouched.items():
        assert reference[sha] == verdict and verdict.good
    return dict(vouched), dict(verdicts)


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa"])
def test_a_listed_key_of_each_type_is_vouched_for_as_git_reports_it(
        kind: str, keys: dict[str, Key], repo: Repo, tmp_path: Path) -> None:
    sha = repo.committed(keys[kind])
    vouched, verdicts = judged(repo, [sha], keys[kind].line(f"{kind}@example.com"), tmp_path)
    assert verdicts[sha].status == "good"  # type: ignore[attr-defined]
    assert verdicts[sha].signer == f"{kind}@example.com"  # type: ignore[attr-defined]
    assert sha in vouched


Case = Callable[[Repo, dict[str, Key], Path], str]


def _altered(repo: Repo, keys: dict[str, Key], folder: Path) -> str:
    signature = keygen_signature(keys["ed25519"], repo.payload("Close"), folder)
    return repo.written(repo.payload("Close, and something else"), signature)


def _swapped_key(repo: Repo, keys: dict[str, Key], folder: Path) -> str:
    payload = repo.payload("Swapped")
    return repo.written(payload, sshsig_blob(keys["ed25519"], payload,
                                             signed_by=keys["mallory"]))


def _hand(**options: object) -> Case:
    def case(repo: Repo, keys: dict[str, Key], folder: Path) -> str:
        rest = dict(options)
        key = keys[str(rest.pop("key", "ed25519"))]
        payload = repo.payload(f"Hand-made {options}")
        return repo.written(payload, sshsig_blob(key, payload, **rest))  # type: ignore[arg-type]
    return case


def _keygen(*options: str, namespace: str = "git", key: str = "ed25519") -> Case:
    def case(repo: Repo, keys: dict[str, Key], folder: Path) -> str:
        payload = repo.payload(f"ssh-keygen {options} {namespace}")
        return repo.written(payload, keygen_signature(keys[key], payload, folder, *options,
                                                      namespace=namespace))
    return case


CASES: dict[str, tuple[Case, bool]] = {
    # name: (how the commit is made, whether Python vouches for it)
    "git signs": (lambda repo, keys, folder: repo.committed(keys["ed25519"]), True),
    "unsigned": (lambda repo, keys, folder: _unsigned(repo), False),
    "unlisted key": (lambda repo, keys, folder: repo.committed(keys["mallory"]), False),
    "altered payload": (_altered, False),
    "key swapped in the blob": (_swapped_key, False),
    "other namespace": (_keygen(namespace="file"), False),
    "sha256 message hash": (_keygen("-O", "hashalg=sha256"), True),
    "hand-made, as ssh-keygen": (_hand(), True),
    "hand-made, RSA over SHA-256": (_hand(key="rsa", rsa_algorithm=b"rsa-sha2-256"), True),
    "hand-made, RSA over SHA-1": (_hand(key="rsa", rsa_algorithm=b"ssh-rsa"), False),
    "hand-made, version 2": (_hand(version=2), False),
    "hand-made, reserved field": (_hand(reserved=b"x"), False),
    "hand-made, ECDSA P-384": (_hand(key="ecdsa384"), True),
}


def _unsigned(repo: Repo) -> str:
    return subprocess.run(["git", "-C", str(repo.root), "hash-object", "-w", "-t", "commit",
                           "--stdin"], input=repo.payload("Unsigned"), check=True,
                          capture_output=True).stdout.decode().strip()


@pytest.mark.parametrize("name", list(CASES))
def test_each_signature_gets_gits_verdict(name: str, keys: dict[str, Key], repo: Repo,
                                          tmp_path: Path) -> None:
    make, expected = CASES[name]
    sha = make(repo, keys, tmp_path)
    allowed = "".join(keys[k].line(f"{k}@example.com") for k in ("ed25519", "rsa",
                                                                   "ecdsa384"))
    vouched, verdicts = judged(repo, [sha], allowed, tmp_path)
    assert (sha in vouched) is expected, verdicts[sha]


SK_KEY = base64.b64encode(_string(b"sk-ssh-ed25519@openssh.com") + _string(bytes(range(32)))
                          + _string(b"ssh:")).decode()
FILES: dict[str, tuple[Callable[[dict[str, Key]], str], str | None]] = {
    # name: (the allowed-signers file, the signer Python reports; None: git judges)
    "several principals": (lambda k: k["ed25519"].line("alice@example.com,al@example.com"),
                           "alice@example.com"),
    "a wildcard principal": (lambda k: k["ed25519"].line("*@example.com"), "*@example.com"),
    "a negated principal first": (lambda k: k["ed25519"].line("!bob@x,alice@example.com"),
                                  "alice@example.com"),
    "no options": (lambda k: k["ed25519"].line("alice@example.com", ""), "alice@example.com"),
    "namespaces pattern": (lambda k: k["ed25519"].line("a@x", 'namespaces="file,g*"'), "a@x"),
    "key not for git": (lambda k: k["ed25519"].line("a@x", 'namespaces="file"'), ""),
    "first line not for git": (lambda k: k["ed25519"].line("a@x", 'namespaces="file"')
                               + k["ed25519"].line("b@x"), ""),
    "comments, blanks, CRLF": (lambda k: "# keys\n\n  \r\n" + k["ed25519"].line("a@x")
                               .replace("\n", "\r\n"), "a@x"),
    "a cert-authority line": (lambda k: k["rsa"].line("*@x", 'cert-authority,namespaces="git"')
                              + k["ed25519"].line("a@x"), "a@x"),
    "a security key line": (lambda k: f"s@x sk-ssh-ed25519@openssh.com {SK_KEY}\n"
                            + k["ed25519"].line("a@x"), "a@x"),
    "expired": (lambda k: k["ed25519"].line("a@x", 'valid-before="20200101"'), None),
    "valid for a while": (lambda k: k["ed25519"].line("a@x", 'valid-after="20200101Z",'
                                                      'valid-before="20991231"'), None),
    "an option not read here": (lambda k: k["ed25519"].line("a@x", 'Namespaces="git",,'),
                                None),
    "a quoted principal": (lambda k: k["ed25519"].line('"a@x"'), None),
}


@pytest.mark.parametrize("name", list(FILES))
def test_allowed_signers_lines_as_ssh_keygen_reads_them(
        name: str, keys: dict[str, Key], repo: Repo, tmp_path: Path) -> None:
    make, signer = FILES[name]
    sha = repo.committed(keys["ed25519"])
    vouched, verdicts = judged(repo, [sha], make(keys), tmp_path)
    if signer:
        assert vouched[sha].signer == signer  # type: ignore[attr-defined]
    else:
        assert sha not in vouched, verdicts[sha]


def test_a_revocation_list_leaves_every_commit_to_git(
        keys: dict[str, Key], repo: Repo, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    revoked = tmp_path / "revoked"
    revoked.write_text(" ".join(keys["ed25519"].public[:2]) + "\n")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "gpg.ssh.revocationFile")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", str(revoked))
    sha = repo.committed(keys["ed25519"])
    vouched, verdicts = judged(repo, [sha], keys["ed25519"].line("a@x"), tmp_path)
    assert not vouched and verdicts[sha].status == "bad"  # type: ignore[attr-defined]


def test_many_commits_at_once_match_git(keys: dict[str, Key], repo: Repo,
                                        tmp_path: Path) -> None:
    shas = [repo.committed(keys[k]) for k in ("ed25519", "rsa", "mallory", "ecdsa256")]
    shas += [_altered(repo, keys, tmp_path), _unsigned(repo)]
    allowed = "".join(keys[k].line(f"{k}@example.com") for k in ("ed25519", "rsa",
                                                                   "ecdsa256"))
    vouched, verdicts = judged(repo, shas, allowed, tmp_path)
    assert set(vouched) == {shas[0], shas[1], shas[3]}
    assert [verdicts[s].status for s in shas] == [  # type: ignore[attr-defined]
        "good", "good", "unknown-signer", "good", "bad", "unsigned"]


def test_a_sha256_repository(keys: dict[str, Key], tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo", "sha256")
    sha = repo.committed(keys["ed25519"])
    assert b"gpgsig-sha256 " in subprocess.run(
        ["git", "-C", str(repo.root), "cat-file", "commit", sha], capture_output=True,
        check=True).stdout
    vouched, _ = judged(repo, [sha], keys["ed25519"].line("a@x"), tmp_path)
    assert sha in vouched


def test_the_payload_is_split_off_as_git_splits_it() -> None:
    body = (b"tree t\nparent p\nauthor a\ncommitter c\ngpgsig -----BEGIN\n x\n -----END\n"
            b"gpgsig-sha256 other\n more\nencoding x\n\nmessage\ngpgsig in the message\n")
    payload, signature = split_signed(body, b"gpgsig")  # type: ignore[misc]
    assert signature == b"-----BEGIN\nx\n-----END\n"
    assert payload == (b"tree t\nparent p\nauthor a\ncommitter c\nencoding x\n\nmessage\n"
                       b"gpgsig in the message\n")
    assert split_signed(b"tree t\n\nmessage\n", b"gpgsig") is None


@pytest.mark.parametrize(("text", "patterns", "expected"), [
    ("a@x", "a@x", 1), ("a@x", "b@x,a@x", 1), ("a@x", "*@x", 1), ("a@x", "?@x", 1),
    ("ab@x", "?@x", 0), ("a@x", "!a@x,*", -1), ("a@x", "A@x", 0), ("", "", 0),
    ("a@x", "a" * 1023 + ",a@x", 0), ("a@x", "a" * 1022 + ",a@x", 1),
])
def test_match_pattern_list_as_openssh(text: str, patterns: str, expected: int) -> None:
    assert signers_file.match_pattern_list(text, patterns) == expected


def test_curve_orders_are_the_curves() -> None:
    """The orders bound ECDSA points as OpenSSH does: a private value below each is a key,
    the order itself is not."""
    for curve in sshsig._CURVES.values():
        ec.derive_private_key(curve.order - 1, curve.curve)
        with pytest.raises(ValueError):
            ec.derive_private_key(curve.order, curve.curve)
