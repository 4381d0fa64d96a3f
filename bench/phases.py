"""Where a plugin build's time goes: ``mkdocs build`` in this process with a timer around
each phase the build spends time in (bench/build.py --phases runs it in the site's folder).

    python bench/phases.py [SITE_DIR]    # prints one JSON object: seconds per phase

Phases nest (validation is part of the plugin's on_files); each is the total time spent
inside its functions, counted once when they call each other.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import wraps
from typing import Any

TOTALS: dict[str, float] = defaultdict(float)
_DEPTH: dict[str, int] = defaultdict(int)


def timed(owner: Any, name: str, phase: str,
          when: Callable[..., bool] = lambda *a, **k: True) -> None:
    """Replace ``owner.name`` by the same function adding its time to ``phase``."""
    original = getattr(owner, name)

    @wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _DEPTH[phase] or not when(*args, **kwargs):
            return original(*args, **kwargs)
        _DEPTH[phase] += 1
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            TOTALS[phase] += time.perf_counter() - start
            _DEPTH[phase] -= 1

    setattr(owner, name, wrapper)


def instrument() -> None:
    import jinja2
    import mkdocs.utils
    from material.plugins.search.plugin import SearchPlugin
    from mkdocs.structure.pages import Page

    from capa_docs.site import render
    from capa_docs.site.plugin import CapaPlugin
    from capa_docs.site.privacy import PagePrivacy
    from capa_docs.site.shell import ShellTemplate
    from capa_docs.site.skeleton import SkeletonCache

    timed(CapaPlugin, "on_files", "capa: validate and render the register (on_files)")
    timed(render, "read_history", "  history (one git log)")
    timed(render, "validate", "  validation")
    timed(render, "finding_page", "  finding pages (Jinja, narratives, hashes)")
    timed(Page, "render", "Markdown (MkDocs' converter)")
    timed(SkeletonCache, "render", "Markdown (MkDocs' converter)")
    timed(SearchPlugin, "on_page_context", "search index entries")
    timed(ShellTemplate, "render", "theme: main.html")
    timed(jinja2.Template, "render", "theme: main.html",
          lambda self, *a, **k: self.name == "main.html")
    timed(PagePrivacy, "page", "privacy pass (policy, hashes, hosts)")
    timed(mkdocs.utils, "write_file", "writing pages and files")
    timed(mkdocs.utils, "copy_file", "copying evidence and theme files")


def main(site_dir: str | None) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    instrument()
    config = load_config("mkdocs.yml", site_dir=site_dir) if site_dir else load_config(
        "mkdocs.yml")
    start = time.perf_counter()
    build(config)
    TOTALS["total build"] = time.perf_counter() - start
    print(json.dumps(TOTALS))


if __name__ == "__main__":
    import logging

    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    main(sys.argv[1] if len(sys.argv) > 1 else None)
