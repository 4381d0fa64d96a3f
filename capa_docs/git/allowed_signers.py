"""An OpenSSH allowed-signers file, read as ``ssh-keygen -Y find-principals`` and
``ssh-keygen -Y verify`` read it when git verifies a commit (OpenSSH 9.2, ``sshsig.c``).

git asks ssh-keygen which principals the file lists for the signing key (the first line
whose key it is), then runs ``ssh-keygen -Y verify -n git -I PRINCIPAL`` for each of them
in turn: the first that a line allows (its principal patterns match, its key is the
signing key, its ``namespaces=`` patterns match ``git``) is the signer git reports.
:func:`parse` reads the file and :meth:`AllowedSigners.signer` repeats those two steps.

Only what is read here exactly as ssh-keygen reads it counts. A file holding any line
this module does not read (quoted principals, unknown options, key types named by their
short names, control characters) is refused whole, and so are keys with ``valid-after``
or ``valid-before`` (what they allow depends on the git and OpenSSH versions installed:
which time git passes, how ssh-keygen reads it): git then verifies those commits itself.
``cert-authority`` lines are read, and never match a plain key (certificates are left to
git by ``git.sshsig``).
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass

SUPPORTED = {"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521"}
"""Key types whose lines are matched here (``git.sshsig`` verifies their signatures)."""
OTHER = {"ssh-dss", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
         *(f"{kind}-cert-v01@openssh.com" for kind in (
             "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521", "sk-ssh-ed25519", "sk-ecdsa-sha2-nistp256"))}
"""Other key types OpenSSH knows by these names: their lines never match a key of a
supported type (OpenSSH compares key types first), so they are read and skipped."""
_PATTERN_MAX = 1023  # match_pattern_list: a longer sub-pattern fails the whole list


@dataclass(frozen=True)
class Line:
    """One key line: its principal patterns, its key, and the options that matter."""

    principals: str
    blob: bytes | None
    """The key's SSH encoding; None for a key type not matched here."""
    cert_authority: bool
    namespaces: str | None
    lifetime: bool
    """It has ``valid-after`` or ``valid-before``."""


@dataclass(frozen=True)
class AllowedSigners:
    """Every key line of one allowed-signers file, in order."""

    lines: tuple[Line, ...]

    def signer(self, key_blob: bytes, namespace: str) -> str | None:
        """The principal git would report for a valid signature by ``key_blob`` in
        ``namespace``; "" when the file does not allow the key (git verifies it: unknown
        signer, or a namespace the key may not sign in); None when the answer depends on
        something not decided here (a key lifetime)."""
        mine = [line for line in self.lines if line.blob == key_blob
                and not line.cert_authority]
        if any(line.lifetime for line in mine):
            return None
        if not mine:
            return ""  # find-principals finds none: git says "unknown signer"
        for principal in _printed(mine[0].principals):
            if any(match_pattern_list(principal, line.principals) == 1 and (
                    line.namespaces is None
                    or match_pattern_list(namespace, line.namespaces) == 1)
                   for line in mine):
                return principal.encode("latin-1").decode("utf-8", "replace")  # as git
        return ""


def _printed(principals: str) -> list[str]:
    """The principals ``find-principals`` prints for a line: split at commas, up to the
    first empty one."""
    out = []
    for part in principals.split(","):
        if not part:
            break
        out.append(part)
    return out


def match_pattern(text: str, pattern: str) -> bool:
    """OpenSSH's ``match_pattern``: ``*`` any run, ``?`` one character, no escapes."""
    return _regex(pattern).fullmatch(text) is not None


@functools.lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in pattern), re.DOTALL)


def match_pattern_list(text: str, patterns: str) -> int:
    """OpenSSH's ``match_pattern_list`` (case-sensitive): 1 when a pattern matches, -1
    when a negated one (``!pattern``) does, 0 otherwise."""
    positive = 0
    for item in patterns.split(",") if patterns else []:
        negated = item.startswith("!")
        sub = item[1:] if negated else item
        if len(sub) >= _PATTERN_MAX:
            return 0
        if match_pattern(text, sub):
            if negated:
                return -1
            positive = 1
    return positive


class Unreadable(ValueError):
    """A line not read here exactly as ssh-keygen would read it."""


def parse(content: bytes) -> AllowedSigners | None:
    """The file's key lines; None when any line is not read here as ssh-keygen reads it."""
    lines = []
    try:
        for raw in content.decode("latin-1").split("\n"):
            line = _line(raw)
            if line is not None:
                lines.append(line)
    except Unreadable:
        return None
    return AllowedSigners(tuple(lines))


def _line(raw: str) -> Line | None:
    if raw.endswith("\r"):
        raw = raw[:-1]
    if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", raw):
        raise Unreadable("control character")
    text = raw.lstrip(" \t")
    if not text or text.startswith("#"):
        return None
    tokens = re.split(r"[ \t]+", text)
    principals = tokens[0]
    if '"' in principals or len(tokens) < 3:
        raise Unreadable("principals")
    if tokens[1] in SUPPORTED or tokens[1] in OTHER:
        options, kind, encoded = "", tokens[1], tokens[2]
    elif len(tokens) >= 4 and (tokens[2] in SUPPORTED or tokens[2] in OTHER):
        options, kind, encoded = tokens[1], tokens[2], tokens[3]
    else:
        raise Unreadable("key")
    cert_authority, namespaces, lifetime = _options(options)
    return Line(principals, _blob(kind, encoded) if kind in SUPPORTED else None,
                cert_authority, namespaces, lifetime)


def _blob(kind: str, encoded: str) -> bytes:
    try:
        blob = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise Unreadable("base64") from None
    named = kind.encode()
    if base64.b64encode(blob).decode() != encoded or \
            blob[:4 + len(named)] != len(named).to_bytes(4, "big") + named:
        raise Unreadable("key encoding")
    return blob


def _options(text: str) -> tuple[bool, str | None, bool]:
    """(cert-authority, namespaces, has a lifetime) from the options field, read as
    ``sshsigopt_parse`` reads it; what it would refuse, or that needs a backslash or a
    repeated clause, is :class:`Unreadable`."""
    cert_authority, namespaces, lifetime = False, None, False
    seen: set[str] = set()
    pos = 0
    while pos < len(text):
        lower = text[pos:].lower()
        if lower.startswith("cert-authority"):
            cert_authority, pos = True, pos + len("cert-authority")
        else:
            name = next((n for n in ("namespaces", "valid-after", "valid-before")
                         if lower.startswith(n + "=")), None)
            if name is None or name in seen:
                raise Unreadable("option")
            seen.add(name)
            match = re.match(r'"([^"\\]*)"', text[pos + len(name) + 1:])
            if match is None:
                raise Unreadable("option value")
            pos += len(name) + 1 + match.end()
            if name == "namespaces":
                namespaces = match.group(1)
            else:
                lifetime = True
        if pos == len(text):
            break
        if text[pos] != "," or pos + 1 == len(text):
            raise Unreadable("options")
        pos += 1
    return cert_authority, namespaces, lifetime
