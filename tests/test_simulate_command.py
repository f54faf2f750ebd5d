"""`manage.py simulate`: the JSON contract of docs/simulations.md, through call_command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[1]

TICKER_LATE = [
    {"rowtime": f"2018-01-01T{rt}", "event_time": f"2018-01-01T{et}", "ticker": "AMZN"}
    for rt, et in [
        ("11:00:20", "11:00:10"),
        ("11:00:30", "11:00:20"),
        ("11:01:05", "11:00:55"),
        ("11:01:15", "11:01:05"),
    ]
]


def simulate_file(tmp_path: Path, spec: object) -> dict:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    out = io.StringIO()
    call_command("simulate", str(path), stdout=out)
    text = out.getvalue().strip()
    assert "\n" not in text  # one JSON object on one line
    return json.loads(text)


def simulate_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> dict:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out = io.StringIO()
    call_command("simulate", "-", stdout=out)
    return json.loads(out.getvalue())


def test_tumbling_with_event_time_floor_gives_the_documented_rows(tmp_path):
    result = simulate_file(
        tmp_path,
        {
            "kind": "tumbling",
            "size": "1m",
            "keys": ["ticker"],
            "event_time_floor": "1m",
            "rowtime_bound": "2018-01-01T11:02:00",
            "events": TICKER_LATE,
        },
    )
    rows = [
        (r["rowtime"][11:], r["key"]["event_time_floor"][11:16], r["key"]["ticker"], r["values"])
        for r in result["emitted"]
    ]
    assert rows == [
        ("11:01:00", "11:00", "AMZN", {"count": 2}),
        ("11:02:00", "11:00", "AMZN", {"count": 1}),
        ("11:02:00", "11:01", "AMZN", {"count": 1}),
    ]
    assert result["open"] == []


def test_stagger_from_stdin_gives_the_documented_rows(monkeypatch):
    spec = {
        "kind": "stagger",
        "size": "1m",
        "keys": ["ticker"],
        "event_time_floor": "1m",
        "rowtime_bound": "2018-01-01T11:03:00",
        "events": TICKER_LATE,
    }
    result = simulate_stdin(monkeypatch, json.dumps(spec))
    rows = [
        (r["rowtime"][11:], r["key"]["event_time_floor"][11:16], r["values"]["count"])
        for r in result["emitted"]
    ]
    assert rows == [("11:01:20", "11:00", 3), ("11:02:15", "11:01", 1)]
    assert any("Assumption" in n for n in result["notes"])


def test_sliding_range_one_day_gives_the_weatherstream_min_max(tmp_path):
    from quiz.sims.presets import PRESETS

    result = simulate_file(
        tmp_path,
        {
            "kind": "sliding",
            "size": "1d",
            "aggregates": [{"fn": "min", "column": "temp"}, {"fn": "max", "column": "temp"}],
            "events": list(PRESETS["weather"].events),
        },
    )
    got = [(r["values"]["min_temp"], r["values"]["max_temp"]) for r in result["rows"]]
    assert got == [
        (29, 29), (2, 29), (2, 65), (2, 65), (2, 65), (2, 65), (2, 65), (2, 71), (2, 71),
        (2, 71), (2, 71), (4, 71), (3, 71), (3, 71), (2, 71), (2, 56), (2, 56), (1, 56),
    ]  # fmt: skip


def test_kpl_thousand_records_of_512_bytes_make_eleven_kinesis_records(tmp_path):
    result = simulate_file(
        tmp_path, {"kind": "kpl", "generate": {"count": 1000, "size": 512, "partition_key": "pk"}}
    )
    records = result["kinesis_records"]
    assert len(records) == 11  # the docs round to 10; the KPL's overhead makes 11
    assert sum(r["user_records"] for r in records) == 1000
    assert all(r["bytes"] <= 51200 and r["partition_key"] == "a" for r in records)
    assert sum(p["records"] for p in result["put_records"]) == 11
    assert result["throttled"] == []


def test_bad_json_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("{not json"))
    with pytest.raises(CommandError) as err:
        call_command("simulate", "-")
    assert "not valid JSON" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "hopping"}, "kind"),
        ({"kind": "tumbling", "size": "sixty", "events": TICKER_LATE}, "size"),
        ({"kind": "tumbling", "size": "1m", "events": [{"ticker": "A"}]}, "events[0].rowtime"),
        (
            {"kind": "kpl", "config": {"RateLimit": "fast"}, "generate": {"count": 1, "size": 1}},
            "config.RateLimit",
        ),  # fmt: skip
    ],
)
def test_bad_spec_error_names_the_field(tmp_path, spec, field):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("simulate", str(path))
    message = str(err.value)
    assert f"{field}:" in message and "\n" not in message


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("simulate", str(tmp_path / "nope.json"))


def test_bad_spec_exits_non_zero_with_one_line_on_stderr():
    proc = subprocess.run(
        [sys.executable, "manage.py", "simulate", "-"],
        input='{"kind": "tumbling", "size": "1m"}',
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0 and "events" in proc.stderr
