"""Small server-rendered SVG charts. Pure Python: plain data in, an SVG string out.

No Django imports. Every piece of text is escaped here. Colours come from CSS classes
(`chart-*`, `h0`–`h4` in pages.css) and `currentColor`, so a chart follows the page's light or
dark theme; the SVGs scale with their container (a `viewBox` and no fixed width). Each chart
is `role="img"` with a `<title>`; the page puts the numbers in a table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

WEEKDAY_LABELS = ("Mon", "", "Wed", "", "Fri", "", "")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _num(value: float) -> str:
    """Coordinates with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _open(*, chart_id: str, title: str, width: float, height: float, css: str) -> str:
    return (
        f'<svg class="chart {escape(css)}" role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" preserveAspectRatio="xMinYMin meet" '
        # Never drawn larger than its own units (text stays at its size); narrower screens shrink.
        f'style="max-width: {_num(width)}px" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", css: str = "") -> str:
    """A label. Its colour comes from CSS (`currentColor` unless a class sets it), and the
    start anchor is SVG's default: a chart draws dozens of these, so no attribute is repeated."""
    cls = f' class="{escape(css)}"' if css else ""
    placed = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return f'<text x="{_num(x)}" y="{_num(y)}"{placed}{cls}>{escape(text)}</text>'


def heat_level(count: int, top: int) -> int:
    """0 for no reviews, else 1–4 by quarter of the busiest day."""
    if count <= 0 or top <= 0:
        return 0
    return min(4, 1 + (4 * (count - 1)) // top)


def calendar_heatmap(
    *, chart_id: str, title: str, start: date, end: date, counts: dict[date, int]
) -> str:
    """One square per day from `start` to `end` (inclusive), a column per week (Monday first).

    Compact, since a year is 365 squares: one square is defined once and each day `<use>`s it
    inside its week's column, and a day with answers carries its own `<title>` ("3 Mar: 12",
    a tooltip; day and month name each day of a year once). The page gives the figures as text
    in a month table, which is what a screen reader reads."""
    cell, gap, left, top_pad = 11, 2, 30, 16
    first_monday = start - timedelta(days=start.weekday())
    weeks = (end - first_monday).days // 7 + 1
    width = left + weeks * (cell + gap)
    height = top_pad + 7 * (cell + gap)
    busiest = max(counts.values(), default=0)
    square = f"{escape(chart_id)}-d"
    parts = [
        _open(chart_id=chart_id, title=title, width=width, height=height, css="heatmap"),
        f'<defs><rect id="{square}" width="{cell}" height="{cell}" rx="2"/></defs>',
    ]
    for row, label in enumerate(WEEKDAY_LABELS):
        if label:
            y = top_pad + row * (cell + gap) + cell - 2
            parts.append(_text(left - 4, y, label, anchor="end", css="chart-label"))
    day = start
    while day <= end:
        x = left + (day - first_monday).days // 7 * (cell + gap)
        week = [day + timedelta(days=i) for i in range(7 - day.weekday())]
        week = [d for d in week if d <= end]
        # A month is named above the week holding its 1st (not a partial first month).
        for d in week:
            if d.day == 1:
                parts.append(_text(x, top_pad - 5, MONTHS[d.month - 1], css="chart-label"))
        parts.append(f'<g transform="translate({x} {top_pad})">')
        for d in week:
            count = counts.get(d, 0)
            y = d.weekday() * (cell + gap)
            placed = f' y="{y}"' if y else ""
            use = f'<use href="#{square}"{placed} class="h{heat_level(count, busiest)}"'
            if count:
                parts.append(f"{use}><title>{d.day} {MONTHS[d.month - 1]}: {count}</title></use>")
            else:
                parts.append(f"{use}/>")
        parts.append("</g>")
        day = week[-1] + timedelta(days=1)
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class MonthSummary:
    """One calendar month (or the part of it inside the heatmap's range)."""

    month: date  # its first day
    answers: int
    active_days: int
    busiest_day: date | None
    busiest: int


def month_summaries(*, start: date, end: date, counts: dict[date, int]) -> list[MonthSummary]:
    """The heatmap's days summed per calendar month, oldest first: its text alternative. One
    pass over the days (a year of daily study is 365 of them)."""
    by_month: dict[date, list[tuple[date, int]]] = {}
    for day, n in counts.items():
        if start <= day <= end:
            by_month.setdefault(day.replace(day=1), []).append((day, n))
    months: list[MonthSummary] = []
    first = start.replace(day=1)
    while first <= end:
        days = by_month.get(first, [])
        top = max(days, key=lambda item: (item[1], -item[0].toordinal()), default=None)
        months.append(
            MonthSummary(
                month=first,
                answers=sum(n for _d, n in days),
                active_days=sum(1 for _d, n in days if n),
                busiest_day=top[0] if top and top[1] else None,
                busiest=top[1] if top else 0,
            )
        )
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


@dataclass(frozen=True)
class Series:
    """One set of bars: a name for the legend, a CSS class for the colour, one value per label."""

    name: str
    css: str
    values: Sequence[float]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    label_every: int = 1,
    stacked: bool = False,
) -> str:
    """Vertical bars, one group per label (side by side, or stacked when `stacked`)."""
    right, top_pad, bottom = 8, 12, 34 if len(series) > 1 else 22
    plot_h = 140
    # About 400 units wide at most, so the labels stay legible when a phone shrinks it.
    slot = max(10, min(60, 360 // max(1, len(labels))))
    if stacked:
        peak = max((sum(s.values[i] for s in series) for i in range(len(labels))), default=0)
    else:
        peak = max((v for s in series for v in s.values), default=0)
    ymax = _nice_max(peak)
    # Room for the widest axis figure (about 6.5 units a digit at 11px), so 15000 is not cut.
    left = max(36, 10 + round(6.5 * len(_num(ymax))))
    width = left + slot * len(labels) + right
    height = top_pad + plot_h + bottom
    parts = [_open(chart_id=chart_id, title=title, width=width, height=height, css="bars")]
    base = top_pad + plot_h
    for fraction in (0, 0.5, 1):
        y = base - plot_h * fraction
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
            f'class="chart-grid"/>'
        )
        parts.append(_text(left - 4, y + 4, _num(ymax * fraction), anchor="end", css="chart-label"))
    inner = slot * 0.78
    bar_w = inner if stacked else inner / max(1, len(series))
    for i, label in enumerate(labels):
        x0 = left + slot * i + (slot - inner) / 2
        stack_y = base
        for k, s in enumerate(series):
            value = s.values[i]
            h = plot_h * value / ymax if ymax else 0
            if stacked:
                x, y = x0, stack_y - h
                stack_y = y
            else:
                x, y = x0 + k * bar_w, base - h
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(1.0, bar_w - 1))}" '
                f'height="{_num(h)}" class="{escape(s.css)}">'
                f"<title>{escape(label)} · {escape(s.name)}: {_num(value)}</title></rect>"
            )
        if i % label_every == 0:
            mid = x0 + inner / 2
            parts.append(_text(mid, base + 14, label, anchor="middle", css="chart-label"))
    if len(series) > 1:
        x = left
        for s in series:
            parts.append(
                f'<rect x="{x}" y="{height - 11}" width="10" height="10" class="{escape(s.css)}"/>'
            )
            parts.append(_text(x + 14, height - 2, s.name, css="chart-label"))
            x += 24 + 7 * len(s.name)
    parts.append("</svg>")
    return "".join(parts)


def short_label(label: str, limit: int) -> str:
    """`label` in at most `limit` characters, keeping its end: topic paths share their start
    (the deck, the chapter), so a cut end made every bar read alike. Whole path steps are
    dropped first ("… › Window types › Stagger")."""
    if len(label) <= limit:
        return label
    parts = label.split(" › ")
    while len(parts) > 1 and len(" › ".join(["…", *parts])) > limit:
        parts.pop(0)
    short = " › ".join(["…", *parts]) if len(parts) > 1 or " › " in label else parts[0]
    return short if len(short) <= limit else "…" + short[-(limit - 1) :]


def hbar_chart(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, float]],
    maximum: float | None = None,
    percent: bool = False,
    css: str = "chart-bar",
) -> str:
    """Horizontal bars, a label above each: long labels (topic names) read on a phone."""
    width, row_h, bar_h = 360, 34, 12
    height = max(1, len(rows)) * row_h + 4
    top = maximum if maximum is not None else _nice_max(max((v for _, v in rows), default=0))
    parts = [_open(chart_id=chart_id, title=title, width=width, height=height, css="hbars")]
    track = width - 60
    for i, (label, value) in enumerate(rows):
        y = i * row_h
        shown = f"{round(value * 100)}%" if percent else _num(value)
        short = short_label(label, 56)
        parts.append(_text(0, y + 12, short, css="chart-label"))
        parts.append(
            f'<rect x="0" y="{y + 17}" width="{track}" height="{bar_h}" rx="3" '
            f'class="chart-track"/>'
        )
        w = track * min(1.0, value / top) if top else 0
        parts.append(
            f'<rect x="0" y="{y + 17}" width="{_num(w)}" height="{bar_h}" rx="3" '
            f'class="{escape(css)}"><title>{escape(label)}: {escape(shown)}</title></rect>'
        )
        parts.append(_text(width, y + 28, shown, anchor="end", css="chart-value"))
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    *,
    chart_id: str,
    title: str,
    points: Sequence[tuple[str, float]],
    reference: float | None = None,
    reference_label: str = "",
) -> str:
    """Fractions 0–1 over time as a line with dots, on a 0–100% axis; `reference` is dashed."""
    left, right, top_pad, bottom, plot_h = 40, 28, 12, 22, 140
    plot_w = max(300, 16 * (len(points) - 1))
    step = plot_w / max(1, len(points) - 1)
    width = left + plot_w + right + 10
    height = top_pad + plot_h + bottom
    base = top_pad + plot_h
    parts = [_open(chart_id=chart_id, title=title, width=width, height=height, css="line")]
    for fraction in (0, 0.5, 1):
        y = base - plot_h * fraction
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
            f'class="chart-grid"/>'
        )
        percent = f"{round(fraction * 100)}%"
        parts.append(_text(left - 4, y + 4, percent, anchor="end", css="chart-label"))
    if reference is not None:
        y = base - plot_h * reference
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
            f'class="chart-reference"><title>{escape(reference_label)}</title></line>'
        )
    coords = [
        (left + 5 + step * i, base - plot_h * max(0.0, min(1.0, v)))
        for i, (_label, v) in enumerate(points)
    ]
    if len(coords) > 1:
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
        parts.append(f'<polyline points="{path}" class="chart-line" fill="none"/>')
    label_every = max(1, len(points) // 6)
    for i, ((label, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
        parts.append(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4" class="chart-dot">'
            f"<title>{escape(label)}: {round(value * 100)}%</title></circle>"
        )
        if i % label_every == 0:
            parts.append(_text(x, base + 15, label, anchor="middle", css="chart-label"))
    parts.append("</svg>")
    return "".join(parts)


# Line colours in order, for charts with several lines (classes in pages.css).
LINE_CLASSES = ("series-1", "series-2", "series-3", "series-4", "series-5", "series-6")


def multi_line_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    percent: bool = False,
    label_every: int = 1,
    marker: int | None = None,
    marker_label: str = "",
    dots: bool = False,
) -> str:
    """Several lines over the same labels, one colour each (`Series.css`), with a legend under
    the plot. `percent`: values are fractions 0–1 on a 0–100% axis; else the axis is rounded
    up from the largest value. `marker`: the index of a label to mark with a dashed vertical
    line (the learner's current choice). Missing points (None) break a line."""
    left, right, top_pad, plot_h = 44, 26, 12, 150
    legend_rows = (len(series) + 2) // 3 if len(series) > 1 else 0
    bottom = 22 + 16 * legend_rows
    plot_w = max(320, min(380, 12 * len(labels)))
    width = left + plot_w + right
    height = top_pad + plot_h + bottom
    base = top_pad + plot_h
    values = [v for s in series for v in s.values if v is not None]
    ymax = 1.0 if percent else _nice_max(max(values, default=0))
    step = plot_w / max(1, len(labels) - 1)
    parts = [_open(chart_id=chart_id, title=title, width=width, height=height, css="lines")]
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = base - plot_h * fraction
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
            f'class="chart-grid"/>'
        )
        tick = f"{round(fraction * 100)}%" if percent else _num(ymax * fraction)
        parts.append(_text(left - 4, y + 4, tick, anchor="end", css="chart-label"))
    for i, label in enumerate(labels):
        if label and (i % label_every == 0 or i == len(labels) - 1 and len(labels) < 12):
            parts.append(
                _text(left + step * i, base + 15, label, anchor="middle", css="chart-label")
            )
    if marker is not None and 0 <= marker < len(labels):
        x = left + step * marker
        parts.append(
            f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{top_pad}" y2="{base}" '
            f'class="chart-reference"><title>{escape(marker_label)}</title></line>'
        )
    for s in series:
        runs: list[list[tuple[float, float, float, str]]] = [[]]
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            y = base - plot_h * max(0.0, min(1.0, value / ymax if ymax else 0))
            runs[-1].append((left + step * i, y, value, labels[i]))
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{_num(x)},{_num(y)}" for x, y, _v, _l in run)
                parts.append(
                    f'<polyline points="{path}" class="chart-series {escape(s.css)}" fill="none">'
                    f"<title>{escape(s.name)}</title></polyline>"
                )
            if dots or len(run) == 1:
                for x, y, value, label in run:
                    shown = f"{round(value * 100)}%" if percent else _num(round(value, 1))
                    parts.append(
                        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" '
                        f'class="chart-series-dot {escape(s.css)}">'
                        f"<title>{escape(s.name)} · {escape(label)}: {escape(shown)}</title>"
                        "</circle>"
                    )
    if len(series) > 1:
        for k, s in enumerate(series):
            x = left + (k % 3) * (plot_w / 3)
            y = base + 30 + 16 * (k // 3)
            name = s.name if len(s.name) <= 34 else s.name[:33] + "…"
            parts.append(
                f'<line x1="{_num(x)}" x2="{_num(x + 16)}" y1="{y - 4}" y2="{y - 4}" '
                f'class="chart-series {escape(s.css)}"/>'
            )
            parts.append(_text(x + 21, y, name, css="chart-label"))
    parts.append("</svg>")
    return "".join(parts)
