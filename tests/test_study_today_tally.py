"""The study queue's counts of today's answers, read from the stored tallies (`quiz.tally`):
the new cards introduced, the reviews answered and all answers equal what the review log says,
through answers, undo, exam answers, a zone change, a rebuild and a day not on a quarter hour."""

from __future__ import annotations

import importlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from quiz import study, tally
from quiz.models import CardState, Review, ReviewDay, ReviewTally, StudyProfile
from quiz.scheduling import AGAIN, EASY, GOOD, HARD, NEW
from quiz.study import fastsql
from tests.factory import make_cards, make_review_card

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _log_new_cards(user, *, zone: str) -> tuple[Counter, Counter]:
    """New cards introduced per quarter hour and per local day in `zone`, from the log."""
    quarters, days = Counter(), Counter()
    for review in Review.objects.filter(user=user, undone=False, source="study"):
        if review.state_before.get("state") == NEW:
            quarters[tally.quarter_of(review.reviewed_at)] += 1
            days[tally.day_of(review.reviewed_at, zone)] += 1
    return quarters, days


def _stored_new_cards(user) -> tuple[Counter, Counter]:
    quarters = ReviewTally.objects.filter(user=user, new_cards__gt=0)
    days = ReviewDay.objects.filter(user=user, new_cards__gt=0)
    return (
        Counter(dict(quarters.values_list("quarter", "new_cards"))),
        Counter(dict(days.values_list("day", "new_cards"))),
    )


def _heads_today(user, start: datetime) -> tuple[int, int, int]:
    return fastsql.queue_heads(
        user=user, scope=study.Scope(), now=NOW, day_start=start, learn_until=NOW,
        reviews_before=NOW, review_cap=10, with_decks=False,
    ).today  # fmt: skip


def _assert_matches_the_log(user, *, zone: str) -> None:
    stored = _stored_new_cards(user)
    assert stored == _log_new_cards(user, zone=zone)
    # Every day start the queue may ask for (on quarter hours and off them) counts as the log.
    for start in (
        NOW - timedelta(hours=11),  # 4 am UTC: today's study day
        NOW - timedelta(days=1, hours=11),
        NOW - timedelta(minutes=15),
        NOW - timedelta(hours=3, minutes=7, seconds=30),  # off the quarters: read from the log
        NOW + timedelta(days=2),
    ):
        assert _heads_today(user, start) == fastsql.count_today(user=user, start=start)


def test_the_new_card_counter_follows_answers_undo_exams_and_a_zone_change(user, topic) -> None:
    StudyProfile.objects.create(user=user, timezone="Europe/Berlin", day_tally_zone="Europe/Berlin")
    cards = make_cards(topic, 6)
    make_review_card(user, cards[0], due=NOW - timedelta(days=1))
    moments = [NOW - timedelta(hours=h, minutes=m) for h, m in ((14, 50), (12, 5), (9, 0), (1, 1))]
    # New cards' first answers across quarters, two before the study day's 4 am (UTC) and one
    # of those before Berlin's midnight,
    # a second answer to one of them (no longer new), a review, and an exam answer.
    for card, at in zip(cards[1:5], moments, strict=True):
        assert study.answer_card(user=user, card=card, rating=GOOD, version=0, now=at).recorded
    state = CardState.objects.get(user=user, card=cards[1])
    study.answer_card(user=user, card=cards[1], rating=AGAIN, version=state.version, now=NOW)
    state = CardState.objects.get(user=user, card=cards[0])
    study.answer_card(user=user, card=cards[0], rating=EASY, version=state.version, now=NOW)
    exam = study.answer_card(
        user=user, card=cards[5], rating=HARD, version=0, now=NOW, source="exam"
    )
    assert exam.recorded
    _assert_matches_the_log(user, zone="Europe/Berlin")
    assert sum(_stored_new_cards(user)[0].values()) == 4
    start = NOW - timedelta(hours=11)
    assert _heads_today(user, start) == (4, 2, 1)

    # Undo of a review, then of a new card's first answer: each taken back out exactly.
    assert study.undo_last(user=user) is not None
    assert _heads_today(user, start) == (3, 2, 0)
    fresh = make_cards(topic, 1)[0]
    study.answer_card(user=user, card=fresh, rating=GOOD, version=0, now=NOW)
    assert _heads_today(user, start) == (4, 3, 0)
    assert study.undo_last(user=user) is not None
    assert _heads_today(user, start) == (3, 2, 0)
    _assert_matches_the_log(user, zone="Europe/Berlin")

    # A double click: the same answer posted twice is logged and counted once.
    version = CardState.objects.get(user=user, card=fresh).version  # undo bumped it
    assert study.answer_card(user=user, card=fresh, rating=GOOD, version=version, now=NOW).recorded
    stale = study.answer_card(user=user, card=fresh, rating=GOOD, version=version, now=NOW)
    assert not stale.recorded
    assert _heads_today(user, start) == (4, 3, 0)

    # The learner moves: the days are recut in the new zone, new-card counts with them.
    client = Client()
    client.force_login(user)
    form = {
        "desired_retention": "0.9", "new_per_day": "20", "max_reviews_per_day": "200",
        "learning_steps": "1m 10m", "relearning_steps": "10m", "timezone": "America/New_York",
    }  # fmt: skip
    assert client.post("/study/settings/", form).status_code == 302
    assert StudyProfile.objects.get(user=user).day_tally_zone == "America/New_York"
    _assert_matches_the_log(user, zone="America/New_York")

    # Rebuilding from the log (what the migrations do) gives the very rows answering kept.
    fields = ["quarter", "answers", "new_cards", *tally.COUNTERS]
    kept = sorted(ReviewTally.objects.filter(user=user).exclude(answers=0).values_list(*fields))
    days = ["day", "answers", "new_cards", *tally.COUNTERS]
    kept_days = sorted(ReviewDay.objects.filter(user=user).exclude(answers=0).values_list(*days))
    tally.rebuild(user_ids=[user.pk])
    assert sorted(ReviewTally.objects.filter(user=user).values_list(*fields)) == kept
    assert sorted(ReviewDay.objects.filter(user=user).values_list(*days)) == kept_days


def test_the_migration_fills_the_new_card_counter_from_the_log(user, topic) -> None:
    cards = make_cards(topic, 3)
    for i, card in enumerate(cards):
        study.answer_card(
            user=user, card=card, rating=GOOD, version=0, now=NOW - timedelta(hours=i)
        )
    study.answer_card(user=user, card=cards[0], rating=GOOD, version=1, now=NOW)
    expected = _stored_new_cards(user)
    assert sum(expected[0].values()) == 3
    # As an install from before the counter had it: every count zero.
    ReviewTally.objects.update(new_cards=0)
    ReviewDay.objects.update(new_cards=0)
    migration = importlib.import_module("quiz.migrations.0017_tally_new_cards")
    migration.backfill(apps, SimpleNamespace(connection=connection))
    assert _stored_new_cards(user) == expected
    assert _heads_today(user, NOW - timedelta(hours=11)) == (4, 3, 0)


def test_the_daily_new_card_limit_counts_from_the_tallies(user, topic) -> None:
    """The limit is reached after as many first answers as it allows, and undo gives one back."""
    StudyProfile.objects.create(user=user, new_per_day=2)
    cards = make_cards(topic, 4)
    for card in cards[:2]:
        assert study.answer_card(user=user, card=card, rating=EASY, version=0, now=NOW).recorded
    later = NOW + timedelta(minutes=1)
    queue = study.next_card(user=user, scope=study.Scope(), now=later)
    assert queue.new == 0 and queue.reviewed_today == 2
    assert study.undo_last(user=user) is not None
    queue = study.next_card(user=user, scope=study.Scope(), now=later)
    assert queue.new == 1 and queue.reviewed_today == 1
