"""How long the history pass takes on a large register with a long git history.

Usage: python bench/history.py [--findings N] [--commits N] [--keep DIR]

Builds a repository of 10,000 findings over 5,000 commits with ``git fast-import`` (one
process, seconds, instead of thousands of ``git commit`` calls): each commit raises two
findings and moves three earlier ones on (in progress, closed, a due date extended, now
and then reopened), with six authors, and every 250th commit moves a hundred closed
findings into ``register/archive/`` (renames across folders). Then it times
``read_history`` (one ``git log``, one ``git cat-file --batch``, the front-matter
summaries) and its parts. Target: under 3 s for the whole pass.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from capa_docs.git import history as history  # noqa: E402
from capa_docs.git.states import summarise  # noqa: E402

AUTHORS = ["Jane Smith", "Ali Khan", "Maria Garcia", "Wei Chen", "Olu Adeyemi", "Sam Taylor"]
START = dt.datetime(2019, 1, 7, 9, 0, tzinfo=dt.UTC)


def finding_text(number: int, raised: dt.date, status: str, due: dt.date) -> str:
    """A realistic minor finding; the fields the history follows change between versions."""
    finding_id = f"CAPA-{raised.year}-{number:05d}"
    lines = [
        "---", f"id: {finding_id}",
        f"title: Quarterly access review for system {number} completed late",
        "severity: minor", f"status: {status}", "source: internal-audit",
        f"raised: {raised}", "raised_by: A. Auditor",
        "requirement:", "  standard: ISO/IEC 27001:2022 A.5.18",
        "  procedure: PRC-IAM-02 section 4",
        'clauses: ["A.5.18", "9.2.2"]', "owner: Jane Smith",
        "root_cause:", "  method: 5-whys", "  whys:",
        "    - The review was not started on time.",
        "    - The reminder depended on one person's calendar.",
        "  cause: The review schedule had no system owner or automated reminder.",
        "  category: process",
        "extent: Checked all 40 in-scope systems; three more reviews were late.",
        "correction:", "  action: Completed the overdue review and removed 12 stale accounts.",
        "corrective_actions:",
        "  - action: Schedule reviews in the ticketing system with an escalation.",
        "    owner: Jane Smith", f"    due: {due}",
    ]
    if status == "closed":
        lines += [f"    completed: {due}", "closure:", f"  closed: {due}", "  evidence:",
                  "    - url: https://intranet.example.com/iam/review-schedule",
                  "      description: Review schedule in the ticketing system",
                  "  effectiveness:", f"    reviewed: {due}",
                  "    by: B. Reviewer (Internal Audit)", "    result: effective",
                  "    method: Sampled the next two quarters; all reviews on time."]
    lines += ["risks: [R-014]", "---", "", "The review was found late during the audit.", ""]
    return "\n".join(lines)


class Stream:
    """A git fast-import stream being written: commits with inline file contents."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def data(self, payload: bytes) -> None:
        self.parts.append(b"data %d\n" % len(payload) + payload + b"\n")

    def commit(self, mark: int, author: str, when: dt.datetime, message: str) -> None:
        email = author.lower().replace(" ", ".") + "@example.com"
        stamp = f"{int(when.timestamp())} +0000"
        self.parts.append(f"commit refs/heads/main\nmark :{mark}\n"
                          f"author {author} <{email}> {stamp}\n"
                          f"committer {author} <{email}> {stamp}\n".encode())
        self.data(message.encode())
        if mark > 1:
            self.parts.append(f"from :{mark - 1}\n".encode())

    def modify(self, path: str, text: str) -> None:
        self.parts.append(f"M 100644 inline {path}\n".encode())
        self.data(text.encode())

    def rename(self, old: str, new: str) -> None:
        self.parts.append(f'R "{old}" "{new}"\n'.encode())


def generate(root: Path, findings: int, commits: int) -> int:
    """Write the history; returns the number of file versions (blobs) it holds."""
    rng = random.Random(5)
    stream = Stream()
    paths: dict[int, str] = {}
    states: dict[int, tuple[dt.date, str, dt.date]] = {}
    live: list[int] = []
    closed: list[int] = []
    next_number = 1
    versions = 0
    per_commit = max(1, -(-findings // commits))
    for mark in range(1, commits + 1):
        when = START + dt.timedelta(hours=8 * mark)
        author = AUTHORS[mark % len(AUTHORS)]
        stream.commit(mark, author, when, f"Register update {mark}")
        for _ in range(per_commit):
            if next_number > findings:
                break
            raised = when.date()
            states[next_number] = (raised, "open", raised + dt.timedelta(days=180))
            paths[next_number] = f"register/{raised.year}/CAPA-{raised.year}-{next_number:05d}.md"
            live.append(next_number)
            stream.modify(paths[next_number], finding_text(next_number, *states[next_number]))
            next_number += 1
            versions += 1
        for number in rng.sample(live, min(3, len(live))):
            raised, status, due = states[number]
            roll = rng.random()
            if status == "open":
                status = "in-progress"
            elif status == "in-progress" and roll < 0.3:
                due += dt.timedelta(days=60)
            elif status == "in-progress":
                status = "closed"
                live.remove(number)
                closed.append(number)
            states[number] = (raised, status, due)
            stream.modify(paths[number], finding_text(number, raised, status, due))
            versions += 1
        if closed and rng.random() < 0.05:
            number = closed.pop(rng.randrange(len(closed)))
            raised, _, due = states[number]
            states[number] = (raised, "in-progress", due + dt.timedelta(days=30))
            live.append(number)
            stream.modify(paths[number], finding_text(number, *states[number]))
            versions += 1
        if mark % 250 == 0:
            for number in [n for n in closed if "/archive/" not in paths[n]][:100]:
                new = paths[number].replace("register/", "register/archive/", 1)
                stream.rename(paths[number], new)
                paths[number] = new
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream.parts),
                   check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)
    return versions


def timed_pass(root: Path) -> tuple[float, history.RegisterHistory]:
    start = time.perf_counter()
    result = history.read_history(root, root / "register", root / "register" / "evidence")
    return time.perf_counter() - start, result


def parts(root: Path) -> dict[str, float]:
    """The pass's three costs measured apart, to show where the time goes."""
    times = {}
    start = time.perf_counter()
    names = history.read_history(root, root / "register", states=False)
    times["git log + rename chaining"] = time.perf_counter() - start
    blobs = {c.blob for h in names.files.values() for c in h.changes if c.blob}
    start = time.perf_counter()
    contents = history.read_blobs(root, blobs)
    times[f"git cat-file --batch ({len(contents):,} blobs)"] = time.perf_counter() - start
    start = time.perf_counter()
    for raw in contents.values():
        summarise(raw)
    times["front-matter summaries"] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=5_000)
    parser.add_argument("--keep", type=Path, default=None, help="build the repository here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="capa-history-bench-"))
    try:
        start = time.perf_counter()
        versions = generate(root, args.findings, args.commits)
        built = time.perf_counter() - start
        timed_pass(root)  # warm the page cache and git's object access
        runs = [timed_pass(root) for _ in range(3)]
        best, result = min(runs, key=lambda run: run[0])
        changes = sum(len(h.changes) for h in result.files.values())
        events = sum(len(h.timeline()) for h in result.files.values())
        print(f"repository:     {args.findings:,} findings, {args.commits:,} commits, "
              f"{versions:,} file versions (built in {built:.1f} s with git fast-import)")
        print(f"history:        {len(result.files):,} files, {changes:,} changes, "
              f"{events:,} timeline events{'; note: ' + result.note if result.note else ''}")
        for name, seconds in parts(root).items():
            print(f"  {name + ':':<40} {seconds:.2f} s")
        print(f"history pass:   {best:.2f} s (best of 3; runs "
              f"{', '.join(f'{t:.2f}' for t, _ in runs)})   target < 3 s")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
