"""What verifying signed closures costs a site build: N commits signed with SSH keys.

Usage: python bench/signatures.py [N ...] [--runs R] [--git-max N] [--keys ed25519,...]

For each N (default 200 and 2,000), makes a git repository holding N closing commits,
each signed by `ssh-keygen -Y sign` with a key made by ssh-keygen (ed25519 by default;
`--keys ed25519,ecdsa,rsa` deals the commits out to one key of each type in turn), all
listed in an allowed-signers file. The commits are written as a build finds them (one
base commit, each closure its child, committer dates spread over a year); they are made
in a batch (one `ssh-keygen -Y sign` over every payload, one `git hash-object`) because
signing 10,000 commits one `git commit -S` at a time would take longer than the bench,
then packed, as a clone holds them.

Then times, --runs times (default 3), the two verifications of every commit against the
allowed-signers file:

- git: `git.signatures.verify_commits`, git's own verification (`git log --no-walk
  --stdin` with gpg.ssh.allowedSignersFile: two `ssh-keygen` processes per commit), the
  whole site build's cost before; skipped above --git-max commits (default 2,000);
- python: `git.sshverify.verify_closures`, what the site build runs now (every SSHSIG
  checked in this process with the `cryptography` library, git asked only about the
  commits it cannot vouch for; here none).

Both must give every commit the same verdict (``good``, the same signer and fingerprint),
or the bench stops. Prints the median and best wall time of each, the time per commit,
and the figure extrapolated to 10,000 signed closures (linear in N: one check per
commit). Target: 10,000 signed closures verified in under 5 s (median wall time of the
largest N, extrapolated per commit to 10,000 when N is smaller).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capa_docs.git.signatures import Signature, verify_commits  # noqa: E402

try:
    from capa_docs.git.sshverify import verify_closures  # noqa: E402
except ImportError:  # before the Python verifier existed: time git alone
    verify_closures = None

TARGET = 5.0
AT = 10_000
KEY_TYPES = {"ed25519": ["-t", "ed25519"], "ecdsa": ["-t", "ecdsa", "-b", "256"],
             "ecdsa384": ["-t", "ecdsa", "-b", "384"], "rsa": ["-t", "rsa", "-b", "3072"]}


def make_keys(folder: Path, kinds: list[str]) -> tuple[list[Path], Path]:
    """One key per kind, and the allowed-signers file listing them all."""
    keys, lines = [], []
    for kind in kinds:
        key = folder / f"key-{kind}"
        subprocess.run(["ssh-keygen", "-q", *KEY_TYPES[kind], "-N", "", "-C", kind,
                        "-f", str(key)], check=True, capture_output=True)
        keys.append(key)
        public = Path(f"{key}.pub").read_text().strip()
        lines.append(f'{kind}@example.com namespaces="git" {public}\n')
    allowed = folder / "allowed_signers"
    allowed.write_text("".join(lines))
    return keys, allowed


def git(root: Path, *args: str, stdin: str | None = None) -> str:
    return subprocess.run(["git", "-C", str(root), *args], input=stdin, check=True,
                          capture_output=True, text=True).stdout


def make_repo(root: Path, n: int, keys: list[Path]) -> list[str]:
    """A repository with a base commit and N signed closing commits on it; their ids."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    (root / "README.md").write_text("register\n")
    git(root, "add", "README.md")
    git(root, "-c", "user.name=Bench", "-c", "user.email=bench@example.com",
        "commit", "-q", "-m", "Base")
    base = git(root, "rev-parse", "HEAD").strip()
    tree = git(root, "rev-parse", "HEAD^{tree}").strip()
    payloads = root.parent / "payloads"
    payloads.mkdir()
    by_key: dict[int, list[Path]] = {}
    heads = []
    for i in range(n):
        when = 1767225600 + i * (31_536_000 // max(n, 1))
        head = (f"tree {tree}\nparent {base}\n"
                f"author Bench <bench@example.com> {when} +0000\n"
                f"committer Bench <bench@example.com> {when} +0000\n")
        heads.append(head)
        path = payloads / f"{i}"
        path.write_text(f"{head}\nClose CAPA-2026-{i:05d}\n")
        by_key.setdefault(i % len(keys), []).append(path)
    for index, paths in by_key.items():
        for start in range(0, len(paths), 1000):
            subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(keys[index]), "-n",
                            "git", *map(str, paths[start:start + 1000])],
                           check=True, capture_output=True)
    objects = []
    for i, head in enumerate(heads):
        signature = (payloads / f"{i}.sig").read_text().rstrip("\n").replace("\n", "\n ")
        body = f"{head}gpgsig {signature}\n\nClose CAPA-2026-{i:05d}\n"
        path = payloads / f"{i}.commit"
        path.write_text(body)
        objects.append(str(path))
    ids = git(root, "hash-object", "-w", "-t", "commit", "--stdin-paths",
              stdin="\n".join(objects) + "\n").split()
    # Packed, as a clone holds them (10,000 loose objects cost the read most of a second).
    subprocess.run(["git", "-C", str(root), "pack-objects", "-q", ".git/objects/pack/pack"],
                   input="\n".join(ids) + "\n", text=True, check=True, capture_output=True)
    git(root, "prune-packed")
    return ids


def timed(verify, root: Path, ids: list[str], allowed: Path, runs: int
          ) -> tuple[list[float], dict[str, Signature]]:
    walls, verdicts = [], {}
    for _ in range(runs):
        start = time.perf_counter()
        verdicts = verify(root, ids, allowed)
        walls.append(time.perf_counter() - start)
    return walls, verdicts


def report(name: str, n: int, walls: list[float]) -> float:
    median = statistics.median(walls)
    at = median / n * AT
    print(f"  {name:6} median {median:7.2f} s, best {min(walls):7.2f} s; "
          f"{median / n * 1000:6.2f} ms a commit; {AT:,} commits: {at:7.1f} s"
          f"{' (extrapolated)' if n != AT else ''}")
    return at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="*", type=int, default=[200, 2000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--git-max", type=int, default=2000)
    parser.add_argument("--keys", default="ed25519")
    args = parser.parse_args()
    kinds = args.keys.split(",")
    verdict = "FAIL"
    for n in args.n:
        with tempfile.TemporaryDirectory() as folder:
            keys, allowed = make_keys(Path(folder), kinds)
            start = time.perf_counter()
            ids = make_repo(Path(folder) / "repo", n, keys)
            print(f"{n:,} signed closures ({', '.join(kinds)}), made in "
                  f"{time.perf_counter() - start:.1f} s; {args.runs} runs")
            runs = max(1, min(args.runs, 3 if n <= 200 else 1))
            reference = None
            if n <= args.git_max:
                walls, reference = timed(verify_commits, Path(folder) / "repo", ids, allowed,
                                         runs)
                at = report("git", n, walls)
                if verify_closures is None:
                    verdict = "PASS" if at < TARGET else "FAIL"
            if verify_closures is not None:
                walls, verdicts = timed(verify_closures, Path(folder) / "repo", ids, allowed,
                                        args.runs)
                goods = sum(v.good for v in verdicts.values())
                if goods != n or (reference is not None and reference != verdicts):
                    print(f"  python: verdicts differ from git's ({goods:,} good of {n:,})")
                    return 1
                at = report("python", n, walls)
                verdict = "PASS" if at < TARGET else "FAIL"
    print(f"target: {AT:,} signed closures verified in < {TARGET:.0f} s "
          f"(the largest N, per commit): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
