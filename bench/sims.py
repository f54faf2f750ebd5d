"""Benchmark the window engines against pandas on 1,000,000 events (fixed seed).

Run: ``python bench/sims.py`` (pandas is a bench-only dependency). Both sides get their input
prepared beforehand in their native form (Python lists for the engine, a DataFrame for pandas)
and are timed on the computation only, best of 5 runs each. The results are checked equal.
The last line printed is one JSON object:
``{"tumbling_ratio_vs_pandas": ..., "sliding_ratio_vs_pandas": ..., "widget_render_ms": ...}``
with ratio = engine time / pandas time (targets: <= 2 each) and ``widget_render_ms`` the median
time of the Labs view rendering its result partial for 200 events (target <= 50 ms).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import common
import pandas as pd
from django.contrib.auth import get_user_model

from quiz.sims.spec import format_timestamp
from quiz.sims.windows import (
    Event,
    sliding_range_count_columnar,
    sliding_windows,
    tumbling_count_columnar,
    tumbling_windows,
)

N = 1_000_000
SIZE_MS = 10_000
SEED = 20240501
KEYS = ["AMZN", "INTC", "MSFT", "AAPL", "TBV", "GOOG", "NFLX", "ORCL", "IBM", "SAP"]


def make_events(n: int, seed: int) -> tuple[list[int], list[str]]:
    rng = random.Random(seed)
    t = 1_700_000_000_000
    rowtimes = []
    keys = []
    for _ in range(n):
        t += rng.choice((0, 0, 1, 1, 2, 3))  # ~1.2 ms apart on average, with ties
        rowtimes.append(t)
        keys.append(rng.choice(KEYS))
    return rowtimes, keys


def best_of(fn: Callable[[], Any], runs: int = 5) -> tuple[float, Any]:
    best = float("inf")
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def widget_events_csv(n: int = 200) -> str:
    """``n`` ticker events as the CSV a learner would paste into a lab."""
    rng = random.Random(SEED)
    t = 1_704_103_200_000
    lines = ["rowtime,ticker,price"]
    for _ in range(n):
        t += rng.randrange(0, 1500)
        lines.append(f"{format_timestamp(t)},{rng.choice(KEYS[:3])},{rng.randrange(10, 500)}")
    return "\n".join(lines)


def widget_render_ms(runs: int = 60) -> float:
    """The real widget: the Labs view answering an htmx request for its result partial (the
    SVG timeline and tables) for a 200-event tumbling simulation, through Django's full request
    stack (middleware, session and user lookups, template rendering) with ``django.test.Client``
    in this process, on a throwaway database (`common`). Median of ``runs`` requests, after
    warm-up. Runs with DEBUG off, as in production (cached templates, no query log)."""
    with common.throwaway_database("sims"):
        return _widget_median_ms(runs)


def _widget_median_ms(runs: int) -> float:
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    client = common.https_client()
    client.force_login(user)
    query = {
        "preset": "csv",
        "csv": widget_events_csv(200),
        "size": "10s",
        "keys": "ticker",
        "aggregates": "count, max(price)",
    }

    def request() -> None:
        response = client.get("/labs/tumbling/", query, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.status_code
        body = response.content
        assert b'class="sim-timeline"' in body and b"<b>200</b> events" in body, body[:500]

    for _ in range(5):
        request()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        request()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    rowtimes, keys = make_events(N, SEED)
    df = pd.DataFrame({"rowtime": rowtimes, "key": keys})
    df_ts = pd.DataFrame(
        {"key": keys, "one": 1}, index=pd.to_datetime(pd.Series(rowtimes), unit="ms")
    )

    # Tumbling COUNT per key: GROUP BY key, STEP(ROWTIME BY 10 s).
    ours_t, col = best_of(lambda: tumbling_count_columnar(rowtimes, keys, SIZE_MS))
    pandas_t, grouped = best_of(
        lambda: df.groupby([df["rowtime"] // SIZE_MS * SIZE_MS, "key"]).size()
    )
    expected = {(int(w) + SIZE_MS, k): int(c) for (w, k), c in grouped.items()}
    got = dict(zip(zip(col.ends, col.keys, strict=True), col.counts, strict=True))
    assert got == expected, "tumbling counts differ from pandas"

    # Sliding RANGE COUNT per key: COUNT(*) OVER (PARTITION BY key RANGE 10 s PRECEDING),
    # inclusive lower bound, so pandas gets closed="both".
    ours_s, counts = best_of(lambda: sliding_range_count_columnar(rowtimes, keys, SIZE_MS))
    pandas_s, rolled = best_of(
        lambda: df_ts.groupby("key")["one"].rolling(f"{SIZE_MS}ms", closed="both").count()
    )
    # pandas returns rows grouped by key; map back to input order by position within each key.
    by_key: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        by_key.setdefault(k, []).append(i)
    pandas_counts = [0] * N
    for k, idx in by_key.items():
        for i, c in zip(idx, rolled.loc[k].to_numpy(), strict=True):
            pandas_counts[i] = int(c)
    # pandas counts later rows with the same timestamp; KDA's frame stops at the current row.
    mismatch = sum(1 for a, b in zip(counts, pandas_counts, strict=True) if a != b)

    # The general engines (dataclass rows, any aggregate), for information.
    events = [Event(t, None, {"key": k}) for t, k in zip(rowtimes, keys, strict=True)]
    general_t, _ = best_of(lambda: tumbling_windows(events, size=SIZE_MS, keys=["key"]), runs=1)
    general_s, _ = best_of(
        lambda: sliding_windows(events, range_size=SIZE_MS, keys=["key"]), runs=1
    )

    widget = widget_render_ms()
    print(f"events: {N:,} (seed {SEED}), {len(KEYS)} keys, window 10 s")
    print(f"tumbling COUNT per key: engine {ours_t:.3f} s, pandas {pandas_t:.3f} s")
    print(f"sliding RANGE COUNT per key: engine {ours_s:.3f} s, pandas {pandas_s:.3f} s")
    print(f"  rows where pandas differs (later same-timestamp rows it includes): {mismatch:,}")
    print(f"general engines: tumbling {general_t:.3f} s, sliding {general_s:.3f} s")
    print(f"widget (Labs view, htmx partial, 200 events, median of 60): {widget:.2f} ms")
    print(
        json.dumps(
            {
                "tumbling_ratio_vs_pandas": round(ours_t / pandas_t, 3),
                "sliding_ratio_vs_pandas": round(ours_s / pandas_s, 3),
                "widget_render_ms": round(widget, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
