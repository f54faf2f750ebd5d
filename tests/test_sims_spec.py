"""The simulate JSON contract, sim blocks, presets, CSV events, exercises and the SVG."""

from __future__ import annotations

import json

import pytest

from quiz.sims.embed import parse_embed, parse_sim_block, spec_from_sim_block
from quiz.sims.errors import SpecError
from quiz.sims.exercises import GENERATORS, make_exercise
from quiz.sims.presets import PRESETS, get_preset, parse_events_csv
from quiz.sims.spec import format_timestamp, parse_interval, parse_timestamp, run_spec
from quiz.sims.svg import timeline_svg
from quiz.sims.windows import Event, tumbling_windows

EV = [
    {"rowtime": "2018-01-01T11:00:20", "event_time": "2018-01-01T11:00:10", "ticker": "AMZN",
     "price": 10},
    {"rowtime": "2018-01-01T11:01:20", "event_time": "2018-01-01T11:01:10", "ticker": "AMZN",
     "price": 12},
]  # fmt: skip


def base(**changes):
    spec = {"kind": "tumbling", "size": "60s", "keys": ["ticker"], "events": EV}
    spec.update(changes)
    return {k: v for k, v in spec.items() if v is not None}


def test_intervals_and_timestamps():
    assert [parse_interval(s, "size") for s in ("500ms", "10s", "5m", "1h", "1d")] == [
        500,
        10_000,
        300_000,
        3_600_000,
        86_400_000,
    ]
    ms = parse_timestamp("2018-08-01T20:17:20.797945", "t")
    assert format_timestamp(ms) == "2018-08-01T20:17:20.797"
    assert format_timestamp(parse_timestamp("2018-01-01T11:00:20", "t")) == "2018-01-01T11:00:20"


def test_tumbling_result_shape_follows_the_contract():
    out = run_spec(base(aggregates=[{"fn": "count"}, {"fn": "min", "column": "price"}]))
    assert out["emitted"] == [
        {"rowtime": "2018-01-01T11:01:00", "key": {"ticker": "AMZN"},
         "values": {"count": 1, "min_price": 10}}
    ]  # fmt: skip
    assert out["open"] == [
        {"key": {"ticker": "AMZN"}, "window_start": "2018-01-01T11:01:00",
         "values": {"count": 1, "min_price": 12}}
    ]  # fmt: skip
    json.dumps(out)  # plain JSON all the way down


def test_sliding_result_has_one_row_per_event():
    out = run_spec(
        base(kind="sliding", size=None, rows=3, aggregates=[{"fn": "avg", "column": "price"}])
    )
    assert [r["values"] for r in out["rows"]] == [{"avg_price": 10.0}, {"avg_price": 11.0}]
    assert out["rows"][1]["rowtime"] == "2018-01-01T11:01:20"


def test_kpl_result_shape_follows_the_contract():
    out = run_spec(
        {
            "kind": "kpl",
            "config": {"AggregationEnabled": True, "AggregationMaxSize": 51200},
            "shards": 1,
            "records": [{"partition_key": "pk", "size": 512, "at_ms": 0}] * 3,
            "flush_at_end": True,
        }
    )
    assert out["kinesis_records"] == [
        {"user_records": 3, "bytes": 20 + 4 + 3 * 520, "shard": 0, "partition_key": "a"}
    ]
    assert out["put_records"] == [{"records": 1, "bytes": 1 + 20 + 4 + 3 * 520}]
    assert out["throttled"] == []


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ([], "spec"),
        ({"size": "1s"}, "kind"),
        (base(kind="hopping"), "kind"),
        (base(size="10 seconds"), "size"),
        (base(size="0s"), "size"),
        (base(size=10), "size"),
        (base(size=None), "size"),
        (base(kind="sliding", size=None), "size"),
        (base(kind="sliding", rows=3), "size"),
        (base(rows=3), "rows"),
        (base(kind="sliding", size=None, rows=-1), "rows"),
        (base(keys="ticker"), "keys"),
        (base(keys=["sector"]), "events[0].sector"),
        (base(aggregates=[{"fn": "median", "column": "price"}]), "aggregates[0].fn"),
        (base(aggregates=[{"fn": "sum"}]), "aggregates[0].column"),
        (base(aggregates=[{"fn": "sum", "column": "volume"}]), "events[0].volume"),
        (base(aggregates=[{"fn": "sum", "column": "ticker"}]), "events[0].ticker"),
        (base(aggregates=[]), "aggregates"),
        (base(events=[]), "events"),
        (base(events=None), "events"),
        (base(events=[{"ticker": "A"}]), "events[0].rowtime"),
        (base(events=[{"rowtime": "yesterday"}]), "events[0].rowtime"),
        (base(events=[EV[1], EV[0]]), "events[1].rowtime"),
        (
            base(event_time_floor="1m", events=[{"rowtime": 5, "ticker": "A"}]),
            "events[0].event_time",
        ),
        (base(event_time_floor="a minute"), "event_time_floor"),
        (base(events=[dict(EV[0], extra={"x": 1})]), "events[0].extra"),
        (base(colour="red"), "colour"),
        (base(rowtime_bound="soon"), "rowtime_bound"),
        (base(kind="sliding", size="1m", rowtime_bound="2018-01-01T00:00:00"), "rowtime_bound"),
        (base(events=[EV[0]] * 200_001), "events"),
        ({"kind": "kpl"}, "records"),
        ({"kind": "kpl", "records": [], "generate": {}}, "records"),
        ({"kind": "kpl", "generate": {"count": 10}}, "generate.size"),
        ({"kind": "kpl", "generate": {"count": 0, "size": 1}}, "generate.count"),
        ({"kind": "kpl", "generate": {"count": 1, "size": 1, "pk": "x"}}, "generate.pk"),
        ({"kind": "kpl", "generate": {"count": 1, "size": 1}, "shards": 0}, "shards"),
        ({"kind": "kpl", "generate": {"count": 1, "size": 1}, "config": []}, "config"),
        ({"kind": "kpl", "generate": {"count": 1, "size": 1}, "config": {"Foo": 1}}, "config.Foo"),
        (
            {"kind": "kpl", "generate": {"count": 1, "size": 1}, "config": {"RateLimit": "high"}},
            "config.RateLimit",
        ),
        (
            {
                "kind": "kpl",
                "generate": {"count": 1, "size": 1},
                "config": {"AggregationEnabled": 1},
            },
            "config.AggregationEnabled",
        ),
        (
            {"kind": "kpl", "generate": {"count": 1, "size": 1}, "flush_at_end": "yes"},
            "flush_at_end",
        ),
        ({"kind": "kpl", "records": [{"size": 1}]}, "records[0].partition_key"),
        (
            {"kind": "kpl", "records": [{"partition_key": "k" * 257, "size": 1}]},
            "records[0].partition_key",
        ),
        ({"kind": "kpl", "records": [{"partition_key": "k"}]}, "records[0].size"),
        (
            {"kind": "kpl", "records": [{"partition_key": "k", "size": 2_000_000}]},
            "records[0].size",
        ),
        (
            {
                "kind": "kpl",
                "records": [
                    {"partition_key": "k", "size": 5, "at_ms": 9},
                    {"partition_key": "k", "size": 5, "at_ms": 1},
                ],
            },
            "records[1].at_ms",
        ),
        ({"kind": "kpl", "generate": {"count": 100_001, "size": 1}}, "generate.count"),
    ],
)
def test_bad_specs_raise_one_line_errors_naming_the_field(spec, field):
    with pytest.raises(SpecError) as e:
        run_spec(spec)
    assert e.value.field == field
    assert str(e.value).startswith(f"{field}: ")
    assert "\n" not in str(e.value)


def test_flink_kind_reports_late_rows():
    events = [
        {"rowtime": 1000, "event_time": 1000, "k": "x"},
        {"rowtime": 2000, "event_time": 13000, "k": "x"},
        {"rowtime": 3000, "event_time": 2000, "k": "x"},
    ]
    out = run_spec({"kind": "flink", "size": "10s", "max_out_of_orderness": "2s", "events": events})
    assert [r["index"] for r in out["late"]] == [2]
    assert out["emitted"][0]["values"] == {"count": 1}


# --- sim blocks -----------------------------------------------------------------------------


def test_sim_block_to_spec_and_result():
    params = parse_sim_block(
        "type: tumbling\nsize: 60s\n# a comment\n\npreset: ticker\nkeys: ticker"
    )
    spec = parse_embed(params)
    assert spec["kind"] == "tumbling" and spec["size"] == "60s" and spec["keys"] == ["ticker"]
    assert len(spec["events"]) == 12
    out = run_spec(spec)
    assert [r["values"]["count"] for r in out["emitted"]] == [3, 3, 3]


def test_sim_block_kpl():
    spec = parse_embed(
        {"type": "kpl", "records": "1000", "record_size": "512", "shards": "1",
         "AggregationMaxSize": "51200", "aggregation": "on"}
    )  # fmt: skip
    assert spec["generate"] == {"count": 1000, "size": 512, "partition_key": "pk"}
    assert spec["config"] == {"AggregationMaxSize": 51200, "AggregationEnabled": True}
    assert len(run_spec(spec)["kinesis_records"]) == 11


def test_sim_block_sliding_with_aggregates():
    spec = parse_embed({"type": "sliding", "preset": "weather", "size": "1d",
                        "aggregates": "min(temp), max(temp)"})  # fmt: skip
    assert spec["aggregates"] == [{"fn": "min", "column": "temp"}, {"fn": "max", "column": "temp"}]
    assert run_spec(spec)["rows"][-1]["values"] == {"min_temp": 1, "max_temp": 56}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "type"),
        ({"type": "hopping"}, "type"),
        ({"type": "tumbling", "colour": "red"}, "colour"),
        ({"type": "tumbling", "preset": "stocks"}, "preset"),
        ({"type": "tumbling", "rows": "3"}, "rows"),
        ({"type": "sliding", "rows": "three"}, "rows"),
        ({"type": "tumbling", "aggregates": "median(x)"}, "aggregates"),
        ({"type": "tumbling", "aggregates": "sum"}, "aggregates"),
        ({"type": "tumbling", "delay": "5s"}, "delay"),
        ({"type": "kpl", "records": "many"}, "records"),
        ({"type": "kpl", "shards": "0"}, "shards"),
        ({"type": "kpl", "aggregation": "maybe"}, "aggregation"),
        ({"type": "kpl", "size": "60s"}, "size"),
    ],
)
def test_bad_sim_blocks_name_the_key(params, field):
    with pytest.raises(SpecError) as e:
        parse_embed(params)
    assert e.value.field == field


def test_bad_sim_block_values_are_caught_by_run_spec_naming_the_field():
    with pytest.raises(SpecError) as e:
        run_spec(parse_embed({"type": "tumbling", "size": "sixty"}))
    assert e.value.field == "size"


def test_sim_block_line_errors():
    with pytest.raises(SpecError) as e:
        parse_sim_block("type: tumbling\nsize 60s")
    assert e.value.field == "line 2"
    with pytest.raises(SpecError) as e:
        parse_sim_block("type: tumbling\ntype: stagger")
    assert e.value.field == "line 2"


# --- presets and CSV ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_runs_in_every_window_kind(name):
    preset = get_preset(name)
    for kind in ("tumbling", "sliding", "stagger"):
        out = run_spec(
            {"kind": kind, "size": preset.size, "keys": list(preset.keys),
             "events": list(preset.events)}
        )  # fmt: skip
        assert out


def test_presets_are_deterministic_and_aliased():
    assert get_preset("vpc") is PRESETS["vpc_flow_logs"]
    assert get_preset("clicks").events == PRESETS["clickstream"].events


def test_csv_events():
    events = parse_events_csv(
        "rowtime,event_time,ticker,price\n"
        "2018-01-01T11:00:20,2018-01-01T11:00:10,AMZN,10.5\n"
        "2018-01-01T11:00:30,,INTC,\n"
    )
    assert events == [
        {"rowtime": "2018-01-01T11:00:20", "event_time": "2018-01-01T11:00:10", "ticker": "AMZN",
         "price": 10.5},
        {"rowtime": "2018-01-01T11:00:30", "ticker": "INTC", "price": None},
    ]  # fmt: skip
    assert run_spec(base(events=events))["open"][0]["values"] == {"count": 1}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "csv"),
        ("ticker,price\nA,1", "csv line 1"),
        ("rowtime,rowtime\n1,2", "csv line 1"),
        ("rowtime,ticker\n2018-01-01T00:00:00,A,3", "csv line 2"),
        ("rowtime,ticker\n2018-01-01T00:00:00,A\nnot-a-time,B", "csv line 3"),
        ("rowtime,ticker\n,A", "csv line 2"),
        ("rowtime,ticker\n", "csv"),
    ],
)
def test_csv_errors_name_the_line(text, field):
    with pytest.raises(SpecError) as e:
        parse_events_csv(text)
    assert e.value.field == field


# --- exercises and SVG ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_exercises_are_deterministic_with_distinct_options(kind):
    for seed in range(30):
        ex = make_exercise(kind, seed)
        assert ex == make_exercise(kind, seed)
        assert len(ex.options) == 4 and len(set(ex.options)) == 4
        assert ex.answer.startswith(f"**{ex.options[ex.correct_index]}")


def test_kpl_exercise_answer_is_what_the_engine_computes():
    for seed in range(20):
        ex = make_exercise("kpl", seed)
        count = int(ex.prompt.split(" user records")[0].split()[-1].replace(",", ""))
        size = int(ex.prompt.split(" bytes each")[0].split()[-1])
        out = run_spec({"kind": "kpl", "generate": {"count": count, "size": size}})
        assert ex.options[ex.correct_index] == str(len(out["put_records"]))


def test_tumbling_exercise_prompt_has_an_events_table():
    ex = make_exercise("tumbling", 3)
    assert "| # | ROWTIME |" in ex.prompt
    assert ex.prompt.count("\n| ") >= 9


def test_svg_is_escaped_and_deterministic():
    events = [Event(i * 1000, None, {"k": "<b>&" if i % 2 else "x"}) for i in range(12)]
    res = tumbling_windows(events, size=4000, keys=["k"])
    keys = [(e.columns["k"],) for e in events]
    svg = timeline_svg(events, event_keys=keys, emitted=res.emitted, open_windows=res.open)
    assert svg == timeline_svg(events, event_keys=keys, emitted=res.emitted, open_windows=res.open)
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg
    assert svg.count('class="event"') == 12
    assert svg.count('class="window emitted"') == len(res.emitted)
    assert svg.count('class="window open"') == len(res.open)
    assert svg.startswith("<svg") and svg.endswith("</svg>")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("type: tumbling\nsize: sixty", "line 2"),
        ("type: kpl\nrecords: 5\nRateLimit: 0", "line 3"),
        ("type: sliding\npreset: weather\n\naggregates: sum(price)", "line 4"),
        ("kind: hopping", "line 1"),
        ("type: tumbling\nsize 60s", "line 2"),
    ],
)
def test_sim_block_errors_point_at_the_line_for_the_importer(text, field):
    with pytest.raises(SpecError) as e:
        spec_from_sim_block(text)
    assert e.value.field == field


def test_sim_block_spec_without_check_does_not_run():
    spec = spec_from_sim_block("type: tumbling\nsize: sixty", check=False)
    assert spec["size"] == "sixty"
