"""Bar charts as static inline SVG, drawn at build time with pygal: no JavaScript, nothing
fetched.

Why pygal (3.1, Kozea, LGPL-3.0-or-later, released 2026-06): it is pure Python and draws
SVG natively, as elements with classes and a stylesheet inside the SVG, so its colours can
be ``currentColor`` and a chart reads in both the light and the dark (slate) scheme of
mkdocs-material; a chart takes about 7 ms. matplotlib (the other maintained candidate)
takes about 40 ms a chart after more than a second of import, brings numpy, writes its text
in fixed colours, and repeats ids such as ``figure_1`` in every chart of a page.

pygal's SVG is adjusted in one XML filter (``_finish``), for these reasons:

- ``js=[]`` stops it linking its tooltip script from a CDN, but it still writes its
  configuration as an inline ``<script>``: removed, with the comments (one carries the
  day of the build, so two builds of one commit would differ).
- Its chart id is a ``uuid4``: the chart's ``ident`` is used instead, stable across builds
  and unique on the page. The legend's ids (``activate-serie-0``, for its script) repeat
  in every chart: removed, as is the tooltip box the script would fill (it carries a
  ``style`` attribute, which our pages never have).
- It is always serialised by ``xml.etree``: pygal prefers lxml when installed, which
  writes the same tree differently, so the bytes would depend on the machine.
- Accessibility: ``role="img"`` and ``aria-labelledby`` naming a ``<title>`` and a
  ``<desc>`` that gives every number in words; each bar has a ``<title>`` (a tooltip
  without script). The data table beside the chart reads the same numbers in text, for
  screen readers and for print.
- No newline at all, so the SVG can sit inside the HTML blocks of our pages (no blank
  line, no line that is just ``</div>``: see ``page.Page.split``).

A value of ``None`` is "no data": no bar, and the table and the description say so.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pygal
from markupsafe import Markup, escape
from pygal.etree import etree as pygal_etree
from pygal.style import Style

WIDTH, HEIGHT = 640, 300
NO_DATA = "no data"
# Severity colours as in capa.css; other series take the palette in order.
COLOURS = {"major": "#b71c1c", "minor": "#bf360c", "observation": "#f9a825",
           "ofi": "#1565c0", "conformity": "#2e7d32"}
PALETTE = ("#1565c0", "#2e7d32", "#6a1b9a", "#bf360c", "#455a64", "#f9a825")
# Text and lines in the page's own colour and font, on no background of their own.
_INK = "currentColor"
_STYLE = {"background": "transparent", "plot_background": "transparent",
          "foreground": _INK, "foreground_strong": _INK, "foreground_subtle": _INK,
          "guide_stroke_color": _INK, "major_guide_stroke_color": _INK,
          "font_family": "inherit", "label_font_size": 13, "major_label_font_size": 13,
          "legend_font_size": 13, "title_font_size": 13, "no_data_font_size": 16,
          "opacity": ".9", "opacity_hover": "1", "transition": "0s"}


@dataclass
class Chart:
    """One bar chart: categories along x, one bar (or one stacked segment) per series."""

    ident: str
    """Unique on its page: the figure's id (the SVG's is ``chart-`` and it), and the
    prefix of the ids of its title and description."""
    title: str
    description: str
    categories: list[str]
    series: dict[str, list[float | None]] = field(default_factory=dict)
    stacked: bool = False
    unit: str = ""
    category_label: str = ""

    def value_text(self, value: float | None) -> str:
        if value is None:
            return NO_DATA
        text = f"{value:g}" if value != int(value) else str(int(value))
        unit = self.unit[:-1] if value == 1 and self.unit.endswith("s") else self.unit
        return f"{text} {unit}".rstrip()

    def summary(self) -> str:
        """The numbers in words, for ``<desc>``: what a screen reader says for the image."""
        parts = []
        for name, values in self.series.items():
            pairs = ", ".join(f"{c} {self.value_text(v)}"
                              for c, v in zip(self.categories, values, strict=True))
            parts.append(f"{name}: {pairs or NO_DATA}")
        return f"{self.description} " + "; ".join(parts) + "."

    def top(self) -> float:
        """The highest bar (or stack)."""
        if self.stacked:
            return max((sum(v[i] or 0 for v in self.series.values())
                        for i in range(len(self.categories))), default=0)
        return max((v for values in self.series.values() for v in values if v is not None),
                   default=0)


def nice_max(value: float) -> float:
    """The top of the y axis: 1, 2, 2.5 or 5 times a power of ten, at or above ``value``."""
    if value <= 0:
        return 1
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return _round(step * power)
    return _round(10 * power)  # pragma: no cover - the loop always returns


def ticks(top: float) -> list[float]:
    """The y axis labels: whole numbers up to a top of 2, else five steps to the top."""
    if top <= 2 and top == int(top):
        return list(range(int(top) + 1))
    return [_round(top * step / 5) for step in range(6)]


def _round(value: float) -> float:
    return int(value) if value == int(value) else round(value, 6)


def _number(value: float | None) -> str:
    return "" if value is None else f"{_round(value):g}"


def _colour(name: str, index: int) -> str:
    return COLOURS.get(name, PALETTE[index % len(PALETTE)])


def svg(chart: Chart) -> Markup:
    """The chart as one ``<svg>`` element drawn by pygal; every text from the data is
    escaped (pygal builds an element tree and serialises it)."""
    pygal_etree.to_etree()
    names = list(chart.series)
    top = nice_max(chart.top())
    kind = pygal.StackedBar if chart.stacked else pygal.Bar
    style = Style(colors=tuple(_colour(name, i) for i, name in enumerate(names)),
                  value_colors=(_INK,) * len(names), **_STYLE)
    graph = kind(js=[], style=style, width=WIDTH, height=HEIGHT, classes=["capa-chart"],
                 disable_xml_declaration=True, legend_at_bottom=True,
                 legend_at_bottom_columns=max(len(names), 1), legend_box_size=10,
                 range=(0, top), y_labels=ticks(top), y_title=chart.unit or None,
                 truncate_legend=-1, truncate_label=-1, no_data_text=NO_DATA,
                 value_formatter=_number, margin=8, spacing=8)
    graph.uuid = chart.ident
    graph.x_labels = chart.categories
    for name in names:
        graph.add(name, chart.series[name])
    graph.add_xml_filter(lambda root: _finish(chart, root))
    return Markup(graph.render(is_unicode=True).replace("\n", " "))


def _finish(chart: Chart, root: ET.Element) -> ET.Element:
    """pygal's tree made static, stable and labelled (see the module docstring)."""
    for parent in root.iter():
        for child in list(parent):
            if callable(child.tag) or child.tag == "script":  # comments are callable tags
                parent.remove(child)
    for parent in root.iter("g"):
        for child in list(parent):
            if "tooltip-overlay" in child.get("class", ""):  # the script's tooltip box
                parent.remove(child)
    for node in root.iter("g"):
        if node.get("id", "").startswith("activate-serie"):
            del node.attrib["id"]
    for node in root.iter("style"):
        node.text = (node.text or "").replace("\n", "")
    title_id, desc_id = f"{chart.ident}-title", f"{chart.ident}-desc"
    root.set("role", "img")
    root.set("aria-labelledby", f"{title_id} {desc_id}")
    title = root.find("title")
    if title is None:  # pragma: no cover - pygal always writes one
        title = ET.Element("title")
    else:
        root.remove(title)
    title.text = chart.title
    title.set("id", title_id)
    desc = ET.Element("desc", id=desc_id)
    desc.text = chart.summary()
    root.insert(0, title)
    root.insert(1, desc)
    _label_bars(chart, root)
    return root


def _label_bars(chart: Chart, root: ET.Element) -> None:
    """A ``<title>`` and ``data-series`` on each bar: pygal skips ``None`` values, so the
    bars of a series are its values that are not ``None``, in order."""
    plot = next((g for g in root.iter("g") if g.get("class") == "plot"), None)
    if plot is None:
        return
    for index, name in enumerate(chart.series):
        group = next((g for g in plot if g.get("class", "").startswith(
            f"series serie-{index} ")), None)
        if group is None:
            continue
        bars = [g for g in group.iter("g") if g.get("class") == "bar"]
        shown = [i for i, v in enumerate(chart.series[name]) if v is not None]
        for bar, i in zip(bars, shown, strict=False):
            bar.set("data-series", name)
            label = ET.SubElement(bar, "title")
            label.text = (f"{name}, {chart.categories[i]}: "
                          f"{chart.value_text(chart.series[name][i])}")


def table(chart: Chart, *, hidden: bool = False) -> Markup:
    """The chart's numbers as a table: one row per category, one column per series."""
    head = "".join(f"<th scope=\"col\">{escape(name)}</th>" for name in chart.series)
    rows = []
    for i, category in enumerate(chart.categories):
        cells = "".join(f"<td>{escape(chart.value_text(values[i]))}</td>"
                        for values in chart.series.values())
        rows.append(f'<tr><th scope="row">{escape(category)}</th>{cells}</tr>')
    body = "".join(rows) or (f'<tr><td colspan="{len(chart.series) + 1}">{NO_DATA}</td></tr>')
    opening = ('<table class="capa-chart-data capa-chart-print" hidden="hidden">' if hidden
               else '<table class="capa-chart-data">')
    return Markup(f'{opening}<caption>{escape(chart.title)}</caption>'
                  f'<thead><tr><th scope="col">{escape(chart.category_label or "")}</th>'
                  f"{head}</tr></thead><tbody>{body}</tbody></table>")


def figure(chart: Chart) -> Markup:
    """The chart and its data table behind a disclosure, as one ``<figure>``.

    Print opens the disclosure with ``::details-content`` (print.css); for a browser
    without it, a hidden copy of the table is shown in print instead.
    """
    return Markup(f'<figure class="capa-figure" id="{escape(chart.ident)}">{svg(chart)}'
                  f"<figcaption>{escape(chart.title)}</figcaption>"
                  f"<details class=\"capa-chart-details\"><summary>Data table: "
                  f"{escape(chart.title)}</summary>{table(chart)}</details>"
                  f"{table(chart, hidden=True)}</figure>")
