"""Event presets for the window simulations, and a CSV events parser.

Events are plain dicts in the shape of the ``simulate`` JSON contract: ``rowtime`` and
optional ``event_time`` as ISO strings, other columns as JSON scalars, in arrival order.
Generated presets are deterministic (fixed seed) so a page shows the same stream every time.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from quiz.sims.errors import SpecError


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    events: tuple[dict[str, Any], ...]
    keys: tuple[str, ...]  # natural PARTITION BY / GROUP BY columns
    size: str  # a sensible window size for it
    value_column: str | None  # a numeric column worth aggregating
    source: str  # where the data comes from


def _iso(t: datetime) -> str:
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += f".{t.microsecond // 1000:03d}"
    return s


def _ticker_stagger() -> tuple[dict[str, Any], ...]:
    # examples-window-stagger.md: six AMZN rows ten seconds apart, then six INTC rows.
    day = datetime(2018, 8, 1)
    out = []
    amzn = [(20, 17, 30), (20, 17, 40), (20, 17, 50), (20, 18, 0), (20, 18, 10), (20, 18, 21)]
    intc = [(20, 18, 31), (20, 18, 41), (20, 18, 51), (20, 19, 1), (20, 19, 11), (20, 19, 21)]
    for ticker, rows, et in (
        ("AMZN", amzn, "2018-08-01T20:17:20.797"),
        ("INTC", intc, "2018-08-01T20:18:21.043"),
    ):
        for h, m, s in rows:
            rt = day.replace(hour=h, minute=m, second=s)
            out.append({"rowtime": _iso(rt), "event_time": et, "ticker": ticker})
    return tuple(out)


def _ticker_late() -> tuple[dict[str, Any], ...]:
    # stagger-window-concepts.md: four AMZN rows whose event time lags ROWTIME.
    pairs = [
        ("11:00:20", "11:00:10"),
        ("11:00:30", "11:00:20"),
        ("11:01:05", "11:00:55"),
        ("11:01:15", "11:01:05"),
    ]
    return tuple(
        {"rowtime": f"2018-01-01T{rt}", "event_time": f"2018-01-01T{et}", "ticker": "AMZN"}
        for rt, et in pairs
    )


WEATHER_ROWS = (
    ("01 01:00", "Denver", 29),
    ("01 01:00", "Anchorage", 2),
    ("01 06:00", "Miami", 65),
    ("01 07:00", "Denver", 32),
    ("01 09:00", "Anchorage", 9),
    ("01 13:00", "Denver", 50),
    ("01 17:00", "Anchorage", 10),
    ("01 18:00", "Miami", 71),
    ("01 19:00", "Denver", 43),
    ("02 01:00", "Anchorage", 4),
    ("02 01:00", "Denver", 39),
    ("02 07:00", "Denver", 46),
    ("02 09:00", "Anchorage", 3),
    ("02 13:00", "Denver", 56),
    ("02 17:00", "Anchorage", 2),
    ("02 19:00", "Denver", 50),
    ("03 01:00", "Denver", 36),
    ("03 01:00", "Anchorage", 1),
)


def _weather() -> tuple[dict[str, Any], ...]:
    # The SQL reference's WEATHERSTREAM (windowed aggregation on streams).
    return tuple(
        {"rowtime": f"2018-11-{d[:2]}T{d[3:]}:00", "city": city, "temp": temp}
        for d, city, temp in WEATHER_ROWS
    )


def _vpc_flow_logs(seed: int = 7, count: int = 60) -> tuple[dict[str, Any], ...]:
    """Flow log records: each interface publishes a capture window (event_time = its start)
    that arrives 10 to 15 minutes later, spread out: the case stagger windows exist for."""
    rng = random.Random(seed)
    base = datetime(2024, 5, 1, 12, 0)
    sources = ["10.0.1.5", "10.0.1.9", "10.0.2.14", "10.0.3.20"]
    rows = []
    for _ in range(count):
        src = rng.choice(sources)
        start = base + timedelta(minutes=rng.randrange(0, 20))
        arrival = start + timedelta(seconds=rng.randrange(600, 900))
        rows.append(
            {
                "rowtime": arrival,
                "event_time": _iso(start),
                "srcaddr": src,
                "dstaddr": rng.choice(["172.31.0.10", "172.31.0.11", "52.94.5.1"]),
                "bytes": rng.randrange(40, 20000),
                "action": "REJECT" if rng.random() < 0.15 else "ACCEPT",
            }
        )
    rows.sort(key=lambda r: r["rowtime"])
    for r in rows:
        r["rowtime"] = _iso(r["rowtime"])
    return tuple(rows)


def _clickstream(seed: int = 11, count: int = 80) -> tuple[dict[str, Any], ...]:
    """Page views from a few users in bursts (sessions) with quiet gaps between them."""
    rng = random.Random(seed)
    t = datetime(2024, 5, 1, 9, 0)
    users = ["u1", "u2", "u3", "u4", "u5"]
    pages = ["/", "/search", "/item", "/cart", "/checkout"]
    rows = []
    while len(rows) < count:
        user = rng.choice(users)
        for _ in range(rng.randrange(2, 8)):
            if len(rows) >= count:
                break
            t += timedelta(milliseconds=rng.randrange(200, 4000))
            lag = timedelta(milliseconds=rng.randrange(0, 3000))
            rows.append(
                {
                    "rowtime": _iso(t),
                    "event_time": _iso(t - lag),
                    "user": user,
                    "page": rng.choice(pages),
                    "duration_ms": rng.randrange(100, 30000),
                }
            )
        t += timedelta(seconds=rng.randrange(5, 60))
    return tuple(rows)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "ticker",
            "Ticker stream (stagger example)",
            _ticker_stagger(),
            ("ticker",),
            "1m",
            None,
            "KDA developer guide, examples-window-stagger.md",
        ),
        Preset(
            "ticker_late",
            "Ticker stream with late event times",
            _ticker_late(),
            ("ticker",),
            "1m",
            None,
            "KDA developer guide, stagger-window-concepts.md",
        ),
        Preset(
            "weather",
            "WEATHERSTREAM temperatures",
            _weather(),
            (),
            "1d",
            "temp",
            "KDA SQL reference, windowed aggregation on streams",
        ),
        Preset(
            "vpc_flow_logs",
            "VPC flow logs",
            _vpc_flow_logs(),
            ("srcaddr",),
            "5m",
            "bytes",
            "generated (seed 7)",
        ),
        Preset(
            "clickstream",
            "Clickstream",
            _clickstream(),
            ("user",),
            "10s",
            "duration_ms",
            "generated (seed 11)",
        ),
    )
}
# Short names authors may type in a ```sim block.
PRESET_ALIASES = {"vpc": "vpc_flow_logs", "clicks": "clickstream"}


def get_preset(name: str) -> Preset:
    name = PRESET_ALIASES.get(name, name)
    if name not in PRESETS:
        raise SpecError("preset", f"unknown preset {name!r} (known: {', '.join(PRESETS)})")
    return PRESETS[name]


def _scalar(text: str) -> Any:
    """CSV cells are text: numbers become numbers, an empty cell is NULL."""
    if text == "":
        return None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def parse_events_csv(text: str, *, max_events: int = 10000) -> list[dict[str, Any]]:
    """Events from CSV with a header row. ``rowtime`` is required, ``event_time`` optional
    (both ISO timestamps, checked later by ``run_spec``); other columns are data. Errors name
    the line (``SpecError`` with field ``csv line N``)."""
    reader = csv.reader(io.StringIO(text.strip("\n")))
    try:
        header = next(reader)
    except StopIteration:
        raise SpecError("csv", "empty: expected a header row with a rowtime column") from None
    header = [h.strip() for h in header]
    if "rowtime" not in header:
        raise SpecError("csv line 1", "header has no rowtime column")
    if len(set(header)) != len(header) or "" in header:
        raise SpecError("csv line 1", "column names must be unique and non-empty")
    events: list[dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise SpecError(f"csv line {line}", f"expected {len(header)} fields, got {len(row)}")
        if len(events) >= max_events:
            raise SpecError(f"csv line {line}", f"too many events (at most {max_events})")
        event: dict[str, Any] = {}
        for name, cell in zip(header, row, strict=True):
            cell = cell.strip()
            if name in ("rowtime", "event_time"):
                if name == "rowtime" and not cell:
                    raise SpecError(f"csv line {line}", "rowtime is empty")
                if cell:
                    try:
                        datetime.fromisoformat(cell)
                    except ValueError:
                        raise SpecError(
                            f"csv line {line}", f"{name}: {cell!r} is not an ISO timestamp"
                        ) from None
                    event[name] = cell
            else:
                event[name] = _scalar(cell)
        events.append(event)
    if not events:
        raise SpecError("csv", "no events after the header row")
    return events


__all__ = ["PRESETS", "Preset", "get_preset", "parse_events_csv"]
