"""How fast `capa diff` is on a large register with a long history.

Usage: python bench/diff.py [N] [--commits C] [--changes K] [--keep DIR]

Builds a git repository whose `main` holds N findings (default 10,000) added over C
commits (default 2,000), written with one `git fast-import` stream rather than C calls
to `git commit`. A branch `pr` then changes K findings (default 20): titles edited,
open findings moved on, due dates extended. Prints the wall time of the real command,
against the working tree and against the committed branch. Target on a 2-core machine:
under 2 s for 10,000 findings and 2,000 commits.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.com",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.com"}


def _finding_text():
    """The finding generator of bench/validate.py, so both benchmarks read alike."""
    spec = importlib.util.spec_from_file_location("bench_validate",
                                                  Path(__file__).with_name("validate.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.finding_text


def _path(text: str) -> str:
    finding_id = text.split("id: ", 1)[1].split("\n", 1)[0]
    return f"register/{finding_id.split('-')[1]}/{finding_id}.md"


def build(root: Path, count: int, commits: int) -> list[str]:
    """Write history with git fast-import; return the finding paths."""
    finding_text = _finding_text()
    rng = random.Random(42)
    texts = [finding_text(number, rng) for number in range(1, count + 1)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=ENV)
    stream: list[bytes] = []
    per_commit = -(-count // commits)
    start = 1_700_000_000
    for index in range(commits):
        chunk = texts[index * per_commit : (index + 1) * per_commit]
        message = f"Findings batch {index + 1}".encode()
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"committer Bench <b@example.com> {start + index * 3600} +0000\n"
                      .encode())
        stream.append(b"data %d\n%s\n" % (len(message), message))
        if index == 0:
            stream.append(b"deleteall\n")
        if not chunk:  # later commits edit a narrative, as a busy register's history does
            chunk = [texts[index % count] + f"\nReviewed in batch {index + 1}.\n"]
            texts[index % count] = chunk[0]
        for text in chunk:
            data = text.encode()
            stream.append(f"M 100644 inline {_path(text)}\n".encode())
            stream.append(b"data %d\n%s\n" % (len(data), data))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream),
                   check=True, env=ENV)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True, env=ENV)
    return [_path(text) for text in texts]


def change(root: Path, paths: list[str], changes: int) -> None:
    """Edit ``changes`` findings on a branch `pr`, commit them, and leave them in the tree."""
    subprocess.run(["git", "checkout", "-q", "-b", "pr"], cwd=root, check=True, env=ENV)
    rng = random.Random(7)
    for path in rng.sample(paths, changes):
        file = root / path
        text = file.read_text()
        if "status: open" in text:
            text = text.replace("status: open", "status: in-progress", 1)
        text = text.replace("title: Quarterly", "title: Quarterly (reviewed)", 1)
        text = text.replace("-04-30", "-05-15", 1)  # a due date extended
        file.write_text(text)
    subprocess.run(["git", "commit", "-q", "-am", "Progress on findings"], cwd=root,
                   check=True, env=ENV)


def capa_diff(root: Path, *args: str) -> tuple[float, str]:
    capa = shutil.which("capa", path=str(Path(sys.executable).parent)) or "capa"
    start = time.perf_counter()
    result = subprocess.run([capa, "diff", "main", *args, "--today", "2026-11-28"], cwd=root,
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"capa diff failed:\n{result.stderr}")
    return elapsed, result.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=2_000)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--keep", type=Path, default=None, help="build the repository here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="capa-bench-diff-"))
    try:
        began = time.perf_counter()
        paths = build(root, args.count, args.commits)
        change(root, paths, args.changes)
        built = time.perf_counter() - began
        commits = subprocess.run(["git", "rev-list", "--count", "main"], cwd=root,
                                 capture_output=True, text=True, check=True).stdout.strip()
        capa_diff(root)  # warm the page cache and git's index
        tree = [capa_diff(root) for _ in range(5)]
        commit = [capa_diff(root, "pr") for _ in range(5)]
        print(f"findings: {args.count}, commits on main: {commits}, changed: {args.changes} "
              f"(built in {built:.1f} s)")
        for label, runs in (("working tree", tree), ("HEAD commit ", commit)):
            times = [t for t, _ in runs]
            print(f"capa diff main ({label}): best {min(times):.2f} s, median "
                  f"{statistics.median(times):.2f} s   ({runs[0][1]})   target < 2 s")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
