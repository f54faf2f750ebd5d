"""The study queue's review count, remembered between answers while nothing it depends on changes.

Counting the review cards due reads up to a thousand index entries on every answer, for a
number that an answer changes by at most one. So each app process remembers, per learner,
scope and study day, the count it last made, with the scope's fingerprint read in the same
statement (`fastsql._fingerprint_sql`: the scope's `DeckCounts` generations, which the
database's triggers bump on every write of one of the learner's states in a deck and of a
deck's cards, whoever writes).

An answer knows exactly what its own write did: the fingerprint moves by the state rows it wrote
(its UPDATE, and the INSERT of a card's first row), and the count by whether the answered card
was counted before and is after. The next queue statement asks the database whether the
fingerprint now reads exactly that; any other write in the scope (another tab, another process,
an import, a bury) moves it further, and the count is made again in the same statement. So the
count shown is always the one a fresh count would give:

- generations only grow, and deck ids are never reused, so a fingerprint never reads the same
  again once anything in the scope was written;
- a deck without its `DeckCounts` row (created by the dashboard) cannot say it was written to:
  a scope with one is not remembered;
- the count changes with no write only when a burial ends; a count remembers the end of the
  first burial ending inside its study day (normally none: burials last to a day's end) and is
  forgotten then. The study day's end is part of the key.

Counts are made up to `MARGIN` past the learner's cap, so answers can take cards away from a
count over the cap without losing track: a remembered count that reached its limit says "at
least this many", which is exact while it stays at or over the cap.

Remembered in the process's memory only: another process's answers read as someone else's
writes there, and it counts again. Pure Python (no Django); the callers read and write the
database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from quiz.scheduling import REVIEW

# How far past the cap a count goes, so that many answers can take cards away from it.
MARGIN = 100
# Scopes remembered per process at most (the least recently used go first).
MAX_ENTRIES = 2048


@dataclass(frozen=True)
class Key:
    user_id: int
    # `Scope.key` ("all", "deck:ID", "topic:ID"); never a custom scope.
    scope: str
    # A topic's scope covers its subtopics: the ids counted, as the statement was given them.
    topic_ids: tuple[int, ...] | None
    day_end: datetime
    cap: int


@dataclass(frozen=True)
class Remembered:
    fingerprint: str
    # Counted up to `cap + MARGIN`: exact below that; `saturated`, at least that many.
    reviews: int
    saturated: bool
    # The first burial ending inside the study day: the count may change then (None: none).
    burial_end: datetime | None
    # The first new-card window the queue read under this fingerprint: ((deck id, topic ids,
    # position), size, rows), as `new_cards.Windows` holds one; its rows change only with a
    # write of one of their cards or states, which moves the fingerprint.
    window: tuple[Any, int, list[Any]] | None = None

    def count(self, cap: int) -> int:
        return min(self.reviews, cap)


_entries: OrderedDict[Key, Remembered] = OrderedDict()
_lock = threading.Lock()


def recall(key: Key, now: datetime) -> Remembered | None:
    """The count remembered for `key`, unless a burial has ended since."""
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            return None
        if entry.burial_end is not None and now >= entry.burial_end:
            del _entries[key]
            return None
        _entries.move_to_end(key)
        return entry


def remember(
    key: Key, *, fingerprint: str | None, reviews: int, burial_end: datetime | None
) -> None:
    """Keep a count just made (up to `key.cap + MARGIN`) with the fingerprint read with it; a
    fingerprint that cannot tell every write in the scope (`complete`) forgets the key."""
    with _lock:
        if fingerprint is None or not complete(key.scope, fingerprint):
            _entries.pop(key, None)
            return
        _entries[key] = Remembered(
            fingerprint=fingerprint,
            reviews=reviews,
            saturated=reviews >= key.cap + MARGIN,
            burial_end=burial_end,
        )
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def forget(key: Key) -> None:
    with _lock:
        _entries.pop(key, None)


def clear() -> None:
    with _lock:
        _entries.clear()


def keep_window(key: Key, window: tuple[Any, int, list[Any]]) -> None:
    """Remember the first new-card window read under `key`'s current fingerprint."""
    with _lock:
        entry = _entries.get(key)
        if entry is not None and entry.window != window:
            _entries[key] = replace(entry, window=window)


def after_own_write(
    entry: Remembered, *, cap: int, rows_written: int, delta: int, card_id: int
) -> Remembered | None:
    """`entry` as this process's own write of card `card_id`'s state leaves it: the fingerprint
    moved by the state rows written in the scope, the count by `delta` (-1, 0 or +1), the window
    dropped if it holds the card. None when the count can no longer be told exactly (it said "at
    least" and fell below the cap)."""
    reviews = entry.reviews + delta
    if reviews < 0 or (entry.saturated and reviews < cap):
        return None
    window = entry.window
    if window is not None and any(row[0] == card_id for row in window[2]):
        window = None
    return replace(
        entry,
        fingerprint=advance(entry.fingerprint, rows_written),
        reviews=reviews,
        window=window,
    )


def store(key: Key, entry: Remembered | None) -> None:
    with _lock:
        if entry is None:
            _entries.pop(key, None)
        else:
            _entries[key] = entry
            _entries.move_to_end(key)


def complete(scope: str, fingerprint: str) -> bool:
    """Whether a fingerprint sees every write in its scope: one deck's is its row's generation
    (NULL, never stored, without a row); every deck's is complete when each has its row."""
    if scope != "all":
        return True
    rows, _generations, row_decks, decks, deck_ids = fingerprint.split(":")
    return rows == decks and row_decks == deck_ids


def advance(fingerprint: str, rows_written: int) -> str:
    """The fingerprint after `rows_written` writes of states in the scope: each bumps its deck's
    generation by one (the trigger), so the generation, or the generations' sum, by that many."""
    if ":" not in fingerprint:
        return str(int(fingerprint) + rows_written)
    rows, generations, rest = fingerprint.split(":", 2)
    return f"{rows}:{int(generations) + rows_written}:{rest}"


def counted(
    *,
    state: int,
    due: datetime | None,
    suspended: bool,
    buried_until: datetime | None,
    now: datetime,
    day_end: datetime,
) -> bool:
    """Whether a state in the scope is one of the review cards the queue counts (as
    `fastsql.available_where` and the review part of `queue_heads_statement` select them)."""
    return (
        state == REVIEW
        and due is not None
        and due < day_end
        and not suspended
        and (buried_until is None or buried_until <= now)
    )
