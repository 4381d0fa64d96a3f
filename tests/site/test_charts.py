"""The charts drawn by pygal: parsed as XML, checked for their values, labels and
accessibility, and for bytes that do not change from one render (or build) to the next."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from capa_docs.contract.model import Finding
from capa_docs.contract.settings import Settings
from capa_docs.register.findings import Register
from capa_docs.site.charts import Chart, figure, nice_max, svg, table, ticks
from capa_docs.site.trends import trend_charts

from ..helpers import finding

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[2]


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def _bars(root: ET.Element) -> list[tuple[str | None, str]]:
    """(series, tooltip) of every bar, in drawing order."""
    return [(g.get("data-series"), g.find(f"{SVG}title").text)
            for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]


def _flow() -> Chart:
    return Chart("c1", "Raised <script>", "What was raised.", ["2026 Q1", "<b>&"],
                 {"raised": [3, 1], "closed": [0, 2]}, category_label="Quarter")


def test_svg_is_labelled_for_screen_readers_and_escapes_text() -> None:
    markup = str(svg(_flow()))
    root = _parse(markup)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("class") == "capa-chart" and root.get("id") == "chart-c1"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    title, desc = list(root)[:2]  # first, where assistive technology looks
    assert (title.tag, title.get("id"), title.text) == (f"{SVG}title", "c1-title",
                                                        "Raised <script>")
    assert (desc.tag, desc.get("id")) == (f"{SVG}desc", "c1-desc")
    assert desc.text == "What was raised. raised: 2026 Q1 3, <b>& 1; closed: 2026 Q1 0, <b>& 2."
    assert "<script" not in markup and "&lt;script&gt;" in markup


def test_svg_has_the_series_values_and_labels() -> None:
    root = _parse(svg(_flow()))
    assert _bars(root) == [("raised", "raised, 2026 Q1: 3"), ("raised", "raised, <b>&: 1"),
                           ("closed", "closed, 2026 Q1: 0"), ("closed", "closed, <b>&: 2")]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "2026 Q1" in texts and "<b>&" in texts  # the categories on the x axis
    assert "raised" in texts and "closed" in texts  # the legend
    y_axis = next(g for g in root.iter(f"{SVG}g") if "axis y" in g.get("class", ""))
    assert [t.text for t in y_axis.iter(f"{SVG}text")] == ["0", "1", "2", "3", "4", "5"]
    heights = {title: float(g.find(f"{SVG}rect").get("height"))
               for g in root.iter(f"{SVG}g") if g.get("class") == "bar"
               for title in [g.find(f"{SVG}title").text]}
    assert heights["raised, 2026 Q1: 3"] == pytest.approx(3 * heights["raised, <b>&: 1"])
    assert heights["closed, 2026 Q1: 0"] == 0


def test_stacked_segments_sit_on_each_other() -> None:
    chart = Chart("c2", "Open", "Open by severity.", ["Q1"], {"major": [2], "minor": [3]},
                  stacked=True)
    root = _parse(svg(chart))
    major, minor = (g.find(f"{SVG}rect") for g in root.iter(f"{SVG}g")
                    if g.get("class") == "bar")
    assert float(minor.get("y")) + float(minor.get("height")) == pytest.approx(
        float(major.get("y")))
    assert float(minor.get("height")) == pytest.approx(1.5 * float(major.get("height")))


def test_svg_is_static_stable_and_fits_in_an_html_block() -> None:
    markup = str(svg(_flow()))
    assert markup == str(svg(_flow()))
    assert "\n" not in markup and "<!--" not in markup
    assert "<script" not in markup and " style=" not in markup
    assert re.findall(r"https?://[^\s\"'<)]+", markup) == ["http://www.w3.org/2000/svg"]
    assert "url(" not in markup.replace("url(#", "")  # no external resource
    ids = re.findall(r' id="([^"]+)"', markup)
    assert ids == ["chart-c1", "c1-title", "c1-desc"]  # stable, and unique on a page
    # Readable on light and dark (slate) schemes: no background, text in the page colour.
    style = _parse(markup).find(f"{SVG}defs/{SVG}style").text
    assert "background-color:transparent" in style and "fill:transparent" in style
    assert "fill:currentColor" in style and "black" not in style and "#000" not in style


def test_two_processes_on_other_days_and_folders_render_the_same_bytes(tmp_path: Path) -> None:
    """pygal writes the day into a comment and takes a uuid4 for its ids: neither may
    reach the page. Run in two fresh interpreters, one with another date and folder."""
    code = ("import datetime, sys; from capa_docs.site.charts import svg; "
            "from tests.site.test_charts import _flow; sys.stdout.write(str(svg(_flow())))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "random"}
    first = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True).stdout
    later = {**env, "SOURCE_DATE_EPOCH": "2000000000", "TZ": "Pacific/Kiritimati"}
    second = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=later,
                            capture_output=True, text=True, check=True).stdout
    assert first == second == str(svg(_flow()))


def test_none_is_no_data_no_bar_and_said_in_table_and_description() -> None:
    chart = Chart("c3", "Time to close", "Days.", ["major", "minor"],
                  {"median": [None, 4], "longest": [None, 9]}, unit="days",
                  category_label="Severity")
    root = _parse(svg(chart))
    assert _bars(root) == [("median", "median, minor: 4 days"),
                           ("longest", "longest, minor: 9 days")]
    assert "major no data" in root.find(f"{SVG}desc").text
    rows = [[c.text for c in tr] for tr in _parse(table(chart)).iter("tr")]
    assert rows == [["Severity", "median", "longest"], ["major", "no data", "no data"],
                    ["minor", "4 days", "9 days"]]
    empty = Chart("c4", "Time to close", "Days.", ["major"], {"median": [None]}, unit="days")
    assert "no data" in [t.text for t in _parse(svg(empty)).iter(f"{SVG}text")]


def test_figure_has_the_chart_a_data_table_and_its_print_copy() -> None:
    html = _parse(figure(_flow()))  # well-formed XHTML too
    assert html.tag == "figure" and html.get("id") == "c1"
    assert html.find(f"{SVG}svg") is not None
    assert html.find("figcaption").text == "Raised <script>"
    assert html.find("details/summary").text == "Data table: Raised <script>"
    shown, copy = html.findall(".//table")
    assert shown.get("class") == "capa-chart-data" and shown.get("hidden") is None
    assert copy.get("class") == "capa-chart-data capa-chart-print" and copy.get("hidden")
    for data in (shown, copy):
        assert data.find("caption").text == "Raised <script>"
        rows = [[c.text for c in tr] for tr in data.iter("tr")]
        assert rows == [["Quarter", "raised", "closed"], ["2026 Q1", "3", "0"],
                        ["<b>&", "1", "2"]]
        assert [th.get("scope") for th in data.iter("th")] == ["col"] * 3 + ["row"] * 2


@pytest.mark.parametrize(("value", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20),
                                            (230, 250), (2.2, 2.5)])
def test_nice_axis_maximum(value: float, top: float) -> None:
    assert nice_max(value) == top


@pytest.mark.parametrize(("top", "labels"), [(1, [0, 1]), (2, [0, 1, 2]),
                                             (5, [0, 1, 2, 3, 4, 5]),
                                             (2.5, [0, 0.5, 1, 1.5, 2, 2.5]),
                                             (250, [0, 50, 100, 150, 200, 250])])
def test_axis_ticks(top: float, labels: list[float]) -> None:
    assert ticks(top) == labels


def _f(fid: str, raised: str, *, status: str = "in-progress", closed: str | None = None,
       severity: str = "minor") -> Finding:
    data = finding(id=fid, raised=raised, status=status, severity=severity)
    if closed:
        data["closure"]["closed"] = closed
    else:
        data.pop("closure")
    return Finding(Path(f"register/{fid}.md"), f"register/{fid}.md", data, {})


def _many(count: int) -> list[Finding]:
    severities = ("major", "minor", "observation", "ofi")
    out = []
    for n in range(count):
        raised = dt.date(2025, 1, 1) + dt.timedelta(days=n % 600)
        closed = raised + dt.timedelta(days=10 + n % 200) if n % 3 else None
        out.append(_f(f"CAPA-2025-{n:04d}", raised.isoformat(), severity=severities[n % 4],
                      status="closed" if closed else "in-progress",
                      closed=closed.isoformat() if closed else None))
    return out


def test_render_time_per_chart_of_a_large_register() -> None:
    """The four charts of a 5,000-finding register; the time is printed (``-s``) and a
    loose bound catches a change of order of magnitude, not the machine's speed."""
    register = Register(_many(5000), Settings(), dt.date(2026, 9, 30))
    charts = trend_charts(register)
    rounds = 5
    start = time.perf_counter()
    for _ in range(rounds):
        for chart in charts:
            svg(chart)
    per_chart = (time.perf_counter() - start) / (rounds * len(charts))
    print(f"\npygal: {per_chart * 1000:.1f} ms a chart")
    assert per_chart < 0.25
    for chart in charts:
        assert len(_bars(_parse(svg(chart)))) > 0
