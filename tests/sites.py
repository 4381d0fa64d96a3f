"""Builders for site tests: a fixture register in a real git repository, a real build.

Every build runs with ``strict`` and collects the warnings MkDocs logs, so a test fails on
any warning it did not expect (as mkdocs-section-index's tests do).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from .helpers import TODAY, commit_all, finding, init_repo, write_evidence, write_finding

# 2026-11-28T00:00:00Z: the builds judge dates as of helpers.TODAY.
SOURCE_DATE_EPOCH = "1795824000"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e1bd3f9a0000000049454e44ae426082")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_config(root: Path, plugin: dict[str, Any] | None = None, **extra: Any) -> Path:
    config = {"site_name": "Register test", "theme": {"name": "material"},
              "docs_dir": "docs", "plugins": ["search", {"capa": plugin or {}}], **extra}
    (root / "docs").mkdir(exist_ok=True)
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def mkdocs_build(config_file: Path, expected: Iterable[str] = ()) -> list[str]:
    """Build in this process, strict; fail on any warning not matching ``expected``."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    try:
        config = load_config(config_file=str(config_file), strict=False)
        build(config)
    finally:
        logger.removeHandler(handler)
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    patterns = list(expected)
    unexpected = [m for m in handler.messages if not any(p in m for p in patterns)]
    assert not unexpected, f"unexpected warnings: {unexpected}"
    return handler.messages


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def descendants(self) -> list[Element]:
        """Every element inside this one, at any depth."""
        out, stack = [], list(self.children)
        while stack:
            item = stack.pop()
            out.append(item)
            stack.extend(item.children)
        return out


class Page(HTMLParser):
    """A parsed page: every element with its attributes and text, for plain assertions."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if self._open:
            self._open[-1].children.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag
                and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def with_class(self, name: str) -> list[Element]:
        return [e for e in self.elements if name in e.attrs.get("class", "").split()]

    def content(self) -> Element:
        """The article: what the page itself says, without the theme's chrome."""
        return self.with_class("md-content__inner")[0]

    def content_elements(self) -> list[Element]:
        out, stack = [], [self.content()]
        while stack:
            element = stack.pop()
            out.append(element)
            stack.extend(element.children)
        return out


def sample_register(root: Path) -> dict[str, Path]:
    """A small register covering every field, every severity, evidence and recurrence."""
    register = root / "register"
    write_evidence(register, "CAPA-2026-004")
    write_evidence(register, "CAPA-2026-004", "screenshot.png", PNG)
    write_evidence(register, "CAPA-2026-004", "minutes.html", b"<script>alert(1)</script>\n")
    full = finding(
        department="Procurement", tags=["suppliers", "onboarding"],
        isms_changes="PRC-SUP-01 updated to v3.", risks=["R-014", "R-022"],
        related=["CAPA-2025-019"],
        root_cause={
            "method": "5-whys",
            "whys": ["The procurement team did not complete them.",
                     "They were not aware it was required before onboarding.",
                     "The supplier assessment procedure was not part of onboarding."],
            "cause": "Process ownership gap; procurement not included in ISMS procedure "
                     "communication.",
            "category": "ownership"},
    )
    full["closure"]["evidence"].append(
        {"path": "../evidence/CAPA-2026-004/screenshot.png", "description": "Checklist screen",
         "sha256": hashlib.sha256(PNG).hexdigest()})
    full["closure"]["evidence"].append(
        {"path": "../evidence/CAPA-2026-004/minutes.html", "description": "Meeting minutes"})
    paths = {"full": write_finding(register, full,
                                   body="## Context\n\nRaised at the **March** audit.\n")}
    paths["old"] = write_finding(register, finding(
        id="CAPA-2025-019", title="Supplier assessments not recorded", raised="2025-05-02",
        corrective_actions=[{"action": "Record assessments in the supplier register.",
                             "owner": "Jane Smith", "due": "2025-08-01",
                             "completed": "2025-07-20"}],
        correction={"action": "Recorded the missing assessments.", "completed": "2025-05-20"},
        closure={"closed": "2025-09-01",
                 "evidence": [{"url": "https://intranet.example.com/sr"}],
                 "effectiveness": {"reviewed": "2025-08-25", "by": "B. Reviewer",
                                   "result": "effective", "method": "Sampled 5."}}),
        folder="2025")
    paths["overdue"] = write_finding(register, {
        "id": "CAPA-2026-010", "title": "Backups never restore-tested", "severity": "major",
        "status": "in-progress", "source": "certification-audit", "raised": "2026-09-01",
        "raised_by": "C. Certifier", "requirement": {"standard": "ISO/IEC 27001:2022 A.8.13"},
        "clauses": ["A.8.13", "8.1"], "owner": "Sam Ops",
        "root_cause": {"method": "fishbone", "cause": "No restore test in the backup "
                       "procedure; nobody owned verification.", "category": "process"},
        "extent": "All three backup systems checked.",
        "correction": {"action": "Restored one backup to prove it works."},
        "corrective_actions": [
            {"action": "Add a quarterly restore test to PRC-OPS-04.", "owner": "Sam Ops",
             "due": "2026-11-01"},
            {"action": "Monitor restore tests in the KPI report.", "owner": "Sam Ops",
             "due": "2026-11-29"}],
        "related": ["CAPA-2026-004"],
    }, body="")
    paths["conformity"] = write_finding(register, {
        "id": "CAPA-2026-011", "title": "Access reviews performed on time", "severity":
        "conformity", "status": "closed", "source": "internal-audit", "raised": "2026-10-01",
        "raised_by": "A. Auditor", "clauses": ["A.5.18"],
        "closure": {"closed": "2026-10-01", "evidence": [
            {"path": "../evidence/CAPA-2026-004/checklist.txt", "description": "Sample"}]},
    })
    return paths


def hostile_register(root: Path) -> Path:
    """One finding whose every free-text value tries to run script in the reader's browser."""
    register = root / "register"
    write_evidence(register, "CAPA-2026-066")
    bad = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    data = finding(
        id="CAPA-2026-066", title=f"T {bad} [t](javascript:alert(2))",
        owner=f"O {bad}", raised_by=f"R {bad}", department=f"D {bad}",
        tags=[f"t{bad}"], isms_changes=f"I {bad}\n--8<-- 'mkdocs.yml'", risks=[f"R{bad}"],
        extent=f"E {bad}\n[e](javascript:alert(3))",
        requirement={"standard": f"S {bad}", "procedure": f"P {bad}"},
        correction={"action": f"C {bad} fixed the three records", "completed": "2026-03-28"},
        corrective_actions=[{"action": f"A {bad}", "owner": f"AO {bad}", "due": "2026-06-30",
                             "completed": "2026-05-20"}],
    )
    data["root_cause"]["whys"] = [f"W {bad}"]
    data["root_cause"]["cause"] = f"Cause {bad} process gap"
    data["closure"]["evidence"] = [
        {"path": "../evidence/CAPA-2026-066/checklist.txt", "description": f"ED {bad}"},
        {"url": "https://example.com/\"onmouseover=\"alert(1)", "description": f"U {bad}"}]
    data["closure"]["effectiveness"]["method"] = f"M {bad}"
    data["closure"]["effectiveness"]["by"] = f"B {bad}"
    body = (f"N {bad}\n\n<a href=\"javascript:alert(4)\">js</a> "
            "<a href=\"JaVaScRiPt:alert(5)\">js2</a> [md](javascript:alert(6))\n\n"
            "<div onclick=\"alert(7)\" style=\"background:url(javascript:alert(8))\">d</div>\n"
            "<iframe src=\"https://evil.example\"></iframe><form action=x><input></form>\n"
            "<svg onload=alert(9)></svg>\n\n--8<-- \"mkdocs.yml\"\n")
    return write_finding(register, data, body=body)


def repo_with(root: Path, build: Any) -> Path:
    init_repo(root)
    build(root)
    commit_all(root, "register", date=TODAY)
    return root
