"""Random parameters for every lab and for `simulate`: a field error or a result, never a 500,
never a traceback. Values are drawn around the edges that broke before: huge numbers with a
unit (`3000000d`, `1e25d`), dates near the ends of the calendar, junk text, deep nesting."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz.sims.kinds import SIM_KINDS
from quiz.sims.lab import run_lab
from quiz.sims.presets import PRESETS
from tests.factory import make_user

NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.integers(-5, 30_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "0", "-1", "1e25", "1e309", "nan", "-inf", "9" * 5000, "1_000"]),
)
UNITS = st.sampled_from(["ms", "s", "m", "h", "d", "", "y", " d"])
INTERVALS = st.builds(
    lambda n, unit: f"{n}{unit}",
    st.one_of(
        st.integers(-5, 400),
        st.integers(10**6, 10**22),
        st.sampled_from(["1e25", "3000000", "0", "1.5", "9" * 400]),
    ),
    UNITS,
)
TIMES = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        datetime.isoformat
    ),
    st.sampled_from(["9999-12-31T23:59:59", "0001-01-01", "2018-01-01T11:02:00", "x"]),
)
CHOICES = st.sampled_from([*PRESETS, "csv", "yes", "no", "range", "rows", "none", "count"])
AGGREGATES = st.sampled_from(["count", "sum(price)", "min(temp), max(temp)", "avg(x)", "sum("])
CSV = st.builds(
    lambda header, rows: "\n".join([header, *(",".join(r) for r in rows)]),
    st.sampled_from(["rowtime,event_time,ticker,price", "rowtime,price", "price", ""]),
    st.lists(st.lists(st.one_of(TIMES, NUMBERS, st.text(max_size=8)), max_size=4), max_size=8),
)
VALUES = st.one_of(NUMBERS, INTERVALS, TIMES, CHOICES, AGGREGATES, CSV, st.text(max_size=40))


# What each field usually holds, mixed with anything at all.
FIELD_VALUES = {
    "size": INTERVALS,
    "floor": INTERVALS,
    "delay": INTERVALS,
    "until": TIMES,
    "csv": CSV,
    "aggregates": AGGREGATES,
    "preset": CHOICES,
    "frame": CHOICES,
}


def field_values(name: str) -> st.SearchStrategy[str]:
    return st.one_of(FIELD_VALUES.get(name, NUMBERS), VALUES)


def lab_params(kind: str) -> st.SearchStrategy[dict[str, str]]:
    """The lab's defaults with a few fields changed (so the run gets past the first check and
    deep into the engine), or a few fields alone."""
    names = [*SIM_KINDS[kind].fields, "upto"]

    def some(low: int, high: int) -> st.SearchStrategy[dict[str, str]]:
        chosen = st.lists(st.sampled_from(names), min_size=low, max_size=high, unique=True)
        return chosen.flatmap(lambda ks: st.fixed_dictionaries({k: field_values(k) for k in ks}))

    return st.one_of(some(1, 3).map(lambda c: {**SIM_KINDS[kind].defaults, **c}), some(0, 6))


FUZZ = settings(max_examples=60, deadline=None, derandomize=True)


@pytest.mark.parametrize("kind", list(SIM_KINDS))
def test_every_lab_answers_random_parameters_with_a_result_or_a_field_error(kind: str) -> None:
    @FUZZ
    @given(params=lab_params(kind))
    def check(params: dict[str, str]) -> None:
        result = run_lab(kind, params)  # raising anything fails the test
        assert result.ok or all(isinstance(m, str) and m for m in result.errors.values())

    check()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(SIM_KINDS))
def test_every_lab_page_answers_random_parameters_without_a_500(kind: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(make_user())

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(params=lab_params(kind), htmx=st.booleans())
    def check(params: dict[str, str], htmx: bool) -> None:
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.get(f"/labs/{kind}/?{urlencode(params)}", headers=headers)
        assert response.status_code == 200, (params, response.status_code)
        assert b"Traceback" not in response.content

    check()


@pytest.mark.parametrize(
    ("size", "message"), [("3000000d", "365 days"), ("1e25d", "bad interval"), ("366d", "365")]
)
@pytest.mark.parametrize("kind", ["tumbling", "sliding", "stagger", "flink"])
def test_the_audits_window_sizes_are_field_errors(kind: str, size: str, message: str) -> None:
    result = run_lab(kind, {**SIM_KINDS[kind].defaults, "size": size})
    assert message in result.errors["size"]


# --- simulate ------------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**25), 10**25),
    st.floats(allow_nan=False, allow_infinity=False),
    INTERVALS,
    TIMES,
    st.text(max_size=12),
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
EVENT = st.fixed_dictionaries(
    {"rowtime": st.one_of(TIMES, st.integers(-(10**20), 10**20))},
    optional={
        "event_time": st.one_of(TIMES, st.integers(-(10**20), 10**20)),
        "ticker": st.sampled_from(["AMZN", "INTC"]),
        "price": st.one_of(st.integers(-(10**20), 10**20), st.floats(allow_nan=False)),
    },
)
WINDOW_SPEC = st.fixed_dictionaries(
    {"kind": st.sampled_from([*SIM_KINDS, "nope"]), "events": st.lists(EVENT, max_size=6)},
    optional={
        "size": st.one_of(INTERVALS, JSON_SCALARS),
        "rows": st.one_of(st.integers(-5, 10**12), JSON_SCALARS),
        "keys": st.one_of(st.just(["ticker"]), JSON),
        "event_time_floor": INTERVALS,
        "rowtime_bound": st.one_of(TIMES, st.integers(-(10**20), 10**20)),
        "max_out_of_orderness": INTERVALS,
        "aggregates": st.one_of(st.just([{"fn": "sum", "column": "price"}]), JSON),
    },
)
KPL_SPEC = st.fixed_dictionaries(
    {"kind": st.just("kpl")},
    optional={
        "generate": st.fixed_dictionaries(
            {"count": st.integers(-5, 3000), "size": st.integers(-5, 2_000_000)},
            optional={
                "per_second": st.integers(-5, 10**9),
                "partition_key": st.text(max_size=300),
            },
        ),
        "records": JSON,
        "shards": st.one_of(st.integers(-5, 2000), JSON_SCALARS),
        "config": st.dictionaries(
            st.sampled_from(
                ["AggregationMaxCount", "RecordMaxBufferedTime", "RecordTtl", "RateLimit", "x"]
            ),
            st.one_of(st.integers(-(10**25), 10**25), JSON_SCALARS),
            max_size=3,
        ),
        "flush_at_end": JSON_SCALARS,
    },
)


def simulate(text: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any] | str:
    """The command's JSON result, or the one-line error it exits with."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out = io.StringIO()
    try:
        call_command("simulate", "-", stdout=out)
    except CommandError as exc:
        return str(exc)
    return json.loads(out.getvalue())


def test_simulate_answers_random_specs_with_a_result_or_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(spec=st.one_of(WINDOW_SPEC, KPL_SPEC, JSON))
    def check(spec: Any) -> None:
        outcome = simulate(json.dumps(spec), monkeypatch)
        if isinstance(outcome, str):
            assert outcome and "\n" not in outcome and "Traceback" not in outcome

    check()


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_simulate_refuses_json_nested_a_hundred_thousand_deep_in_one_line(
    monkeypatch: pytest.MonkeyPatch, opener: str
) -> None:
    closer = "]" if opener == "[" else "}"
    outcome = simulate(opener * 100_000 + "1" + closer * 100_000, monkeypatch)
    assert outcome == "-: not a simulation spec: JSON nested too deeply"
