"""What the reminders cost a build: the digest and the calendar feeds for N findings.

Usage: python bench/remind.py [N] [--shape simple|realistic] [--runs R]

Builds the register of N findings (default 10,000) in memory, as bench/build.py's shapes
write them (`simple`: two thirds not closed, one open action each; `realistic`: all raised
in 2026, 60% not closed, 5 to 7 actions), with an owners map naming every owner, then
times, --runs times (default 5), what the reminders add to a build once the register
exists: who owes what (`register.reminders`), the JSON digest with every person's
Markdown (`capa remind --format json`, what the weekly issues' script reads), and
`register.ics` with one feed per owner
(`register.ics`). Prints the median and best of the wall time and of the CPU time the
process spent (on a shared machine the CPU time is what the build pays; the wall time
adds whatever else runs), events and bytes written. Target: under 1 s (median CPU time)
for 10,000 findings of the simple shape.
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
from capa_docs.contract.settings import Person, Settings  # noqa: E402
from capa_docs.register.digest import json_digest  # noqa: E402
from capa_docs.register.findings import Register  # noqa: E402
from capa_docs.register.ics import calendar_feeds  # noqa: E402
from capa_docs.register.reminders import reminders  # noqa: E402

import build  # noqa: E402  (bench/build.py)
import realistic  # noqa: E402  (bench/realistic.py)

TODAY = dt.date(2026, 11, 28)
TARGET = 1.0


def register_of(n: int, shape: str) -> Register:
    findings = []
    if shape == "realistic":
        rng = random.Random(42)
        earlier: list[tuple[str, int]] = []
        rows = []
        for i in range(n):
            fid = f"CAPA-2026-{i:05d}"
            rows.append(realistic.finding(i, fid, 2026, rng, earlier)[0])
            earlier.append((fid, 2026))
    else:
        rows = [build.finding(i)[0] for i in range(n)]
    for fields in rows:
        path = Path(f"register/2026/{fields['id']}.md")
        findings.append(Finding(path, path.as_posix(), fields, {}))
    owners = {f.get("owner") for f in rows} | {a.get("owner") for f in rows
                                               for a in f.get("corrective_actions") or []}
    people = {name: Person(f"{name.split()[0].lower()}@example.com", None)
              for name in owners if isinstance(name, str)}
    settings = Settings(owners=people)
    history = {f.rel: TODAY - dt.timedelta(days=i % 90) for i, f in enumerate(findings)}
    return Register(findings, settings, TODAY, history)


def once(register: Register) -> tuple[float, float, int, int]:
    start, cpu = time.perf_counter(), time.process_time()
    owed = reminders(register)
    people = list(owed.owed)
    contacts = register.settings.owners

    def url_of(finding_id: str) -> str:
        return f"https://isms.example.com/register/findings/{finding_id}/"

    document = json_digest(owed, people, contacts, url_of)  # with each person's Markdown
    feeds = calendar_feeds(owed.events, site_name="Bench", today=TODAY,
                           alarm_days=7, contacts=contacts, url_of=url_of)
    elapsed, spent = time.perf_counter() - start, time.process_time() - cpu
    written = len(document) + sum(len(f.content) for f in feeds)
    return elapsed, spent, len(owed.events), written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--shape", choices=("simple", "realistic"), default="simple")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    register = register_of(args.n, args.shape)
    once(register)  # warm: imports, first compile
    walls, cpus = [], []
    for _ in range(args.runs):
        elapsed, spent, events, written = once(register)
        walls.append(elapsed)
        cpus.append(spent)
    median = statistics.median(cpus)
    verdict = "PASS" if median < TARGET else "FAIL"
    print(f"reminders for {args.n:,} findings ({args.shape}): {events:,} calendar events, "
          f"{written / 1e6:.1f} MB written (the JSON digest, register.ics and "
          f"{len(register.settings.owners)} owner feeds)")
    print(f"  CPU  median {median:.2f} s, best {min(cpus):.2f} s; wall median "
          f"{statistics.median(walls):.2f} s, best {min(walls):.2f} s; {args.runs} runs; "
          f"target < {TARGET:.0f} s CPU: {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
