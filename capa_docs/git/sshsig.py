"""SSH signatures (OpenSSH's SSHSIG format, as ``git commit -S`` with gpg.format=ssh makes
them) checked in this process, as strictly as ``ssh-keygen -Y verify`` checks them.

A site build over a signed register checks thousands of closing commits; git runs two
``ssh-keygen`` processes for each (tens of milliseconds each time), this checks one in a
fraction of a millisecond with the ``cryptography`` library (OpenSSL underneath, as
ssh-keygen). It is used only to say yes: anything it does not read exactly as OpenSSH
9.2 does (``sshsig.c``, ``sshkey.c``) is refused, and the caller asks git instead. So
every rule here is at least as strict as OpenSSH's: canonical encodings only, no trailing
data, the namespace and hash algorithm named in the signature checked, RSA signed with
SHA-2 only (never ``ssh-rsa``'s SHA-1) and at least 1,024 bits, ECDSA points whose
coordinates OpenSSH would accept. Keys on security keys (``sk-``) and certificates are not
read here: git verifies those.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

BEGIN = b"-----BEGIN SSH SIGNATURE-----\n"
END = b"-----END SSH SIGNATURE-----"
MAGIC = b"SSHSIG"
HASHES = {b"sha256": hashlib.sha256, b"sha512": hashlib.sha512}
RSA_HASHES = {b"rsa-sha2-256": hashes.SHA256, b"rsa-sha2-512": hashes.SHA512}
RSA_MIN_BITS, RSA_MAX_BITS = 1024, 16384  # SSH_RSA_MINIMUM_MODULUS_SIZE, SSHBUF_MAX_BIGNUM


@dataclass(frozen=True)
class _Curve:
    name: bytes
    curve: Any
    digest: Any
    order: int
    size: int


_CURVES = {c.name: c for c in (
    _Curve(b"nistp256", ec.SECP256R1(), hashes.SHA256,
           0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551, 32),
    _Curve(b"nistp384", ec.SECP384R1(), hashes.SHA384,
           int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
               "581A0DB248B0A77AECEC196ACCC52973", 16), 48),
    _Curve(b"nistp521", ec.SECP521R1(), hashes.SHA512,
           int("1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
               "A51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16), 66))}


class _Reader:
    """SSH wire encoding (RFC 4251): every read fails on short data."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def u32(self) -> int:
        if self.pos + 4 > len(self.data):
            raise ValueError("short")
        value = int.from_bytes(self.data[self.pos:self.pos + 4], "big")
        self.pos += 4
        return value

    def string(self) -> bytes:
        size = self.u32()
        if self.pos + size > len(self.data):
            raise ValueError("short")
        value = self.data[self.pos:self.pos + size]
        self.pos += size
        return value

    def mpint(self) -> int:
        """A positive integer, minimally encoded (OpenSSH refuses negatives; a needless
        leading zero it accepts is refused here, which only sends the commit to git)."""
        raw = self.string()
        if not raw or raw[0] & 0x80 or (raw[0] == 0 and (len(raw) == 1 or not raw[1] & 0x80)):
            raise ValueError("not a canonical positive mpint")
        return int.from_bytes(raw, "big")

    def end(self) -> None:
        if self.pos != len(self.data):
            raise ValueError("trailing data")


def _string(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _mpint(value: int) -> bytes:
    return _string(value.to_bytes(value.bit_length() // 8 + 1, "big"))


@dataclass(frozen=True)
class PublicKey:
    """A public key of a type verified here, from its canonical SSH encoding."""

    kind: bytes
    blob: bytes
    key: Any
    curve: _Curve | None = None

    @property
    def fingerprint(self) -> str:
        """``SHA256:`` and the unpadded base64 of the blob's SHA-256, as ssh-keygen -l."""
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode()
        return "SHA256:" + digest.rstrip("=")

    def verifies(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` (an SSH signature blob) signs ``data`` with this key."""
        try:
            reader = _Reader(signature)
            kind, raw = reader.string(), reader.string()
            reader.end()
            if self.curve is not None:
                return kind == self.kind and self._ecdsa(raw, data)
            if self.kind == b"ssh-rsa":
                return kind in RSA_HASHES and self._rsa(kind, raw, data)
            if kind != self.kind or len(raw) != 64:
                return False
            self.key.verify(raw, data)
            return True
        except (ValueError, InvalidSignature):
            return False

    def _ecdsa(self, raw: bytes, data: bytes) -> bool:
        assert self.curve is not None
        numbers = _Reader(raw)
        r, s = numbers.mpint(), numbers.mpint()
        numbers.end()
        self.key.verify(encode_dss_signature(r, s), data, ec.ECDSA(self.curve.digest()))
        return True

    def _rsa(self, kind: bytes, raw: bytes, data: bytes) -> bool:
        if len(raw) != self.key.key_size // 8 + (self.key.key_size % 8 > 0):
            return False  # OpenSSH pads a short one; git is asked about it
        self.key.verify(raw, data, padding.PKCS1v15(), RSA_HASHES[kind]())
        return True


def public_key(blob: bytes) -> PublicKey | None:
    """The key ``blob`` encodes, when it is an ed25519, ECDSA (NIST P-256, P-384, P-521)
    or RSA key OpenSSH would accept, encoded canonically; None otherwise."""
    try:
        reader = _Reader(blob)
        kind = reader.string()
        if kind == b"ssh-ed25519":
            raw = reader.string()
            reader.end()
            if len(raw) != 32:
                return None
            return PublicKey(kind, blob, Ed25519PublicKey.from_public_bytes(raw))
        if kind == b"ssh-rsa":
            e, n = reader.mpint(), reader.mpint()
            reader.end()
            if not RSA_MIN_BITS <= n.bit_length() <= RSA_MAX_BITS or \
                    blob != _string(kind) + _mpint(e) + _mpint(n):
                return None
            return PublicKey(kind, blob, rsa.RSAPublicNumbers(e, n).public_key())
        if kind.startswith(b"ecdsa-sha2-"):
            return _ecdsa_key(kind, reader, blob)
    except ValueError:
        return None
    return None


def _ecdsa_key(kind: bytes, reader: _Reader, blob: bytes) -> PublicKey | None:
    curve = _CURVES.get(kind.removeprefix(b"ecdsa-sha2-"))
    if curve is None or reader.string() != curve.name:
        return None
    point = reader.string()
    reader.end()
    if len(point) != 1 + 2 * curve.size or point[0] != 4:
        return None  # only the uncompressed points OpenSSH writes
    x = int.from_bytes(point[1:1 + curve.size], "big")
    y = int.from_bytes(point[1 + curve.size:], "big")
    half = curve.order.bit_length() // 2  # sshkey_ec_validate_public's bounds
    if x.bit_length() <= half or y.bit_length() <= half or \
            x >= curve.order - 1 or y >= curve.order - 1:
        return None
    key = ec.EllipticCurvePublicKey.from_encoded_point(curve.curve, point)  # on the curve
    return PublicKey(kind, blob, key, curve)


@dataclass(frozen=True)
class Sshsig:
    """One armoured SSH signature, parsed."""

    key: PublicKey
    namespace: bytes
    hash_algorithm: bytes
    signature: bytes

    def verifies(self, message: bytes, namespace: bytes) -> bool:
        """Whether this signs ``message`` in ``namespace`` (git's is ``git``)."""
        if self.namespace != namespace:
            return False
        digest = HASHES[self.hash_algorithm](message).digest()
        signed = (MAGIC + _string(namespace) + _string(b"") + _string(self.hash_algorithm)
                  + _string(digest))
        return self.key.verifies(self.signature, signed)


def parse_armored(text: bytes, keys: dict[bytes, PublicKey | None] | None = None
                  ) -> Sshsig | None:
    """The signature in ``text`` (``-----BEGIN SSH SIGNATURE-----`` ...), or None when it
    is not one this module reads. ``keys`` caches parsed keys by blob across calls."""
    if not text.startswith(BEGIN):
        return None
    end = text.find(b"\n" + END, len(BEGIN))
    if end < 0 or text[end + 1 + len(END):] not in (b"", b"\n"):
        return None
    body = text[len(BEGIN):end].replace(b"\n", b"")
    try:
        blob = base64.b64decode(body, validate=True)
    except ValueError:
        return None
    if base64.b64encode(blob) != body:
        return None  # only the canonical encoding ssh-keygen writes
    try:
        reader = _Reader(blob)
        if blob[:6] != MAGIC:
            return None
        reader.pos = 6
        version, key_blob = reader.u32(), reader.string()
        namespace, reserved = reader.string(), reader.string()
        hash_algorithm, signature = reader.string(), reader.string()
        reader.end()
    except ValueError:
        return None
    if version != 1 or reserved or hash_algorithm not in HASHES:
        return None
    if keys is None:
        key = public_key(key_blob)
    else:
        key = keys[key_blob] if key_blob in keys else keys.setdefault(
            key_blob, public_key(key_blob))
    return Sshsig(key, namespace, hash_algorithm, signature) if key is not None else None
