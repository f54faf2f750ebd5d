"""Which card comes next: the pure rule (`study.choose_next`), then the queue over a real
database (notes order, interleaving, limits, the day boundary, scopes, the new-card cursor)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quiz import study, tally
from quiz.models import Card, CardState, Review, StudyProfile
from quiz.scheduling import AGAIN, EASY, GOOD, LEARNING, NEW, RELEARNING, REVIEW
from quiz.study import fastsql
from tests.factory import (
    NOW,
    answer,
    make_card,
    make_cards,
    make_deck,
    make_review_card,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


# --- the rule, without a database ----------------------------------------------------------------

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NOTHING_TODAY = study.TodayCounts(new=0, reviews=0, total=0)


def choose(candidates: study.Candidates, today=NOTHING_TODAY, new_per_day: int = 20):
    return study.choose_next(candidates, today=today, new_per_day=new_per_day, now=T0)


def test_nothing_left_chooses_nothing() -> None:
    assert choose(study.Candidates()) is None


def test_a_learning_card_due_now_comes_before_everything() -> None:
    candidates = study.Candidates(
        learning=[(7, T0 - timedelta(minutes=1)), (8, T0 + timedelta(minutes=5))],
        reviews=[1, 2],
        new=[(100, 0)],
    )
    assert choose(candidates) == study.Pick(state_id=7)


def test_learning_cards_due_soon_wait_while_reviews_or_new_cards_are_left() -> None:
    soon = [(8, T0 + timedelta(minutes=5))]
    assert choose(study.Candidates(learning=soon, reviews=[1])) == study.Pick(state_id=1)
    assert choose(study.Candidates(learning=soon, new=[(100, 3)])) == study.Pick(
        card_id=100, version=3
    )
    # With nothing else left, the learn-ahead card is shown early.
    assert choose(study.Candidates(learning=soon)) == study.Pick(state_id=8)


def test_new_cards_and_reviews_run_out_together() -> None:
    """A new card is shown while the share of today's new limit used is no ahead of the share of
    today's reviews done."""
    candidates = study.Candidates(reviews=[1, 2, 3], new=[(100, 0), (101, 0)])
    # Nothing done yet: 0 <= 0, so the new card first.
    assert choose(candidates).card_id == 100
    # 5 of 20 new cards (25%) against 1 review done of 4 (25%): the new card again.
    today = study.TodayCounts(new=5, reviews=1, total=6)
    assert choose(candidates, today=today).card_id == 100
    # 10 of 20 new cards (50%) against 1 of 4 reviews (25%): a review.
    today = study.TodayCounts(new=10, reviews=1, total=11)
    assert choose(candidates, today=today) == study.Pick(state_id=1)


def test_with_a_new_limit_of_zero_reviews_still_come_first_then_new_ones() -> None:
    # max(1, limit) guards the division; any new card done counts as ahead.
    today = study.TodayCounts(new=1, reviews=0, total=1)
    candidates = study.Candidates(reviews=[4], new=[(100, 0)])
    assert choose(candidates, today=today, new_per_day=0) == study.Pick(state_id=4)
    assert choose(study.Candidates(new=[(100, 0)]), new_per_day=0).card_id == 100


def test_the_rule_reads_only_the_length_and_head_of_a_counted_list() -> None:
    """The queue hands the rule lists the database counted but sent only the first of
    (`study.Counted`): the rule chooses as it would from the whole lists."""
    reviews = study.Counted([1], 3)
    assert len(reviews) == 3 and reviews[0] == 1 and list(reviews) == [1]
    with pytest.raises(IndexError):
        reviews[1]
    with pytest.raises(ValueError):
        study.Counted([1, 2], 1)
    new = [(100, 0), (101, 0)]
    whole = study.Candidates(reviews=[1, 2, 3], new=new)
    counted = study.Candidates(reviews=reviews, new=study.Counted(new[:1], 2))
    for today in (NOTHING_TODAY, study.TodayCounts(new=10, reviews=1, total=11)):
        assert choose(counted, today=today) == choose(whole, today=today)
    soon = (8, T0 + timedelta(minutes=5))
    learning = study.Counted([soon], 4)
    assert choose(study.Candidates(learning=learning)) == study.Pick(state_id=8)
    assert choose(study.Candidates(learning=learning, reviews=reviews)) == study.Pick(state_id=1)
    due = study.Counted([(7, T0)], 2)
    assert choose(study.Candidates(learning=due, reviews=reviews)) == study.Pick(state_id=7)


# --- the queue over the database ---------------------------------------------------------------


def test_new_cards_come_in_notes_order_across_topics(user, deck, topic) -> None:
    later = make_topic(deck, "Firehose")
    first, second = make_card(topic, order=1), make_card(later, order=2)
    zeroth = make_card(later, order=0)
    seen = []
    now = NOW
    for _ in range(3):
        shown = study.next_card(user=user, scope=study.Scope(), now=now).shown
        seen.append(shown.card.pk)
        answer(user, shown.card, EASY, now=now)
        now += timedelta(seconds=5)
    assert seen == [zeroth.pk, first.pk, second.pk]


def test_new_cards_are_interleaved_with_due_reviews(user, topic) -> None:
    StudyProfile.objects.create(user=user, new_per_day=2, max_reviews_per_day=100)
    new_cards = make_cards(topic, 2)
    for card in make_cards(topic, 4):
        make_review_card(user, card, due=NOW - timedelta(hours=2))
    kinds = []
    now = NOW
    while (shown := study.next_card(user=user, scope=study.Scope(), now=now).shown) is not None:
        kinds.append("new" if shown.is_new else "review")
        answer(user, shown.card, EASY, now=now)
        now += timedelta(seconds=10)
    assert kinds.count("new") == 2 and kinds.count("review") == 4
    assert kinds[0] == "new" and kinds[-1] == "review"
    assert kinds != ["new", "new", "review", "review", "review", "review"]
    assert {c.pk for c in new_cards} <= set(CardState.objects.values_list("card_id", flat=True))


def test_learning_cards_due_within_the_session_come_back(user, topic) -> None:
    card = make_card(topic)
    answer(user, card, AGAIN)
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(seconds=30))
    # Due in a minute: nothing else to do, so it is shown early (learn-ahead).
    assert queue.shown.card == card and queue.learning == 1
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(hours=1))
    assert queue.shown.card == card


def test_daily_new_limit(user, topic) -> None:
    StudyProfile.objects.create(user=user, new_per_day=3)
    make_cards(topic, 5)
    answered = 0
    now = NOW
    while (queue := study.next_card(user=user, scope=study.Scope(), now=now)).shown:
        answer(user, queue.shown.card, EASY, now=now)
        answered += 1
        now += timedelta(seconds=1)
    assert answered == 3
    tomorrow = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(days=1))
    assert tomorrow.new == 2


def test_daily_review_limit_counts_only_review_cards(user, topic) -> None:
    StudyProfile.objects.create(user=user, new_per_day=0, max_reviews_per_day=2)
    for card in make_cards(topic, 4):
        make_review_card(user, card, due=NOW - timedelta(days=1))
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW)
    assert queue.reviews == 2
    answer(user, queue.shown.card, AGAIN)  # relearning: still shown though the limit is near
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW)
    assert queue.reviews == 1
    answer(user, queue.shown.card, EASY)
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(minutes=15))
    assert queue.reviews == 0
    assert queue.shown is not None and queue.shown.memory.state != REVIEW  # the relearning card


def test_day_boundary_is_4am_in_the_learners_time_zone(user, topic) -> None:
    StudyProfile.objects.create(user=user, new_per_day=1, timezone="America/New_York")
    make_cards(topic, 3)
    # 03:30 in New York (UTC-5 in March before DST) is still "yesterday" there.
    late = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    start, end = study.day_bounds(now=late, timezone="America/New_York")
    assert start == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

    shown = study.next_card(user=user, scope=study.Scope(), now=late).shown
    answer(user, shown.card, EASY, now=late)
    assert study.next_card(user=user, scope=study.Scope(), now=late).new == 0
    # At 04:00 New York time the new day starts and one more new card is offered.
    after = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert study.next_card(user=user, scope=study.Scope(), now=after).new == 1
    # In UTC the same instants fall on one day boundary at 04:00 UTC instead.
    assert study.day_bounds(now=late, timezone="UTC")[0] == datetime(2026, 3, 3, 4, tzinfo=UTC)


def test_topic_scope_includes_subtopics_only(user, deck, topic) -> None:
    sub = make_topic(deck, "Shards", parent=topic)
    other = make_topic(deck, "Firehose")
    inside = {make_card(topic).pk, make_card(sub).pk}
    make_card(other)
    scope = study.scope_for(topic=topic)
    seen = set()
    now = NOW
    while (shown := study.next_card(user=user, scope=scope, now=now).shown) is not None:
        seen.add(shown.card.pk)
        answer(user, shown.card, EASY, now=now)
    assert seen == inside


def test_retired_cards_leave_the_queue_and_keep_their_history(user, topic) -> None:
    card, other = make_cards(topic, 2)
    answer(user, card, AGAIN)
    Card.objects.filter(pk=card.pk).update(status=Card.Status.RETIRED)
    card.refresh_from_db()
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(hours=1))
    assert queue.shown.card == other and queue.learning == 0
    assert Review.objects.filter(card=card).count() == 1
    assert not answer(user, card, GOOD).recorded


def test_reimport_inserting_a_card_before_the_cursor_is_still_offered(user, deck, topic) -> None:
    cards = make_cards(topic, 3)
    for card in cards:
        answer(user, card, EASY)
    assert study.next_card(user=user, scope=study.scope_for(deck=deck), now=NOW).new == 0
    inserted = make_card(topic, order=0)
    Card.objects.filter(pk__in=[c.pk for c in cards]).update(order=10)
    # The importer stamps imported_at on every applied import: the cursor is reset.
    deck.imported_at = NOW
    deck.save()
    queue = study.next_card(user=user, scope=study.scope_for(deck=deck), now=NOW)
    assert queue.shown.card == inserted


def test_new_cards_are_found_past_many_studied_cards_and_the_cursor_remembers(
    user, deck, topic, django_assert_max_num_queries
) -> None:
    cards = make_cards(topic, 300)
    studied = cards[:250] + cards[260:270]  # a prefix, and a run studied out of order
    CardState.objects.bulk_create(
        CardState(user=user, card=c, deck=deck, state=REVIEW, stability=30, difficulty=5,
                  due=NOW + timedelta(days=30), last_review=NOW, reps=1)
        for c in studied
    )  # fmt: skip
    scope = study.scope_for(deck=deck)
    queue = study.next_card(user=user, scope=scope, now=NOW)
    assert queue.shown.card == cards[250] and queue.new == 20
    profile = StudyProfile.objects.get(user=user)
    assert profile.new_cursors[str(deck.pk)][0] == cards[250].order
    # From the cursor it is a short walk: the same few queries however much was studied.
    with django_assert_max_num_queries(5):
        again = study.next_card(user=user, scope=scope, now=NOW, profile=profile)
    assert again.shown.card == cards[250]
    new_ids = [c.pk for c in cards[250:260] + cards[270:280]]
    assert study.first_new_cards(user=user, scope=scope, profile=profile, now=NOW, limit=20) == [
        (pk, 0) for pk in new_ids
    ]


def test_a_buried_new_card_comes_back_the_next_day_in_order(user, topic) -> None:
    first, second = make_cards(topic, 2)
    assert study.bury_card(user=user, card=first, version=0, now=NOW)
    assert study.next_card(user=user, scope=study.Scope(), now=NOW).shown.card == second
    answer(user, second, EASY)
    tomorrow = NOW + timedelta(days=1)
    assert study.next_card(user=user, scope=study.Scope(), now=tomorrow).shown.card == first


def test_suspend_and_bury_take_cards_out_of_the_queue(user, topic) -> None:
    profile = StudyProfile.objects.create(user=user, timezone="UTC")
    a, b, c = make_cards(topic, 3)
    assert study.suspend_card(user=user, card=a, version=0, now=NOW)
    assert study.bury_card(user=user, card=b, version=0, now=NOW, profile=profile)
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW)
    assert queue.shown.card == c and queue.new == 1
    # Buried until the next 4 am; then it is back, the suspended card is not.
    tomorrow = study.next_card(
        user=user, scope=study.Scope(), now=datetime(2026, 3, 3, 4, 1, tzinfo=UTC)
    )
    assert tomorrow.shown.card == b
    assert not study.suspend_card(user=user, card=a, version=0, now=NOW)  # stale version


def test_queue_heads_equal_the_separate_lookups_in_every_scope(user, deck, topic) -> None:
    """The one statement the queue runs (`fastsql.queue_heads`) counts and orders exactly as
    the separate lookups do, over every case that makes a card (un)available."""
    sub = make_topic(deck, "Shards", parent=topic)
    other_deck = make_deck("Other")
    elsewhere = make_topic(other_deck, "Elsewhere")
    someone = make_user("someone")
    start, end = study.day_bounds(now=NOW, timezone="UTC")
    minutes = [-30, -5, 3, 15, 25, 90]

    def state(card, kind, due, **extra):
        return CardState.objects.create(
            user=extra.pop("who", user), card=card, deck=card.deck, state=kind, due=due,
            stability=5.0, difficulty=5.0, last_review=due - timedelta(days=1), reps=2, **extra,
        )  # fmt: skip

    for place in (topic, sub, elsewhere):
        for i, m in enumerate(minutes):
            kind = LEARNING if i % 2 else RELEARNING
            state(make_card(place), kind, NOW + timedelta(minutes=m))
        for hours in (-48, -3, 2, 11, 20, 40):
            state(make_card(place), REVIEW, NOW + timedelta(hours=hours))
        # Not available: suspended, buried until later, a retired card, someone else's.
        state(make_card(place), REVIEW, NOW - timedelta(hours=1), suspended=True)
        state(make_card(place), LEARNING, NOW, buried_until=NOW + timedelta(hours=2))
        state(make_card(place), REVIEW, NOW, buried_until=NOW - timedelta(hours=2))
        state(make_card(place, status=Card.Status.RETIRED), REVIEW, NOW - timedelta(hours=1))
        state(make_card(place), REVIEW, NOW - timedelta(hours=1), who=someone)
    # Today's answers: new, learning and review cards; undone, before the day and not study.
    card = make_card(topic)
    for before, at, extra in [
        (NEW, NOW, {}),
        (NEW, NOW - timedelta(hours=1), {}),
        (REVIEW, NOW, {}),
        (LEARNING, NOW, {}),
        (REVIEW, NOW, {"undone": True}),
        (NEW, start - timedelta(minutes=1), {}),
        (REVIEW, NOW, {"source": "exam"}),
    ]:
        Review.objects.create(
            user=user, card=card, rating=GOOD, reviewed_at=at, state_before={"state": before},
            state_after={}, **extra,
        )  # fmt: skip
    # Written straight to the log, so summed into the tallies the queue reads as the app would.
    tally.rebuild(user_ids=[user.pk])

    scopes = [study.Scope(), study.scope_for(deck=deck), study.scope_for(topic=sub)]
    scopes.append(study.scope_for(topic=topic))
    until = NOW + study.LEARN_AHEAD
    for scope in scopes:
        for cap in (1000, 3):
            heads = fastsql.queue_heads(
                user=user, scope=scope, now=NOW, day_start=start, learn_until=until,
                reviews_before=end, review_cap=cap, with_decks=True,
            )  # fmt: skip
            learning = sorted(
                fastsql.learning_due(user=user, scope=scope, now=NOW, until=until),
                key=lambda row: row[1],
            )
            reviews = fastsql.reviews_due(user=user, scope=scope, now=NOW, before=end, limit=cap)
            assert heads.today == fastsql.count_today(user=user, start=start) == (4, 2, 1)
            assert heads.learning_count == len(learning) > 0
            assert heads.learning[0] == learning[0]
            assert heads.review_count == len(reviews) > 0
            assert heads.review == reviews[0]
            assert heads.decks == fastsql.deck_stamps()
    theirs = fastsql.queue_heads(
        user=someone, scope=study.Scope(), now=NOW, day_start=start, learn_until=until,
        reviews_before=end, review_cap=10, with_decks=False,
    )  # fmt: skip
    assert (theirs.today, theirs.learning, theirs.learning_count) == ((0, 0, 0), [], 0)
    assert theirs.review_count == 3 and theirs.decks is None
