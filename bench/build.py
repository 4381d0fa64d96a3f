"""How much the capa plugin adds to a site build: N generated findings against N pages.

For each N, in one run: a git repository holding N finding files (a third closed with an
evidence file) built with the plugin, and a bare site of N hand-written Markdown pages
saying the same things (same theme, pages not in the nav, same evidence files), built
without it. Both are `mkdocs build` in a fresh process, timed end to end. Target: the
ratio stays at or below 1.15, and time grows linearly with N.

Then the management review packs: a repository whose history spans the year (each
finding committed as raised at the end of its quarter, then its final version), built
with four `reviews:` (four packs, each with its charts) and without (the management
review page's charts only). Target: packs cost at most 1.3x the build without them.

Each comparison builds both sites once untimed (so neither pays for a cold disk cache or
Python's first compile alone), then times --runs rounds, the two builds interleaved and
their order swapped each round, so a slow spell of the machine hits both. It prints the
median and best of each, their ratios, and PASS or FAIL for the median ratio against
the target; the exit code is 1 when any comparison fails.

    python bench/build.py            # N = 1000 and 5000
    python bench/build.py 200 1000   # other sizes
    python bench/build.py --packs 5000   # only the packs comparison
    python bench/build.py --runs 5 1000  # five timed rounds (default 3)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import yaml

SEVERITIES = ("major", "minor", "observation", "ofi")
OWNERS = ("Jane Smith", "Sam Ops", "Lukas Meyer", "Aisha Rahman", "B. Reviewer")
CLAUSES = ("5.2", "6.1.2", "7.2", "8.1", "9.2", "A.5.15", "A.5.19", "A.8.13", "A.8.32")
EPOCH = "1795824000"  # 2026-11-28
MKDOCS = str(Path(sys.executable).parent / "mkdocs")
NARRATIVE = ("Found during the {month} internal audit of the {area} process. The auditor "
             "sampled twelve records and found the gap described above.\n\nThe owner agreed "
             "the actions below with the ISMS steering group.\n")


def finding(i: int) -> tuple[dict, str, bool]:
    """The i-th finding's fields, narrative, and whether it is closed with evidence."""
    fid = f"CAPA-2026-{i:05d}"
    severity = SEVERITIES[i % len(SEVERITIES)]
    closed = i % 3 == 0
    owner = OWNERS[i % len(OWNERS)]
    raised = f"2026-{1 + i % 9:02d}-{1 + i % 27:02d}"
    fields = {
        "id": fid, "title": f"Finding number {i}: records not kept for process {i % 40}",
        "severity": severity, "status": "closed" if closed else "in-progress",
        "source": "internal-audit", "raised": raised, "raised_by": "A. Auditor",
        "requirement": {"standard": "ISO/IEC 27001:2022 7.5.3",
                        "procedure": f"PRC-DOC-{i % 12:02d} section 4"},
        "clauses": [CLAUSES[i % len(CLAUSES)], CLAUSES[(i + 1 + i // 9) % len(CLAUSES)]]
        if (i + 1 + i // 9) % len(CLAUSES) != i % len(CLAUSES) else [CLAUSES[i % len(CLAUSES)]],
        "owner": owner,
        "root_cause": {"method": "5-whys",
                       "whys": ["Records were not filed.", "The filing step has no owner.",
                                "The procedure does not name one."],
                       "cause": "The procedure assigns no owner to the filing step.",
                       "category": "ownership"},
        "extent": "Checked the other eleven processes; none had the same gap.",
        "correction": {"action": "Filed the missing records.", "completed": raised},
        "corrective_actions": [{"action": "Name an owner for the filing step in the procedure.",
                                "owner": owner, "due": "2026-12-20",
                                **({"completed": "2026-11-20"} if closed else {})}],
    }
    if closed:
        fields["closure"] = {
            "closed": "2026-11-25",
            "evidence": [{"path": f"../evidence/{fid}/record.txt",
                          "description": "The filed record"}],
            "effectiveness": {"reviewed": "2026-11-24", "by": "Internal Audit",
                              "result": "effective", "method": "Re-sampled ten records."}}
    narrative = NARRATIVE.format(month=raised[5:7], area=f"area {i % 17}")
    return fields, narrative, closed


def page(fields: dict, narrative: str, closed: bool) -> str:
    """The same finding as a person would write it as a plain Markdown page: every fact the
    generated page shows (dates, owner, evidence size and SHA-256, review), no more."""
    f = fields
    due = "" if closed else f["corrective_actions"][0]["due"]
    lines = [f"[Register](../index.md) / {f['id']}", "",
             f"# {f['id']}: {f['title']}", "",
             f"**{f['severity']}** **{f['status']}**", "",
             f"- **Source:** {f['source']}", f"- **Raised:** {f['raised']} by {f['raised_by']}",
             f"- **Owner:** {f['owner']}", f"- **Next due:** {due or 'not recorded'}",
             f"- **Age:** {'closed' if closed else 'open'}", "- **Last changed:** 2026-11-28",
             "", "## Requirement", "", f"- **Standard:** {f['requirement']['standard']}",
             f"- **Procedure:** {f['requirement']['procedure']}",
             f"- **Clauses:** {', '.join(f'[{c}](../clauses.md)' for c in f['clauses'])}", "",
             "## Root cause", "", f"- **Method:** {f['root_cause']['method']}",
             f"- **Cause:** {f['root_cause']['cause']}",
             f"- **Category:** {f['root_cause']['category']}", "", "**Why? (in order)**", ""]
    lines += [f"{n}. {why}" for n, why in enumerate(f["root_cause"]["whys"], 1)]
    lines += ["", "**Extent**", "", f["extent"], "", "## Correction", "",
              f["correction"]["action"], "", f"Completed: {f['correction']['completed']}", "",
              "## Corrective actions", "", "| # | Action | Owner | Due | Completed | State |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {n} | {a['action']} | {a['owner']} | {a['due']} | "
              f"{a.get('completed', 'not yet')} | {'done' if a.get('completed') else 'open'} |"
              for n, a in enumerate(f["corrective_actions"], 1)]
    lines += ["", "## Closure", ""]
    if closed:
        c = f["closure"]
        lines += [f"- **Closed:** {c['closed']}", "", "**Evidence**", "",
                  f"- [record.txt](../evidence/{f['id']}/record.txt) 27 bytes  ",
                  f"  SHA-256 `{'0' * 64}`  ", "  The filed record", "",
                  "**Effectiveness review**", "",
                  f"- **Reviewed:** {c['effectiveness']['reviewed']}",
                  f"- **By:** {c['effectiveness']['by']}",
                  f"- **Result:** {c['effectiveness']['result']}",
                  f"- **Method:** {c['effectiveness']['method']}"]
    else:
        lines += ["Not closed."]
    lines += ["", "## ISMS changes, risks and related findings", "",
              "- **ISMS changes:** not recorded", "- **Risks:** not recorded",
              "- **Related:** none", "- **Referenced by:** none",
              "", "## Narrative", "", narrative]
    return "\n".join(lines)


THEME = "site_name: Bench\ntheme:\n  name: material\nplugins:\n  - search\n"


def make_plugin_site(root: Path, n: int) -> None:
    register = root / "register"
    for i in range(n):
        fields, narrative, closed = finding(i)
        target = register / "2026" / f"{fields['id']}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\n{yaml.safe_dump(fields, sort_keys=False)}---\n{narrative}")
        if closed:
            evidence = register / "evidence" / fields["id"] / "record.txt"
            evidence.parent.mkdir(parents=True, exist_ok=True)
            evidence.write_text(f"Record for {fields['id']}\n")
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text(THEME + "  - capa\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "register"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)


def make_bare_site(root: Path, n: int) -> None:
    docs = root / "docs"
    for i in range(n):
        fields, narrative, closed = finding(i)
        target = docs / "findings" / f"{fields['id']}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page(fields, narrative, closed))
        if closed:
            evidence = docs / "evidence" / fields["id"] / "record.txt"
            evidence.parent.mkdir(parents=True, exist_ok=True)
            evidence.write_text(f"Record for {fields['id']}\n")
    (docs / "index.md").write_text("# Register\n\nThe findings.\n")
    (docs / "clauses.md").write_text("# Clauses\n\nFindings by clause.\n")
    (root / "mkdocs.yml").write_text(THEME + "not_in_nav: |\n  /findings/\n  /clauses.md\n")


REVIEWS = {"MR-2026-Q1": "2026-03-31", "MR-2026-Q2": "2026-06-30",
           "MR-2026-Q3": "2026-09-30", "MR-2026-Q4": "2026-11-27"}


def _commit(root: Path, message: str, day: str) -> None:
    stamp = f"{day}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com",
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    for args in (["add", "-A"], ["commit", "-qm", message]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)


def make_history_site(root: Path, n: int) -> None:
    """N findings over a year of history: raised (in progress) in their quarter's commit,
    their final version (a third closed) in a commit of late November."""
    register = root / "register"
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text(THEME + "  - capa\n")
    by_quarter: dict[int, list[int]] = {1: [], 2: [], 3: [], 4: []}
    for i in range(n):
        fields, _, _ = finding(i)
        by_quarter[(int(fields["raised"][5:7]) - 1) // 3 + 1].append(i)
    for quarter, ids in by_quarter.items():
        if not ids:
            continue
        for i in ids:
            fields, narrative, _ = finding(i)
            fields = {**fields, "status": "in-progress",
                      "corrective_actions": [{k: v for k, v in a.items() if k != "completed"}
                                             for a in fields["corrective_actions"]]}
            fields.pop("closure", None)
            target = register / "2026" / f"{fields['id']}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"---\n{yaml.safe_dump(fields, sort_keys=False)}---\n{narrative}")
        _commit(root, f"Raise the findings of Q{quarter}", f"2026-{3 * quarter:02d}-28")
    for i in range(n):
        fields, narrative, closed = finding(i)
        target = register / "2026" / f"{fields['id']}.md"
        target.write_text(f"---\n{yaml.safe_dump(fields, sort_keys=False)}---\n{narrative}")
        if closed:
            evidence = register / "evidence" / fields["id"] / "record.txt"
            evidence.parent.mkdir(parents=True, exist_ok=True)
            evidence.write_text(f"Record for {fields['id']}\n")
    _commit(root, "Close a third of the findings", "2026-11-26")


def with_reviews(root: Path, reviews: dict[str, str] | None) -> None:
    block = {"capa": {"reviews": reviews}} if reviews else "capa"
    config = yaml.safe_load(THEME)
    config["plugins"] = ["search", block]
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))


def timed_build(root: Path) -> float:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    result = subprocess.run([MKDOCS, "build", "-q"], cwd=root, env=env, capture_output=True,
                            text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed in {root}:\n{result.stderr[-3000:]}")
    return elapsed


PLUGIN_TARGET = 1.15
PACKS_TARGET = 1.3


def interleaved(first, second, runs: int) -> tuple[list[float], list[float]]:
    """Times of ``runs`` rounds of two builds, after one untimed build of each; the order
    swaps every round."""
    first()
    second()
    a: list[float] = []
    b: list[float] = []
    for round_ in range(runs):
        if round_ % 2:
            b.append(second())
            a.append(first())
        else:
            a.append(first())
            b.append(second())
    return a, b


def header(base: str, measured: str) -> str:
    return (f"{'N':>6} {base:>14} {'best':>6} {measured:>14} {'best':>6} {'ratio':>6} "
            f"{'best':>6}  target")


def report(n: int, base: list[float], measured: list[float], target: float,
           extra: str = "") -> bool:
    """One line: median and best of each build, the ratios, PASS/FAIL on the median."""
    med_base, med = statistics.median(base), statistics.median(measured)
    ratio, best_ratio = med / med_base, min(measured) / min(base)
    ok = ratio <= target
    print(f"{n:>6} {med_base:>14.2f} {min(base):>6.2f} {med:>14.2f} {min(measured):>6.2f} "
          f"{ratio:>6.2f} {best_ratio:>6.2f}  {target:.2f} {'PASS' if ok else 'FAIL'}{extra}",
          flush=True)
    return ok


def main(sizes: list[int], runs: int) -> bool:
    print(f"plugin against bare pages: {runs} interleaved runs, median and best (s)")
    print(header("bare median", "plugin median") + "       plugin ms/finding")
    ok = True
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            plugin_root, bare_root = Path(tmp, "plugin"), Path(tmp, "bare")
            plugin_root.mkdir()
            bare_root.mkdir()
            make_plugin_site(plugin_root, n)
            make_bare_site(bare_root, n)
            bare, plugin = interleaved(partial(timed_build, bare_root),
                                       partial(timed_build, plugin_root), runs)
            pages = len(list((plugin_root / "site/findings").iterdir()))
            assert pages == n, f"{pages} finding pages for {n} findings"
            ok &= report(n, bare, plugin, PLUGIN_TARGET,
                         f"  {1000 * statistics.median(plugin) / n:.2f}")
    return ok


def build_without_packs(root: Path) -> float:
    with_reviews(root, None)
    elapsed = timed_build(root)
    assert not (root / "site/reviews").exists()
    return elapsed


def build_with_packs(root: Path) -> float:
    with_reviews(root, REVIEWS)
    elapsed = timed_build(root)
    built = sorted(p.name for p in (root / "site/reviews").iterdir())
    assert built == [*REVIEWS, "index.html"], built
    return elapsed


def main_packs(sizes: list[int], runs: int) -> bool:
    print(f"four review packs against none: {runs} interleaved runs, median and best (s)")
    print(header("none median", "4 packs median"))
    ok = True
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp, "history")
            root.mkdir()
            make_history_site(root, n)
            none, four = interleaved(partial(build_without_packs, root),
                                     partial(build_with_packs, root), runs)
            ok &= report(n, none, four, PACKS_TARGET)
    return ok


if __name__ == "__main__":
    args = sys.argv[1:]
    only_packs = "--packs" in args
    rounds = 3
    if "--runs" in args:
        at = args.index("--runs")
        rounds = int(args[at + 1])
        del args[at:at + 2]
        if rounds < 1:
            raise SystemExit("--runs: at least 1")
    numbers = [int(a) for a in args if a != "--packs"] or [1000, 5000]
    passed = True
    if not only_packs:
        passed &= main(numbers, rounds)
    passed &= main_packs(numbers, rounds)
    sys.exit(0 if passed else 1)
