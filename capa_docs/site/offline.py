"""An offline copy of the site for an auditor with no account: one zip that works opened
from disk (``file://``), with no web server.

The site is built by MkDocs from the same ``mkdocs.yml`` as the published one, with two
changes a copy on disk needs: pages are files (``use_directory_urls: false``, so every
link names an ``.html`` file; a browser opening ``findings/X/`` from disk shows a folder
listing, not the page), and the theme's search is off (its worker cannot start from a
``file://`` page; the register's own filters work, and the home and register pages say
search needs a server). Held evidence stays out, as in the site; the files for a host
(``robots.txt``, ``_headers``) and the 404 page are left out, since nothing serves the
copy.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SEARCH_PLUGINS = ("material/search", "search")


class OfflineError(Exception):
    """The copy could not be built; the message says why (a configuration or build error)."""


def write_offline_copy(config_file: Path, target: Path, today: dt.date) -> int:
    """Build the site from ``config_file`` for reading from disk and write it to the zip
    ``target``, under one folder named after the zip; return the number of files."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    with tempfile.TemporaryDirectory(prefix="capa-offline-") as tmp:
        site = Path(tmp) / "site"
        try:
            with _messages() as errors:
                config = load_config(str(config_file), use_directory_urls=False,
                                     site_dir=str(site))
                capa = config.plugins.get("capa")
                if capa is None:
                    raise OfflineError(f"{config_file}: the capa plugin is not in `plugins:`")
                capa.offline = True  # type: ignore[attr-defined]
                for name in SEARCH_PLUGINS:
                    search = config.plugins.get(name)
                    if search is not None and "enabled" in search.config:
                        search.config.enabled = False
                build(config)
        except MkDocsException as error:
            reason = " ".join(str(error).split()) or type(error).__name__
            lines = "; ".join(errors)
            raise OfflineError(f"the site did not build: {reason}"
                               + (f" ({lines})" if lines and lines not in reason else "")
                               ) from None
        # Only a server shows a 404 page, and the theme links it with absolute URLs.
        (site / "404.html").unlink(missing_ok=True)
        return write_zip(site, target, target.stem or "register", today)


def write_zip(site: Path, target: Path, folder: str, today: dt.date) -> int:
    """Every file of ``site`` under ``folder/`` in the zip, in name order, each dated
    ``today``: the same site gives the same zip."""
    stamp = (max(today.year, 1980), today.month, today.day, 0, 0, 0)
    files = sorted(p for p in site.rglob("*") if p.is_file())
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"{folder}/{path.relative_to(site).as_posix()}", stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    partial.replace(target)
    return len(files)


@contextmanager
def _messages() -> Iterator[list[str]]:
    """The warnings and errors MkDocs logs while it loads and builds, to name them in the
    failure (a strict build stops on a warning)."""
    collected: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            collected.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield collected
    finally:
        logger.removeHandler(handler)
