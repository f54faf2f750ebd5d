"""The one place that talks to FSRS: the `fsrs` package (scheduling) and `fsrs_rs_python` (the
Rust crate Anki uses: fitting parameters to a review log, and simulating a year of study).
Pure Python: no Django imports.

Callers pass and get back `Memory` values (plain data mirroring a CardState row); the Django
side stores them. Fuzz is applied as FSRS does, but seeded per card and review count, so the
interval a button previews is exactly the interval that pressing it gives.

A learner's fitted parameters ride in `SchedulerSettings.parameters`, so every scheduler made
for them (answers, previews, retrievability) uses them; `None` means FSRS-6's defaults.
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import fsrs
import fsrs.scheduler as _fsrs_scheduler
import fsrs_rs_python

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
    # The learner's fitted FSRS-6 parameters (21 numbers); None for the defaults.
    parameters: tuple[float, ...] | None = None


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
        parameters=settings.parameters or DEFAULT_PARAMETERS,
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


# --- fitting parameters to a learner's log (fsrs_rs_python) ---------------------------------

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(_fsrs_scheduler.DEFAULT_PARAMETERS)
# Fewer answers than this and a fit says more about noise than about the learner (Anki asks
# for the same number before it optimizes).
MIN_REVIEWS = 400


class NotEnoughReviews(ValueError):
    """The log is too short to fit parameters to."""


def valid_parameters(values: Sequence[float] | None) -> tuple[float, ...] | None:
    """`values` as a parameter tuple the `fsrs` scheduler accepts, or None when they are not
    (a wrong count, a value outside FSRS-6's bounds, not a number)."""
    if values is None or len(values) != len(DEFAULT_PARAMETERS):
        return None
    try:
        numbers = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return None
    bounds = zip(
        numbers,
        _fsrs_scheduler.LOWER_BOUNDS_PARAMETERS,
        _fsrs_scheduler.UPPER_BOUNDS_PARAMETERS,
        strict=True,
    )
    if any(not math.isfinite(v) or not low <= v <= high for v, low, high in bounds):
        return None
    return numbers


@dataclass(frozen=True)
class LoggedAnswer:
    """One answer from the review log, as the fitter needs it."""

    card_id: int
    day: date  # the learner's study day (FSRS counts whole days between reviews)
    rating: int
    # The card was new before this answer: its first answer, or the first after a reset.
    from_new: bool = False


@dataclass(frozen=True)
class Fit:
    """How well parameters predict a log: lower is better for both."""

    log_loss: float
    rmse: float  # root mean square error over bins, as fsrs-rs and Anki report it


@dataclass(frozen=True)
class FitResult:
    reviews: int  # answers read
    items: int  # predictions the log holds (a card's later-day answers)
    before: Fit  # the parameters in use until now
    after: Fit  # the fitted ones
    parameters: tuple[float, ...]  # the fitted ones

    @property
    def better(self) -> bool:
        """Keep the fitted parameters only when they predict this log better: lower log loss
        and RMSE no worse."""
        return self.after.log_loss < self.before.log_loss and self.after.rmse <= self.before.rmse


def training_items(answers: Iterable[LoggedAnswer]) -> list[fsrs_rs_python.FSRSItem]:
    """The log as fsrs-rs training items: for each answer on a later day than the card's
    previous one, the card's history up to and including it. `answers` must be in time order.

    A card's history starts at its last `from_new` answer (a reset card starts over); same-day
    answers stay in the history (FSRS-6 models short-term reviews) but are not predicted."""
    by_card: dict[int, list[LoggedAnswer]] = {}
    for answer in answers:
        history = by_card.setdefault(answer.card_id, [])
        if answer.from_new:
            history.clear()
        history.append(answer)
    dated: list[tuple[date, int, fsrs_rs_python.FSRSItem]] = []
    for card_id, history in by_card.items():
        reviews: list[fsrs_rs_python.FSRSReview] = []
        previous = history[0].day
        for answer in history:
            delta = (answer.day - previous).days
            reviews.append(fsrs_rs_python.FSRSReview(answer.rating, max(0, delta)))
            previous = answer.day
            if delta > 0:
                item = fsrs_rs_python.FSRSItem(list(reviews))
                if item.long_term_review_cnt() > 0:
                    dated.append((answer.day, card_id, item))
    # Time order, as the fitter expects (it splits the log in time for its checks).
    dated.sort(key=lambda row: (row[0], row[1]))
    return [item for _day, _card, item in dated]


def evaluate(parameters: Sequence[float], items: Sequence[fsrs_rs_python.FSRSItem]) -> Fit:
    result = fsrs_rs_python.FSRS(list(parameters)).evaluate(list(items))
    return Fit(log_loss=float(result.log_loss), rmse=float(result.rmse_bins))


def fit_parameters(
    answers: Sequence[LoggedAnswer],
    *,
    current: Sequence[float] | None = None,
    relearning_steps: int = 1,
    progress: Any = None,
) -> FitResult:
    """Fit FSRS-6's parameters to a learner's answers and score both sets on the same log.

    `current` are the parameters in use (None: the defaults). `progress(stage, fraction)` is
    called between the stages. Raises NotEnoughReviews below MIN_REVIEWS answers, or when no
    card was answered on two different days."""

    def report(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, fraction)

    if len(answers) < MIN_REVIEWS:
        raise NotEnoughReviews(
            f"Optimizing needs at least {MIN_REVIEWS} reviews; your log has {len(answers)}."
        )
    report("Reading your review log", 0.05)
    items = training_items(answers)
    if not items:
        raise NotEnoughReviews("No card has been reviewed on two different days yet.")
    before_parameters = valid_parameters(current) or DEFAULT_PARAMETERS
    report("Scoring the parameters in use", 0.15)
    before = evaluate(before_parameters, items)
    report(f"Fitting parameters to {len(items):,} predictions", 0.25)
    fitted = fsrs_rs_python.FSRS(list(before_parameters)).compute_parameters(
        items, enable_short_term=True, num_relearning_steps=relearning_steps
    )
    parameters = valid_parameters(fitted)
    if parameters is None:
        # The crate clamps to the same bounds; should a future version not, keep what works.
        parameters = before_parameters
    report("Scoring the fitted parameters", 0.9)
    after = evaluate(parameters, items)
    return FitResult(
        reviews=len(answers), items=len(items), before=before, after=after, parameters=parameters
    )


# --- simulating a year of study (fsrs_rs_python's simulator) ---------------------------------

RETENTION_CHOICES = tuple(round(0.70 + i / 100, 2) for i in range(30))  # 0.70 … 0.99


@dataclass(frozen=True)
class Workload:
    """A simulated year at one desired retention."""

    retention: float
    reviews_per_day: tuple[int, ...]  # answers to cards already learned (reviews and lapses)
    new_per_day: tuple[int, ...]
    memorized: tuple[float, ...]  # expected cards remembered at the end of each day
    seconds_per_day: tuple[float, ...] = ()  # study time, new cards and reviews together

    @property
    def mean_reviews(self) -> float:
        return sum(self.reviews_per_day) / len(self.reviews_per_day)

    @property
    def final_memorized(self) -> float:
        return self.memorized[-1]

    @property
    def minutes_per_day(self) -> float:
        return sum(self.seconds_per_day) / 60 / max(1, len(self.seconds_per_day))

    @property
    def memorized_per_hour(self) -> float:
        """Cards remembered at the end per hour of study over the year: what a retention
        buys for the time it costs (Anki's "help me decide" weighs the same two)."""
        hours = sum(self.seconds_per_day) / 3600
        return self.final_memorized / hours if hours else 0.0


def simulate_workload(
    parameters: Sequence[float] | None,
    *,
    deck_size: int,
    new_per_day: int,
    max_reviews_per_day: int,
    learning_steps: int = 2,
    relearning_steps: int = 1,
    retentions: Sequence[float] = RETENTION_CHOICES,
    days: int = 365,
    seed: int = 2026,
) -> list[Workload]:
    """One simulated year per desired retention, with the learner's parameters and limits.

    The simulator starts from `deck_size` unseen cards and otherwise keeps its defaults (how
    often each button is pressed, seconds per answer). Same seed for every retention, so the
    differences come from the retention alone."""
    weights = list(valid_parameters(parameters) or DEFAULT_PARAMETERS)
    config = fsrs_rs_python.default_simulator_config()
    config.deck_size = max(0, deck_size)
    config.learn_span = days
    config.learn_limit = max(0, new_per_day)
    config.review_limit = max(0, max_reviews_per_day)
    # The daily limits are counts; the simulator's time budget must not cut a day short.
    config.max_cost_perday = 86400.0
    config.learning_step_count = learning_steps
    config.relearning_step_count = relearning_steps
    result = []
    for retention in retentions:
        run = fsrs_rs_python.simulate(weights, retention, config, seed)
        result.append(
            Workload(
                retention=retention,
                reviews_per_day=tuple(int(n) for n in run.review_cnt_per_day),
                new_per_day=tuple(int(n) for n in run.learn_cnt_per_day),
                memorized=tuple(float(n) for n in run.memorized_cnt_per_day),
                seconds_per_day=tuple(float(n) for n in run.cost_per_day),
            )
        )
    return result
