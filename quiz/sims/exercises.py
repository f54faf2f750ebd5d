"""Fresh practice questions whose answers the engines compute, deterministic by seed.

Each generator returns an ``Exercise``: a Markdown prompt (with a small events table where it
helps), a Markdown answer showing the worked result, and multiple-choice options with the index
of the correct one for exams. Distractors come from the mistakes learners make (counting the
still-open window, using the window start as ROWTIME, the docs' rounded numbers...), and are
always distinct from the answer and from each other.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from quiz.sims import kpl
from quiz.sims.spec import format_timestamp
from quiz.sims.windows import Event, stagger_windows, tumbling_windows

BASE_MS = 1_704_103_200_000  # 2024-01-01T10:00:00Z: a readable, fixed day


@dataclass(frozen=True)
class Exercise:
    kind: str
    seed: int
    prompt: str
    answer: str
    options: list[str]
    correct_index: int


def _clock(ms: int) -> str:
    return format_timestamp(ms)[11:]  # HH:MM:SS[.mmm]


def _options(
    rng: random.Random, correct: str, candidates: list[str], n: int = 4
) -> tuple[list[str], int]:
    distinct: list[str] = []
    for c in candidates:
        if c != correct and c not in distinct:
            distinct.append(c)
    chosen = distinct[: n - 1] + [correct]
    rng.shuffle(chosen)
    return chosen, chosen.index(correct)


def _events_table(events: list[Event], with_key: bool) -> str:
    head = "| # | ROWTIME | ticker |" if with_key else "| # | ROWTIME |"
    sep = "|---|---|---|" if with_key else "|---|---|"
    rows = [head, sep]
    for i, e in enumerate(events):
        cells = [str(i + 1), _clock(e.rowtime)]
        if with_key:
            cells.append(str(e.columns["ticker"]))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _random_events(rng: random.Random, n: int, spread_s: int, tickers: list[str]) -> list[Event]:
    offsets = sorted(rng.randrange(0, spread_s * 1000, 500) for _ in range(n))
    return [Event(BASE_MS + o, None, {"ticker": rng.choice(tickers)}) for o in offsets]


def _describe_rows(rowtimes: list[int]) -> str:
    if not rowtimes:
        return "no rows"
    times = ", ".join(_clock(t) for t in sorted(set(rowtimes)))
    return f"{len(rowtimes)} row{'s' if len(rowtimes) != 1 else ''}, at ROWTIME {times}"


def tumbling_exercise(seed: int) -> Exercise:
    """ "With these 8 events and a 10 s tumbling window, how many rows are emitted, and when?"""
    rng = random.Random(f"tumbling-{seed}")
    size_s = rng.choice([10, 10, 15, 20])
    with_key = rng.random() < 0.5
    events = _random_events(rng, 8, size_s * 4, ["AMZN", "INTC"] if with_key else ["AMZN"])
    keys = ["ticker"] if with_key else []
    res = tumbling_windows(events, size=size_s * 1000, keys=keys)
    emitted = [r.rowtime for r in res.emitted]
    correct = _describe_rows(emitted)
    with_open = emitted + [w.window_end for w in res.open]
    starts = [r.window_start for r in res.emitted]
    candidates = [
        _describe_rows(with_open),  # counts the still-open window as emitted
        _describe_rows(starts),  # window start instead of end
        _describe_rows(sorted(set(emitted))),  # one row per window, ignoring keys
        _describe_rows(emitted[:-1]) if emitted else "1 row",
        _describe_rows(with_open + [with_open[-1] + size_s * 1000]),
    ]
    options, index = _options(rng, correct, candidates)
    group = "GROUP BY ticker, " if with_key else "GROUP BY "
    prompt = (
        f"A KDA application runs `SELECT STREAM {'ticker, ' if with_key else ''}COUNT(*) ... "
        f"{group}STEP(ROWTIME BY INTERVAL '{size_s}' SECOND)` over these "
        f"{len(events)} rows (no more rows arrive afterwards):\n\n"
        f"{_events_table(events, with_key)}\n\n"
        "How many rows are emitted, and at what ROWTIME?"
    )
    lines = [f"**{correct}.**", ""]
    for r in res.emitted:
        key = f" {r.key[0]}" if with_key else ""
        lines.append(
            f"- window {_clock(r.window_start)}–{_clock(r.window_end)}{key}: COUNT {r.values[0]}, "
            f"emitted at ROWTIME {_clock(r.rowtime)} when row {r.trigger_index + 1} arrived"
            if r.trigger_index is not None
            else f"- window {_clock(r.window_start)}{key}: COUNT {r.values[0]}"
        )
    for w in res.open:
        key = f" {w.key[0]}" if with_key else ""
        lines.append(
            f"- window {_clock(w.window_start)}–{_clock(w.window_end)}{key}: COUNT {w.values[0]}, "
            "still open: no later row has arrived to close it"
        )
    lines.append("")
    lines.append(
        "A tumbling window's rows are emitted when a row with a later STEP value arrives; "
        "the emitted ROWTIME is the window end, and there is one row per key."
    )
    return Exercise("tumbling", seed, prompt, "\n".join(lines), options, index)


def stagger_exercise(seed: int) -> Exercise:
    """ "With a 1-minute stagger window per ticker, when is each window emitted?"""
    rng = random.Random(f"stagger-{seed}")
    events = _random_events(rng, 8, 150, ["AMZN", "INTC"])
    res = stagger_windows(events, size=60_000, keys=["ticker"])
    emitted = [r.rowtime for r in res.emitted]
    correct = _describe_rows(emitted)
    # Tumbling thinking: window ends on the minute grid.
    grid = [r.rowtime - r.rowtime % 60_000 + 60_000 for r in res.emitted]
    candidates = [
        _describe_rows(emitted + [w.window_end for w in res.open]),
        _describe_rows(grid),
        _describe_rows([r.window_start for r in res.emitted]),
        _describe_rows(emitted[:-1]) if emitted else "1 row",
        _describe_rows([t + 60_000 for t in emitted] or [BASE_MS]),
    ]
    options, index = _options(rng, correct, candidates)
    prompt = (
        "`SELECT STREAM ticker, COUNT(*) ... WINDOWED BY STAGGER (PARTITION BY ticker "
        "RANGE INTERVAL '1' MINUTE)` over these rows (no more rows arrive afterwards):\n\n"
        f"{_events_table(events, True)}\n\n"
        "How many rows are emitted, and at what ROWTIME?"
    )
    lines = [f"**{correct}.**", ""]
    for r in res.emitted:
        lines.append(
            f"- {r.key[0]}: window opened at {_clock(r.window_start)} by its first row, "
            f"COUNT {r.values[0]}, emitted at {_clock(r.rowtime)}"
        )
    for w in res.open:
        lines.append(
            f"- {w.key[0]}: window opened at {_clock(w.window_start)}, COUNT {w.values[0]}, "
            f"still open (it would close at {_clock(w.window_end)})"
        )
    lines += ["", "A stagger window opens on the first row of its key, not on a fixed grid.", ""]
    lines.append(res.notes[0])
    return Exercise("stagger", seed, prompt, "\n".join(lines), options, index)


def kpl_exercise(seed: int) -> Exercise:
    """ "How many PutRecords requests for N records of S bytes on one shard?"""
    rng = random.Random(f"kpl-{seed}")
    count = rng.choice([500, 1000, 2000, 5000])
    size = rng.choice([100, 256, 512, 1024, 2048])
    shards = 1
    res = kpl.simulate_kpl(kpl.generate_records(count, size, "pk"), shards=shards)
    requests = len(res.put_records)
    kinesis = len(res.kinesis_records)
    naive_docs = -(-count * size // 51200)  # the docs' rounding: total bytes / 50 KB
    candidates = [
        str(-(-count // 500)),  # no aggregation: 500 records per request
        str(naive_docs if naive_docs != requests else naive_docs + 2),
        str(requests + 1),
        str(max(requests - 1, 1) if requests > 1 else requests + 2),
        str(kinesis),
        str(requests + 2),
        str(requests + 3),
    ]
    options, index = _options(rng, str(requests), candidates)
    prompt = (
        f"A KPL producer with default settings (aggregation on, AggregationMaxSize 51,200 "
        f"bytes, CollectionMaxCount 500) adds {count:,} user records of {size} bytes each, "
        f'all with partition key "pk", at once, to a stream with {shards} shard, then calls '
        "flush(). How many PutRecords requests does it send?"
    )
    per_record = len(res.kinesis_records[0].user_records)
    answer = (
        f"**{requests}.** Aggregation packs {per_record} user records into each Kinesis record "
        f"(each adds {size} bytes of data plus protobuf overhead, and the record must stay "
        f"within 51,200 bytes), giving {kinesis} Kinesis records. The collector sends them in "
        f"{requests} PutRecords request{'s' if requests != 1 else ''}: "
        + _request_runs(res.put_records)
        + " (it also flushes whenever one shard has 256 KiB buffered)."
    )
    return Exercise("kpl", seed, prompt, answer, options, index)


def _request_runs(requests: list) -> str:
    """The requests as runs of the same size ("84 × 1 record / 50,593 bytes, then 1 × ..."):
    listed one by one, a long flush read as a wall of repeated figures."""
    runs = [(shape, len(list(group))) for shape, group in
            itertools.groupby((len(p.records), p.bytes) for p in requests)]  # fmt: skip
    parts = []
    for (records, size), times in runs:
        each = f"{records} record{'s' if records != 1 else ''} / {size:,} bytes"
        parts.append(each if times == 1 else f"{times} × {each}")
    return ", then ".join(parts)


GENERATORS: dict[str, Callable[[int], Exercise]] = {
    "tumbling": tumbling_exercise,
    "stagger": stagger_exercise,
    "kpl": kpl_exercise,
}


def make_exercise(kind: str, seed: int) -> Exercise:
    if kind not in GENERATORS:
        raise ValueError(f"unknown exercise kind {kind!r} (one of {', '.join(GENERATORS)})")
    return GENERATORS[kind](seed)


def exercise_fields(exercise: Exercise) -> dict[str, object]:
    """How an exercise is stored on a ``Card`` of kind ``exercise``: ``items`` holds the
    options, ``sim`` the answer key (not a runnable spec: it has no ``kind`` key)."""
    return {
        "prompt_md": exercise.prompt,
        "answer_md": exercise.answer,
        "items": list(exercise.options),
        "sim": {
            "exercise": {"kind": exercise.kind, "seed": exercise.seed},
            "correct_index": exercise.correct_index,
        },
    }


def exercise_question(card_fields: Mapping[str, Any]) -> tuple[str, list[str], list[int]]:
    """A multiple-choice question from an exercise card's fields (a ``Card`` as a dict, or
    ``exercise_fields(...)``): ``(stem_markdown, options, correct_indexes)``. For the exams code:
    it needs ``prompt_md``, ``items`` and ``sim``. Raises ``ValueError`` for other cards."""
    sim = card_fields.get("sim")
    options = card_fields.get("items")
    if not isinstance(sim, Mapping) or "exercise" not in sim or "correct_index" not in sim:
        raise ValueError("not an exercise card (its sim has no exercise answer key)")
    if not isinstance(options, list) or len(options) < 2:
        raise ValueError("an exercise card needs at least two options in items")
    index = sim["correct_index"]
    if not isinstance(index, int) or not 0 <= index < len(options):
        raise ValueError(f"correct_index {index!r} is not an option index")
    return str(card_fields.get("prompt_md", "")), [str(o) for o in options], [index]
