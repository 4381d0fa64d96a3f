"""How fast `capa validate` is against the floor: parsing the same front matter with libyaml.

Usage: python bench/validate.py [N] [--keep DIR] [--shape simple|realistic] [--runs R]
                                [--standards 27001,9001,14001]

Generates a register of N findings (default 10,000) in a git repository, then prints
the wall time of the real `capa validate` command, the time to only read and parse the
same front matter with yaml.CSafeLoader in one process, and their ratio.
Targets on a 2-core machine: under 3 s for 10,000 findings, at most 1.5x parse-only.

`--shape simple` (the default) writes short findings: one action, a URL as evidence.
`--shape realistic` writes findings like a mature register's (bench/realistic.py): long
narratives with a list and a table, 5 to 7 corrective actions, 5 to 7 evidence items per
closed finding (files that exist, most pinned with sha256), four or five whys.

`--standards` configures those clause catalogues (the `standards` setting); with more
than one, the simple shape's findings cite a mix of them (a third ISO 9001, a third
ISO 14001, qualified as `9001:8.4.1`), so every clause is resolved in its catalogue.

The parse-only and validate runs alternate, --runs rounds (default 3), and each figure is
the median of its runs, so a slow spell of a shared machine hits both.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic  # noqa: E402  (bench/realistic.py)

SHAPES = ("simple", "realistic")

SEVERITIES = ["major", "minor", "minor", "observation", "ofi", "conformity"]
STATUSES = ["open", "in-progress", "closed", "closed"]


# The clauses a simple finding cites, by its number, when several standards are configured.
MIXED_CLAUSES = ('["A.5.18", "9.2.2"]', '["9001:8.4.1", "9001:10.2", "A.5.18"]',
                 '["14001:6.1.2", "14001:9.1.2"]')


def finding_text(number: int, rng: random.Random, mixed: bool = False) -> str:
    finding_id = f"CAPA-{2020 + number // 1000 % 7}-{number:05d}"
    year = finding_id.split("-")[1]
    severity = rng.choice(SEVERITIES)
    status = rng.choice(STATUSES)
    serious = severity in ("major", "minor")
    lines = [
        "---", f"id: {finding_id}",
        f"title: Quarterly access review for system {number} completed late",
        f"severity: {severity}", f"status: {status}", "source: internal-audit",
        f"raised: {year}-02-10", "raised_by: A. Auditor",
    ]
    if severity in ("major", "minor", "observation"):
        lines += ["requirement:", "  standard: ISO/IEC 27001:2022 A.5.18",
                  "  procedure: PRC-IAM-02 section 4"]
    clauses = MIXED_CLAUSES[number % 3] if mixed else '["A.5.18", "9.2.2"]'
    lines += [f"clauses: {clauses}", "owner: Jane Smith"]
    if serious or status != "open":
        lines += [
            "root_cause:", "  method: 5-whys", "  whys:",
            "    - The review was not started on time.",
            "    - The reminder depended on one person's calendar.",
            "  cause: The review schedule had no system owner or automated reminder.",
            "  category: process",
            "extent: Checked all 40 in-scope systems; three more reviews were late.",
            "correction:", "  action: Completed the overdue review and removed 12 stale accounts.",
            f"  completed: {year}-02-20",
        ]
    if serious:
        lines += ["corrective_actions:",
                  "  - action: Schedule reviews in the ticketing system with an escalation.",
                  "    owner: Jane Smith", f"    due: {year}-04-30"]
        if status == "closed":
            lines.append(f"    completed: {year}-04-01")
    if status == "closed":
        lines += ["closure:", f"  closed: {year}-06-01", "  evidence:",
                  "    - url: https://intranet.example.com/iam/review-schedule",
                  "      description: Review schedule in the ticketing system"]
        if serious:
            lines += ["  effectiveness:", f"    reviewed: {year}-05-30",
                      "    by: B. Reviewer (Internal Audit)", "    result: effective",
                      "    method: Sampled the next two quarters; all reviews on time."]
    lines += ["risks: [R-014]", "---", "", "The review was found late during the audit.", ""]
    return "\n".join(lines)


def year_of(number: int) -> int:
    return 2020 + number // 1000 % 7


def generate(root: Path, count: int, shape: str = "simple",
             standards: list[str] | None = None) -> None:
    rng = random.Random(42)
    register = root / "register"
    earlier: list[tuple[str, int]] = []
    for number in range(1, count + 1):
        year = year_of(number)
        finding_id = f"CAPA-{year}-{number:05d}"
        if shape == "realistic":
            fields, narrative, files = realistic.finding(number, finding_id, year, rng, earlier)
            text = realistic.text(fields, narrative)
            earlier.append((finding_id, year))
            for name, content in files.items():
                target = register / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        else:
            text = finding_text(number, rng, mixed=len(standards or []) > 1)
        folder = register / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{finding_id}.md").write_text(text)
    if standards:
        quoted = ", ".join(f'"{s}"' for s in standards)
        (root / "mkdocs.yml").write_text(
            f"site_name: bench\nplugins:\n  - capa:\n      standards: [{quoted}]\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.com"}
    for command in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "commit", "-q", "-m", "register"]):
        subprocess.run(command, cwd=root, env=env, check=True)


def parse_only(root: Path) -> float:
    register = root / "register"
    files = sorted(p for p in register.rglob("*.md")
                   if p.relative_to(register).parts[0] != "evidence")
    start = time.perf_counter()
    for path in files:
        text = path.read_text(encoding="utf-8")
        front = text[4 : text.index("\n---\n", 4)]
        yaml.load(front, Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def capa_validate(root: Path) -> tuple[float, str]:
    capa = shutil.which("capa", path=str(Path(sys.executable).parent)) or "capa"
    start = time.perf_counter()
    result = subprocess.run([capa, "validate", "--today", "2026-11-28"], cwd=root,
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"capa validate failed:\n{result.stderr}")
    return elapsed, result.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None, help="build the register here")
    parser.add_argument("--shape", choices=SHAPES, default="simple",
                        help="short findings (simple) or a mature register's (realistic)")
    parser.add_argument("--runs", type=int, default=3, help="timed rounds of each")
    parser.add_argument("--standards", default=None,
                        help="clause catalogues to configure, e.g. 27001,9001,14001")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="capa-bench-"))
    try:
        standards = args.standards.split(",") if args.standards else None
        generate(root, args.count, args.shape, standards)
        parse_only(root)  # warm the page cache so both timings read from memory
        capa_validate(root)
        parses: list[float] = []
        runs: list[tuple[float, str]] = []
        for _ in range(max(1, args.runs)):
            parses.append(parse_only(root))
            runs.append(capa_validate(root))
        walls = [t for t, _ in runs]
        wall, parse = statistics.median(walls), statistics.median(parses)
        print(f"findings:                 {args.count} ({args.shape} shape"
              f"{', standards ' + args.standards if args.standards else ''})")
        print(f"capa validate (wall):     {wall:.2f} s median, {min(walls):.2f} s best   "
              f"({runs[0][1]})")
        print(f"parse only (CSafeLoader): {parse:.2f} s median, {min(parses):.2f} s best")
        print(f"ratio validate/parse:     {wall / parse:.2f}x median, "
              f"{min(walls) / min(parses):.2f}x best   (target <= 1.5x, < 3 s)")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
