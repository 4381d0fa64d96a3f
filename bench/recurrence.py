"""What the recurrence check costs a build: which effective closures later findings question.

Usage: python bench/recurrence.py [N] [--runs R] [--one-year]

Builds N findings (default 10,000) in memory with bench/realistic.py's shape (two to four
clauses of 19, a root-cause category of 7 once analysed, 5 to 7 corrective actions, half
naming an earlier finding in `related`), raised over seven years as bench/validate.py
spreads them (1,000 a year in turn), or all in 2026 with --one-year (every closure then
falls in every later finding's window: the most pairs). Then times, --runs times
(default 5), `register.recurrence.recurrences` as the register calls it (12-month
window, the default standards resolving each clause). Prints the effective closures, the
recurrence pairs found, and the median and best of the CPU time the process spent (on a
shared machine the CPU time is what the build pays) and of the wall time. Target: under
1 s (median CPU time) for 10,000 findings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capa_docs.contract.model import Finding  # noqa: E402
from capa_docs.contract.settings import Settings  # noqa: E402
from capa_docs.register.recurrence import closed_effective, recurrences  # noqa: E402

import realistic  # noqa: E402  (bench/realistic.py)

TODAY = dt.date(2026, 11, 28)
TARGET = 1.0


def year_of(number: int, one_year: bool) -> int:
    return 2026 if one_year else 2020 + number // 1000 % 7


def findings_of(n: int, one_year: bool) -> list[Finding]:
    rng = random.Random(42)
    earlier: list[tuple[str, int]] = []
    findings = []
    for number in range(1, n + 1):
        year = year_of(number, one_year)
        finding_id = f"CAPA-{year}-{number:05d}"
        fields = realistic.finding(number, finding_id, year, rng, earlier)[0]
        earlier.append((finding_id, year))
        path = Path(f"register/{year}/{finding_id}.md")
        findings.append(Finding(path, path.as_posix(), fields, {}))
    return findings


def once(findings: list[Finding], settings: Settings) -> tuple[float, float, int]:
    start, cpu = time.perf_counter(), time.process_time()
    found = recurrences(findings, settings.recurrence_months, TODAY, settings.standards)
    elapsed, spent = time.perf_counter() - start, time.process_time() - cpu
    return elapsed, spent, sum(len(later) for later in found.recurred_as.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one-year", action="store_true",
                        help="every finding raised in 2026 (the most pairs)")
    args = parser.parse_args()
    findings = findings_of(args.n, args.one_year)
    settings = Settings()
    closures = sum(1 for f in findings if closed_effective(f) is not None)
    once(findings, settings)  # warm: imports, the catalogue's first lookups
    walls, cpus = [], []
    pairs = 0
    for _ in range(args.runs):
        elapsed, spent, pairs = once(findings, settings)
        walls.append(elapsed)
        cpus.append(spent)
    median = statistics.median(cpus)
    verdict = "PASS" if median < TARGET else "FAIL"
    spread = "all raised in 2026" if args.one_year else "raised over 2020-2026"
    print(f"recurrence over {args.n:,} findings ({spread}): {closures:,} effective "
          f"closures, {pairs:,} recurrence pairs")
    print(f"  CPU  median {median:.3f} s, best {min(cpus):.3f} s; wall median "
          f"{statistics.median(walls):.3f} s, best {min(walls):.3f} s; {args.runs} runs; "
          f"target < {TARGET:.0f} s CPU: {verdict} ({median / TARGET:.2f} of the target)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
