"""What the audit trail costs a whole site build: the same register with and without git.

Usage: python bench/history_build.py [--findings N] [--commits N] [--repo DIR] [--runs N]

Generates the repository of ``bench/history.py`` (10,000 findings over 5,000 commits,
renames across folders; or reuses ``--repo`` made by ``bench/history.py --keep DIR``),
adds a material site, then times ``mkdocs build`` in a fresh process twice over:

- with history: the repository itself (one history pass: the stale rule, "last changed"
  and every finding page's History section with its timeline and change log);
- without: the same files copied without ``.git`` (no pass; pages say so in a sentence).

Target: with history at most 1.2x without. Measured on the 2-core machine, best of 2
interleaved runs (`--runs 2`): 70.5 s without, 70.1 s with, ratio 0.99, now that the
History sections skip the search plugin's parser (they are out of the index anyway);
before that change: 127.0 s without, 153.1 s with, ratio 1.21.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import generate  # noqa: E402

EPOCH = "1795824000"  # 2026-11-28
MKDOCS = str(Path(sys.executable).parent / "mkdocs")
CONFIG = """site_name: History bench
theme:
  name: material
docs_dir: docs
plugins:
  - search
  - capa
"""


def site(root: Path) -> None:
    (root / "docs").mkdir(exist_ok=True)
    (root / "mkdocs.yml").write_text(CONFIG)


def timed_build(root: Path) -> float:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    result = subprocess.run([MKDOCS, "build", "--quiet"], cwd=root, env=env,
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed in {root}:\n{result.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=5_000)
    parser.add_argument("--repo", type=Path, default=None,
                        help="reuse a repository made by bench/history.py --keep DIR")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="capa-history-build-"))
    try:
        repo = args.repo
        if repo is None:
            repo = work / "repo"
            generate(repo, args.findings, args.commits)
        plain = work / "plain"
        shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git", "site"))
        site(repo)
        site(plain)
        findings = sum(1 for _ in (plain / "register").rglob("*.md"))
        legs = {"without history (no .git)": plain, "with history": repo}
        times: dict[str, list[float]] = {name: [] for name in legs}
        for _ in range(args.runs):  # interleaved, so a busy machine slows both legs alike
            for name, root in legs.items():
                times[name].append(timed_build(root))
        results = {}
        for name, runs in times.items():
            results[name] = min(runs)
            print(f"{name:<28} {min(runs):7.1f} s  (runs: "
                  f"{', '.join(f'{t:.1f}' for t in runs)})", flush=True)
        page = next((repo / "site" / "findings").iterdir()) / "index.html"
        assert "capa-changelog" in page.read_text(encoding="utf-8"), page
        ratio = results["with history"] / results["without history (no .git)"]
        print(f"{findings:,} findings: ratio {ratio:.2f}   target <= 1.2")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.repo is not None:
            for leftover in ("site", "mkdocs.yml"):
                target = args.repo / leftover
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()


if __name__ == "__main__":
    main()
