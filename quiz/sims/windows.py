"""Kinesis Data Analytics (SQL) window semantics, as pure functions.

Follows ``docs/simulations.md`` (the project's reference semantics). Everything works in integer
milliseconds since the epoch; parsing and formatting of timestamps lives in ``spec.py``.

Three KDA window kinds:

* ``tumbling_windows``: ``GROUP BY keys, STEP(ROWTIME BY INTERVAL size)``, optionally also
  grouped by ``FLOOR(event_time TO floor)``. A window's groups are emitted when a row with a
  different STEP value arrives; the emitted ROWTIME is the window end.
* ``sliding_windows``: ``agg OVER (PARTITION BY keys RANGE INTERVAL n PRECEDING)`` or
  ``ROWS n PRECEDING``: one output row per input row.
* ``stagger_windows``: ``WINDOWED BY STAGGER (PARTITION BY keys RANGE INTERVAL len)``: a window
  opens on the first row of a key and closes ``len`` later.

Plus ``flink_event_time_tumbling`` for contrast (watermarks, late rows dropped), columnar fast
paths for COUNT (``tumbling_count_columnar``, ``sliding_range_count_columnar``) used by the
benchmark, and ``window_snapshots`` for a UI time scrubber.

Rows whose ROWTIME is lower than the previous row's are rejected and reported, as KDA does;
they take no part in any window.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice, repeat
from operator import gt, sub
from typing import Any

AGGREGATE_FUNCTIONS = ("count", "sum", "min", "max", "avg")

# Notes the UI must show next to results, because the docs do not settle these points.
STAGGER_ASSUMPTION = (
    "Assumption: a stagger window is half-open [open, open + length), and a row for a key whose "
    "window has closed opens a new window (the KDA docs do not say)."
)
OPEN_WINDOW_NOTE = (
    "Whether KDA emits the last open window when no more rows arrive is not documented: "
    "it is shown as still open."
)


@dataclass(frozen=True)
class Aggregate:
    """One aggregate of the SELECT list, e.g. ``MIN(price)``; ``column=None`` means ``COUNT(*)``."""

    fn: str
    column: str | None = None

    def __post_init__(self) -> None:
        if self.fn not in AGGREGATE_FUNCTIONS:
            raise ValueError(f"unknown aggregate function {self.fn!r}")
        if self.fn != "count" and self.column is None:
            raise ValueError(f"{self.fn} needs a column")

    @property
    def name(self) -> str:
        # Matches the JSON contract: value names are ``fn`` or ``fn_column``.
        return self.fn if self.column is None else f"{self.fn}_{self.column}"


@dataclass(frozen=True)
class Event:
    """One input row, in arrival order. ``columns`` holds the data columns (ticker, price...)."""

    rowtime: int
    event_time: int | None = None
    columns: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    """A row KDA refuses because its ROWTIME went backwards."""

    index: int
    rowtime: int
    previous_rowtime: int
    reason: str = "ROWTIME lower than the previous row's: rejected (ROWTIME must not decrease)"


@dataclass(frozen=True)
class EmittedRow:
    """A row a window query emits. ``trigger_index`` is the input event whose arrival caused the
    emission (``None`` when a rowtime bound given after the last event did)."""

    rowtime: int
    key: tuple[Any, ...]
    values: tuple[Any, ...]
    window_start: int
    window_end: int
    trigger_index: int | None
    event_indexes: tuple[int, ...] = ()


@dataclass(frozen=True)
class OpenWindow:
    key: tuple[Any, ...]
    window_start: int
    window_end: int
    values: tuple[Any, ...]
    event_indexes: tuple[int, ...] = ()


@dataclass(slots=True)  # not frozen: frozen __init__ is slow and there is one per input row
class SlidingRow:
    index: int
    rowtime: int
    key: tuple[Any, ...]
    values: tuple[Any, ...]


@dataclass
class WindowResult:
    emitted: list[EmittedRow]
    open: list[OpenWindow]
    rejected: list[Rejection]
    key_names: tuple[str, ...]
    value_names: tuple[str, ...]
    notes: list[str] = field(default_factory=list)


@dataclass
class SlidingResult:
    rows: list[SlidingRow]
    rejected: list[Rejection]
    key_names: tuple[str, ...]
    value_names: tuple[str, ...]
    notes: list[str] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------


def step(ts: int, interval: int) -> int:
    """``STEP(ts BY interval)``: round down to a multiple of ``interval`` from the epoch."""
    return ts - ts % interval


def _key_names(keys: Sequence[str], event_time_floor: int | None) -> tuple[str, ...]:
    return tuple(keys) + (("event_time_floor",) if event_time_floor else ())


def _key_of(event: Event, keys: Sequence[str], event_time_floor: int | None) -> tuple[Any, ...]:
    cols = event.columns
    # "event_time" may itself be a key column (the stagger ticker example partitions by it).
    key = tuple([event.event_time if k == "event_time" else cols.get(k) for k in keys])
    if event_time_floor:
        if event.event_time is None:
            raise ValueError("event_time_floor needs an event_time on every event")
        key += (step(event.event_time, event_time_floor),)
    return key


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    # Keys may mix None, numbers and strings; order by (type name, value) so ties are stable.
    return tuple((v is not None, type(v).__name__, v) for v in key)


class _Accumulator:
    """Running state of the aggregates for one group. SQL semantics: NULLs are ignored,
    COUNT(*) counts rows, an aggregate over no non-NULL values is NULL (COUNT gives 0)."""

    __slots__ = ("aggs", "n", "counts", "sums", "mins", "maxs", "indexes")

    def __init__(self, aggs: Sequence[Aggregate]) -> None:
        self.aggs = aggs
        self.n = 0
        size = len(aggs)
        self.counts = [0] * size
        self.sums: list[Any] = [0] * size
        self.mins: list[Any] = [None] * size
        self.maxs: list[Any] = [None] * size
        self.indexes: list[int] = []

    def add(self, event: Event, index: int) -> None:
        self.n += 1
        self.indexes.append(index)
        cols = event.columns
        for i, agg in enumerate(self.aggs):
            if agg.column is None:
                continue
            v = cols.get(agg.column)
            if v is None:
                continue
            self.counts[i] += 1
            self.sums[i] += v
            if self.mins[i] is None or v < self.mins[i]:
                self.mins[i] = v
            if self.maxs[i] is None or v > self.maxs[i]:
                self.maxs[i] = v

    def values(self) -> tuple[Any, ...]:
        out: list[Any] = []
        for i, agg in enumerate(self.aggs):
            c = self.n if agg.column is None else self.counts[i]
            if agg.fn == "count":
                out.append(c)
            elif c == 0:
                out.append(None)
            elif agg.fn == "sum":
                out.append(self.sums[i])
            elif agg.fn == "min":
                out.append(self.mins[i])
            elif agg.fn == "max":
                out.append(self.maxs[i])
            else:
                out.append(self.sums[i] / c)
        return tuple(out)


def _accepted(events: Sequence[Event], rejected: list[Rejection]):
    """Yield (index, event) for rows whose ROWTIME does not go backwards; record the others."""
    last: int | None = None
    for i, ev in enumerate(events):
        if last is not None and ev.rowtime < last:
            rejected.append(Rejection(i, ev.rowtime, last))
            continue
        last = ev.rowtime
        yield i, ev


# --- tumbling --------------------------------------------------------------------------------


def tumbling_windows(
    events: Sequence[Event],
    *,
    size: int,
    keys: Sequence[str] = (),
    aggregates: Sequence[Aggregate] = (Aggregate("count"),),
    event_time_floor: int | None = None,
    rowtime_bound: int | None = None,
) -> WindowResult:
    """``GROUP BY keys[, FLOOR(event_time TO event_time_floor)], STEP(ROWTIME BY size)``.

    ``rowtime_bound``, if given, advances ROWTIME after the last event (like a heartbeat row or
    a later row of another stream): windows ending at or before it are emitted.
    """
    if size <= 0:
        raise ValueError("size must be positive")
    rejected: list[Rejection] = []
    emitted: list[EmittedRow] = []
    groups: dict[tuple[Any, ...], _Accumulator] = {}
    current: int | None = None

    def emit(trigger: int | None) -> None:
        assert current is not None
        for key in sorted(groups, key=_sort_key):
            acc = groups[key]
            emitted.append(
                EmittedRow(
                    current + size,
                    key,
                    acc.values(),
                    current,
                    current + size,
                    trigger,
                    tuple(acc.indexes),
                )
            )
        groups.clear()

    for i, ev in _accepted(events, rejected):
        s = step(ev.rowtime, size)
        if current is not None and s != current:
            emit(i)
        current = s
        key = _key_of(ev, keys, event_time_floor)
        acc = groups.get(key)
        if acc is None:
            acc = groups[key] = _Accumulator(aggregates)
        acc.add(ev, i)

    if (
        current is not None
        and groups
        and rowtime_bound is not None
        and rowtime_bound >= current + size
    ):
        emit(None)
    open_windows = [
        OpenWindow(key, current, current + size, groups[key].values(), tuple(groups[key].indexes))
        for key in sorted(groups, key=_sort_key)
        if current is not None
    ]
    notes = [OPEN_WINDOW_NOTE] if open_windows else []
    return WindowResult(
        emitted,
        open_windows,
        rejected,
        _key_names(keys, event_time_floor),
        tuple(a.name for a in aggregates),
        notes,
    )


# --- stagger ---------------------------------------------------------------------------------


def stagger_windows(
    events: Sequence[Event],
    *,
    size: int,
    keys: Sequence[str] = (),
    aggregates: Sequence[Aggregate] = (Aggregate("count"),),
    event_time_floor: int | None = None,
    rowtime_bound: int | None = None,
) -> WindowResult:
    """``WINDOWED BY STAGGER (PARTITION BY keys RANGE INTERVAL size)``.

    A window opens at the ROWTIME of the first row of its key and is emitted (ROWTIME = open +
    size) once ROWTIME reaches its end, i.e. when a row with ``rowtime >= end`` arrives, before
    that row is processed. Half-open windows are an assumption (see ``STAGGER_ASSUMPTION``).
    """
    if size <= 0:
        raise ValueError("size must be positive")
    rejected: list[Rejection] = []
    emitted: list[EmittedRow] = []
    # key -> (open time, accumulator); insertion order is opening order.
    windows: dict[tuple[Any, ...], tuple[int, _Accumulator]] = {}
    # Windows close in opening order (same length), so a FIFO of (end, key) finds due ones.
    closing: deque[tuple[int, tuple[Any, ...]]] = deque()

    def close_until(now: int, trigger: int | None) -> None:
        due: list[tuple[int, tuple[Any, ...]]] = []
        while closing and closing[0][0] <= now:
            due.append(closing.popleft())
        due.sort(key=lambda item: (item[0], _sort_key(item[1])))
        for end, key in due:
            start, acc = windows.pop(key)
            emitted.append(
                EmittedRow(end, key, acc.values(), start, end, trigger, tuple(acc.indexes))
            )

    for i, ev in _accepted(events, rejected):
        close_until(ev.rowtime, i)
        key = _key_of(ev, keys, event_time_floor)
        win = windows.get(key)
        if win is None:
            win = windows[key] = (ev.rowtime, _Accumulator(aggregates))
            closing.append((ev.rowtime + size, key))
        win[1].add(ev, i)

    if rowtime_bound is not None:
        close_until(rowtime_bound, None)
    open_windows = [
        OpenWindow(key, start, start + size, acc.values(), tuple(acc.indexes))
        for key, (start, acc) in sorted(windows.items(), key=lambda kv: _sort_key(kv[0]))
    ]
    notes = [STAGGER_ASSUMPTION] + ([OPEN_WINDOW_NOTE] if open_windows else [])
    return WindowResult(
        emitted,
        open_windows,
        rejected,
        _key_names(keys, event_time_floor),
        tuple(a.name for a in aggregates),
        notes,
    )


# --- sliding ---------------------------------------------------------------------------------


class _SlidingFrame:
    """The frame of one partition: a deque of rows plus running counts and sums, and monotonic
    deques for MIN/MAX, so each row enters and leaves once (amortised O(1) per row, never a
    frame rescan). Only the state an aggregate needs is kept (``plan``)."""

    __slots__ = ("rows", "n", "counts", "sums", "mins", "maxs", "seq", "plan")

    def __init__(self, plan: tuple[tuple[int, str], ...], width: int) -> None:
        self.rows: deque[tuple[int, int, tuple[Any, ...]]] = deque()  # (seq, rowtime, vals)
        self.n = 0
        self.counts = [0] * width
        self.sums: list[Any] = [0] * width
        # Monotonic deques of (seq, value): the front is the frame's min (or max).
        self.mins: list[deque[tuple[int, Any]]] = [deque() for _ in range(width)]
        self.maxs: list[deque[tuple[int, Any]]] = [deque() for _ in range(width)]
        self.seq = 0
        self.plan = plan  # (index, fn) of the aggregates over a column

    def push(self, rowtime: int, vals: tuple[Any, ...]) -> None:
        seq = self.seq
        self.seq += 1
        self.rows.append((seq, rowtime, vals))
        self.n += 1
        for i, fn in self.plan:
            v = vals[i]
            if v is None:
                continue
            self.counts[i] += 1
            if fn == "min":
                mn = self.mins[i]
                while mn and mn[-1][1] >= v:
                    mn.pop()
                mn.append((seq, v))
            elif fn == "max":
                mx = self.maxs[i]
                while mx and mx[-1][1] <= v:
                    mx.pop()
                mx.append((seq, v))
            elif fn != "count":
                self.sums[i] += v

    def pop_oldest(self) -> None:
        seq, _, vals = self.rows.popleft()
        self.n -= 1
        for i, fn in self.plan:
            v = vals[i]
            if v is None:
                continue
            self.counts[i] -= 1
            if fn == "min":
                if self.mins[i][0][0] == seq:
                    self.mins[i].popleft()
            elif fn == "max":
                if self.maxs[i][0][0] == seq:
                    self.maxs[i].popleft()
            elif fn != "count":
                self.sums[i] -= v


def sliding_windows(
    events: Sequence[Event],
    *,
    range_size: int | None = None,
    rows: int | None = None,
    keys: Sequence[str] = (),
    aggregates: Sequence[Aggregate] = (Aggregate("count"),),
    event_time_floor: int | None = None,
) -> SlidingResult:
    """``agg OVER (PARTITION BY keys RANGE INTERVAL range_size PRECEDING)`` or
    ``... ROWS rows PRECEDING``. Exactly one of ``range_size`` and ``rows`` is given.

    RANGE frame: rows of the partition that arrived up to and including the current one with
    ``ROWTIME >= current - range_size`` (inclusive lower bound, per the WEATHERSTREAM table).
    ROWS frame: the current row and the ``rows`` rows before it in the partition.
    """
    if (range_size is None) == (rows is None):
        raise ValueError("give exactly one of range_size and rows")
    if range_size is not None and range_size <= 0:
        raise ValueError("range_size must be positive")
    if rows is not None and rows < 0:
        raise ValueError("rows must be >= 0")
    rejected: list[Rejection] = []
    out: list[SlidingRow] = []
    frames: dict[tuple[Any, ...], _SlidingFrame] = {}
    columns = [a.column for a in aggregates]
    width = len(aggregates)
    fns = [a.fn for a in aggregates]
    plan = tuple((i, a.fn) for i, a in enumerate(aggregates) if a.column is not None)

    for i, ev in _accepted(events, rejected):
        key = _key_of(ev, keys, event_time_floor)
        frame = frames.get(key)
        if frame is None:
            frame = frames[key] = _SlidingFrame(plan, width)
        cols = ev.columns
        vals = tuple([None if c is None else cols.get(c) for c in columns])
        frame.push(ev.rowtime, vals)
        if range_size is not None:
            lower = ev.rowtime - range_size
            while frame.rows[0][1] < lower:
                frame.pop_oldest()
        else:
            assert rows is not None
            while frame.n > rows + 1:
                frame.pop_oldest()
        values: list[Any] = []
        for j in range(width):
            fn = fns[j]
            c = frame.n if columns[j] is None else frame.counts[j]
            if fn == "count":
                values.append(c)
            elif c == 0:
                values.append(None)
            elif fn == "sum":
                values.append(frame.sums[j])
            elif fn == "min":
                values.append(frame.mins[j][0][1])
            elif fn == "max":
                values.append(frame.maxs[j][0][1])
            else:
                values.append(frame.sums[j] / c)
        out.append(SlidingRow(i, ev.rowtime, key, tuple(values)))

    return SlidingResult(
        out, rejected, _key_names(keys, event_time_floor), tuple(a.name for a in aggregates)
    )


# --- Flink contrast --------------------------------------------------------------------------


@dataclass(frozen=True)
class LateRow:
    index: int
    event_time: int
    window_start: int
    watermark: int
    reason: str = "late: its window already fired (watermark passed end - 1); dropped"


@dataclass
class FlinkResult:
    emitted: list[EmittedRow]
    open: list[OpenWindow]
    late: list[LateRow]
    watermarks: list[int]  # watermark after each input event (index-aligned)
    key_names: tuple[str, ...]
    value_names: tuple[str, ...]
    notes: list[str] = field(default_factory=list)


def flink_event_time_tumbling(
    events: Sequence[Event],
    *,
    size: int,
    max_out_of_orderness: int,
    keys: Sequence[str] = (),
    aggregates: Sequence[Aggregate] = (Aggregate("count"),),
) -> FlinkResult:
    """Apache Flink event-time tumbling windows ``[k*size, (k+1)*size)`` with a
    bounded-out-of-orderness watermark ``max_ts - delay - 1``. A window fires when the watermark
    reaches ``end - 1``; a row whose window has already fired is dropped and reported (no
    allowed lateness). Emitted ROWTIME here is the window end (Flink's window end timestamp).

    Simplification: the watermark advances after every event (Flink emits it periodically).
    """
    if size <= 0:
        raise ValueError("size must be positive")
    if max_out_of_orderness < 0:
        raise ValueError("max_out_of_orderness must be >= 0")
    windows: dict[tuple[int, tuple[Any, ...]], _Accumulator] = {}
    emitted: list[EmittedRow] = []
    late: list[LateRow] = []
    watermarks: list[int] = []
    min_int = -(2**63)
    watermark = min_int
    max_ts: int | None = None

    for i, ev in enumerate(events):
        if ev.event_time is None:
            raise ValueError(f"event {i} has no event_time")
        start = step(ev.event_time, size)
        if start + size - 1 <= watermark:
            late.append(LateRow(i, ev.event_time, start, watermark))
        else:
            key = _key_of(ev, keys, None)
            acc = windows.get((start, key))
            if acc is None:
                acc = windows[(start, key)] = _Accumulator(aggregates)
            acc.add(ev, i)
        max_ts = ev.event_time if max_ts is None else max(max_ts, ev.event_time)
        previous_watermark = watermark
        watermark = max(watermark, max_ts - max_out_of_orderness - 1)
        watermarks.append(watermark)
        if watermark == previous_watermark:
            continue  # nothing new can fire; skips the scan of open windows
        due = [wk for wk in windows if wk[0] + size - 1 <= watermark]
        due.sort(key=lambda wk: (wk[0], _sort_key(wk[1])))
        for wk in due:
            acc = windows.pop(wk)
            emitted.append(
                EmittedRow(
                    wk[0] + size, wk[1], acc.values(), wk[0], wk[0] + size, i, tuple(acc.indexes)
                )
            )
    open_windows = [
        OpenWindow(k, s, s + size, windows[(s, k)].values(), tuple(windows[(s, k)].indexes))
        for s, k in sorted(windows, key=lambda wk: (wk[0], _sort_key(wk[1])))
    ]
    notes = [
        "Flink: windows fire when the watermark (max event time - delay - 1) reaches end - 1; "
        "late rows are dropped (no allowed lateness). KDA instead emits extra partial rows "
        "and drops nothing."
    ]
    return FlinkResult(
        emitted,
        open_windows,
        late,
        watermarks,
        tuple(keys),
        tuple(a.name for a in aggregates),
        notes,
    )


# --- columnar fast paths (COUNT), used by the benchmark --------------------------------------


@dataclass
class ColumnarCounts:
    """Tumbling COUNT per key, columnar: row ``i`` is window ``[ends[i] - size, ends[i])``.
    Rows from ``open_from`` on belong to the last window, still open."""

    ends: list[int]
    keys: list[Hashable]
    counts: list[int]
    open_from: int


def check_monotonic(rowtimes: Sequence[int]) -> int | None:
    """Index of the first row whose ROWTIME goes backwards, or None."""
    for i in range(1, len(rowtimes)):
        if rowtimes[i] < rowtimes[i - 1]:
            return i
    return None


def _goes_backwards(rowtimes: Sequence[int]) -> bool:
    # Pairwise comparison in C; islice avoids copying a million-row list twice.
    return any(map(gt, rowtimes, islice(rowtimes, 1, None)))


def tumbling_count_columnar(
    rowtimes: Sequence[int], keys: Sequence[Hashable], size: int
) -> ColumnarCounts:
    """``SELECT key, COUNT(*) ... GROUP BY key, STEP(ROWTIME BY size)`` on columns.

    Same semantics as ``tumbling_windows`` with one key column, but because ROWTIME is sorted,
    each window is a contiguous slice found by binary search and counted with ``Counter`` (C
    code), so the per-row work never runs Python bytecode. Raises ValueError on a ROWTIME that
    goes backwards (the caller should use ``tumbling_windows`` to report rejections).
    """
    n = len(rowtimes)
    if n != len(keys):
        raise ValueError("rowtimes and keys differ in length")
    if size <= 0:
        raise ValueError("size must be positive")
    if _goes_backwards(rowtimes):
        raise ValueError(f"ROWTIME goes backwards at row {check_monotonic(rowtimes)}")
    ends: list[int] = []
    out_keys: list[Hashable] = []
    counts: list[int] = []
    open_from = 0
    lo = 0
    while lo < n:
        start = rowtimes[lo] - rowtimes[lo] % size
        end = start + size
        hi = bisect_left(rowtimes, end, lo)
        open_from = len(ends)
        counter = Counter(keys[lo:hi])
        for key in sorted(counter):
            ends.append(end)
            out_keys.append(key)
            counts.append(counter[key])
        lo = hi
    return ColumnarCounts(ends, out_keys, counts, open_from)


def sliding_range_count_columnar(
    rowtimes: Sequence[int], keys: Sequence[Hashable], range_size: int
) -> list[int]:
    """``COUNT(*) OVER (PARTITION BY key RANGE INTERVAL range_size PRECEDING)`` on columns:
    one count per input row, in input order.

    Per partition the ROWTIMEs are sorted, so the frame of the ``j``-th row of a partition is
    ``[bisect_left(rts, t - range_size), j]``: one binary search per row, done by ``map`` in C.
    """
    n = len(rowtimes)
    if n != len(keys):
        raise ValueError("rowtimes and keys differ in length")
    if range_size <= 0:
        raise ValueError("range_size must be positive")
    if _goes_backwards(rowtimes):
        raise ValueError(f"ROWTIME goes backwards at row {check_monotonic(rowtimes)}")
    # Split ROWTIMEs by partition with C-level map calls (no Python bytecode per row), count
    # each partition lazily, then read the counts back in input order: each partition's
    # iterator yields its rows' counts in arrival order, so ``next`` per input key reassembles
    # the original order without index lists or a scatter loop.
    parts: dict[Hashable, list[int]] = {k: [] for k in dict.fromkeys(keys)}
    deque(map(list.append, map(parts.__getitem__, keys), rowtimes), maxlen=0)
    iters = {}
    for key, rts in parts.items():
        starts = map(bisect_left, repeat(rts), map(sub, rts, repeat(range_size)))
        iters[key] = map(sub, range(1, len(rts) + 1), starts)
    return list(map(next, map(iters.__getitem__, keys)))


# --- time scrubber ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """State after event ``index`` arrived: windows still open and rows emitted so far."""

    index: int
    rowtime: int
    open: tuple[OpenWindow, ...]
    emitted: tuple[EmittedRow, ...]


def window_snapshots(
    kind: str,
    events: Sequence[Event],
    *,
    size: int,
    keys: Sequence[str] = (),
    aggregates: Sequence[Aggregate] = (Aggregate("count"),),
    event_time_floor: int | None = None,
    max_events: int = 2000,
) -> list[Snapshot]:
    """For each input event, the tumbling or stagger state right after it arrived, so a UI can
    step through "windows open, fill and emit". Re-runs the engine on each prefix: quadratic,
    but simple and obviously consistent with the engine; hence the ``max_events`` cap."""
    if kind not in ("tumbling", "stagger"):
        raise ValueError("snapshots are for tumbling or stagger windows")
    if len(events) > max_events:
        raise ValueError(f"at most {max_events} events for snapshots")
    run = tumbling_windows if kind == "tumbling" else stagger_windows
    snaps: list[Snapshot] = []
    for i, ev in enumerate(events):
        res = run(
            events[: i + 1],
            size=size,
            keys=keys,
            aggregates=aggregates,
            event_time_floor=event_time_floor,
        )
        snaps.append(Snapshot(i, ev.rowtime, tuple(res.open), tuple(res.emitted)))
    return snaps
