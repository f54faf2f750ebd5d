"""The one place that talks to the `fsrs` package. Pure Python: no Django imports.

Callers pass and get back `Memory` values (plain data mirroring a CardState row); the Django
side stores them. Fuzz is applied as FSRS does, but seeded per card and review count, so the
interval a button previews is exactly the interval that pressing it gives.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import fsrs
import fsrs.scheduler as _fsrs_scheduler

NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATINGS = (AGAIN, HARD, GOOD, EASY)
RATING_NAMES = {AGAIN: "Again", HARD: "Hard", GOOD: "Good", EASY: "Easy"}

_STEP = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# fsrs draws its fuzz from the module's `random()`; we swap in a seeded one for one call.
_fuzz_lock = threading.Lock()


@dataclass(frozen=True)
class Memory:
    """A learner's memory of one card: the FSRS fields plus our NEW marker."""

    state: int = NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict: its deep copy of plain values costs more than the rest of this.
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in ("due", "last_review"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Memory:
        values = dict(data)
        for name in ("due", "last_review"):
            if values.get(name):
                values[name] = datetime.fromisoformat(values[name])
        return cls(**{k: values.get(k) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class SchedulerSettings:
    desired_retention: float = 0.9
    learning_steps: str = "1m 10m"
    relearning_steps: str = "10m"
    maximum_interval_days: int = 36500


def parse_steps(text: str) -> tuple[timedelta, ...]:
    """ "1m 10m" → (1 minute, 10 minutes). Raises ValueError naming the bad step."""
    steps = []
    for part in text.split():
        match = _STEP.match(part.strip().lower())
        if not match:
            raise ValueError(f"'{part}' is not a step like 30s, 1m, 10m, 1h or 1d")
        steps.append(timedelta(seconds=float(match[1]) * _UNIT_SECONDS[match[2]]))
    return tuple(steps)


def make_scheduler(settings: SchedulerSettings) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        desired_retention=settings.desired_retention,
        learning_steps=parse_steps(settings.learning_steps),
        relearning_steps=parse_steps(settings.relearning_steps),
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=True,
    )


# fsrs.Card() without a card_id makes one from the clock and sleeps 1 ms so the next differs;
# scheduling never reads it, and five sleeps per study request (four previews and the answer)
# would be most of its time.
_CARD_ID = 1


def _to_fsrs(memory: Memory, now: datetime) -> fsrs.Card:
    if memory.state == NEW:
        return fsrs.Card(card_id=_CARD_ID, due=now)
    return fsrs.Card(
        card_id=_CARD_ID,
        state=fsrs.State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due or now,
        last_review=memory.last_review,
    )


def _from_fsrs(card: fsrs.Card) -> Memory:
    return Memory(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def review(
    memory: Memory,
    rating: int,
    *,
    now: datetime,
    scheduler: fsrs.Scheduler,
    fuzz_seed: int,
) -> Memory:
    """The memory after answering with `rating` at `now`.

    `fuzz_seed` should identify the card and how many times it was reviewed, so a preview and
    the real answer draw the same fuzz.
    """
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1-4, not {rating!r}")
    seeded = random.Random(fuzz_seed)
    with _fuzz_lock:
        original = _fsrs_scheduler.random
        _fsrs_scheduler.random = seeded.random
        try:
            card, _log = scheduler.review_card(
                _to_fsrs(memory, now), fsrs.Rating(rating), review_datetime=now
            )
        finally:
            _fsrs_scheduler.random = original
    return _from_fsrs(card)


def preview(
    memory: Memory, *, now: datetime, scheduler: fsrs.Scheduler, fuzz_seed: int
) -> dict[int, timedelta]:
    """The interval each rating would give, computed by the scheduler itself."""
    return {
        rating: review(memory, rating, now=now, scheduler=scheduler, fuzz_seed=fuzz_seed).due - now
        for rating in RATINGS
    }


def retrievability(memory: Memory, *, now: datetime, scheduler: fsrs.Scheduler) -> float:
    """Probability of recall now (0 for a card never studied)."""
    if memory.state == NEW or memory.stability is None:
        return 0.0
    return float(scheduler.get_card_retrievability(_to_fsrs(memory, now), current_datetime=now))


def format_interval(delta: timedelta) -> str:
    """Anki-style short interval: 45s, 1m, 10m, 3h, 1d, 8d, 2.5mo, 1.2y."""
    seconds = max(0, delta.total_seconds())
    if seconds < 60:
        return f"{round(seconds)}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        months = days / 30.4375
        return f"{months:.1f}mo".replace(".0mo", "mo")
    years = days / 365.25
    return f"{years:.1f}y".replace(".0y", "y")
