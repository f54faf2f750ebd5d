"""KDA window engines: the documented examples, property tests against brute force."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from quiz.sims.presets import PRESETS, WEATHER_ROWS
from quiz.sims.spec import parse_timestamp, run_spec
from quiz.sims.windows import (
    Aggregate,
    Event,
    flink_event_time_tumbling,
    sliding_range_count_columnar,
    sliding_windows,
    stagger_windows,
    step,
    tumbling_count_columnar,
    tumbling_windows,
    window_snapshots,
)

SEC = 1000
MIN = 60 * SEC


def ts(s: str) -> int:
    return parse_timestamp(s, "test")


def amzn_events() -> list[Event]:
    return [
        Event(ts(e["rowtime"]), ts(e["event_time"]), {"ticker": "AMZN"})
        for e in PRESETS["ticker_late"].events
    ]


def test_step_rounds_down_from_the_epoch():
    assert step(23, 5) == 20
    assert step(20, 5) == 20


# --- documented examples ---------------------------------------------------------------------


def test_tumbling_with_event_time_floor_matches_stagger_window_concepts():
    spec = {
        "kind": "tumbling",
        "size": "1m",
        "keys": ["ticker"],
        "event_time_floor": "1m",
        "aggregates": [{"fn": "count"}],
        "events": list(PRESETS["ticker_late"].events),
        "rowtime_bound": "2018-01-01T11:02:00",
    }
    out = run_spec(spec)
    got = [
        (r["rowtime"][11:], r["key"]["event_time_floor"][11:16], r["key"]["ticker"], r["values"])
        for r in out["emitted"]
    ]
    assert got == [
        ("11:01:00", "11:00", "AMZN", {"count": 2}),
        ("11:02:00", "11:00", "AMZN", {"count": 1}),
        ("11:02:00", "11:01", "AMZN", {"count": 1}),
    ]
    assert out["open"] == []


def test_tumbling_last_window_is_still_open_without_a_later_row():
    res = tumbling_windows(amzn_events(), size=MIN, keys=["ticker"], event_time_floor=MIN)
    assert [(r.rowtime, r.values) for r in res.emitted] == [(ts("2018-01-01T11:01:00"), (2,))]
    assert [(w.window_start, w.values) for w in res.open] == [
        (ts("2018-01-01T11:01:00"), (1,)),
        (ts("2018-01-01T11:01:00"), (1,)),
    ]
    assert any("not documented" in n for n in res.notes)
    # The row at 11:01:05 triggered the emission (index 2).
    assert res.emitted[0].trigger_index == 2


def test_stagger_matches_stagger_window_concepts():
    spec = {
        "kind": "stagger",
        "size": "1m",
        "keys": ["ticker"],
        "event_time_floor": "1m",
        "events": list(PRESETS["ticker_late"].events),
        "rowtime_bound": "2018-01-01T11:02:15",
    }
    out = run_spec(spec)
    got = [
        (r["rowtime"][11:], r["key"]["event_time_floor"][11:16], r["key"]["ticker"], r["values"])
        for r in out["emitted"]
    ]
    assert got == [
        ("11:01:20", "11:00", "AMZN", {"count": 3}),
        ("11:02:15", "11:01", "AMZN", {"count": 1}),
    ]
    assert any("Assumption" in n for n in out["notes"])


def test_weatherstream_sliding_min_max_range_one_day_all_18_rows():
    expected = [
        (29, 29), (2, 29), (2, 65), (2, 65), (2, 65), (2, 65), (2, 65), (2, 71), (2, 71),
        (2, 71), (2, 71), (4, 71), (3, 71), (3, 71), (2, 71), (2, 56), (2, 56), (1, 56),
    ]  # fmt: skip
    out = run_spec(
        {
            "kind": "sliding",
            "size": "1d",
            "aggregates": [{"fn": "min", "column": "temp"}, {"fn": "max", "column": "temp"}],
            "events": list(PRESETS["weather"].events),
        }
    )
    got = [(r["values"]["min_temp"], r["values"]["max_temp"]) for r in out["rows"]]
    assert len(WEATHER_ROWS) == 18
    assert got == expected


def test_weatherstream_needs_the_inclusive_lower_bound():
    # Row 10 (02 01:00 Anchorage 4) has MIN 2 in the documented table only because the rows of
    # 01 01:00, exactly one day earlier, are in its frame: the lower bound is inclusive.
    events = [Event(ts(e["rowtime"]), None, {"temp": e["temp"]}) for e in PRESETS["weather"].events]
    res = sliding_windows(events, range_size=24 * 3600 * SEC, aggregates=[Aggregate("count")])
    # 02 01:00 Anchorage (index 9) frame starts at 01 01:00 inclusive: rows 0..9 -> 10 rows.
    assert res.rows[9].values == (10,)
    # Same-ROWTIME rows arriving later are not in the frame: index 0 sees only itself.
    assert res.rows[0].values == (1,)


def test_stagger_ticker_example_emits_amzn_at_20_18_30():
    out = run_spec(
        {
            "kind": "stagger",
            "size": "1m",
            "keys": ["ticker", "event_time"],
            "events": list(PRESETS["ticker"].events),
            "rowtime_bound": "2018-08-01T20:19:31",
        }
    )
    got = [(r["rowtime"], r["key"]["ticker"], r["values"]["count"]) for r in out["emitted"]]
    assert got == [("2018-08-01T20:18:30", "AMZN", 6), ("2018-08-01T20:19:31", "INTC", 6)]


def test_stagger_ticker_example_without_bound_leaves_intc_open():
    out = run_spec(
        {
            "kind": "stagger",
            "size": "1m",
            "keys": ["ticker", "event_time"],
            "events": list(PRESETS["ticker"].events),
        }
    )
    assert [r["key"]["ticker"] for r in out["emitted"]] == ["AMZN"]
    assert out["open"][0]["window_start"] == "2018-08-01T20:18:31"
    assert out["open"][0]["values"] == {"count": 6}


# --- rejection, late data, Flink ------------------------------------------------------------


def test_rowtime_going_backwards_is_rejected_and_reported():
    events = [Event(1000), Event(3000), Event(2000), Event(4000)]
    res = tumbling_windows(events, size=10 * SEC)
    assert [(r.index, r.rowtime, r.previous_rowtime) for r in res.rejected] == [(2, 2000, 3000)]
    assert res.open[0].values == (3,)
    sres = sliding_windows(events, rows=5)
    assert [r.index for r in sres.rows] == [0, 1, 3]
    assert len(sres.rejected) == 1


def late_stream() -> list[Event]:
    # (rowtime s, event_time s): the 4th row is late in event time.
    pairs = [(1, 1), (2, 4), (13, 13), (14, 8), (16, 15)]
    return [Event(r * SEC, e * SEC, {"k": "x"}) for r, e in pairs]


def test_kda_keeps_late_rows_as_extra_partial_rows():
    res = tumbling_windows(
        late_stream(), size=10 * SEC, keys=["k"], event_time_floor=10 * SEC, rowtime_bound=20 * SEC
    )
    rows = [(r.rowtime, r.key[1], r.values[0]) for r in res.emitted]
    # Event-time window [0, 10) appears twice: 2 rows, then 1 late row in the next ROWTIME step.
    assert rows == [(10 * SEC, 0, 2), (20 * SEC, 0, 1), (20 * SEC, 10 * SEC, 2)]
    assert sum(r.values[0] for r in res.emitted) == 5  # nothing dropped


def test_flink_watermark_drops_the_late_row():
    res = flink_event_time_tumbling(late_stream(), size=10 * SEC, max_out_of_orderness=2 * SEC)
    # After event_time 13 s the watermark is 13000 - 2000 - 1 = 10999 >= 9999: [0, 10) fires.
    assert res.watermarks[2] == 10_999
    assert [(r.window_start, r.values, r.trigger_index) for r in res.emitted] == [(0, (2,), 2)]
    assert [(lr.index, lr.event_time) for lr in res.late] == [(3, 8 * SEC)]
    assert [(w.window_start, w.values) for w in res.open] == [(10 * SEC, (2,))]


def test_flink_with_enough_delay_keeps_the_late_row():
    res = flink_event_time_tumbling(late_stream(), size=10 * SEC, max_out_of_orderness=6 * SEC)
    assert res.late == []
    assert res.emitted == [] or res.emitted[0].values == (3,)


def test_aggregates_sum_avg_and_nulls():
    events = [Event(i * SEC, None, {"p": v}) for i, v in enumerate([1, None, 3, 4])]
    aggs = [Aggregate("count"), Aggregate("count", "p"), Aggregate("sum", "p"),
            Aggregate("avg", "p"), Aggregate("min", "p"), Aggregate("max", "p")]  # fmt: skip
    res = tumbling_windows(events, size=MIN, aggregates=aggs)
    assert res.open[0].values == (4, 3, 8, 8 / 3, 1, 4)
    assert res.value_names[1] == "count_p"
    sres = sliding_windows(events, rows=1, aggregates=aggs)
    assert sres.rows[1].values == (2, 1, 1, 1.0, 1, 1)
    assert sres.rows[3].values == (2, 2, 7, 3.5, 3, 4)


def test_snapshots_show_windows_open_fill_and_emit():
    events = [Event(t * SEC, None, {"k": "a"}) for t in (1, 2, 11, 12, 25)]
    snaps = window_snapshots("tumbling", events, size=10 * SEC, keys=["k"])
    assert [len(s.emitted) for s in snaps] == [0, 0, 1, 1, 2]
    assert [s.open[0].values[0] for s in snaps] == [1, 2, 1, 2, 1]


# --- brute-force references ------------------------------------------------------------------

stream = st.lists(
    st.tuples(
        st.sampled_from([0, 0, 1, 7, 250, 999, 1000, 1500, 4000]),
        st.sampled_from(["a", "b", "c"]),
        st.one_of(st.none(), st.integers(-5, 5)),
    ),
    max_size=60,
)
AGGS = [Aggregate("count"), Aggregate("sum", "v"), Aggregate("min", "v"), Aggregate("max", "v")]


def to_events(raw) -> list[Event]:
    t = 1_000_000
    out = []
    for dt, k, v in raw:
        t += dt
        out.append(Event(t, t - dt * 3, {"k": k, "v": v}))
    return out


def ref_values(rows: list[Event]) -> tuple:
    vs = [e.columns["v"] for e in rows if e.columns["v"] is not None]
    return (len(rows), sum(vs) if vs else None, min(vs, default=None), max(vs, default=None))


@settings(max_examples=200, deadline=None)
@given(stream, st.sampled_from([1, 500, 1000, 3000]))
def test_tumbling_matches_brute_force(raw, size):
    events = to_events(raw)
    res = tumbling_windows(events, size=size, keys=["k"], aggregates=AGGS)
    steps = sorted({e.rowtime // size * size for e in events})
    expected = []
    for w in steps[:-1]:
        for k in sorted({e.columns["k"] for e in events if e.rowtime // size * size == w}):
            rows = [e for e in events if e.rowtime // size * size == w and e.columns["k"] == k]
            expected.append((w + size, (k,), ref_values(rows)))
    assert [(r.rowtime, r.key, r.values) for r in res.emitted] == expected
    assert sum(w.values[0] for w in res.open) == sum(
        1 for e in events if steps and e.rowtime // size * size == steps[-1]
    )
    # Columnar fast path agrees on counts, including the open window.
    rowtimes = [e.rowtime for e in events]
    col = tumbling_count_columnar(rowtimes, [e.columns["k"] for e in events], size)
    assert col.counts[: col.open_from] == [r.values[0] for r in res.emitted]
    assert col.counts[col.open_from :] == [w.values[0] for w in res.open]


@settings(max_examples=200, deadline=None)
@given(stream, st.sampled_from([1, 999, 1000, 2500]))
def test_sliding_range_matches_brute_force(raw, rng):
    events = to_events(raw)
    res = sliding_windows(events, range_size=rng, keys=["k"], aggregates=AGGS)
    for i, e in enumerate(events):
        frame = [
            f
            for f in events[: i + 1]
            if f.columns["k"] == e.columns["k"] and f.rowtime >= e.rowtime - rng
        ]
        assert res.rows[i].values == ref_values(frame)
    col = sliding_range_count_columnar(
        [e.rowtime for e in events], [e.columns["k"] for e in events], rng
    )
    assert col == [r.values[0] for r in res.rows]


@settings(max_examples=200, deadline=None)
@given(stream, st.integers(0, 4))
def test_sliding_rows_matches_brute_force(raw, n):
    events = to_events(raw)
    res = sliding_windows(events, rows=n, keys=["k"], aggregates=AGGS)
    for i, e in enumerate(events):
        same = [f for f in events[: i + 1] if f.columns["k"] == e.columns["k"]]
        assert res.rows[i].values == ref_values(same[-(n + 1) :])


@settings(max_examples=200, deadline=None)
@given(stream, st.sampled_from([1, 1000, 2500]))
def test_stagger_matches_brute_force(raw, size):
    events = to_events(raw)
    res = stagger_windows(events, size=size, keys=["k"], aggregates=AGGS)
    # Reference: per key, greedily cut its rows into [open, open + size) windows.
    windows = []
    for k in sorted({e.columns["k"] for e in events}):
        current: list[Event] = []
        for e in (e for e in events if e.columns["k"] == k):
            if current and e.rowtime >= current[0].rowtime + size:
                windows.append((current[0].rowtime + size, (k,), current))
                current = []
            current.append(e)
        if current:
            windows.append((current[0].rowtime + size, (k,), current))
    last = events[-1].rowtime if events else 0
    closed = sorted((w for w in windows if w[0] <= last), key=lambda w: (w[0], w[1]))
    still_open = [w for w in windows if w[0] > last]
    assert [(r.rowtime, r.key, r.values) for r in res.emitted] == [
        (end, key, ref_values(rows)) for end, key, rows in closed
    ]
    assert sorted((w.key, w.values) for w in res.open) == sorted(
        (key, ref_values(rows)) for _, key, rows in still_open
    )


def test_engines_scale_without_frame_rescans():
    import time

    # 200,000 rows in one partition with a frame holding all of them: a quadratic rescan
    # would take minutes; the deque engine takes about a second.
    events = [Event(i, None, {"k": "a", "v": i % 97}) for i in range(200_000)]
    start = time.perf_counter()
    res = sliding_windows(events, range_size=10**9, keys=["k"], aggregates=AGGS)
    tumbling_windows(events, size=1000, keys=["k"], aggregates=AGGS)
    stagger_windows(events, size=1000, keys=["k"], aggregates=AGGS)
    assert time.perf_counter() - start < 30
    assert res.rows[-1].values[0] == 200_000
    assert res.rows[-1].values[2:] == (0, 96)
