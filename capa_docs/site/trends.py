"""The management review's trend figures, as charts: what ``charts`` draws, from a register.

Dates come from the findings' own fields (``raised``, ``closure.closed``), judged as of
the register's date, so a pack's register (the files as they stood on the review date)
gives that date's charts. Quarters are calendar quarters; the charts show the last
``MAX_QUARTERS`` of them up to the date.
"""

from __future__ import annotations

import datetime as dt
import statistics

from markupsafe import Markup

from ..register.findings import NONCONFORMITIES, Register, as_date
from .charts import Chart, figure

MAX_QUARTERS = 8
AGE_BUCKETS = ((0, 30, "0-30 d"), (31, 90, "31-90 d"), (91, 180, "91-180 d"),
               (181, 365, "181-365 d"), (366, None, "over 365 d"))
ACTION_SEVERITIES = ("major", "minor", "observation", "ofi")


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> dt.date:
    if quarter == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)


def quarters(first: dt.date, last: dt.date, limit: int = MAX_QUARTERS) -> list[tuple[int, int]]:
    """Calendar quarters from ``first`` to ``last``, at most the last ``limit``."""
    year, quarter = quarter_of(first)
    end = quarter_of(last)
    out = []
    while (year, quarter) <= end:
        out.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out[-limit:]


def _label(q: tuple[int, int]) -> str:
    return f"{q[0]} Q{q[1]}"


def _dates(register: Register) -> list[tuple[str, dt.date | None, dt.date | None]]:
    """(severity, raised, closed) of every finding, closed only when closed by the date."""
    out = []
    for finding in register:
        raised = as_date(finding.data.get("raised"))
        if raised is None or raised > register.today:
            continue
        closed = register.of(finding).closed
        if closed is not None and closed > register.today:
            closed = None
        out.append((finding.data["severity"], raised, closed))
    return out


def trend_charts(register: Register, prefix: str = "capa-chart") -> list[Chart]:
    """Raised vs closed per quarter, open by severity at each quarter end, ageing of open
    findings, and days to close by severity; all as of ``register.today``."""
    today = register.today
    rows = _dates(register)
    first = min((raised for _, raised, _ in rows), default=today)
    span = quarters(first, today)
    labels = [_label(q) for q in span]
    raised_counts = [0] * len(span)
    closed_counts = [0] * len(span)
    index = {q: i for i, q in enumerate(span)}
    for severity, raised, closed in rows:
        if severity not in NONCONFORMITIES:
            continue
        if quarter_of(raised) in index:
            raised_counts[index[quarter_of(raised)]] += 1
        if closed is not None and quarter_of(closed) in index:
            closed_counts[index[quarter_of(closed)]] += 1
    flow = Chart(f"{prefix}-flow", "Nonconformities raised and closed per quarter",
                 "Nonconformities (major and minor) raised and closed in each calendar "
                 "quarter; observations, OFIs and conformities are not counted.", labels,
                 {"raised": raised_counts, "closed": closed_counts},
                 category_label="Quarter")

    ends = [min(quarter_end(*q), today) for q in span]
    open_series: dict[str, list[float]] = {s: [0] * len(span) for s in ACTION_SEVERITIES}
    for severity, raised, closed in rows:
        if severity not in open_series:
            continue
        for i, end in enumerate(ends):
            if raised <= end and (closed is None or closed > end):
                open_series[severity][i] += 1
    open_chart = Chart(f"{prefix}-open", "Open findings by severity at each quarter end",
                       "Findings raised and not yet closed at the end of each quarter "
                       "(or at the review date for the current quarter), by severity.",
                       labels, open_series, stacked=True, category_label="Quarter end")

    ageing: dict[str, list[float]] = {s: [0] * len(AGE_BUCKETS) for s in ACTION_SEVERITIES}
    for severity, raised, closed in rows:
        if closed is not None or severity not in ageing:
            continue
        age = (today - raised).days
        for b, (low, high, _) in enumerate(AGE_BUCKETS):
            if age >= low and (high is None or age <= high):
                ageing[severity][b] += 1
                break
    age_chart = Chart(f"{prefix}-ageing", "Ageing of open findings",
                      "Open findings by days since they were raised, by severity.",
                      [label for _, _, label in AGE_BUCKETS], ageing, stacked=True,
                      category_label="Age")

    days: dict[str, list[int]] = {s: [] for s in NONCONFORMITIES}
    for severity, raised, closed in rows:
        if closed is not None and severity in days:
            days[severity].append(max(0, (closed - raised).days))
    # Nonconformities only: a conformity is recorded closed the day it is raised, and an
    # observation needs no corrective action; both would pull the figure down. A severity
    # with nothing closed has no time to close ("no data", no bar), not 0 days.
    shown = list(NONCONFORMITIES)
    close_chart = Chart(f"{prefix}-close", "Time to close nonconformities",
                        "Median and longest days from raised to closed, by severity, "
                        "over nonconformities closed by the date.", shown,
                        {"median": [statistics.median(days[s]) if days[s] else None
                                    for s in shown],
                         "longest": [max(days[s]) if days[s] else None for s in shown]},
                        unit="days", category_label="Severity")
    return [flow, open_chart, age_chart, close_chart]


def charts_html(register: Register, prefix: str = "capa-chart") -> Markup:
    """Every trend chart as figures, for a page's HTML block."""
    return Markup("".join(figure(chart) for chart in trend_charts(register, prefix)))
