"""A timeline SVG for window simulations: events on a ROWTIME axis, one lane per key, windows as
spans (emitted solid, still open dashed), emitted rows marked at their ROWTIME.

Pure string building: deterministic output (fixed number formatting, stable order) and every
piece of text escaped, because keys and column values come from user-pasted events.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from html import escape
from typing import Any

from quiz.sims.windows import EmittedRow, Event, OpenWindow

WIDTH = 720
LANE_HEIGHT = 36
MARGIN_LEFT = 150
LANE_LABEL_CHARS = 21  # longer lane labels are cut (the full text is in a <title>)
MARGIN_RIGHT = 16
AXIS_HEIGHT = 28


def _fmt(x: float) -> str:
    # Fixed precision keeps the output byte-for-byte stable across runs and platforms.
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _label(key: tuple[Any, ...]) -> str:
    return ", ".join("∅" if v is None else str(v) for v in key) or "(all rows)"


def timeline_svg(
    events: Sequence[Event],
    *,
    event_keys: Sequence[tuple[Any, ...]],
    emitted: Sequence[EmittedRow],
    open_windows: Sequence[OpenWindow] = (),
    time_label: Callable[[int], str] = str,
    title: str = "Window timeline",
    upto_index: int | None = None,
    late_indexes: Collection[int] = (),
    axis_label: str = "ROWTIME",
    lane_label: Callable[[tuple[Any, ...]], str] = _label,
) -> str:
    """SVG markup. ``event_keys[i]`` is the lane key of ``events[i]`` (the window key).
    ``upto_index`` greys out events after that index (a time scrubber's position);
    ``late_indexes`` marks dropped late rows (the Flink contrast).

    Colours are ``currentColor`` plus classes the stylesheet themes (light and dark); the
    attributes are only fallbacks for the SVG seen on its own."""
    if len(event_keys) != len(events):
        raise ValueError("event_keys must match events")
    lanes: list[tuple[Any, ...]] = []
    seen: set[tuple[Any, ...]] = set()
    for key in [*event_keys, *(r.key for r in emitted), *(w.key for w in open_windows)]:
        if key not in seen:
            seen.add(key)
            lanes.append(key)
    times = [e.rowtime for e in events]
    times += [r.window_start for r in emitted] + [r.window_end for r in emitted]
    times += [w.window_start for w in open_windows] + [w.window_end for w in open_windows]
    t0 = min(times, default=0)
    t1 = max(times, default=1)
    span = max(t1 - t0, 1)
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    height = AXIS_HEIGHT + LANE_HEIGHT * max(len(lanes), 1) + 8
    lane_of = {key: i for i, key in enumerate(lanes)}

    def x(t: int) -> str:
        return _fmt(MARGIN_LEFT + (t - t0) * plot_w / span)

    def y(lane: int) -> float:
        return AXIS_HEIGHT + lane * LANE_HEIGHT

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" class="sim-timeline">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{MARGIN_LEFT}" y1="{AXIS_HEIGHT - 6}" x2="{WIDTH - MARGIN_RIGHT}" '
        f'y2="{AXIS_HEIGHT - 6}" stroke="currentColor" class="axis"/>',
        f'<text x="{MARGIN_LEFT}" y="12" font-size="11" fill="currentColor">'
        f"{escape(time_label(t0))}</text>",
        f'<text x="{(MARGIN_LEFT + WIDTH - MARGIN_RIGHT) // 2}" y="12" font-size="11" '
        f'text-anchor="middle" fill="currentColor" class="axis-label">'
        f"{escape(axis_label)} →</text>",
        f'<text x="{WIDTH - MARGIN_RIGHT}" y="12" font-size="11" text-anchor="end" '
        f'fill="currentColor">{escape(time_label(t1))}</text>',
    ]
    for i, key in enumerate(lanes):
        text = lane_label(key)
        short = text if len(text) <= LANE_LABEL_CHARS else text[: LANE_LABEL_CHARS - 1] + "…"
        parts.append(
            f'<text x="4" y="{_fmt(y(i) + 22)}" font-size="12" fill="currentColor" class="lane">'
            f"<title>{escape(text)}</title>{escape(short)}</text>"
        )
    for w_row in emitted:
        lane = y(lane_of[w_row.key])
        parts.append(
            f'<rect x="{x(w_row.window_start)}" y="{_fmt(lane + 4)}" '
            f'width="{_fmt(float(x(w_row.window_end)) - float(x(w_row.window_start)))}" '
            f'height="{LANE_HEIGHT - 8}" fill="#cde" stroke="#369" class="window emitted"/>'
        )
        parts.append(
            f'<path d="M{x(w_row.rowtime)} {_fmt(lane + 2)} l-5 -6 h10 z" fill="#c30" '
            f'class="emit"><title>emitted at {escape(time_label(w_row.rowtime))}: '
            f"{escape(', '.join(str(v) for v in w_row.values))}</title></path>"
        )
    for w in open_windows:
        lane = y(lane_of[w.key])
        parts.append(
            f'<rect x="{x(w.window_start)}" y="{_fmt(lane + 4)}" '
            f'width="{_fmt(float(x(w.window_end)) - float(x(w.window_start)))}" '
            f'height="{LANE_HEIGHT - 8}" fill="none" stroke="#369" stroke-dasharray="4 3" '
            f'class="window open"/>'
        )
    late = set(late_indexes)
    for i, (ev, key) in enumerate(zip(events, event_keys, strict=True)):
        future = upto_index is not None and i > upto_index
        cls = "event future" if future else "event late" if i in late else "event"
        note = " (late: dropped)" if i in late else " (not arrived yet)" if future else ""
        cy = _fmt(y(lane_of[key]) + LANE_HEIGHT / 2)
        if i in late:
            # A cross, not a dot: readable without colour.
            parts.append(
                f'<path d="M{_fmt(float(x(ev.rowtime)) - 4)} {_fmt(float(cy) - 4)} l8 8 m0 -8 '
                f'l-8 8" stroke="#c30" stroke-width="2" class="{cls}" data-index="{i}">'
                f"<title>#{i + 1} {escape(time_label(ev.rowtime))}{note}</title></path>"
            )
            continue
        parts.append(
            f'<circle cx="{x(ev.rowtime)}" cy="{cy}" r="4" '
            f'fill="{"#bbb" if future else "currentColor"}" class="{cls}" data-index="{i}">'
            f"<title>#{i + 1} {escape(time_label(ev.rowtime))}{note}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def pipeline_svg(stages: Sequence[tuple[str, int, int]], *, title: str) -> str:
    """The KPL funnel: one bar per stage (user records, Kinesis records, PutRecords requests),
    its length proportional to the count, labelled with the count and the bytes."""
    bar_h, gap, left, width = 26, 14, 170, WIDTH
    # Room right of the longest bar for its label ("20,000 · 10,240,000 bytes" at 13 px).
    plot_w = width - left - 240
    height = 10 + len(stages) * (bar_h + gap)
    top = max((count for _, count, _ in stages), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="sim-pipeline">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (name, count, nbytes) in enumerate(stages):
        y0 = 6 + i * (bar_h + gap)
        w = max(plot_w * count / top, 2.0)
        parts.append(
            f'<text x="{left - 8}" y="{_fmt(y0 + bar_h * 0.68)}" font-size="13" text-anchor="end" '
            f'fill="currentColor">{escape(name)}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{y0}" width="{_fmt(w)}" height="{bar_h}" rx="3" fill="#369" '
            f'class="bar stage-{i}"/>'
        )
        parts.append(
            f'<text x="{_fmt(left + w + 8)}" y="{_fmt(y0 + bar_h * 0.68)}" font-size="13" '
            f'fill="currentColor">{count:,} · {nbytes:,} bytes</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def shard_seconds_svg(
    bars: Sequence[tuple[int, int, int, int, bool]],
    *,
    record_limit: int,
    byte_limit: int,
    title: str,
) -> str:
    """One column per ``(shard, second, records, bytes, throttled)``: records sent (left half)
    and bytes sent (right half) as a fraction of the shard's limits, with the limit drawn as a
    line; throttled shard-seconds marked."""
    height, top, bottom, left = 190, 16, 40, 44
    plot_h = height - top - bottom
    n = max(len(bars), 1)
    col_w = min((WIDTH - left - 10) / n, 60.0)
    # Scale so the limit line sits at 2/3 of the height; bars above it overflow the limit.
    peak = max([1.5] + [max(r / record_limit, b / byte_limit) for _, _, r, b, _ in bars])
    scale = plot_h / peak
    limit_y = top + plot_h - scale
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" class="sim-shards">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{_fmt(limit_y)}" x2="{WIDTH - 6}" y2="{_fmt(limit_y)}" '
        f'stroke="#c30" stroke-dasharray="5 3" class="limit"/>',
        f'<text x="{left - 4}" y="{_fmt(limit_y + 4)}" font-size="11" text-anchor="end" '
        f'fill="currentColor">limit</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 6}" y2="{top + plot_h}" '
        f'stroke="currentColor" class="axis"/>',
    ]
    for i, (shard, second, records, nbytes, throttled) in enumerate(bars):
        label = f"shard {shard}, second {second}"
        short_label = f"S{shard} {second}s"
        x0 = left + i * col_w + 2
        half = max((col_w - 6) / 2, 1.0)
        cls = "bar throttled" if throttled else "bar"
        for j, frac in enumerate((records / record_limit, nbytes / byte_limit)):
            h = max(frac * scale, 1.0)
            kind = "records" if j == 0 else "bytes"
            parts.append(
                f'<rect x="{_fmt(x0 + j * half)}" y="{_fmt(top + plot_h - h)}" width="{_fmt(half)}"'
                f' height="{_fmt(h)}" fill="{"#c30" if throttled else "#369"}" '
                f'class="{cls} {kind}"><title>{escape(label)}: {records:,} records, '
                f"{nbytes:,} bytes{' (throttled)' if throttled else ''}</title></rect>"
            )
        if n <= 20 or i % max(n // 10, 1) == 0:
            parts.append(
                f'<text x="{_fmt(x0 + half)}" y="{top + plot_h + 14}" font-size="10" '
                f'text-anchor="middle" fill="currentColor">{escape(short_label)}'
                "</text>"
            )
    parts.append(
        f'<text x="{left}" y="{height - 6}" font-size="11" fill="currentColor">each column: '
        "records (left) and bytes (right) as a share of the shard limit; seconds on the axis"
        "</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
