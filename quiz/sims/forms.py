"""The Labs' forms: form parameters ⇄ ``run_spec`` specs ⇄ errors named by form field (pure).

A lab's parameters are the ```` ```sim ```` block's ``key: value`` strings (``embed.py``), so a
lab URL, an embedded card widget and a note's block all speak one language. On top of the block
syntax a lab accepts ``preset=csv`` with pasted ``csv`` events, ``frame`` (``range`` or ``rows``,
sliding only) and ``upto`` (the time scrubber: the state right after event N arrived). Which
fields a lab shows, its example values and its labels come from the kind's registry entry
(``kinds.py``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quiz.sims.embed import SPEC_FIELD_KEYS, parse_embed
from quiz.sims.errors import SpecError
from quiz.sims.kinds import (
    BATCHING,
    KPL_DEFAULTS,
    KPL_FIELDS,
    KPL_SETTINGS,
    PER_ROW,
    SIM_KINDS,
    SLIDING_FIELDS,
    WATERMARK,
    WINDOW_FIELDS,
)
from quiz.sims.presets import PRESETS, parse_events_csv

# Pasted CSV: small enough to draw and to re-run on every keystroke.
MAX_CSV_EVENTS = 2000
MAX_CSV_CHARS = 200_000
# KPL in the browser: the engine allows 100,000 records; a page that redraws on change stays
# well below that.
MAX_LAB_RECORDS = 20_000
MAX_LAB_BYTES = 64 * 1024 * 1024

PRESET_CHOICES = [(p.name, p.title) for p in PRESETS.values()] + [("csv", "Pasted CSV events")]


def lab_params(kind: str, query: Mapping[str, str]) -> dict[str, str]:
    """The lab's parameters from a query string: the lab's defaults when none of its fields is
    given (a fresh page), else exactly what the form sent (a blank field means "default")."""
    lab = SIM_KINDS[kind]
    known = (*lab.fields, "upto")
    given = {k: str(query[k]) for k in known if k in query}
    if not any(k in given for k in lab.fields):
        given = {**lab.defaults, **given}
    return given


def build_spec(kind: str, params: Mapping[str, str]) -> dict[str, Any]:
    """A ``run_spec`` spec from lab parameters; raises ``SpecError`` named by *form* field."""
    block: dict[str, str] = {"type": kind}
    shape = SIM_KINDS[kind].shape
    if shape == BATCHING:
        for name in (*KPL_FIELDS, *KPL_SETTINGS):
            value = params.get(name, "").strip()
            if value:
                block[name] = value
        try:
            spec = parse_embed(block)
        except SpecError as e:
            raise form_error(kind, params, e) from None
        gen = spec["generate"]
        if gen["count"] > MAX_LAB_RECORDS:
            raise SpecError("records", f"at most {MAX_LAB_RECORDS:,} records in the Labs")
        if gen["count"] * gen["size"] > MAX_LAB_BYTES:
            raise SpecError("record_size", "records × size is over 64 MiB; use fewer or smaller")
        return spec

    preset = params.get("preset", "").strip() or SIM_KINDS[kind].defaults.get("preset", "ticker")
    use_csv = preset == "csv"
    block["preset"] = "ticker" if use_csv else preset
    for name in ("size", "keys", "floor", "aggregates", "until", "delay"):
        value = params.get(name, "").strip()
        if value and (name != "delay" or shape == WATERMARK):
            block[name] = value
    if shape == PER_ROW and params.get("frame") == "rows":
        block.pop("size", None)
        block["rows"] = params.get("rows", "").strip() or "0"
    if use_csv and "keys" not in block:
        block["keys"] = "none"  # the ticker preset's key means nothing for pasted events
    if shape == WATERMARK:
        block.pop("until", None)
        block.pop("floor", None)
    try:
        spec = parse_embed(block)
    except SpecError as e:
        raise form_error(kind, params, e) from None
    if use_csv:
        text = params.get("csv", "")
        if len(text) > MAX_CSV_CHARS:
            raise SpecError("csv", f"too long: at most {MAX_CSV_CHARS:,} characters")
        try:
            spec["events"] = parse_events_csv(text, max_events=MAX_CSV_EVENTS)
        except SpecError as e:
            raise SpecError("csv", f"{e.field}: {e.message}") from None
    return spec


_FIELD_OF = {
    **SPEC_FIELD_KEYS,
    "type": "form",
    "kind": "form",
    "aggregation": "AggregationEnabled",
}
_EVENT_FIELD = re.compile(r"^events\[(\d+)\]\.(.+)$")


def form_error(kind: str, params: Mapping[str, str], e: SpecError) -> SpecError:
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
    known = set(SIM_KINDS[kind].fields) | {"form"}
    return SpecError(name if name in known else "form", e.message)


def _columns(params: Mapping[str, str]) -> str:
    preset = PRESETS.get(params.get("preset", ""))
    if preset is None or not preset.events:
        return ""
    cols = [c for c in preset.events[0] if c != "rowtime"]
    return f" (columns: {', '.join(cols)})"


ALL_FORM_FIELDS = {"form", *WINDOW_FIELDS, *SLIDING_FIELDS, "delay", *KPL_FIELDS, *KPL_SETTINGS}


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
    sim = SIM_KINDS[kind]
    out = []
    for name in sim.fields:
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
            f = FormField(name, sim.size_label, "text", value,
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
            f = FormField(name, sim.keys_label, "text", value,
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


# --- stored specs back to lab parameters ----------------------------------------------------


def spec_to_params(spec: Mapping[str, Any]) -> tuple[str, dict[str, str]] | None:
    """The lab (kind, parameters) showing a stored spec (``Card.sim``/``Topic.sims``), for the
    "Open in Labs" link; ``None`` when the spec cannot be expressed as lab parameters."""
    kind = spec.get("kind")
    sim = SIM_KINDS.get(kind) if isinstance(kind, str) else None
    if sim is None:
        return None
    if sim.shape == BATCHING:
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
        if sim.shape == PER_ROW:
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
