"""Answering, undo and the stopwatch: the study package's writes, without the views."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import signing
from django.db import connection

from quiz import study
from quiz.models import Card, CardState, Review
from quiz.scheduling import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    LEARNING,
    RATINGS,
    REVIEW,
    Memory,
    review,
)
from tests.factory import (
    NOW,
    answer,
    make_card,
    make_cards,
    make_review_card,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rating", RATINGS)
def test_ratings_move_due_dates_exactly_as_fsrs_computes(user, topic, rating) -> None:
    card = make_card(topic)
    profile = study.profile_for(user)
    scheduler = study.scheduler_for(profile)

    first = answer(user, card, rating)
    expected = review(Memory(), rating, now=NOW, scheduler=scheduler, fuzz_seed=card.pk * 1000)
    assert first.recorded
    assert first.state.due == expected.due
    assert first.state.state == expected.state
    assert first.state.stability == pytest.approx(expected.stability)

    later = NOW + timedelta(days=3)
    second = answer(user, card, rating, now=later)
    expected2 = review(
        expected, rating, now=later, scheduler=scheduler, fuzz_seed=card.pk * 1000 + 1
    )
    assert second.state.due == expected2.due
    assert second.review.state_before["due"] == expected.due.isoformat()
    assert second.review.state_after["reps"] == 2


def test_stale_version_in_the_service_records_nothing(user, topic) -> None:
    card = make_card(topic)
    assert answer(user, card, GOOD).recorded
    stale = study.answer_card(user=user, card=card, rating=EASY, version=0, now=NOW)
    assert not stale.recorded
    assert Review.objects.count() == 1


def test_an_answer_writes_its_review_and_tally_with_the_state_or_nothing(user, topic) -> None:
    """The state's UPDATE, the review and the tally are written together (one statement on
    PostgreSQL): the review's after-snapshot is the row as written, and an answer refused as
    stale leaves no review and no count behind."""
    from quiz.models import ReviewTally

    card = make_card(topic)
    first = answer(user, card, GOOD)
    second = answer(user, card, AGAIN, now=NOW + timedelta(minutes=2))
    row = CardState.objects.get(user=user, card=card)
    for result in (first, second):
        stored = Review.objects.get(pk=result.review.pk)
        assert stored.state_after == result.review.state_after
    assert Review.objects.get(pk=second.review.pk).state_after == study.snapshot(row)
    assert second.state.version == row.version == 2
    assert Review.objects.get(pk=first.review.pk).state_after["version"] == 1
    counted = ReviewTally.objects.get(user=user)
    stale = study.answer_card(user=user, card=card, rating=EASY, version=1, now=NOW)
    assert not stale.recorded
    assert Review.objects.filter(user=user).count() == 2
    assert ReviewTally.objects.get(user=user).answers == counted.answers == 2
    assert CardState.objects.get(user=user, card=card).version == 2


@pytest.mark.django_db(transaction=True)
def test_two_processes_answering_the_same_card_at_once_record_one_review(topic) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a server database")
    user = make_user("racer")
    card = make_card(topic)
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def race() -> None:
        try:
            barrier.wait()
            results.append(
                study.answer_card(user=user, card=card, rating=GOOD, version=0, now=NOW).recorded
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert Review.objects.filter(card=card).count() == 1
    assert CardState.objects.get(card=card).version == 1


def test_undo_restores_the_previous_state_exactly_and_marks_the_review(user, topic) -> None:
    card = make_card(topic)
    answer(user, card, GOOD)
    before = study.snapshot(CardState.objects.get(card=card))
    second = answer(user, card, AGAIN, now=NOW + timedelta(minutes=11))
    undone = study.undo_last(user=user)
    assert undone.pk == second.review.pk
    state = CardState.objects.get(card=card)
    restored = study.snapshot(state)
    assert {k: v for k, v in restored.items() if k != "version"} == {
        k: v for k, v in before.items() if k != "version"
    }
    assert state.version > second.state.version  # an old answer form stays stale
    assert Review.objects.get(pk=second.review.pk).undone
    assert Review.objects.count() == 2  # never deleted


def test_undoing_a_first_answer_makes_the_card_new_again_and_first_in_line(user, topic) -> None:
    first, _second = make_cards(topic, 2)
    answer(user, first, EASY)
    study.undo_last(user=user)
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW)
    assert queue.shown.card == first and queue.shown.is_new and queue.new == 2
    assert study.today_counts(user=user, start=NOW - timedelta(hours=1)).new == 0
    assert answer(user, first, GOOD).recorded


def test_duration_comes_from_the_signed_shown_time_and_is_capped(user, topic) -> None:
    card = make_card(topic)
    token = study.stopwatch_token(card_id=card.pk, now=NOW)
    assert study.duration_from_token(token, card_id=card.pk, now=NOW + timedelta(seconds=7)) == 7000
    assert (
        study.duration_from_token(token, card_id=card.pk, now=NOW + timedelta(minutes=5)) == 60000
    )
    assert study.duration_from_token(token, card_id=card.pk + 1, now=NOW) is None
    assert study.duration_from_token(token + "x", card_id=card.pk, now=NOW) is None
    result = answer(
        user,
        card,
        GOOD,
        duration_ms=study.duration_from_token(
            token, card_id=card.pk, now=NOW + timedelta(seconds=4)
        ),
    )
    assert result.review.duration_ms == 4000


def test_hard_is_between_again_and_good_for_a_review_card(user, topic) -> None:
    card = make_card(topic)
    make_review_card(user, card, due=NOW, stability=20)
    intervals = study.shown_for(user=user, card=card).intervals(
        now=NOW, scheduler=study.scheduler_for(study.profile_for(user))
    )
    assert intervals[AGAIN] < intervals[HARD] <= intervals[GOOD] < intervals[EASY]
    assert CardState.objects.get(card=card).state == REVIEW != LEARNING


def test_rows_loaded_by_the_hot_path_equal_the_orm_instances(user, deck, topic) -> None:
    card = make_card(topic)
    Card.objects.filter(pk=card.pk).update(sim={"kind": "kpl", "n": [1, 2]})
    state = make_review_card(user, card, due=NOW, stability=12.5)
    CardState.objects.filter(pk=state.pk).update(buried_until=NOW, suspended=True)
    loaded = study.fastsql.load_state(pk=state.pk)
    orm = CardState.objects.select_related("card__topic", "card__deck").get(pk=state.pk)
    for a, b in ((loaded, orm), (loaded.card, orm.card), (loaded.card.topic, orm.card.topic),
                 (loaded.card.deck, orm.card.deck)):  # fmt: skip
        assert type(a) is type(b) and a.pk == b.pk and not a._state.adding
        for field in type(a)._meta.concrete_fields:
            value, expected = getattr(a, field.attname), getattr(b, field.attname)
            assert value == expected and type(value) is type(expected), field.name
    assert loaded.suspended is True and loaded.buried_until == NOW
    assert study.load_card(card.pk).sim == {"kind": "kpl", "n": [1, 2]}
    assert study.load_card(10**9) is None


def test_the_token_names_the_card_as_shown(user, topic) -> None:
    card = make_card(topic)
    token = study.stopwatch_token(card_id=card.pk, now=NOW, version=3)
    assert study.read_token(token, card_id=card.pk) == study.ShownToken(
        card_id=card.pk, shown_ms=int(NOW.timestamp() * 1000), version=3
    )
    assert study.token_matches(token, card_id=card.pk, version=3)
    assert not study.token_matches(token, card_id=card.pk, version=4)
    assert not study.token_matches(token, card_id=card.pk + 1, version=3)
    assert not study.token_matches(token + "x", card_id=card.pk, version=3)
    # A page open across the deploy that added the version still answers by its form's version.
    before = signing.dumps([card.pk, int(NOW.timestamp() * 1000)], salt="quiz.study.shown")
    assert study.token_matches(before, card_id=card.pk, version=7)
    assert (
        study.duration_from_token(before, card_id=card.pk, now=NOW + timedelta(seconds=2)) == 2000
    )
