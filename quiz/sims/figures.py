"""The Labs' figures: an engine run turned into what the widget shows (SVG figures, tables,
a summary line, the scrubber's position), one builder per output shape (pure, no Django).

The scrubber state is the engine run on the first N events: exactly one entry of
``windows.window_snapshots`` (which computes them all; a request needs only one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from quiz.sims import kpl, svg, windows
from quiz.sims.kinds import PER_ROW, SIM_KINDS, WATERMARK
from quiz.sims.spec import format_timestamp, parse_interval, parse_timestamp

# Rows listed in the KPL tables before "... and N more".
TABLE_LIMIT = 60


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Any]]
    numeric: set[int] = field(default_factory=set)
    more: int = 0  # rows left out


@dataclass
class LabResult:
    kind: str
    params: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # SVG markup, already escaped
    tables: list[Table] = field(default_factory=list)
    summary: list[tuple[str, Any]] = field(default_factory=list)
    # Scrubber: number of events, the current position (None = the final state), step links.
    events: int = 0
    upto: int | None = None
    json: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


# --- windows ---------------------------------------------------------------------------------


def _events(spec: dict[str, Any]) -> list[windows.Event]:
    # run_spec has validated the events already; this only converts them.
    out = []
    for raw in spec["events"]:
        et = raw.get("event_time")
        columns = {k: v for k, v in raw.items() if k not in ("rowtime", "event_time")}
        out.append(
            windows.Event(
                parse_timestamp(raw["rowtime"], "rowtime"),
                None if et is None else parse_timestamp(et, "event_time"),
                columns,
            )
        )
    return out


def _time_label(events: list[windows.Event]) -> Any:
    days = {e.rowtime // 86_400_000 for e in events}
    if len(days) <= 1:
        return lru_cache(maxsize=4096)(lambda ms: format_timestamp(ms)[11:])
    return lru_cache(maxsize=4096)(lambda ms: format_timestamp(ms)[5:16].replace("T", " "))


def _fmt_value(v: Any) -> Any:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if v is None:
        return "NULL"
    return v


def _key_text(key: tuple[Any, ...], names: tuple[str, ...], label: Any) -> str:
    parts = []
    for name, v in zip(names, key, strict=True):
        if name in ("event_time_floor", "event_time") and isinstance(v, int):
            v = label(v)
        parts.append(f"{name}={_fmt_value(v)}")
    return ", ".join(parts) or "(all rows)"


def _lane_label(names: tuple[str, ...], label: Any) -> Any:
    def text(key: tuple[Any, ...]) -> str:
        if key == ("rejected",):
            return "rejected"
        parts = []
        for name, v in zip(names, key, strict=False):
            if name in ("event_time_floor", "event_time") and isinstance(v, int):
                v = label(v)
            parts.append(str(_fmt_value(v)))
        return ", ".join(parts) or "(all rows)"

    return text


def _parse_upto(raw: str | None, n: int) -> int | None:
    if raw is None or not str(raw).strip():
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        return None
    return min(max(value, 1), n)


def windows_figures(result: LabResult, spec: dict[str, Any], output: dict[str, Any]) -> None:
    kind = result.kind
    events = _events(spec)
    n = len(events)
    result.events = n
    result.upto = _parse_upto(result.params.get("upto"), n)
    label = _time_label(events)
    keys = spec.get("keys", [])
    aggs = [windows.Aggregate(a["fn"], a.get("column")) for a in spec["aggregates"]]
    floor = (
        parse_interval(spec["event_time_floor"], "floor") if spec.get("event_time_floor") else None
    )
    has_event_time = any(e.event_time is not None for e in events)
    result.tables.append(_events_table(events, label, result.upto, has_event_time))

    shape = SIM_KINDS[kind].shape
    if shape == PER_ROW:
        _sliding_view(result, spec, events, keys, aggs, floor, label)
        return
    size = parse_interval(spec["size"], "size")
    if shape == WATERMARK:
        _flink_view(result, spec, events, keys, aggs, size, label)
        return

    run = SIM_KINDS[kind].engine
    bound = parse_timestamp(spec["rowtime_bound"], "until") if spec.get("rowtime_bound") else None
    full = run(events, size=size, keys=keys, aggregates=aggs, event_time_floor=floor,
               rowtime_bound=bound)  # fmt: skip
    lane = _lanes(n, full.emitted, full.open)
    if result.upto is not None:
        # One snapshot: what window_snapshots(...)[upto - 1] holds (no rowtime bound yet).
        snap = run(events[: result.upto], size=size, keys=keys, aggregates=aggs,
                   event_time_floor=floor)  # fmt: skip
        emitted, open_windows = snap.emitted, snap.open
        result.notes = list(snap.notes)
    else:
        emitted, open_windows = full.emitted, full.open
    names = full.key_names
    title = _window_title(kind, spec, result.upto, n, len(emitted), len(open_windows))
    result.figures.append(
        svg.timeline_svg(
            events,
            event_keys=[lane[i] for i in range(n)],
            emitted=emitted,
            open_windows=open_windows,
            time_label=label,
            title=title,
            upto_index=None if result.upto is None else result.upto - 1,
            lane_label=_lane_label(names, label),
        )
    )
    result.tables.append(_emitted_table(emitted, names, full.value_names, label))
    result.tables.append(_open_table(open_windows, names, full.value_names, label))
    result.summary = [
        ("events", n if result.upto is None else f"{result.upto} of {n}"),
        ("rows emitted", len(emitted)),
        ("windows still open", len(open_windows)),
    ]


def _window_title(kind: str, spec: dict[str, Any], upto: int | None, n: int, e: int, o: int) -> str:
    when = f"after event {upto} of {n}" if upto is not None else f"all {n} events"
    return (
        f"{kind.capitalize()} windows of {spec.get('size', '')}, {when}: "
        f"{e} row{'s' if e != 1 else ''} emitted, {o} window{'s' if o != 1 else ''} still open"
    )


def _lanes(n: int, emitted: list[windows.EmittedRow], open_windows: list[windows.OpenWindow]):
    lane: dict[int, tuple[Any, ...]] = {}
    for w in [*emitted, *open_windows]:
        for i in w.event_indexes:
            lane[i] = w.key
    for i in range(n):
        lane.setdefault(i, ("rejected",))
    return lane


def _events_table(events: list[windows.Event], label: Any, upto: int | None, with_et: bool):
    columns = sorted({c for e in events for c in e.columns}, key=lambda c: (c != "ticker", c))
    head = ["#", "ROWTIME", *(["event_time"] if with_et else []), *columns]
    rows = []
    for i, e in enumerate(events):
        row: list[Any] = [i + 1, label(e.rowtime)]
        if with_et:
            row.append("" if e.event_time is None else label(e.event_time))
        row += [_fmt_value(e.columns.get(c)) for c in columns]
        rows.append(row)
    caption = "Input events, in arrival order"
    if upto is not None:
        caption += f" (events after #{upto} have not arrived yet)"
    more = max(len(rows) - 500, 0)
    return Table(caption, head, rows[:500], {0}, more)


def _emitted_table(emitted, key_names, value_names, label) -> Table:
    rows = [
        [
            label(r.rowtime),
            _key_text(r.key, key_names, label),
            *(_fmt_value(v) for v in r.values),
            f"{label(r.window_start)}–{label(r.window_end)}",
            "" if r.trigger_index is None else f"#{r.trigger_index + 1}",
        ]
        for r in emitted
    ]
    numeric = set(range(2, 2 + len(value_names)))
    return Table(
        "Rows emitted (in emission order)",
        ["ROWTIME", "key", *value_names, "window", "emitted when event arrived"],
        rows,
        numeric,
    )


def _open_table(open_windows, key_names, value_names, label) -> Table:
    rows = [
        [
            _key_text(w.key, key_names, label),
            f"{label(w.window_start)}–{label(w.window_end)}",
            *(_fmt_value(v) for v in w.values),
        ]
        for w in open_windows
    ]
    return Table(
        "Windows still open (nothing emitted for them yet)",
        ["key", "window", *value_names],
        rows,
        set(range(2, 2 + len(value_names))),
    )


def _sliding_view(result, spec, events, keys, aggs, floor, label) -> None:
    n = len(events)
    range_size = parse_interval(spec["size"], "size") if "size" in spec else None
    rows_n = spec.get("rows")
    res = SIM_KINDS[result.kind].engine(events, range_size=range_size, rows=rows_n, keys=keys,
                                  aggregates=aggs, event_time_floor=floor)  # fmt: skip
    # The frame each output row covers: RANGE looks back in time, ROWS back in rows.
    by_key: dict[tuple[Any, ...], list[int]] = {}
    starts: dict[int, int] = {}
    for row in res.rows:
        part = by_key.setdefault(row.key, [])
        part.append(row.index)
        if range_size is not None:
            starts[row.index] = row.rowtime - range_size
        else:
            starts[row.index] = events[part[max(0, len(part) - 1 - rows_n)]].rowtime
    shown = res.rows if result.upto is None else res.rows[: result.upto]
    emitted = [
        windows.EmittedRow(r.rowtime, r.key, r.values, starts[r.index], r.rowtime, r.index, ())
        for r in shown
    ]
    open_windows = []
    if result.upto is not None and shown:
        last = shown[-1]
        open_windows = [windows.OpenWindow(last.key, starts[last.index], last.rowtime, last.values)]
    frame = f"RANGE {spec['size']}" if range_size is not None else f"ROWS {rows_n}"
    when = f"after event {result.upto} of {n}" if result.upto else f"all {n} events"
    result.figures.append(
        svg.timeline_svg(
            events,
            event_keys=[r.key for r in res.rows],
            emitted=emitted,
            open_windows=open_windows,
            time_label=label,
            title=f"Sliding window ({frame} PRECEDING), {when}: one output row per input row",
            upto_index=None if result.upto is None else result.upto - 1,
            lane_label=_lane_label(res.key_names, label),
        )
    )
    rows = [
        [r.index + 1, label(r.rowtime), _key_text(r.key, res.key_names, label),
         *(_fmt_value(v) for v in r.values), f"{label(starts[r.index])}–{label(r.rowtime)}"]
        for r in shown
    ]  # fmt: skip
    result.tables.append(
        Table(
            "Output rows (one per input row, in input order)",
            ["event #", "ROWTIME", "key", *res.value_names, "frame"],
            rows,
            {0, *range(3, 3 + len(res.value_names))},
        )
    )
    result.summary = [
        ("events", n if result.upto is None else f"{result.upto} of {n}"),
        ("output rows", len(shown)),
        ("frame", f"{frame} PRECEDING"),
    ]


def _flink_view(result, spec, events, keys, aggs, size, label) -> None:
    delay_raw = spec.get("max_out_of_orderness")
    delay = 0 if delay_raw in (None, "0", "0s", "0ms") else parse_interval(delay_raw, "delay")
    fres = SIM_KINDS[result.kind].engine(
        events, size=size, max_out_of_orderness=delay, keys=keys, aggregates=aggs
    )
    late = {lr.index for lr in fres.late}
    lane = _lanes(len(events), fres.emitted, fres.open)
    for i in late:
        e = events[i]
        lane[i] = tuple(e.event_time if k == "event_time" else e.columns.get(k) for k in keys)
    # Flink's windows are on event time: draw the events at their event time.
    by_event_time = [windows.Event(e.event_time or e.rowtime, None, e.columns) for e in events]
    title = (
        f"Flink event-time tumbling windows of {spec['size']}, watermark delay "
        f"{delay_raw or '0s'}: {len(fres.emitted)} fired, {len(late)} late row"
        f"{'s' if len(late) != 1 else ''} dropped"
    )
    result.figures.append(
        svg.timeline_svg(
            by_event_time,
            event_keys=[lane[i] for i in range(len(events))],
            emitted=fres.emitted,
            open_windows=fres.open,
            time_label=label,
            title=title,
            late_indexes=late,
            axis_label="event time",
            lane_label=_lane_label(fres.key_names, label),
        )
    )
    result.tables.append(_emitted_table(fres.emitted, fres.key_names, fres.value_names, label))
    result.tables[-1].caption = "Flink: windows fired (in firing order; ROWTIME = window end)"
    result.tables[-1].columns[-1] = "fired when event arrived"
    result.tables.append(
        Table(
            "Flink: late rows dropped (their window had already fired)",
            ["event #", "event time", "window start", "watermark then"],
            [
                [lr.index + 1, label(lr.event_time), label(lr.window_start), label(lr.watermark)]
                for lr in fres.late
            ],  # fmt: skip
            {0},
        )
    )
    # KDA on the same stream, the recommended late-data pattern: STEP on ROWTIME for when
    # output appears, FLOOR(event time) for the logical window. Nothing is dropped.
    kda = windows.tumbling_windows(
        events, size=size, keys=keys, aggregates=aggs, event_time_floor=size
    )
    table = _emitted_table(kda.emitted, kda.key_names, kda.value_names, label)
    table.caption = (
        f"KDA on the same stream: GROUP BY {', '.join([*keys, 'FLOOR(event_time)'])}, "
        f"STEP(ROWTIME BY {spec['size']}): late rows become extra partial rows"
    )
    result.tables.append(table)
    result.tables.append(_open_table(kda.open, kda.key_names, kda.value_names, label))
    result.tables[-1].caption = "KDA: windows still open"
    result.notes = [*fres.notes, *kda.notes]
    result.summary = [
        ("events", len(events)),
        ("Flink windows fired", len(fres.emitted)),
        ("Flink late rows dropped", len(late)),
        ("KDA rows emitted", len(kda.emitted)),
    ]


# --- KPL -------------------------------------------------------------------------------------


def kpl_figures(result: LabResult, spec: dict[str, Any]) -> None:
    gen = spec["generate"]
    config = kpl.KPLConfig.from_dict(spec.get("config", {}))
    records = kpl.generate_records(
        gen["count"], gen["size"], gen["partition_key"], per_second=gen.get("per_second", 0)
    )
    res = SIM_KINDS[result.kind].engine(
        records, config=config, shards=spec["shards"], flush_at_end=spec.get("flush_at_end", True)
    )
    krs = res.kinesis_records
    user_bytes = sum(len(r.data) + len(r.partition_key.encode()) for r in records)
    kr_bytes = sum(kr.request_bytes for kr in krs)
    req_bytes = sum(p.bytes for p in res.put_records)
    aggregated = sum(1 for kr in krs if kr.aggregated)
    result.summary = [
        ("user records", f"{len(records):,}"),
        ("Kinesis records", f"{len(krs):,} ({aggregated:,} aggregated)"),
        ("PutRecords requests", f"{len(res.put_records):,}"),
        ("throttled shard-seconds", f"{len(res.throttled):,}"),
    ]
    if res.expired:
        result.summary.append(("expired (past RecordTtl)", f"{len(res.expired):,}"))
    if res.buffered:
        result.summary.append(("still buffered (no flush)", f"{len(res.buffered):,}"))
    result.figures.append(
        svg.pipeline_svg(
            [
                ("User records", len(records), user_bytes),
                ("Kinesis records", len(krs), kr_bytes),
                ("PutRecords requests", len(res.put_records), req_bytes),
            ],
            title=(
                f"{len(records):,} user records become {len(krs):,} Kinesis records in "
                f"{len(res.put_records):,} PutRecords request"
                f"{'s' if len(res.put_records) != 1 else ''}"
            ),
        )
    )
    load: dict[tuple[int, int], list[int]] = {}
    for kr in krs:
        if kr.sent_ms is None:
            continue
        slot = load.setdefault((kr.shard, kr.sent_ms // 1000), [0, 0])
        slot[0] += 1
        slot[1] += kr.request_bytes
    throttled = {(t.shard, t.second) for t in res.throttled}
    seconds = sorted(load)
    bars = [(s, sec, load[(s, sec)][0], load[(s, sec)][1], (s, sec) in throttled)
            for s, sec in seconds[:TABLE_LIMIT]]  # fmt: skip
    result.figures.append(
        svg.shard_seconds_svg(
            bars,
            record_limit=kpl.SHARD_RECORDS_PER_SECOND,
            byte_limit=kpl.SHARD_BYTES_PER_SECOND,
            title=(
                f"Load per shard-second against the 1,000 records/s and 1 MiB/s shard limits: "
                f"{len(res.throttled)} of {len(seconds)} shard-seconds over"
            ),
        )
    )
    kr_rows = [
        [i + 1, len(kr.user_records), f"{len(kr.data):,}", kr.shard, kr.partition_key,
         "" if kr.sent_ms is None else kr.sent_ms]
        for i, kr in enumerate(krs[:TABLE_LIMIT])
    ]  # fmt: skip
    result.tables.append(
        Table(
            "Kinesis records, in the order they are sent",
            ["#", "user records", "bytes", "shard", "partition key", "sent at (ms)"],
            kr_rows,
            {0, 1, 2, 3, 5},
            max(len(krs) - TABLE_LIMIT, 0),
        )
    )
    req_rows = []
    for i, p in enumerate(res.put_records[:TABLE_LIMIT]):
        shards = sorted({krs[k].shard for k in p.records})
        users = sum(len(krs[k].user_records) for k in p.records)
        req_rows.append(
            [i + 1, len(p.records), f"{users:,}", f"{p.bytes:,}",
             ", ".join(map(str, shards)), p.sent_ms,
             _pct(len(p.records), config.CollectionMaxCount),
             _pct(p.bytes, config.CollectionMaxSize)]
        )  # fmt: skip
    result.tables.append(
        Table(
            "PutRecords requests",
            [
                "#",
                "Kinesis records",
                "user records",
                "bytes",
                "shards",
                "sent at (ms)",
                "of CollectionMaxCount",
                "of CollectionMaxSize",
            ],  # fmt: skip
            req_rows,
            {0, 1, 2, 3, 5, 6, 7},
            max(len(res.put_records) - TABLE_LIMIT, 0),
        )
    )
    result.tables.append(
        Table(
            "Shard-seconds over the limits (Kinesis would throttle these)",
            ["shard", "second", "records", "bytes"],
            [[t.shard, t.second, t.records, f"{t.bytes:,}"] for t in res.throttled[:TABLE_LIMIT]],
            {0, 1, 2, 3},
            max(len(res.throttled) - TABLE_LIMIT, 0),
        )
    )
    result.notes = list(res.notes)


def _pct(value: int, limit: int) -> str:
    return f"{100 * value / limit:.0f}%" if limit else ""
