"""The one registry of simulation kinds: every layer (spec, embed, labs, views, templates,
exercises, auto-linking) reads a kind's name, shape and text from here.

A kind's `shape` says which output contract its engine follows, and so how the spec is checked
and the result drawn:

- `GROUPED`: windows emitted when ROWTIME passes their end, plus the ones still open (tumbling,
  stagger). The engine is called as
  `engine(events, size=, keys=, aggregates=, event_time_floor=, rowtime_bound=)` and returns a
  `windows.WindowResult`.
- `PER_ROW`: one output row per input row over a RANGE or ROWS frame (sliding).
- `WATERMARK`: event-time windows fired by a watermark, late rows dropped (Flink).
- `BATCHING`: KPL user records into Kinesis records and PutRecords requests.

Adding a kind of an existing shape is one `register(SimKind(...))` with its engine function;
figures, forms, exercises and links follow from the entry. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from quiz.sims import kpl, windows

GROUPED = "grouped"
PER_ROW = "per_row"
WATERMARK = "watermark"
BATCHING = "batching"

WINDOW_FIELDS = ("preset", "size", "keys", "floor", "aggregates", "until", "csv")
SLIDING_FIELDS = ("preset", "frame", "size", "rows", "keys", "aggregates", "csv")
WATERMARK_FIELDS = ("preset", "size", "keys", "aggregates", "delay", "csv")
KPL_SETTINGS = tuple(f.name for f in fields(kpl.KPLConfig))
KPL_DEFAULTS = {f.name: f.default for f in fields(kpl.KPLConfig)}
KPL_FIELDS = ("records", "record_size", "partition_key", "per_second", "shards", "flush_at_end")

_WINDOW_LEGEND = (
    "Dots: events (hover for the time). Solid boxes: emitted windows, dashed: still open. "
    "Triangles: emitted rows at their ROWTIME.",
)


@dataclass(frozen=True)
class SimKind:
    name: str
    shape: str
    title: str  # the Labs page's title
    summary: str  # one paragraph on the Labs index
    defaults: Mapping[str, str]  # the Labs' example parameters
    fields: tuple[str, ...]  # the Labs form's fields, in order
    engine: Callable[..., Any] | None = None
    # Exercise generators (`exercises.GENERATORS` names) that fit a topic with this simulation.
    exercises: tuple[str, ...] = ()
    # Figure captions: figure i gets legend[i], the last one for any further figures.
    legend: tuple[str, ...] = _WINDOW_LEGEND
    size_label: str = "Window size"
    keys_label: str = "PARTITION BY columns"
    # Words that name this kind in notes, for suggesting a simulation (`link.py`); the block
    # suggested is `link_block`.
    link_words: tuple[str, ...] = ()
    link_block: Mapping[str, str] = field(default_factory=dict)

    @property
    def family(self) -> str:
        """ "windows" or "batching": which half of the simulations (and docs) it belongs to."""
        return "batching" if self.shape == BATCHING else "windows"

    @property
    def steps_in_time(self) -> bool:
        """Whether the Labs can step through its events one at a time (the scrubber)."""
        return self.shape in (GROUPED, PER_ROW)

    def legend_for(self, index: int) -> str:
        return self.legend[min(index, len(self.legend) - 1)]


SIM_KINDS: dict[str, SimKind] = {}


def register(kind: SimKind) -> SimKind:
    SIM_KINDS[kind.name] = kind
    return kind


def get_kind(name: Any) -> SimKind | None:
    return SIM_KINDS.get(name) if isinstance(name, str) else None


def window_kinds() -> tuple[str, ...]:
    return tuple(k.name for k in SIM_KINDS.values() if k.family == "windows")


def names() -> tuple[str, ...]:
    return tuple(SIM_KINDS)


register(
    SimKind(
        "tumbling",
        GROUPED,
        "Tumbling windows",
        "GROUP BY STEP(ROWTIME): fixed, non-overlapping windows emitted when a later row "
        "arrives. Default: the documented late-data example, grouped by ticker and event "
        "minute.",
        {
            "preset": "ticker_late",
            "size": "1m",
            "keys": "ticker",
            "floor": "1m",
            "aggregates": "count",
            "until": "2018-01-01T11:02:00",
        },
        WINDOW_FIELDS,
        engine=windows.tumbling_windows,
        exercises=("tumbling",),
        keys_label="GROUP BY columns",
        link_words=("tumbling",),
        link_block={"type": "tumbling", "size": "1m", "preset": "ticker"},
    )
)
register(
    SimKind(
        "sliding",
        PER_ROW,
        "Sliding windows",
        "agg OVER (RANGE interval PRECEDING) or ROWS n PRECEDING: one output row per input "
        "row. Default: the SQL reference's WEATHERSTREAM, MIN and MAX over one day.",
        {
            "preset": "weather",
            "size": "1d",
            "frame": "range",
            "rows": "3",
            "keys": "none",
            "aggregates": "min(temp), max(temp)",
        },
        SLIDING_FIELDS,
        engine=windows.sliding_windows,
        legend=(
            "Dots: events (hover for the time). Solid boxes: each output row's frame, dashed: "
            "the current row's frame. Triangles: emitted rows at their ROWTIME.",
        ),
        size_label="RANGE interval",
        link_words=("sliding",),
        link_block={
            "type": "sliding",
            "size": "1d",
            "preset": "weather",
            "keys": "none",
            "aggregates": "min(temp), max(temp)",
        },
    )
)
register(
    SimKind(
        "stagger",
        GROUPED,
        "Stagger windows",
        "WINDOWED BY STAGGER: one window per key, opened by the key's first row. Default: "
        "the developer guide's ticker example.",
        {
            "preset": "ticker",
            "size": "1m",
            "keys": "ticker, event_time",
            "aggregates": "count",
            "until": "2018-08-01T20:20:00",
        },
        WINDOW_FIELDS,
        engine=windows.stagger_windows,
        exercises=("stagger",),
        link_words=("stagger", "staggered"),
        link_block={
            "type": "stagger",
            "size": "1m",
            "preset": "ticker",
            "keys": "ticker, event_time",
        },
    )
)
register(
    SimKind(
        "flink",
        WATERMARK,
        "Late data: KDA vs Flink",
        "The same stream twice: Apache Flink event-time windows with a bounded-out-of-"
        "orderness watermark drop late rows; KDA (STEP on ROWTIME plus the event time) keeps "
        "them as extra partial rows.",
        {
            "preset": "vpc_flow_logs",
            "size": "5m",
            "keys": "none",
            "aggregates": "count",
            "delay": "1m",
        },
        WATERMARK_FIELDS,
        engine=windows.flink_event_time_tumbling,
        # The Flink contrast reuses the tumbling exercises (same grid, different firing rule).
        exercises=("tumbling",),
        legend=(
            "Dots: events (hover for the time), crosses: late rows Flink drops. Solid boxes: "
            "emitted windows, dashed: still open. Triangles: emitted rows at their ROWTIME.",
        ),
    )
)
register(
    SimKind(
        "kpl",
        BATCHING,
        "KPL batching",
        "User records → aggregated Kinesis records → PutRecords requests, with the "
        "shard-seconds Kinesis would throttle.",
        {
            "records": "1000",
            "record_size": "512",
            "partition_key": "pk",
            "per_second": "0",
            "shards": "1",
            "flush_at_end": "yes",
            # Every KPL setting, shown with its default.
            **{
                f.name: ("yes" if f.default else "no")
                if f.type in (bool, "bool")
                else str(f.default)
                for f in fields(kpl.KPLConfig)
            },
        },
        (*KPL_FIELDS, *KPL_SETTINGS),
        engine=kpl.simulate_kpl,
        exercises=("kpl",),
        legend=(
            "Bars: counts at each stage.",
            "Dashed line: the shard limit; red columns would be throttled.",
        ),
        link_block={"type": "kpl", "records": "1000", "record_size": "512", "shards": "1"},
    )
)
