"""How fast the register's site builds: the plugin against hand-written pages, the Zensical
path against the plugin, review packs against none, and where a build's time goes.

For each N, in one run:

- plugin: a git repository holding N finding files (a third closed with an evidence file)
  built with the plugin, and a bare site of N hand-written Markdown pages saying the same
  things (same theme, pages not in the nav, same evidence files), built without it; the
  plugin's build is timed with its shortcuts and without (CAPA_BUILD_SHORTCUTS=0, the
  build every page takes through MkDocs' normal steps). Target: the plugin at or below
  0.8x the bare build (issue 18; privacy on, as by default), time linear in N; the peak
  memory of the plugin's build is printed.
- zensical: `capa render --zensical` then `zensical build --clean` from an empty cache
  (the Zensical path from register to site) against the plugin's build. Target: at or
  below 1.0; every finding page built, none in any page's navigation. It also prints the
  path's two parts, and Zensical alone building as many pages of one heading each with
  the same configuration and theme: the part of the path no change to capa can remove.
- packs: a repository whose history spans the year (each finding committed as raised at
  the end of its quarter, then its final version), built with four `reviews:` (four
  packs, each with its charts) and without. Target: packs cost at most 1.3x.
- phases: one build with the shortcuts and one without, each with a timer around every
  phase (bench/phases.py): validation, history, finding pages, Markdown, theme, search,
  privacy, writing, copying.

Each comparison builds every site once untimed (so none pays for a cold disk cache or
Python's first compile alone), then times --runs rounds, the builds interleaved and their
order rotated each round, so a slow spell of the machine hits all. It prints the median
and best of each, their ratios, and PASS or FAIL for the median ratio against the target;
the exit code is 1 when any comparison fails.

    python bench/build.py            # N = 1000 and 5000: phases, plugin, zensical, packs
    python bench/build.py 200 1000   # other sizes
    python bench/build.py --plugin 5000   # only the plugin comparison (or --zensical,
                                          # --packs, --phases; several may be given)
    python bench/build.py --runs 5 1000  # five timed rounds (default 3)
    python bench/build.py --shape realistic 1000   # findings like a mature register's
    python bench/build.py --rebuild --zensical 1000  # each build over the last one's output

Each build writes into empty folders, as CI's fresh clone does (``set_aside``);
``--rebuild`` builds over the last build's output instead, as a second build on one's own
machine does.

`--shape realistic` takes its findings from bench/realistic.py (long narratives with a
list and a table, 5 to 7 corrective actions, 5 to 7 evidence files per closed finding,
most pinned), all raised in 2026 so that the four packs have a year to cover; the bare
pages then carry every action and evidence item those findings hold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic  # noqa: E402  (bench/realistic.py)

SEVERITIES = ("major", "minor", "observation", "ofi")
OWNERS = ("Jane Smith", "Sam Ops", "Lukas Meyer", "Aisha Rahman", "B. Reviewer")
CLAUSES = ("5.2", "6.1.2", "7.2", "8.1", "9.2", "A.5.15", "A.5.19", "A.8.13", "A.8.32")
EPOCH = "1795824000"  # 2026-11-28
MKDOCS = str(Path(sys.executable).parent / "mkdocs")
CAPA = str(Path(sys.executable).parent / "capa")
ZENSICAL = str(Path(sys.executable).parent / "zensical")
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


Files = dict[str, bytes]
"""Evidence files by their path under the register folder (evidence/<ID>/<name>)."""


def simple_findings(n: int) -> list[tuple[dict, str, Files]]:
    out = []
    for i in range(n):
        fields, narrative, closed = finding(i)
        files = ({f"evidence/{fields['id']}/record.txt": f"Record for {fields['id']}\n".encode()}
                 if closed else {})
        out.append((fields, narrative, files))
    return out


def realistic_findings(n: int) -> list[tuple[dict, str, Files]]:
    rng = random.Random(42)
    earlier: list[tuple[str, int]] = []
    out = []
    for i in range(n):
        fid = f"CAPA-2026-{i:05d}"
        out.append(realistic.finding(i, fid, 2026, rng, earlier))
        earlier.append((fid, 2026))
    return out


SHAPES = {"simple": simple_findings, "realistic": realistic_findings}


def finding_text(fields: dict, narrative: str, shape: str) -> str:
    if shape == "realistic":
        return realistic.text(fields, narrative)
    return f"---\n{yaml.safe_dump(fields, sort_keys=False)}---\n{narrative}"


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


def _facts(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"- **{name}:** {value}" for name, value in pairs]


def _published(path: str) -> str:
    """Where the plugin publishes an evidence file: Markdown with `.txt` appended, so it
    is shown as text, not rendered as a page (and not listed in the navigation)."""
    return f"{path}.txt" if path.endswith(".md") else path


def realistic_page(fields: dict, narrative: str, files: Files) -> str:
    """A realistic finding as a person would write it as a plain page: every fact the
    generated page shows, each action and each evidence item with its size and SHA-256."""
    f = fields
    closed = f["status"] == "closed"
    actions = f.get("corrective_actions") or []
    open_dues = sorted(a["due"] for a in actions if not a.get("completed"))
    lines = [f"[Register](../index.md) / {f['id']}", "", f"# {f['id']}: {f['title']}", "",
             f"**{f['severity']}** **{f['status']}**", ""]
    lines += _facts([("Source", f["source"]), ("Raised", f"{f['raised']} by {f['raised_by']}"),
                     ("Owner", f.get("owner", "not recorded")),
                     ("Department", f.get("department", "not recorded")),
                     ("Tags", ", ".join(f.get("tags", []))),
                     ("Next due", open_dues[0] if open_dues else "not recorded"),
                     ("Age", "closed" if closed else "open"), ("Last changed", "2026-11-28")])
    requirement = f.get("requirement", {})
    lines += ["", "## Requirement", ""]
    lines += _facts([("Standard", requirement.get("standard", "not recorded")),
                     ("Procedure", requirement.get("procedure", "not recorded")),
                     ("Clauses", ", ".join(f"[{c}](../clauses.md)" for c in f["clauses"]))])
    lines += ["", "## Root cause", ""]
    cause = f.get("root_cause")
    if cause:
        lines += _facts([("Method", cause["method"]), ("Cause", cause["cause"]),
                         ("Category", cause["category"])])
        lines += ["", "**Why? (in order)**", ""]
        lines += [f"{n}. {why}" for n, why in enumerate(cause["whys"], 1)]
    else:
        lines.append("Not recorded yet.")
    lines += ["", "**Extent**", "", f.get("extent", "not recorded"), "", "## Correction", ""]
    if "correction" in f:
        lines += [f["correction"]["action"], "", f"Completed: {f['correction']['completed']}"]
    else:
        lines.append("Not recorded yet.")
    lines += ["", "## Corrective actions", ""]
    if actions:
        lines += ["| # | Action | Owner | Due | Completed | State |", "|---|---|---|---|---|---|"]
        lines += [f"| {n} | {a['action']} | {a['owner']} | {a['due']} | "
                  f"{a.get('completed', 'not yet')} | {'done' if a.get('completed') else 'open'} |"
                  for n, a in enumerate(actions, 1)]
    else:
        lines.append("None recorded.")
    lines += ["", "## Closure", ""]
    if closed:
        c = f["closure"]
        lines += [f"- **Closed:** {c['closed']}", "", "**Evidence**", ""]
        for item in c["evidence"]:
            if "url" in item:
                lines += [f"- <{item['url']}>  ", f"  {item['description']}"]
                continue
            name = item["path"].rsplit("/", 1)[1]
            content = files[item["path"].removeprefix("../")]
            pinned = "SHA-256 verified at build" if "sha256" in item else "not pinned"
            lines += [f"- [{name}]({_published(item['path'])}) {len(content)} bytes  ",
                      f"  SHA-256 `{hashlib.sha256(content).hexdigest()}` {pinned}  ",
                      f"  {item['description']}"]
        review = c.get("effectiveness")
        lines += ["", "**Effectiveness review**", ""]
        if review:
            lines += _facts([("Reviewed", review["reviewed"]), ("By", review["by"]),
                             ("Result", review["result"]), ("Method", review["method"])])
        else:
            lines.append("Not reviewed.")
    else:
        lines.append("Not closed.")
    related = ", ".join(f"[{r}]({r}.md)" for r in f.get("related", [])) or "none"
    lines += ["", "## ISMS changes, risks and related findings", ""]
    lines += _facts([("ISMS changes", f.get("isms_changes", "not recorded")),
                     ("Risks", ", ".join(f.get("risks", []))), ("Related", related),
                     ("Referenced by", "none")])
    # The narrative links other findings as ../2026/<ID>.md; here they sit side by side.
    lines += ["", "## Narrative", "", re.sub(r"\.\./[0-9]{4}/", "", narrative)]
    return "\n".join(lines)


THEME = "site_name: Bench\ntheme:\n  name: material\nplugins:\n  - search\n"


def write_files(folder: Path, files: Files) -> None:
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def make_plugin_site(root: Path, findings: list[tuple[dict, str, Files]], shape: str) -> None:
    register = root / "register"
    for fields, narrative, files in findings:
        target = register / "2026" / f"{fields['id']}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(finding_text(fields, narrative, shape))
        write_files(register, files)
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text(THEME + "  - capa\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "register"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)


def make_bare_site(root: Path, findings: list[tuple[dict, str, Files]], shape: str) -> None:
    docs = root / "docs"
    for fields, narrative, files in findings:
        target = docs / "findings" / f"{fields['id']}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        if shape == "realistic":
            target.write_text(realistic_page(fields, narrative, files))
        else:
            target.write_text(page(fields, narrative, bool(files)))
        write_files(docs, {_published(name): content for name, content in files.items()})
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


def make_history_site(root: Path, findings: list[tuple[dict, str, Files]], shape: str) -> None:
    """N findings over a year of history: raised (a closed one as in progress, without its
    closure and completions) in their quarter's commit, their final version in a commit
    of late November."""
    register = root / "register"
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text(THEME + "  - capa\n")
    by_quarter: dict[int, list[int]] = {1: [], 2: [], 3: [], 4: []}
    for i, (fields, _, _) in enumerate(findings):
        by_quarter[(int(fields["raised"][5:7]) - 1) // 3 + 1].append(i)
    for quarter, ids in by_quarter.items():
        if not ids:
            continue
        for i in ids:
            fields, narrative, _ = findings[i]
            fields = {**fields, "status": "in-progress" if fields["status"] == "closed"
                      else fields["status"]}
            if "corrective_actions" in fields:
                fields["corrective_actions"] = [
                    {k: v for k, v in a.items() if k != "completed"}
                    for a in fields["corrective_actions"]]
            fields.pop("closure", None)
            target = register / "2026" / f"{fields['id']}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(finding_text(fields, narrative, shape))
        # A quarter's findings are committed at its end; Q4's before the final commit.
        _commit(root, f"Raise the findings of Q{quarter}",
                f"2026-{3 * quarter:02d}-28" if quarter < 4 else "2026-11-20")
    for fields, narrative, files in findings:
        target = register / "2026" / f"{fields['id']}.md"
        target.write_text(finding_text(fields, narrative, shape))
        write_files(register, files)
    _commit(root, "Close a third of the findings", "2026-11-26")


def with_reviews(root: Path, reviews: dict[str, str] | None) -> None:
    block = {"capa": {"reviews": reviews}} if reviews else "capa"
    config = yaml.safe_load(THEME)
    config["plugins"] = ["search", block]
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))


PEAKS: dict[str, int] = {}
"""Peak resident memory (KB) of the last build of each site, by its folder."""


def run_measured(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Seconds and peak resident memory (KB) of one command, which must succeed."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{errors[-3000:]}")
    return elapsed, usage.ru_maxrss


REBUILD = False
"""``--rebuild``: each build over the last one's output, as a second build on one's own
machine: MkDocs empties its site folder, ``capa render`` writes over its pages and
``zensical build --clean`` empties its cache."""


def set_aside(*folders: Path) -> None:
    """Move what the last build wrote out of the way, into a folder deleted when the
    bench ends: each build writes into empty folders, as in CI's fresh clone.

    Deleting it instead would charge the next build for the deletion: on ext4 a file
    created soon after many were deleted makes the kernel search its inode bitmaps past
    every recently deleted inode (``perf record`` of ``zensical build`` after ``rm -rf``
    of the last one: 59% of its time in the kernel, ``find_get_block_common`` and
    ``recently_deleted``; its CPU time 6.7 s against 3.7 s into empty folders).
    """
    if REBUILD:
        return
    for folder in folders:
        if folder.exists():
            trash = folder.parent.parent / "set-aside"
            trash.mkdir(exist_ok=True)
            count = len(list(trash.iterdir()))
            folder.rename(trash / f"{folder.parent.name}-{folder.name}-{count}")


def timed_build(root: Path, shortcuts: bool = True) -> float:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1",
           "CAPA_BUILD_SHORTCUTS": "1" if shortcuts else "0"}
    set_aside(root / "site")
    elapsed, PEAKS[f"{root}:{shortcuts}"] = run_measured([MKDOCS, "build", "-q"], root, env)
    return elapsed


PLUGIN_TARGET = 0.8
"""The plugin's build against the bare build of the same pages (issue 18; was 1.15)."""
ZENSICAL_TARGET = 1.0
"""capa render + zensical build, cold cache, against the plugin's build."""
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


def main(sizes: list[int], runs: int, shape: str) -> bool:
    """The plugin against bare pages; the build without the shortcuts for comparison."""
    print(f"plugin against bare pages, {shape} findings: {runs} interleaved runs, "
          "median and best (s); the plugin without its shortcuts (CAPA_BUILD_SHORTCUTS=0)")
    print(header("bare median", "plugin median") + "       plugin ms/finding, peak MB; "
          "without shortcuts: median, ratio to bare, peak MB")
    ok = True
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            plugin_root, bare_root = Path(tmp, "plugin"), Path(tmp, "bare")
            plugin_root.mkdir()
            bare_root.mkdir()
            findings = SHAPES[shape](n)
            make_plugin_site(plugin_root, findings, shape)
            make_bare_site(bare_root, findings, shape)
            bare, plugin, normal = interleaved_all(
                [partial(timed_build, bare_root), partial(timed_build, plugin_root),
                 partial(timed_build, plugin_root, False)], runs)
            pages = len(list((plugin_root / "site/findings").iterdir()))
            assert pages == n, f"{pages} finding pages for {n} findings"
            peak, peak_normal = (PEAKS[f"{plugin_root}:{flag}"] / 1024 for flag in (True, False))
            ok &= report(n, bare, plugin, PLUGIN_TARGET,
                         f"  {1000 * statistics.median(plugin) / n:.2f}, {peak:.0f} MB; "
                         f"{statistics.median(normal):.2f} s, "
                         f"{statistics.median(normal) / statistics.median(bare):.2f}, "
                         f"{peak_normal:.0f} MB")
    return ok


def interleaved_all(builds: list, runs: int) -> list[list[float]]:
    """Times of ``runs`` rounds of several builds, after one untimed build of each; each
    round starts one build later than the one before, so none is always first."""
    for build in builds:
        build()
    times: list[list[float]] = [[] for _ in builds]
    for round_ in range(runs):
        for step in range(len(builds)):
            at = (round_ + step) % len(builds)
            times[at].append(builds[at]())
    return times


SPLIT: dict[str, list[float]] = {"render": [], "build": [], "floor": []}
"""The Zensical path's timed runs in parts: ``capa render``, ``zensical build``, and
Zensical alone on pages of one heading each (``floor_build``)."""


def zensical_build(root: Path, out: Path) -> float:
    """``capa render`` with its Zensical configuration, then ``zensical build`` from an
    empty cache: the Zensical path from the register to the site."""
    set_aside(out, root / "zensical-site", root / ".cache")  # --clean empties .cache
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    config = root / "zensical.toml"
    config.unlink(missing_ok=True)
    rendered, _ = run_measured([CAPA, "render", str(out), "--zensical", str(config)], root, env)
    text = config.read_text().replace('site_dir = "site"', 'site_dir = "zensical-site"')
    config.write_text(text)
    built, PEAKS[f"{root}:zensical"] = run_measured([ZENSICAL, "build", "--clean", "-f",
                                                     str(config)], root, env)
    SPLIT["render"].append(rendered)
    SPLIT["build"].append(built)
    return rendered + built


def floor_build(root: Path, n: int) -> float:
    """``zensical build``, cold cache, of n pages holding one heading each, with the
    configuration and theme ``capa render`` writes (run once first): what Zensical takes
    for n pages before any of them says anything, its own floor under the Zensical path."""
    floor = root / "floor"
    docs = floor / "docs"
    if not docs.exists():
        for i in range(n):
            (docs / f"findings/F-{i:05d}").mkdir(parents=True)
            (docs / f"findings/F-{i:05d}/index.md").write_text(f"# Finding {i}\n")
        for name in ("index", "register", "management-review", "clauses"):
            (docs / f"{name}.md").write_text(f"# {name}\n")
        text = (root / "zensical.toml").read_text()
        text = re.sub(r'(?m)^docs_dir = .*$', 'docs_dir = "docs"', text)
        text = re.sub(r'(?m)^site_dir = .*$', 'site_dir = "site"', text)
        (floor / "zensical.toml").write_text(text)
        (floor / "capa-theme").symlink_to(root / "capa-theme")
    set_aside(floor / "site", floor / ".cache")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    elapsed, _ = run_measured([ZENSICAL, "build", "--clean"], floor, env)
    assert len(list((floor / "site/findings").iterdir())) == n
    SPLIT["floor"].append(elapsed)
    return elapsed


def check_zensical_site(root: Path, n: int) -> None:
    """Every finding page built, and none in the navigation of any page."""
    site = root / "zensical-site"
    pages = sorted((site / "findings").glob("*/index.html"))
    assert len(pages) == n, f"{len(pages)} finding pages for {n} findings"
    for page in (pages[0], site / "register/index.html"):
        nav = re.findall(r'class="md-nav__link[^"]*"[^>]*href="([^"]*)"|'
                         r'href="([^"]*)"[^>]*class="md-nav__link', page.read_text())
        assert not [a or b for a, b in nav if "findings/" in (a or b)], page


def main_zensical(sizes: list[int], runs: int, shape: str) -> bool:
    print(f"capa render + zensical build (cold cache) against the plugin's build, {shape} "
          f"findings: {runs} interleaved runs, median and best (s); the Zensical path's "
          "medians in parts, and Zensical alone on as many pages of one heading each")
    print(header("plugin median", "zensical median") + "       peak MB plugin, zensical; "
          "render + build; Zensical alone")
    ok = True
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp, "plugin")
            root.mkdir()
            make_plugin_site(root, SHAPES[shape](n), shape)
            for part in SPLIT.values():
                part.clear()
            plugin, zensical, _ = interleaved_all(
                [partial(timed_build, root), partial(zensical_build, root, root / "rendered"),
                 partial(floor_build, root, n)], runs)
            check_zensical_site(root, n)
            render, build, floor = (statistics.median(SPLIT[k][-runs:]) for k in SPLIT)
            ok &= report(n, plugin, zensical, ZENSICAL_TARGET,
                         f"  {PEAKS[f'{root}:True'] / 1024:.0f}, "
                         f"{PEAKS[f'{root}:zensical'] / 1024:.0f}; "
                         f"{render:.2f} + {build:.2f}; {floor:.2f}")
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


def main_packs(sizes: list[int], runs: int, shape: str) -> bool:
    print(f"four review packs against none, {shape} findings: {runs} interleaved runs, "
          "median and best (s)")
    print(header("none median", "4 packs median"))
    ok = True
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp, "history")
            root.mkdir()
            make_history_site(root, SHAPES[shape](n), shape)
            none, four = interleaved(partial(build_without_packs, root),
                                     partial(build_with_packs, root), runs)
            ok &= report(n, none, four, PACKS_TARGET)
    return ok


def main_phases(n: int, shape: str) -> None:
    """One build of each kind with timers around its phases (bench/phases.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "plugin")
        root.mkdir()
        make_plugin_site(root, SHAPES[shape](n), shape)
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"}
        timed_build(root)  # untimed: a warm disk cache for both
        columns = {}
        for label, flag in (("shortcuts", "1"), ("without", "0")):
            result = subprocess.run([sys.executable, str(Path(__file__).parent / "phases.py")],
                                    cwd=root, env={**env, "CAPA_BUILD_SHORTCUTS": flag},
                                    capture_output=True, text=True, check=True)
            columns[label] = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"phases of one plugin build, {n} {shape} findings (s; nested phases indented)")
    print(f"{'phase':<52} {'shortcuts':>10} {'without':>10}")
    for phase in columns["without"]:
        print(f"{phase:<52} {columns['shortcuts'].get(phase, 0.0):>10.2f} "
              f"{columns['without'][phase]:>10.2f}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the site build against its targets (issue 18); the module's "
                    "docstring says what each comparison builds.")
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 5000], metavar="N",
                        help="findings in the generated register (default 1000 5000)")
    for flag, what in (("--phases", "a timer around each phase of one build"),
                       ("--plugin", "the plugin against hand-written pages"),
                       ("--zensical", "capa render + zensical build against the plugin"),
                       ("--packs", "review packs against none")):
        parser.add_argument(flag, action="store_true", help=f"{what} (default: all four)")
    parser.add_argument("--runs", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="simple",
                        help="the generated findings (default simple)")
    parser.add_argument("--rebuild", action="store_true",
                        help="each build over the last one's output, not into empty folders")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs: at least 1")
    return args


if __name__ == "__main__":
    options = arguments()
    REBUILD = options.rebuild
    every = not (options.phases or options.plugin or options.zensical or options.packs)
    passed = True
    if every or options.phases:
        main_phases(options.sizes[0], options.shape)
    if every or options.plugin:
        passed &= main(options.sizes, options.runs, options.shape)
    if every or options.zensical:
        passed &= main_zensical(options.sizes, options.runs, options.shape)
    if every or options.packs:
        passed &= main_packs(options.sizes, options.runs, options.shape)
    sys.exit(0 if passed else 1)
