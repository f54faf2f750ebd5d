"""A timeline SVG for window simulations: events on a ROWTIME axis, one lane per key, windows as
spans (emitted solid, still open dashed), emitted rows marked at their ROWTIME.

Pure string building: deterministic output (fixed number formatting, stable order) and every
piece of text escaped, because keys and column values come from user-pasted events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from quiz.sims.windows import EmittedRow, Event, OpenWindow

WIDTH = 720
LANE_HEIGHT = 36
MARGIN_LEFT = 120
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
) -> str:
    """SVG markup. ``event_keys[i]`` is the lane key of ``events[i]`` (the window key).
    ``upto_index`` greys out events after that index (a time scrubber's position)."""
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
        f'y2="{AXIS_HEIGHT - 6}" stroke="#444"/>',
        f'<text x="{MARGIN_LEFT}" y="12" font-size="11">{escape(time_label(t0))}</text>',
        f'<text x="{WIDTH - MARGIN_RIGHT}" y="12" font-size="11" text-anchor="end">'
        f"{escape(time_label(t1))}</text>",
    ]
    for i, key in enumerate(lanes):
        parts.append(
            f'<text x="4" y="{_fmt(y(i) + 22)}" font-size="12" class="lane">'
            f"{escape(_label(key))}</text>"
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
    for i, (ev, key) in enumerate(zip(events, event_keys, strict=True)):
        future = upto_index is not None and i > upto_index
        parts.append(
            f'<circle cx="{x(ev.rowtime)}" cy="{_fmt(y(lane_of[key]) + LANE_HEIGHT / 2)}" r="4" '
            f'fill="{"#bbb" if future else "#222"}" class="event" data-index="{i}">'
            f"<title>#{i} {escape(time_label(ev.rowtime))}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
