"""How the register page behaves in a real browser with 10,000 rows.

Usage: python bench/register_browser.py [N] [--keep DIR]

Generates N findings (default 10,000; the generator of bench/validate.py), renders the
register page with the core (the same HTML block the plugin hands to MkDocs, with our CSS
and script, outside the theme), and opens it in Debian's Chromium through Playwright. Prints
the time until the page is interactive (table parsed and the script's filter form shown),
then the time of a status filter, an owner filter, a text search and a sort by each kind
of column, each measured inside the page from the change to the updated row count.
Target: interactive in under 3 s, every filter and sort under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from validate import generate  # noqa: E402  (the generator of bench/validate.py)

from capa_docs.contract.settings import Settings  # noqa: E402
from capa_docs.site.render import asset_bytes, build_site  # noqa: E402
from capa_docs.site.urls import REGISTER  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TODAY = dt.date(2026, 11, 28)


def register_html(root: Path) -> Path:
    """The register page's HTML block in a bare document, with capa.css and register.js."""
    settings = Settings(base_dir=root)
    build = build_site(settings, root, TODAY, links="html")
    if build.rendered is None:
        sys.exit("the generated register has errors:\n"
                 + "\n".join(str(p) for p in build.errors[:10]))
    _, blocks = build.rendered.pages[REGISTER].split()
    out = root / "site"
    (out / "assets/capa").mkdir(parents=True, exist_ok=True)
    for name in ("capa.css", "register.js"):
        (out / "assets/capa" / name).write_bytes(asset_bytes(name))
    page = out / "register.html"
    page.write_text("<!doctype html><html><head><meta charset='utf-8'><title>Register</title>"
                    "</head><body><article class=\"md-typeset\">" + "\n".join(blocks)
                    + "</article></body></html>", encoding="utf-8")
    return page


TIMED = """async ([selector, value]) => {
  const count = document.querySelector('.capa-count');
  const before = count.textContent;
  const start = performance.now();
  const field = document.querySelector(selector);
  if (field.tagName === 'BUTTON') { field.click(); }
  else {
    field.value = value;
    field.dispatchEvent(new Event(field.tagName === 'INPUT' ? 'input' : 'change'));
  }
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return [performance.now() - start, count.textContent];
}"""


def measure(page_file: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        page.goto(page_file.as_uri())
        page.wait_for_selector("form.capa-controls:not([hidden])")
        ready = time.perf_counter() - start
        rows = page.eval_on_selector_all("table.capa-table tbody tr", "r => r.length")
        print(f"rows: {rows}")
        print(f"{'interactive (load, parse, script ready)':44} {ready:6.2f} s   target < 3 s")
        steps = [
            ("filter status = closed", "select[name=status]", "closed"),
            ("filter owner = Jane Smith", "select[name=owner]", "Jane Smith"),
            ("clear filters", "select[name=status]", ""),
            ("text search 'system 4711'", "input[name=q]", "system 4711"),
            ("clear search", "input[name=q]", ""),
            ("sort by ID", "table.capa-table th:nth-child(1) button", ""),
            ("sort by severity", "table.capa-table th:nth-child(3) button", ""),
            ("sort by age / overdue", "table.capa-table th:nth-child(8) button", ""),
            ("sort by title", "table.capa-table th:nth-child(2) button", ""),
        ]
        page.select_option("select[name=owner]", "")
        for label, selector, value in steps:
            elapsed, shown = page.evaluate(TIMED, [selector, value])
            print(f"{label:44} {elapsed / 1000:6.2f} s   ({shown})   target < 1 s")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="capa-bench-browser-"))
    try:
        generate(root, args.count)
        page = register_html(root)
        print(f"register page: {page.stat().st_size / 1e6:.1f} MB of HTML")
        measure(page)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
