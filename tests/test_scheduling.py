"""The fsrs wrapper: previews equal outcomes, intervals format like Anki, steps parse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from quiz.scheduling import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    NEW,
    RATINGS,
    REVIEW,
    Memory,
    SchedulerSettings,
    format_interval,
    make_scheduler,
    parse_steps,
    preview,
    retrievability,
    review,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_new_card_good_follows_fsrs_learning_steps() -> None:
    scheduler = make_scheduler(SchedulerSettings(learning_steps="1m 10m"))
    after = review(Memory(), GOOD, now=NOW, scheduler=scheduler, fuzz_seed=1)

    expected, _ = fsrs.Scheduler(enable_fuzzing=False).review_card(
        fsrs.Card(due=NOW), fsrs.Rating.Good, review_datetime=NOW
    )
    assert after.due == expected.due == NOW + timedelta(minutes=10)
    assert after.stability == pytest.approx(expected.stability)
    assert after.state == int(expected.state)


def test_preview_is_exactly_what_each_rating_gives_even_with_fuzz() -> None:
    scheduler = make_scheduler(SchedulerSettings())
    memory = Memory(
        state=REVIEW, stability=40.0, difficulty=5.0, due=NOW, last_review=NOW - timedelta(40)
    )
    for seed in range(20):
        intervals = preview(memory, now=NOW, scheduler=scheduler, fuzz_seed=seed)
        for rating in RATINGS:
            got = review(memory, rating, now=NOW, scheduler=scheduler, fuzz_seed=seed)
            assert got.due - NOW == intervals[rating]
    assert intervals[AGAIN] < intervals[GOOD] < intervals[EASY]


def test_fuzz_differs_between_seeds_for_long_intervals() -> None:
    scheduler = make_scheduler(SchedulerSettings())
    memory = Memory(
        state=REVIEW, stability=80.0, difficulty=5.0, due=NOW, last_review=NOW - timedelta(80)
    )
    dues = {review(memory, GOOD, now=NOW, scheduler=scheduler, fuzz_seed=s).due for s in range(10)}
    assert len(dues) > 1


def test_memory_round_trips_through_json() -> None:
    scheduler = make_scheduler(SchedulerSettings())
    memory = review(Memory(), EASY, now=NOW, scheduler=scheduler, fuzz_seed=3)
    assert Memory.from_json(memory.as_json()) == memory
    assert Memory.from_json(Memory().as_json()) == Memory()


def test_retrievability_is_zero_for_new_and_falls_with_time() -> None:
    scheduler = make_scheduler(SchedulerSettings())
    memory = review(Memory(), EASY, now=NOW, scheduler=scheduler, fuzz_seed=3)
    assert retrievability(Memory(state=NEW), now=NOW, scheduler=scheduler) == 0
    soon = retrievability(memory, now=NOW + timedelta(days=1), scheduler=scheduler)
    later = retrievability(memory, now=NOW + timedelta(days=30), scheduler=scheduler)
    assert 1 > soon > later > 0


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=30), "30s"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=8), "8d"),
        (timedelta(days=76), "2.5mo"),
        (timedelta(days=365.25), "1y"),
    ],
)
def test_format_interval(delta: timedelta, text: str) -> None:
    assert format_interval(delta) == text


def test_parse_steps() -> None:
    assert parse_steps("1m 10m 1h") == (
        timedelta(minutes=1),
        timedelta(minutes=10),
        timedelta(hours=1),
    )
    with pytest.raises(ValueError, match="'ten'"):
        parse_steps("1m ten")


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / 86400


def _learning_at_last_step(scheduler) -> Memory:
    """A new card after Good: at its last learning step, so Good and Easy both graduate."""
    return review(Memory(), GOOD, now=NOW - timedelta(minutes=10), scheduler=scheduler, fuzz_seed=7)


def test_graduating_good_and_easy_never_preview_the_same_day() -> None:
    # With a single short step, fsrs graduates both Good and Easy to 1 day (fixed: Easy > Good).
    scheduler = make_scheduler(SchedulerSettings(learning_steps="10m"))
    memory = review(
        Memory(), AGAIN, now=NOW - timedelta(minutes=10), scheduler=scheduler, fuzz_seed=3
    )
    shown = preview(memory, now=NOW, scheduler=scheduler, fuzz_seed=4)
    assert _days(shown[GOOD]) >= 1
    assert _days(shown[EASY]) > _days(shown[GOOD])
    for rating in RATINGS:
        after = review(memory, rating, now=NOW, scheduler=scheduler, fuzz_seed=4)
        assert after.due - NOW == shown[rating]


@pytest.mark.parametrize("seed", range(60))
def test_review_intervals_are_strictly_ordered_and_exactly_what_the_button_does(seed: int) -> None:
    """Hard < Good < Easy in days for review cards at every stability fsrs hands out, and what a
    button previews is what pressing it gives."""
    scheduler = make_scheduler(SchedulerSettings())
    stability = 0.3 * (1.2**seed)  # from hours to decades
    last = NOW - timedelta(days=max(1, round(stability)))
    memory = Memory(
        state=REVIEW,
        step=None,
        stability=stability,
        difficulty=1 + (seed % 10),
        due=NOW,
        last_review=last,
    )
    shown = preview(memory, now=NOW, scheduler=scheduler, fuzz_seed=seed)
    hard, good, easy = (_days(shown[r]) for r in (HARD, GOOD, EASY))
    assert hard < good < easy, (hard, good, easy)
    for rating in RATINGS:
        after = review(memory, rating, now=NOW, scheduler=scheduler, fuzz_seed=seed)
        assert after.due - NOW == shown[rating]
