"""The ```` ```sim ```` block authors put in notes, turned into a ``run_spec`` spec.

Syntax: one ``key: value`` per line; blank lines and lines starting with ``#`` are ignored;
keys are case-sensitive and may appear once. Example::

    ```sim
    type: tumbling
    size: 60s
    preset: ticker_late
    keys: ticker
    floor: 1m
    aggregates: count
    until: 2018-01-01T11:02:00
    ```

Window simulations (``type``: ``tumbling`` | ``sliding`` | ``stagger`` | ``flink``):

=================  ==========================================================================
``preset``         events: ``ticker`` (default), ``ticker_late``, ``weather``,
                   ``vpc_flow_logs`` (``vpc``), ``clickstream`` (``clicks``)
``size``           interval (``500ms``, ``10s``, ``5m``, ``1h``, ``1d``); default: the preset's
``rows``           sliding only: ``ROWS n PRECEDING`` instead of a RANGE ``size``
``keys``           comma-separated columns (GROUP BY / PARTITION BY); ``none`` for no keys;
                   default: the preset's natural key
``floor``          also group by ``FLOOR(event_time TO floor)`` (alias ``event_time_floor``)
``aggregates``     comma-separated ``count``, ``count(col)``, ``sum(col)``, ``min(col)``,
                   ``max(col)``, ``avg(col)``; default ``count``
``until``          ROWTIME bound after the last event (alias ``rowtime_bound``)
``delay``          flink only: bounded out-of-orderness (alias ``max_out_of_orderness``)
=================  ==========================================================================

Batching (``type: kpl``): ``records`` (count, default 1000), ``record_size`` (bytes, default
512), ``partition_key`` (``{i}`` numbers them; default ``pk``), ``per_second`` (0 = all at
once), ``shards`` (default 1), ``flush_at_end`` (yes/no), ``aggregation`` (on/off, i.e.
``AggregationEnabled``), and any KPL setting by its own name, e.g. ``AggregationMaxSize: 51200``.

``type`` may also be spelled ``kind``. Every error is a ``SpecError`` naming the key (or the
line, for ``parse_sim_block``).
"""

from __future__ import annotations

import re
from typing import Any

from quiz.sims.errors import SpecError
from quiz.sims.kinds import BATCHING, KPL_SETTINGS, PER_ROW, SIM_KINDS, WATERMARK
from quiz.sims.presets import get_preset

_WINDOW_KEYS = {
    "type",
    "kind",
    "preset",
    "size",
    "rows",
    "keys",
    "floor",
    "event_time_floor",
    "aggregates",
    "until",
    "rowtime_bound",
    "delay",
    "max_out_of_orderness",
}
_KPL_SETTINGS = set(KPL_SETTINGS)
_KPL_KEYS = {
    "type",
    "kind",
    "records",
    "record_size",
    "partition_key",
    "per_second",
    "shards",
    "flush_at_end",
    "aggregation",
} | _KPL_SETTINGS
# The block key each spec field comes from, where the two differ (errors name the key).
SPEC_FIELD_KEYS = {
    "event_time_floor": "floor",
    "rowtime_bound": "until",
    "max_out_of_orderness": "delay",
    "generate.count": "records",
    "generate.size": "record_size",
    "generate.partition_key": "partition_key",
    "generate.per_second": "per_second",
}
_AGG = re.compile(r"^(count|sum|min|max|avg)\s*(?:\(\s*([A-Za-z_][A-Za-z0-9_]*|\*)?\s*\))?$")
_TRUE = {"yes", "true", "on", "1"}
_FALSE = {"no", "false", "off", "0"}


def parse_sim_block(text: str) -> dict[str, str]:
    """The body of a ```` ```sim ```` block to ``{key: value}``; errors name the line (1-based
    within the block)."""
    params: dict[str, str] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not key:
            raise SpecError(f"line {n}", f"expected 'key: value', got {line!r}")
        if key in params:
            raise SpecError(f"line {n}", f"{key} is given twice")
        params[key] = value.strip()
    return params


def spec_from_sim_block(text: str, *, check: bool = True) -> dict[str, Any]:
    """A sim block's text to a spec, for the notes importer. With ``check``, the spec is also
    run once so bad values (a ``size`` of ``sixty``) surface at import; an error about a key
    written in the block is reported as ``line N`` (the block's line of that key)."""
    from quiz.sims.spec import run_spec  # spec imports nothing from here; avoids a cycle

    params = parse_sim_block(text)
    lines = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        key = raw.partition(":")[0].strip()
        if key in params and key not in lines:
            lines[key] = n
    aliases = {"kind": "type", **SPEC_FIELD_KEYS}
    try:
        spec = parse_embed(params)
        if check:
            run_spec(spec)
    except SpecError as e:
        field = e.field.removeprefix("config.")
        if field.startswith("events[") and "named in " in e.message:
            # A preset lacks a column the block names: blame the keys/aggregates line.
            field = "aggregates" if "named in aggregates" in e.message else "keys"
        for name in (field, aliases.get(field, ""), *(a for a, b in aliases.items() if b == field)):
            if name in lines:
                raise SpecError(f"line {lines[name]}", f"{name}: {e.message}") from None
        raise
    return spec


def _int(params: dict[str, str], key: str, default: int, *, low: int = 0) -> int:
    raw = params.get(key)
    if raw is None:
        return default
    try:
        value = int(raw.replace("_", "").replace(",", ""))
    except ValueError:
        raise SpecError(key, f"must be a whole number, got {raw!r}") from None
    if value < low:
        raise SpecError(key, f"must be >= {low}")
    return value


def _bool(params: dict[str, str], key: str) -> bool | None:
    raw = params.get(key)
    if raw is None:
        return None
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise SpecError(key, f"must be yes or no, got {raw!r}")


def _aggregates(raw: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for part in raw.split(","):
        m = _AGG.match(part.strip())
        if not m:
            raise SpecError(
                "aggregates",
                f"bad aggregate {part.strip()!r} (use count, sum(col), min(col), max(col), "
                "avg(col))",
            )
        fn, column = m.group(1), m.group(2)
        if column in (None, "*"):
            if fn != "count":
                raise SpecError("aggregates", f"{fn} needs a column, e.g. {fn}(price)")
            out.append({"fn": fn})
        else:
            out.append({"fn": fn, "column": column})
    return out


def parse_embed(params: dict[str, str]) -> dict[str, Any]:
    """Turn the ``key: value`` pairs of a sim block into a full ``run_spec`` spec."""
    kind = params.get("type", params.get("kind"))
    if kind is None:
        raise SpecError("type", f"missing ({', '.join(SIM_KINDS)})")
    kind = kind.strip().lower()
    if kind not in SIM_KINDS:
        raise SpecError("type", f"unknown type {kind!r} ({', '.join(SIM_KINDS)})")
    shape = SIM_KINDS[kind].shape
    if shape == BATCHING:
        return _kpl_spec(params, kind)
    for key in params:
        if key not in _WINDOW_KEYS:
            raise SpecError(key, f"unknown key for a {kind} simulation")
    preset = get_preset(params.get("preset", "ticker"))
    spec: dict[str, Any] = {"kind": kind}
    if "rows" in params:
        if shape != PER_ROW:
            raise SpecError("rows", "only sliding windows take rows")
        if "size" in params:
            raise SpecError("rows", "give rows or size, not both")
        spec["rows"] = _int(params, "rows", 0)
    else:
        spec["size"] = params.get("size", preset.size)
    if "keys" in params:
        raw = params["keys"].strip()
        keys = [] if raw.lower() in ("", "none") else [k.strip() for k in raw.split(",")]
        if any(not k for k in keys):
            raise SpecError("keys", "empty column name in the list")
        spec["keys"] = keys
    else:
        spec["keys"] = list(preset.keys)
    floor = params.get("floor", params.get("event_time_floor"))
    if floor:
        spec["event_time_floor"] = floor
    spec["aggregates"] = _aggregates(params.get("aggregates", "count"))
    until = params.get("until", params.get("rowtime_bound"))
    if until:
        spec["rowtime_bound"] = until
    delay = params.get("delay", params.get("max_out_of_orderness"))
    if delay:
        if shape != WATERMARK:
            raise SpecError("delay", "only flink simulations take a watermark delay")
        spec["max_out_of_orderness"] = delay
    spec["events"] = [dict(e) for e in preset.events]
    return spec


def _kpl_spec(params: dict[str, str], kind: str) -> dict[str, Any]:
    for key in params:
        if key not in _KPL_KEYS:
            raise SpecError(key, f"unknown key for a {kind} simulation")
    config: dict[str, Any] = {}
    for name in _KPL_SETTINGS & params.keys():
        if name == "AggregationEnabled":
            config[name] = _bool(params, name)
        else:
            config[name] = _int(params, name, 0)
    aggregation = _bool(params, "aggregation")
    if aggregation is not None:
        if "AggregationEnabled" in config:
            raise SpecError("aggregation", "give aggregation or AggregationEnabled, not both")
        config["AggregationEnabled"] = aggregation
    generate: dict[str, Any] = {
        "count": _int(params, "records", 1000, low=1),
        "size": _int(params, "record_size", 512),
        "partition_key": params.get("partition_key", "pk") or "pk",
    }
    per_second = _int(params, "per_second", 0)
    if per_second:
        generate["per_second"] = per_second
    spec: dict[str, Any] = {
        "kind": kind,
        "config": config,
        "shards": _int(params, "shards", 1, low=1),
        "generate": generate,
    }
    flush = _bool(params, "flush_at_end")
    if flush is not None:
        spec["flush_at_end"] = flush
    return spec
