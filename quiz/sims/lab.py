"""The Labs: form parameters in, everything a simulation widget shows out (pure, no Django).

A lab's parameters are the ```` ```sim ```` block's ``key: value`` strings (``embed.py``), so a
lab URL, an embedded card widget and a note's block all speak one language. On top of the block
syntax a lab accepts ``preset=csv`` with pasted ``csv`` events, ``frame`` (``range`` or ``rows``,
sliding only) and ``upto`` (the time scrubber: the state right after event N arrived).

``run_lab`` validates through ``run_spec`` (so errors are the contract's ``SpecError``s, mapped
to the form field they belong to), then calls the engines for the objects the SVGs draw. The
scrubber state is the engine run on the first N events: exactly one entry of
``windows.window_snapshots`` (which computes them all; a request needs only one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from quiz.sims import kpl, svg, windows
from quiz.sims.embed import parse_embed
from quiz.sims.errors import SpecError
from quiz.sims.presets import PRESETS, parse_events_csv
from quiz.sims.spec import format_timestamp, parse_interval, parse_timestamp, run_spec

# Pasted CSV: small enough to draw and to re-run on every keystroke.
MAX_CSV_EVENTS = 2000
MAX_CSV_CHARS = 200_000
# KPL in the browser: the engine allows 100,000 records; a page that redraws on change stays
# well below that.
MAX_LAB_RECORDS = 20_000
MAX_LAB_BYTES = 64 * 1024 * 1024
# Rows listed in the KPL tables before "... and N more".
TABLE_LIMIT = 60

KPL_SETTINGS = tuple(f.name for f in fields(kpl.KPLConfig))
KPL_DEFAULTS = {f.name: f.default for f in fields(kpl.KPLConfig)}
WINDOW_FIELDS = ("preset", "size", "keys", "floor", "aggregates", "until", "csv")
SLIDING_FIELDS = ("preset", "frame", "size", "rows", "keys", "aggregates", "csv")
KPL_FIELDS = ("records", "record_size", "partition_key", "per_second", "shards", "flush_at_end")


@dataclass(frozen=True)
class Lab:
    kind: str
    title: str
    summary: str
    defaults: dict[str, str]
    # Which form fields this lab shows.
    fields: tuple[str, ...]


LABS: dict[str, Lab] = {
    lab.kind: lab
    for lab in (
        Lab(
            "tumbling",
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
        ),
        Lab(
            "sliding",
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
        ),
        Lab(
            "stagger",
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
        ),
        Lab(
            "flink",
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
            ("preset", "size", "keys", "aggregates", "delay", "csv"),
        ),
        Lab(
            "kpl",
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
        ),
    )
}

PRESET_CHOICES = [(p.name, p.title) for p in PRESETS.values()] + [("csv", "Pasted CSV events")]


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
    # Nothing to run yet and nothing wrong (CSV events chosen, none pasted): what to do next.
    waiting: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.waiting


def lab_params(kind: str, query: Mapping[str, str]) -> dict[str, str]:
    """The lab's parameters from a query string: the lab's defaults when none of its fields is
    given (a fresh page), else exactly what the form sent (a blank field means "default")."""
    lab = LABS[kind]
    known = (*lab.fields, "upto")
    given = {k: str(query[k]) for k in known if k in query}
    if not any(k in given for k in lab.fields):
        given = {**lab.defaults, **given}
    if given.get("preset") == "csv" and given.get("until") == lab.defaults.get("until"):
        # The preset's ROWTIME bound belongs to the preset's events, not to pasted ones.
        given["until"] = ""
    return given


def build_spec(kind: str, params: Mapping[str, str]) -> dict[str, Any]:
    """A ``run_spec`` spec from lab parameters; raises ``SpecError`` named by *form* field."""
    block: dict[str, str] = {"type": kind}
    if kind == "kpl":
        for name in (*KPL_FIELDS, *KPL_SETTINGS):
            value = params.get(name, "").strip()
            if value:
                block[name] = value
        try:
            spec = parse_embed(block)
        except SpecError as e:
            raise _form_error(kind, params, e) from None
        gen = spec["generate"]
        if gen["count"] > MAX_LAB_RECORDS:
            raise SpecError("records", f"at most {MAX_LAB_RECORDS:,} records in the Labs")
        if gen["count"] * gen["size"] > MAX_LAB_BYTES:
            raise SpecError("record_size", "records × size is over 64 MiB; use fewer or smaller")
        return spec

    preset = params.get("preset", "").strip() or LABS[kind].defaults.get("preset", "ticker")
    use_csv = preset == "csv"
    block["preset"] = "ticker" if use_csv else preset
    for name in ("size", "keys", "floor", "aggregates", "until", "delay"):
        value = params.get(name, "").strip()
        if value and (name != "delay" or kind == "flink"):
            block[name] = value
    if kind == "sliding" and params.get("frame") == "rows":
        block.pop("size", None)
        block["rows"] = params.get("rows", "").strip() or "0"
    if use_csv and "keys" not in block:
        block["keys"] = "none"  # the ticker preset's key means nothing for pasted events
    if kind == "flink":
        block.pop("until", None)
        block.pop("floor", None)
    try:
        spec = parse_embed(block)
    except SpecError as e:
        raise _form_error(kind, params, e) from None
    if use_csv:
        text = params.get("csv", "")
        if len(text) > MAX_CSV_CHARS:
            raise SpecError("csv", f"too long: at most {MAX_CSV_CHARS:,} characters")
        try:
            spec["events"] = parse_events_csv(text, max_events=MAX_CSV_EVENTS)
        except SpecError as e:
            # The field is already "csv" or "csv line N": say the line, not "csv" twice.
            where = e.field.removeprefix("csv").strip()
            raise SpecError("csv", f"{where}: {e.message}" if where else e.message) from None
    return spec


_FIELD_OF = {
    "type": "form",
    "kind": "form",
    "event_time_floor": "floor",
    "rowtime_bound": "until",
    "max_out_of_orderness": "delay",
    "generate.count": "records",
    "generate.size": "record_size",
    "generate.partition_key": "partition_key",
    "generate.per_second": "per_second",
    "aggregation": "AggregationEnabled",
}
_EVENT_FIELD = re.compile(r"^events\[(\d+)\]\.(.+)$")


def _form_error(kind: str, params: Mapping[str, str], e: SpecError) -> SpecError:
    """Map a spec error to the form field a learner can fix."""
    name = e.field.removeprefix("config.")
    if name.startswith("aggregates"):
        return SpecError("aggregates", e.message)
    if name in _FIELD_OF:
        return SpecError(_FIELD_OF[name], e.message)
    m = _EVENT_FIELD.match(name)
    if m:
        index, column = int(m.group(1)), m.group(2)
        if "named in keys" in e.message:
            return SpecError("keys", f"no column {column!r} in these events{_columns(params)}")
        if "named in aggregates" in e.message or "aggregated" in e.message:
            return SpecError("aggregates", f"column {column!r}: {e.message}{_columns(params)}")
        if "event_time" in column and "missing" in e.message:
            target = "preset" if params.get("preset") != "csv" else "csv"
            return SpecError(target, "these events have no event_time column, needed here")
        if params.get("preset") == "csv":
            # Header is line 1, so event i is on line i + 2 (blank lines aside).
            return SpecError("csv", f"event {index + 1} (line {index + 2}), {column}: {e.message}")
        return SpecError("preset", f"event {index + 1}, {column}: {e.message}")
    if name == "events":
        return SpecError("csv" if params.get("preset") == "csv" else "preset", e.message)
    known = set(LABS[kind].fields) | {"form"}
    return SpecError(name if name in known else "form", e.message)


def _columns(params: Mapping[str, str]) -> str:
    preset = PRESETS.get(params.get("preset", ""))
    if preset is None or not preset.events:
        return ""
    cols = [c for c in preset.events[0] if c != "rowtime"]
    return f" (columns: {', '.join(cols)})"


def run_lab(kind: str, params: Mapping[str, str]) -> LabResult:
    """Everything the widget shows. Never raises for bad input: errors land in ``errors``."""
    if kind not in LABS:
        raise KeyError(kind)
    result = LabResult(kind, dict(params))
    pasting = "csv" in LABS[kind].fields and params.get("preset") == "csv"
    if pasting and not params.get("csv", "").strip():
        result.waiting = (
            "Paste your events below: a header row with a rowtime column, then one event"
            " per line in arrival order."
        )
        return result
    try:
        spec = build_spec(kind, params)
        output = run_spec(spec)
    except SpecError as e:
        err = _form_error(kind, params, e) if e.field not in _ALL_FORM_FIELDS else e
        result.errors[err.field] = err.message
        return result
    result.json = output
    result.notes = list(output.get("notes", []))
    if kind == "kpl":
        _kpl_view(result, spec)
    else:
        _windows_view(result, spec, output)
    return result


_ALL_FORM_FIELDS = {"form", *WINDOW_FIELDS, *SLIDING_FIELDS, "delay", *KPL_FIELDS, *KPL_SETTINGS}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str  # "text", "number", "select", "textarea"
    value: str
    help: str = ""
    error: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    placeholder: str = ""
    group: str = ""  # "kpl": one of the KPL settings, shown together


def settings_changed(params: Mapping[str, str], errors: Mapping[str, str]) -> bool:
    """Whether the KPL settings group should start open: a setting differs from its default
    or has an error."""
    for name in KPL_SETTINGS:
        if name in errors:
            return True
        value = params.get(name, "").strip()
        default = KPL_DEFAULTS[name]
        shown = ("yes" if default else "no") if isinstance(default, bool) else str(default)
        if value and value != shown:
            return True
    return False


_YES_NO = (("yes", "yes"), ("no", "no"))
_KPL_HELP = {
    "AggregationEnabled": "pack user records into aggregated Kinesis records",
    "AggregationMaxCount": "user records per aggregated record",
    "AggregationMaxSize": "bytes per aggregated record (bigger user records go alone)",
    "CollectionMaxCount": "Kinesis records per PutRecords request (max 500)",
    "CollectionMaxSize": "bytes per PutRecords request",
    "RecordMaxBufferedTime": "ms a record may wait in a buffer",
    "RecordTtl": "ms before an unsent record expires",
    "RateLimit": "% of the shard limit the KPL allows itself",
    "MaxUserRecordSize": "largest user record accepted (bytes)",
}


def form_fields(kind: str, params: Mapping[str, str], errors: Mapping[str, str]) -> list[FormField]:
    """The lab's form, field by field, with current values and errors (for one template loop)."""
    out = []
    for name in LABS[kind].fields:
        value = params.get(name, "")
        error = errors.get(name, "")
        if name == "preset":
            f = FormField(name, "Events", "select", value or "ticker",
                          "a preset stream, or your own pasted CSV", error,
                          tuple(PRESET_CHOICES))  # fmt: skip
        elif name == "csv":
            f = FormField(name, "Pasted CSV events (used when Events is “Pasted CSV events”)",
                          "textarea", value,
                          f"header row with rowtime (ISO time), optional event_time, then data "
                          f"columns; rows in arrival order; at most {MAX_CSV_EVENTS:,} events",
                          error, placeholder="rowtime,event_time,ticker,price\n"
                          "2024-01-01T10:00:01,2024-01-01T10:00:00,AMZN,12")  # fmt: skip
        elif name == "size":
            label = "RANGE interval" if kind == "sliding" else "Window size"
            f = FormField(name, label, "text", value,
                          "500ms, 10s, 5m, 1h, 1d; blank: the preset's", error)  # fmt: skip
        elif name == "frame":
            f = FormField(name, "Frame", "select", value or "range", "", error,
                          (("range", "RANGE interval PRECEDING"),
                           ("rows", "ROWS n PRECEDING")))  # fmt: skip
        elif name == "rows":
            f = FormField(name, "ROWS n PRECEDING", "number", value,
                          "with Frame ROWS: the current row and n before it",
                          error)  # fmt: skip
        elif name == "keys":
            label = "GROUP BY columns" if kind == "tumbling" else "PARTITION BY columns"
            f = FormField(name, label, "text", value,
                          "comma-separated; none for no key; blank: the preset's key",
                          error)  # fmt: skip
        elif name == "floor":
            f = FormField(name, "Also group by FLOOR(event_time TO …)", "text", value,
                          "e.g. 1m (the late-data pattern); blank for none", error)  # fmt: skip
        elif name == "aggregates":
            f = FormField(name, "Aggregates", "text", value,
                          "count, sum(col), min(col), max(col), avg(col)", error)  # fmt: skip
        elif name == "until":
            f = FormField(name, "ROWTIME bound after the last event", "text", value,
                          "ISO time: windows ending by then are emitted (as a later row "
                          "would); blank for none", error)  # fmt: skip
        elif name == "delay":
            f = FormField(name, "Flink watermark delay (bounded out-of-orderness)", "text",
                          value, "e.g. 0s, 1s, 1m", error)  # fmt: skip
        elif name == "records":
            f = FormField(name, "User records (count)", "number", value,
                          f"at most {MAX_LAB_RECORDS:,} here", error)  # fmt: skip
        elif name == "record_size":
            f = FormField(name, "Record size (bytes)", "number", value, "", error)
        elif name == "partition_key":
            f = FormField(name, "Partition key", "text", value,
                          "{i} numbers the records, e.g. user-{i} spreads them over shards",
                          error)  # fmt: skip
        elif name == "per_second":
            f = FormField(name, "Records per second", "number", value,
                          "0 or blank: all at once", error)  # fmt: skip
        elif name == "shards":
            f = FormField(name, "Shards", "number", value, "", error)
        elif name == "flush_at_end":
            f = FormField(name, "flush() after the last record", "select",
                          value or "yes", "no: whatever is still buffered is listed", error,
                          _YES_NO)  # fmt: skip
        elif name == "AggregationEnabled":
            f = FormField(name, name, "select", value or "yes",
                          f"{_KPL_HELP[name]} (default: yes)", error, _YES_NO,
                          group="kpl")  # fmt: skip
        else:
            f = FormField(name, name, "number", value,
                          f"{_KPL_HELP.get(name, '')} (default: {KPL_DEFAULTS[name]})", error,
                          placeholder=str(KPL_DEFAULTS[name]), group="kpl")  # fmt: skip
        out.append(f)
    return out


def is_assumption(note: str) -> bool:
    """Notes the UI flags as assumptions (SIMULATIONS.md: "say so in the UI")."""
    return "assumption" in note.lower() or "not documented" in note.lower()


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


def _windows_view(result: LabResult, spec: dict[str, Any], output: dict[str, Any]) -> None:
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

    if kind == "sliding":
        _sliding_view(result, spec, events, keys, aggs, floor, label)
        return
    size = parse_interval(spec["size"], "size")
    if kind == "flink":
        _flink_view(result, spec, events, keys, aggs, size, label)
        return

    run = windows.tumbling_windows if kind == "tumbling" else windows.stagger_windows
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
        (_plural(n, "event"), n if result.upto is None else f"{result.upto} of {n}"),
        (_plural(len(emitted), "row", " emitted"), len(emitted)),
        (_plural(len(open_windows), "window", " still open"), len(open_windows)),
    ]


def _plural(n: int, noun: str, rest: str = "") -> str:
    """A summary label that agrees with its count: "1 row emitted", "2 rows emitted"."""
    return f"{noun}{'' if n == 1 else 's'}{rest}"


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
    res = windows.sliding_windows(events, range_size=range_size, rows=rows_n, keys=keys,
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
        (_plural(n, "event"), n if result.upto is None else f"{result.upto} of {n}"),
        (_plural(len(shown), "output row"), len(shown)),
        ("frame", f"{frame} PRECEDING"),
    ]


def _flink_view(result, spec, events, keys, aggs, size, label) -> None:
    delay_raw = spec.get("max_out_of_orderness")
    delay = 0 if delay_raw in (None, "0", "0s", "0ms") else parse_interval(delay_raw, "delay")
    fres = windows.flink_event_time_tumbling(
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
        (_plural(len(events), "event"), len(events)),
        (_plural(len(fres.emitted), "Flink window", " fired"), len(fres.emitted)),
        (_plural(len(late), "Flink late row", " dropped"), len(late)),
        (_plural(len(kda.emitted), "KDA row", " emitted"), len(kda.emitted)),
    ]


# --- KPL -------------------------------------------------------------------------------------


def _kpl_view(result: LabResult, spec: dict[str, Any]) -> None:
    gen = spec["generate"]
    config = kpl.KPLConfig.from_dict(spec.get("config", {}))
    records = kpl.generate_records(
        gen["count"], gen["size"], gen["partition_key"], per_second=gen.get("per_second", 0)
    )
    res = kpl.simulate_kpl(
        records, config=config, shards=spec["shards"], flush_at_end=spec.get("flush_at_end", True)
    )
    krs = res.kinesis_records
    user_bytes = sum(len(r.data) + len(r.partition_key.encode()) for r in records)
    kr_bytes = sum(kr.request_bytes for kr in krs)
    req_bytes = sum(p.bytes for p in res.put_records)
    aggregated = sum(1 for kr in krs if kr.aggregated)
    result.summary = [
        (_plural(len(records), "user record"), f"{len(records):,}"),
        (_plural(len(krs), "Kinesis record"), f"{len(krs):,} ({aggregated:,} aggregated)"),
        (_plural(len(res.put_records), "PutRecords request"), f"{len(res.put_records):,}"),
        (_plural(len(res.throttled), "throttled shard-second"), f"{len(res.throttled):,}"),
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


# --- links between blocks, specs and labs ----------------------------------------------------


def spec_to_params(spec: Mapping[str, Any]) -> tuple[str, dict[str, str]] | None:
    """The lab (kind, parameters) showing a stored spec (``Card.sim``/``Topic.sims``), for the
    "Open in Labs" link; ``None`` when the spec cannot be expressed as lab parameters."""
    kind = spec.get("kind")
    if kind not in LABS:
        return None
    if kind == "kpl":
        gen = spec.get("generate")
        if not isinstance(gen, dict):
            return None
        params = {
            "records": str(gen.get("count", 1000)),
            "record_size": str(gen.get("size", 512)),
            "partition_key": str(gen.get("partition_key", "pk")),
            "shards": str(spec.get("shards", 1)),
        }
        if gen.get("per_second"):
            params["per_second"] = str(gen["per_second"])
        if spec.get("flush_at_end") is False:
            params["flush_at_end"] = "no"
        for k, v in spec.get("config", {}).items():
            params[k] = ("yes" if v else "no") if isinstance(v, bool) else str(v)
        return kind, params
    events = spec.get("events")
    preset = next((p.name for p in PRESETS.values() if list(p.events) == events), None)
    params = {}
    if preset is None:
        if not isinstance(events, list) or len(events) > 200:
            return None
        params["preset"] = "csv"
        params["csv"] = _to_csv(events)
    else:
        params["preset"] = preset
    if "rows" in spec:
        params["frame"] = "rows"
        params["rows"] = str(spec["rows"])
    elif "size" in spec:
        params["size"] = str(spec["size"])
        if kind == "sliding":
            params["frame"] = "range"
    params["keys"] = ", ".join(spec.get("keys", [])) or "none"
    if spec.get("event_time_floor"):
        params["floor"] = str(spec["event_time_floor"])
    aggs = []
    for a in spec.get("aggregates", [{"fn": "count"}]):
        aggs.append(a["fn"] if not a.get("column") else f"{a['fn']}({a['column']})")
    params["aggregates"] = ", ".join(aggs)
    if spec.get("rowtime_bound"):
        params["until"] = str(spec["rowtime_bound"])
    if spec.get("max_out_of_orderness"):
        params["delay"] = str(spec["max_out_of_orderness"])
    return kind, params


def _to_csv(events: list[dict[str, Any]]) -> str:
    import csv
    import io

    columns: list[str] = []
    for e in events:
        for c in e:
            if c not in columns:
                columns.append(c)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for e in events:
        writer.writerow(["" if e.get(c) is None else e.get(c) for c in columns])
    return buf.getvalue()
