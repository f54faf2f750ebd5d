"""``run_spec``: the ``simulate`` JSON contract of ``docs/simulations.md``, on plain dicts.

Windows specs (``kind`` tumbling | sliding | stagger) and batching specs (``kind`` kpl) are
validated field by field; any bad input raises ``SpecError(field, message)`` whose text is one
line naming the field. Results follow the contract's shapes, plus a ``notes`` list (the
assumptions and simplifications the UI must show).

Extensions beyond the contract (all optional):
* windows: ``"rowtime_bound": ISO`` advances ROWTIME after the last event, so windows ending
  by then are emitted (as a later row or a heartbeat would);
* ``"kind": "flink"``: Flink event-time tumbling windows of ``size`` with a
  ``"max_out_of_orderness"`` interval watermark; result adds ``late`` (dropped rows);
* kpl ``generate`` accepts ``"per_second"`` to spread records in time; kpl records may give
  ``"data"`` (a string) instead of ``"size"``.
Timestamps are ISO 8601 strings (UTC, naive) or integers (milliseconds since the epoch).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from quiz.sims import kpl, windows
from quiz.sims.errors import SpecError
from quiz.sims.kinds import BATCHING, GROUPED, PER_ROW, SIM_KINDS, WATERMARK

MAX_EVENTS = 200_000
MAX_RECORDS = 100_000
MAX_SHARDS = 1000
MAX_RECORD_SIZE = 1_048_576

_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_INTERVAL = re.compile(r"^([1-9][0-9]*)(ms|s|m|h|d)$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Bounds that keep every time the engines compute (a window's end, a watermark) a date that can
# be written out: a window or interval of at most a year, times between 1900 and 2999.
MAX_INTERVAL_MS = 365 * 86_400_000
MIN_TIMESTAMP_MS = -2_208_988_800_000  # 1900-01-01T00:00:00
MAX_TIMESTAMP_MS = 32_503_680_000_000 - 1  # 2999-12-31T23:59:59.999

__all__ = ["SpecError", "run_spec", "parse_interval", "parse_timestamp", "format_timestamp"]


def parse_interval(value: Any, field: str) -> int:
    """``"500ms"``, ``"10s"``, ``"5m"``, ``"1h"``, ``"1d"`` to milliseconds."""
    if not isinstance(value, str):
        raise SpecError(field, 'must be an interval string such as "10s"')
    m = _INTERVAL.match(value.strip())
    if not m:
        raise SpecError(field, f"bad interval {value[:40]!r} (use e.g. 500ms, 10s, 5m, 1h, 1d)")
    # Compared as text first: int() of thousands of digits is slow, and refused past 4,300.
    digits = m.group(1)
    ms = int(digits) * _UNITS_MS[m.group(2)] if len(digits) <= 15 else MAX_INTERVAL_MS + 1
    if ms > MAX_INTERVAL_MS:
        raise SpecError(field, "at most 365 days (365d)")
    return ms


def parse_timestamp(value: Any, field: str) -> int:
    """ISO 8601 (naive = UTC) or integer milliseconds to integer milliseconds, 1900 to 2999."""
    if isinstance(value, bool):
        raise SpecError(field, "must be an ISO timestamp or integer milliseconds")
    if isinstance(value, int):
        ms = value
    elif not isinstance(value, str):
        raise SpecError(field, "must be an ISO timestamp or integer milliseconds")
    else:
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            raise SpecError(field, f"{value[:40]!r} is not an ISO timestamp") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        delta = dt - _EPOCH
        # Integer arithmetic: floats would lose microseconds on modern dates.
        ms = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    if not MIN_TIMESTAMP_MS <= ms <= MAX_TIMESTAMP_MS:
        raise SpecError(field, "must be between the years 1900 and 2999")
    return ms


def format_timestamp(ms: int) -> str:
    """Milliseconds to ISO 8601 without a zone; milliseconds only when not zero."""
    seconds, millis = divmod(ms, 1000)
    dt = datetime.fromtimestamp(seconds, UTC)
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{s}.{millis:03d}" if millis else s


def _require_dict(spec: Any, field: str) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise SpecError(field, "must be a JSON object")
    return spec


def _check_unknown(spec: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
    for key in spec:
        if key not in allowed:
            raise SpecError(f"{prefix}{key}", "unknown field")


def _int(value: Any, field: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(field, "must be an integer")
    if not low <= value <= high:
        raise SpecError(field, f"must be between {low} and {high}")
    return value


def run_spec(spec: Any) -> dict[str, Any]:
    """Run one simulation spec (already parsed from JSON) and return the result object."""
    spec = _require_dict(spec, "spec")
    kind = spec.get("kind")
    if kind is None:
        raise SpecError("kind", f"missing (one of {', '.join(SIM_KINDS)})")
    if not isinstance(kind, str) or kind not in SIM_KINDS:
        raise SpecError("kind", f"unknown kind {kind!r} (one of {', '.join(SIM_KINDS)})")
    if SIM_KINDS[kind].shape == BATCHING:
        return _run_kpl(spec)
    return _run_windows(spec)


# --- windows ---------------------------------------------------------------------------------


def _parse_aggregates(value: Any) -> list[windows.Aggregate]:
    if value is None:
        return [windows.Aggregate("count")]
    if not isinstance(value, list) or not value:
        raise SpecError("aggregates", 'must be a non-empty list such as [{"fn": "count"}]')
    out = []
    for i, item in enumerate(value):
        field = f"aggregates[{i}]"
        item = _require_dict(item, field)
        _check_unknown(item, {"fn", "column"}, f"{field}.")
        fn = item.get("fn")
        if fn not in windows.AGGREGATE_FUNCTIONS:
            raise SpecError(
                f"{field}.fn",
                f"unknown aggregate function {fn!r} (one of count, sum, min, max, avg)",
            )
        column = item.get("column")
        if column is not None and not isinstance(column, str):
            raise SpecError(f"{field}.column", "must be a column name")
        if column is None and fn != "count":
            raise SpecError(f"{field}.column", f"{fn} needs a column")
        out.append(windows.Aggregate(fn, column))
    names = [a.name for a in out]
    if len(set(names)) != len(names):
        raise SpecError("aggregates", "the same aggregate is listed twice")
    return out


def _parse_events(
    value: Any, *, keys: list[str], value_columns: set[str], needs_event_time: bool, shape: str
) -> list[windows.Event]:
    if not isinstance(value, list) or not value:
        raise SpecError("events", "must be a non-empty list of event objects")
    if len(value) > MAX_EVENTS:
        raise SpecError("events", f"too many events ({len(value)}; at most {MAX_EVENTS})")
    out: list[windows.Event] = []
    previous: int | None = None
    for i, raw in enumerate(value):
        field = f"events[{i}]"
        raw = _require_dict(raw, field)
        if "rowtime" not in raw:
            raise SpecError(f"{field}.rowtime", "missing")
        rowtime = parse_timestamp(raw["rowtime"], f"{field}.rowtime")
        # Flink orders by event time; KDA rejects a ROWTIME that goes backwards.
        if shape != WATERMARK and previous is not None and rowtime < previous:
            raise SpecError(
                f"{field}.rowtime",
                "lower than the previous row's ROWTIME: KDA rejects it (ROWTIME never decreases)",
            )
        previous = rowtime
        event_time = None
        if raw.get("event_time") is not None:
            event_time = parse_timestamp(raw["event_time"], f"{field}.event_time")
        elif needs_event_time:
            raise SpecError(f"{field}.event_time", "missing (needed by event time grouping)")
        columns = {k: v for k, v in raw.items() if k not in ("rowtime", "event_time")}
        for k, v in columns.items():
            if isinstance(v, dict | list):
                raise SpecError(f"{field}.{k}", "must be a string, number, boolean or null")
        for k in keys:
            if k not in columns and not (k == "event_time" and event_time is not None):
                raise SpecError(f"{field}.{k}", "missing column (named in keys)")
        for c in value_columns:
            if c not in columns:
                raise SpecError(f"{field}.{c}", "missing column (named in aggregates)")
            v = columns[c]
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise SpecError(f"{field}.{c}", "must be a number (it is aggregated)")
        out.append(windows.Event(rowtime, event_time, columns))
    return out


def _key_dict(key: tuple[Any, ...], key_names: tuple[str, ...], floor_used: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, v in zip(key_names, key, strict=True):
        if name == "event_time" or (floor_used and name == "event_time_floor"):
            out[name] = format_timestamp(v) if isinstance(v, int) else v
        else:
            out[name] = v
    return out


def _values_dict(values: tuple[Any, ...], names: tuple[str, ...]) -> dict[str, Any]:
    return dict(zip(names, values, strict=True))


def _run_windows(spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec["kind"]
    shape = SIM_KINDS[kind].shape
    allowed = {
        "kind",
        "size",
        "rows",
        "keys",
        "event_time_floor",
        "aggregates",
        "events",
        "rowtime_bound",
        "max_out_of_orderness",
    }
    _check_unknown(spec, allowed)
    size: int | None = None
    rows: int | None = None
    if shape == PER_ROW:
        if ("size" in spec) == ("rows" in spec):
            raise SpecError("size", "sliding needs exactly one of size (RANGE) or rows (ROWS)")
        if "rows" in spec:
            rows = _int(spec["rows"], "rows", low=0, high=100_000)
        else:
            size = parse_interval(spec["size"], "size")
    else:
        if "rows" in spec:
            raise SpecError("rows", f"only sliding windows take rows, not {kind}")
        if "size" not in spec:
            raise SpecError("size", f'missing (the {kind} window length, e.g. "60s")')
        size = parse_interval(spec["size"], "size")

    keys = spec.get("keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise SpecError("keys", "must be a list of column names")
    if len(set(keys)) != len(keys):
        raise SpecError("keys", "a column is listed twice")
    if "rowtime" in keys:
        raise SpecError("keys", "rowtime cannot be a key (windows are over ROWTIME)")
    floor = None
    if spec.get("event_time_floor") is not None:
        if shape == WATERMARK:
            raise SpecError("event_time_floor", f"{kind} windows are already on event time")
        floor = parse_interval(spec["event_time_floor"], "event_time_floor")
    aggregates = _parse_aggregates(spec.get("aggregates"))
    value_columns = {a.column for a in aggregates if a.column is not None}
    bound = None
    if spec.get("rowtime_bound") is not None:
        if shape != GROUPED:
            raise SpecError("rowtime_bound", f"not used by {kind} windows")
        bound = parse_timestamp(spec["rowtime_bound"], "rowtime_bound")
    if "max_out_of_orderness" in spec and shape != WATERMARK:
        raise SpecError("max_out_of_orderness", "only flink windows take a watermark delay")
    if "events" not in spec:
        raise SpecError("events", "missing")
    events = _parse_events(
        spec["events"],
        keys=keys,
        value_columns=value_columns,
        needs_event_time=floor is not None or shape == WATERMARK,
        shape=shape,
    )
    floor_used = floor is not None

    engine = SIM_KINDS[kind].engine
    if shape == PER_ROW:
        res = engine(
            events,
            range_size=size,
            rows=rows,
            keys=keys,
            aggregates=aggregates,
            event_time_floor=floor,
        )
        return {
            "rows": [
                {
                    "rowtime": format_timestamp(r.rowtime),
                    "key": _key_dict(r.key, res.key_names, floor_used),
                    "values": _values_dict(r.values, res.value_names),
                }
                for r in res.rows
            ],
            "notes": res.notes,
        }

    assert size is not None
    if shape == WATERMARK:
        delay = 0
        raw_delay = spec.get("max_out_of_orderness")
        # "0s" is a valid watermark delay although intervals are otherwise positive.
        if raw_delay not in (None, "0", "0ms", "0s"):
            delay = parse_interval(raw_delay, "max_out_of_orderness")
        fres = engine(
            events, size=size, max_out_of_orderness=delay, keys=keys, aggregates=aggregates
        )
        out = _window_output(fres.emitted, fres.open, fres.key_names, fres.value_names, False)
        out["late"] = [
            {
                "index": lr.index,
                "event_time": format_timestamp(lr.event_time),
                "window_start": format_timestamp(lr.window_start),
                "watermark": format_timestamp(lr.watermark),
            }
            for lr in fres.late
        ]
        out["notes"] = fres.notes
        return out

    wres = engine(
        events,
        size=size,
        keys=keys,
        aggregates=aggregates,
        event_time_floor=floor,
        rowtime_bound=bound,
    )
    out = _window_output(wres.emitted, wres.open, wres.key_names, wres.value_names, floor_used)
    out["notes"] = wres.notes
    return out


def _window_output(
    emitted: list[windows.EmittedRow],
    open_windows: list[windows.OpenWindow],
    key_names: tuple[str, ...],
    value_names: tuple[str, ...],
    floor_used: bool,
) -> dict[str, Any]:
    return {
        "emitted": [
            {
                "rowtime": format_timestamp(r.rowtime),
                "key": _key_dict(r.key, key_names, floor_used),
                "values": _values_dict(r.values, value_names),
            }
            for r in emitted
        ],
        "open": [
            {
                "key": _key_dict(w.key, key_names, floor_used),
                "window_start": format_timestamp(w.window_start),
                "values": _values_dict(w.values, value_names),
            }
            for w in open_windows
        ],
    }


# --- KPL -------------------------------------------------------------------------------------


def _parse_kpl_records(spec: dict[str, Any]) -> list[kpl.UserRecord]:
    has_records = "records" in spec
    has_generate = "generate" in spec
    if has_records == has_generate:
        raise SpecError("records", "give exactly one of records or generate")
    if has_generate:
        gen = _require_dict(spec["generate"], "generate")
        _check_unknown(gen, {"count", "size", "partition_key", "per_second"}, "generate.")
        for name in ("count", "size"):
            if name not in gen:
                raise SpecError(f"generate.{name}", "missing")
        count = _int(gen["count"], "generate.count", low=1, high=MAX_RECORDS)
        size = _int(gen["size"], "generate.size", low=0, high=MAX_RECORD_SIZE + 1)
        pk = gen.get("partition_key", "pk")
        if not isinstance(pk, str) or not pk:
            raise SpecError("generate.partition_key", "must be a non-empty string")
        if len(pk.replace("{i}", str(count - 1))) > kpl.MAX_PARTITION_KEY_LENGTH:
            raise SpecError("generate.partition_key", "longer than 256 characters")
        per_second = _int(gen.get("per_second", 0), "generate.per_second", low=0, high=10**7)
        return kpl.generate_records(count, size, pk, per_second=per_second)
    raw = spec["records"]
    if not isinstance(raw, list) or not raw:
        raise SpecError("records", "must be a non-empty list of record objects")
    if len(raw) > MAX_RECORDS:
        raise SpecError("records", f"too many records ({len(raw)}; at most {MAX_RECORDS})")
    out = []
    previous = None
    for i, item in enumerate(raw):
        field = f"records[{i}]"
        item = _require_dict(item, field)
        _check_unknown(
            item, {"partition_key", "size", "data", "at_ms", "explicit_hash_key"}, f"{field}."
        )
        pk = item.get("partition_key")
        if not isinstance(pk, str) or not pk:
            raise SpecError(f"{field}.partition_key", "missing or empty")
        if len(pk) > kpl.MAX_PARTITION_KEY_LENGTH:
            raise SpecError(f"{field}.partition_key", "longer than 256 characters")
        if ("size" in item) == ("data" in item):
            raise SpecError(f"{field}.size", "give exactly one of size or data")
        if "data" in item:
            if not isinstance(item["data"], str):
                raise SpecError(f"{field}.data", "must be a string")
            data = item["data"].encode()
        else:
            size = _int(item["size"], f"{field}.size", low=0, high=MAX_RECORD_SIZE + 1)
            data = str(i).encode().ljust(size, b".")[:size]
        at_ms = _int(item.get("at_ms", 0), f"{field}.at_ms", low=0, high=10**12)
        if previous is not None and at_ms < previous:
            raise SpecError(f"{field}.at_ms", "records must be in time order")
        previous = at_ms
        ehk = item.get("explicit_hash_key")
        if ehk is not None:
            try:
                ehk = int(ehk)
            except (TypeError, ValueError):
                raise SpecError(f"{field}.explicit_hash_key", "must be a decimal integer") from None
            if not 0 <= ehk < kpl.HASH_SPACE:
                raise SpecError(f"{field}.explicit_hash_key", "must be in [0, 2**128)")
        out.append(kpl.UserRecord(pk, data, at_ms, ehk))
    return out


def _run_kpl(spec: dict[str, Any]) -> dict[str, Any]:
    _check_unknown(spec, {"kind", "config", "shards", "records", "generate", "flush_at_end"})
    raw_config = spec.get("config", {})
    if not isinstance(raw_config, dict):
        raise SpecError("config", "must be an object of KPL settings")
    try:
        config = kpl.KPLConfig.from_dict(raw_config)
    except kpl.KPLConfigError as e:
        raise SpecError(f"config.{e.key}", e.message) from None
    shards = _int(spec.get("shards", 1), "shards", low=1, high=MAX_SHARDS)
    flush_at_end = spec.get("flush_at_end", True)
    if not isinstance(flush_at_end, bool):
        raise SpecError("flush_at_end", "must be true or false")
    records = _parse_kpl_records(spec)
    for i, ur in enumerate(records):
        if len(ur.data) > config.MaxUserRecordSize:
            field = f"records[{i}].size" if "records" in spec else "generate.size"
            raise SpecError(field, f"larger than MaxUserRecordSize ({config.MaxUserRecordSize})")
    res = kpl.simulate_kpl(records, config=config, shards=shards, flush_at_end=flush_at_end)
    return {
        "kinesis_records": [
            {
                "user_records": len(kr.user_records),
                "bytes": len(kr.data),
                "shard": kr.shard,
                "partition_key": kr.partition_key,
            }
            for kr in res.kinesis_records
        ],
        "put_records": [{"records": len(p.records), "bytes": p.bytes} for p in res.put_records],
        "throttled": [
            {"shard": t.shard, "second": t.second, "records": t.records, "bytes": t.bytes}
            for t in res.throttled
        ],
        "expired": len(res.expired),
        "buffered": len(res.buffered),
        "notes": res.notes,
    }
