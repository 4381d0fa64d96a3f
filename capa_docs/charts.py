"""Bar charts as static inline SVG, drawn at build time: no JavaScript, nothing fetched.

Hand-written rather than a plotting library: the charts are four bar charts, and the
library candidates either embed a script from a CDN in their SVG by default (pygal) or
pull in a heavy stack for a raster-first API (matplotlib). A small module keeps every
value escaped, every chart labelled for screen readers (``role="img"`` with ``<title>``
and ``<desc>`` named by ``aria-labelledby``), and a data table beside it that reads
the same numbers in text (for screen readers and for print).

The output has no blank line and no line that is just ``</div>``, so it can sit inside
the HTML blocks of our pages (see ``render.Page.split``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 40, 44
# Severity colours as in capa.css; other series take the palette in order.
COLOURS = {"major": "#b71c1c", "minor": "#bf360c", "observation": "#f9a825",
           "ofi": "#1565c0", "conformity": "#2e7d32"}
PALETTE = ("#1565c0", "#2e7d32", "#6a1b9a", "#bf360c", "#455a64", "#f9a825")


@dataclass
class Chart:
    """One bar chart: categories along x, one bar (or one stacked segment) per series."""

    ident: str
    """Unique on its page: prefixes the ids of the title and description elements."""
    title: str
    description: str
    categories: list[str]
    series: dict[str, list[float]] = field(default_factory=dict)
    stacked: bool = False
    unit: str = ""
    category_label: str = ""

    def value_text(self, value: float) -> str:
        text = f"{value:g}" if value != int(value) else str(int(value))
        return f"{text} {self.unit}".rstrip()

    def summary(self) -> str:
        """The numbers in words, for ``<desc>``: what a screen reader says for the image."""
        parts = []
        for name, values in self.series.items():
            pairs = ", ".join(f"{c} {self.value_text(v)}"
                              for c, v in zip(self.categories, values, strict=True))
            parts.append(f"{name}: {pairs or 'no data'}")
        return f"{self.description} " + "; ".join(parts) + "."


def nice_max(value: float) -> float:
    """The top of the y axis: 1, 2, 2.5 or 5 times a power of ten, at or above ``value``."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _colour(name: str, index: int) -> str:
    return COLOURS.get(name, PALETTE[index % len(PALETTE)])


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def svg(chart: Chart) -> Markup:
    """The chart as one ``<svg>`` element; every text from the data is escaped."""
    title_id, desc_id = f"{chart.ident}-title", f"{chart.ident}-desc"
    names = list(chart.series)
    count = len(chart.categories)
    if chart.stacked:
        top = max((sum(values[i] for values in chart.series.values()) for i in range(count)),
                  default=0)
    else:
        top = max((v for values in chart.series.values() for v in values), default=0)
    y_max = nice_max(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(count, 1)
    group = slot * 0.8
    bar = group if chart.stacked else group / max(len(names), 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="capa-chart" role="img" '
           f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet">',
           f'<title id="{escape(title_id)}">{escape(chart.title)}</title>',
           f'<desc id="{escape(desc_id)}">{escape(chart.summary())}</desc>']
    # Axis and grid: five steps from zero to the nice maximum.
    for step in range(6):
        value = y_max * step / 5
        y = TOP + plot_h - plot_h * step / 5
        out.append(f'<line class="capa-chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                   f'y1="{_num(y)}" y2="{_num(y)}"/>')
        out.append(f'<text class="capa-chart-tick" x="{LEFT - 6}" y="{_num(y + 4)}" '
                   f'text-anchor="end">{escape(_num(value))}</text>')
    for i, category in enumerate(chart.categories):
        x0 = LEFT + slot * i + (slot - group) / 2
        base = TOP + plot_h
        for s, name in enumerate(names):
            value = chart.series[name][i]
            height = plot_h * value / y_max if y_max else 0
            x = x0 if chart.stacked else x0 + bar * s
            y = base - height
            if chart.stacked:
                base = y
            out.append(f'<rect class="capa-chart-bar" data-series="{escape(name)}" '
                       f'x="{_num(x)}" y="{_num(y)}" width="{_num(max(bar - 1, 1))}" '
                       f'height="{_num(height)}" fill="{_colour(name, s)}">'
                       f'<title>{escape(name)}, {escape(category)}: '
                       f'{escape(chart.value_text(value))}</title></rect>')
        out.append(f'<text class="capa-chart-label" x="{_num(LEFT + slot * i + slot / 2)}" '
                   f'y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(category)}</text>')
    out.append(f'<line class="capa-chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
               f'y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    x = LEFT
    for s, name in enumerate(names):
        out.append(f'<rect x="{x}" y="12" width="12" height="12" fill="{_colour(name, s)}"/>'
                   f'<text class="capa-chart-legend" x="{x + 16}" y="22">{escape(name)}</text>')
        x += 24 + 8 * len(name)
    if chart.unit:
        out.append(f'<text class="capa-chart-tick" x="4" y="{TOP - 8}">'
                   f'{escape(chart.unit)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def table(chart: Chart) -> Markup:
    """The chart's numbers as a table: one row per category, one column per series."""
    head = "".join(f"<th scope=\"col\">{escape(name)}</th>" for name in chart.series)
    rows = []
    for i, category in enumerate(chart.categories):
        cells = "".join(f"<td>{escape(chart.value_text(values[i]))}</td>"
                        for values in chart.series.values())
        rows.append(f'<tr><th scope="row">{escape(category)}</th>{cells}</tr>')
    body = "".join(rows) or (f'<tr><td colspan="{len(chart.series) + 1}">no data</td></tr>')
    return Markup(f'<table class="capa-chart-data"><caption>{escape(chart.title)}</caption>'
                  f'<thead><tr><th scope="col">{escape(chart.category_label or "")}</th>'
                  f"{head}</tr></thead><tbody>{body}</tbody></table>")


def figure(chart: Chart) -> Markup:
    """The chart and its data table behind a disclosure, as one ``<figure>``."""
    return Markup(f'<figure class="capa-figure" id="{escape(chart.ident)}">{svg(chart)}'
                  f"<figcaption>{escape(chart.title)}</figcaption>"
                  f"<details class=\"capa-chart-details\"><summary>Data table: "
                  f"{escape(chart.title)}</summary>{table(chart)}</details></figure>")
