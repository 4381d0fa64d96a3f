"""Each finding's evidence as the register publishes it: where each file appears, its size
and hash, and the files to copy.

The finding page, the CSV and JSON downloads and ``capa export`` all list the same
evidence with the same published paths, so the views are worked out here, below the site
and the exports, once per finding and each file hashed once per build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from ..contract.evidence import EvidenceResolver, resolve_evidence, sha256_of
from ..contract.model import Finding

FILES_DIR = "files"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"}
# Evidence is published under its own name only when its type is passive: a browser shows
# or downloads it and never runs it as a page of the site, and no site generator turns it
# into a page. Anything else (HTML, SVG, XHTML, scripts, every Markdown suffix MkDocs
# knows, and types nobody listed) is published as plain text: an allowlist, because a
# blocklist misses `.xht`, `.mdown` and whatever comes next.
PASSIVE_SUFFIXES = IMAGE_SUFFIXES | {
    ".pdf", ".txt", ".csv", ".tsv", ".log", ".json", ".yaml", ".yml",
    ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp", ".rtf",
    ".eml", ".msg", ".zip", ".gz", ".tgz", ".7z", ".tar", ".mp3", ".mp4", ".webm",
}


def published_uri(repo_path: str) -> str:
    """Where an evidence file appears in the site: its repository path under ``files/``.

    A file of a type not known to be passive gets ``.txt`` added, so it is served as text.
    A name starting with a dot is published with a ``_`` before it: site generators skip
    dot files (MkDocs excludes ``.*``), and the page would link a file that is not there.
    """
    parts = [f"_{part}" if part.startswith(".") else part
             for part in PurePosixPath(repo_path).parts]
    uri = "/".join([FILES_DIR, *parts])
    if PurePosixPath(repo_path).suffix.lower() not in PASSIVE_SUFFIXES:
        uri += ".txt"
    return uri


@dataclass
class EvidenceView:
    """One evidence item as the finding page shows it."""

    path: str | None = None
    url: str | None = None
    safe_url: bool = False
    description: str | None = None
    uri: str | None = None
    name: str = ""
    size: int = 0
    sha256: str = ""
    image: bool = False
    reason: str = ""
    source: Path | None = None
    pinned: str = ""
    """``verified`` when the finding's sha256 matches the file at build, ``mismatch`` when
    it does not (only if the evidence-hash rule is not an error), empty when unpinned."""
    recorded_pin: str = ""
    """The ``sha256`` the finding records for the file (lower case), if any."""
    repo_path: str = ""
    """The file's path in the repository."""
    held: bool = False
    """Kept out of the site (``publish: false`` here or on another item citing the file):
    listed with its path, size and hash, never copied."""

    @property
    def size_text(self) -> str:
        return human_size(self.size)


def human_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            return f"{value:.1f} {unit} ({size:,} bytes)"
    return f"{size} bytes"


def held_files(findings: Iterable[Finding], repo_root: Path) -> frozenset[Path]:
    """Every file an evidence item marks ``publish: false``: the register holds it, the
    site never copies it. One finding's ``false`` holds the file for every finding that
    cites it or links it: a file is either safe to publish or it is not."""
    resolver = EvidenceResolver(repo_root)
    held = set()
    for finding in findings:
        for item in finding.get("closure", "evidence") or []:
            if isinstance(item, dict) and item.get("publish") is False and "path" in item:
                resolved = resolver.resolve(finding.path, str(item["path"]))
                if resolved.ok and resolved.file is not None:
                    held.add(resolved.file)
    return frozenset(held)


class EvidenceViews:
    """The evidence views of one register, and the files they publish.

    ``files`` maps each published URI to its source, in the order first seen: the site
    copies exactly these (plus files the narrative links, which it adds with ``publish``),
    never one of the ``held`` files.
    """

    def __init__(self, repo_root: Path, findings: Iterable[Finding] = ()) -> None:
        self.repo_root = repo_root.resolve()
        self.files: dict[str, Path] = {}
        self.held = held_files(findings, self.repo_root)
        self._hashes: dict[Path, tuple[int, str]] = {}
        self._views: dict[str, list[EvidenceView]] = {}

    def of(self, finding: Finding) -> list[EvidenceView]:
        """Evidence views, worked out once per finding for the page and both downloads."""
        views = self._views.get(finding.id)
        if views is None:
            views = [self._view(finding, item)
                     for item in finding.get("closure", "evidence") or []
                     if isinstance(item, dict)]
            self._views[finding.id] = views
        return views

    def publish(self, uri: str, source: Path) -> bool:
        """Publish ``source`` at ``uri``, unless it is held; True when it is published."""
        if source in self.held:
            return False
        self.files[uri] = source
        return True

    def _view(self, finding: Finding, item: dict[str, Any]) -> EvidenceView:
        view = EvidenceView(description=item.get("description"))
        if "url" in item:
            view.url = str(item["url"])
            view.safe_url = urlsplit(view.url).scheme in ("http", "https")
            return view
        view.path = str(item.get("path", ""))
        resolved = resolve_evidence(finding.path, view.path, self.repo_root)
        if not resolved.ok or resolved.file is None:
            view.reason = resolved.reason
            return view
        source = resolved.file
        repo_path = source.relative_to(self.repo_root).as_posix()
        if source not in self._hashes:
            self._hashes[source] = (source.stat().st_size, sha256_of(source))
        view.size, view.sha256 = self._hashes[source]
        pinned = item.get("sha256")
        if isinstance(pinned, str) and pinned:
            view.recorded_pin = pinned.strip().lower()
            view.pinned = "verified" if pinned.strip().lower() == view.sha256 else "mismatch"
        view.repo_path = repo_path
        view.name = source.name
        view.source = source
        if source in self.held:
            view.held = True
            return view
        view.uri = published_uri(repo_path)
        view.image = source.suffix.lower() in IMAGE_SUFFIXES
        self.publish(view.uri, source)
        return view
