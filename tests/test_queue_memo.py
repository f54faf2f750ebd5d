"""The queue's remembered review count (`quiz.study.queue_memo`): through answers, other
writers, burials ending and counts over the cap it shows what counting afresh shows, and the
count is in fact not made again while nothing else was written."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from quiz import study
from quiz.models import CardState, DeckCounts, StudyProfile
from quiz.scheduling import AGAIN, EASY, GOOD, HARD
from quiz.study import fastsql, queue_memo
from quiz.study.counts import create_rows
from tests.factory import NOW, make_cards, make_deck, make_review_card, make_topic

DAY_END = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)


# --- the pure rules ---------------------------------------------------------------------------


def _key(scope: str = "all", cap: int = 10) -> queue_memo.Key:
    return queue_memo.Key(1, scope, None, DAY_END, cap)


def test_a_write_moves_the_fingerprint_by_the_rows_it_wrote() -> None:
    assert queue_memo.advance("41", 2) == "43"
    assert queue_memo.advance("3:17:12:3:12", 1) == "3:18:12:3:12"


def test_only_a_fingerprint_of_every_decks_row_is_remembered() -> None:
    assert queue_memo.complete("all", "3:17:12:3:12")
    # A deck without its row (two rows of three decks), or another deck's row in its place.
    assert not queue_memo.complete("all", "2:17:7:3:12")
    assert not queue_memo.complete("all", "3:17:13:3:12")
    queue_memo.remember(_key(), fingerprint="2:17:7:3:12", reviews=4, burial_end=None)
    assert queue_memo.recall(_key(), NOW) is None
    queue_memo.remember(_key("deck:5"), fingerprint=None, reviews=4, burial_end=None)
    assert queue_memo.recall(_key("deck:5"), NOW) is None
    queue_memo.remember(_key("deck:5"), fingerprint="9", reviews=4, burial_end=None)
    assert queue_memo.recall(_key("deck:5"), NOW).reviews == 4


def test_a_count_that_said_at_least_is_kept_only_while_it_stays_over_the_cap() -> None:
    cap = 10
    full = cap + queue_memo.MARGIN
    queue_memo.remember(_key("deck:1", cap=cap), fingerprint="5", reviews=full, burial_end=None)
    entry = queue_memo.recall(_key("deck:1", cap=cap), NOW)
    assert entry.saturated and entry.count(cap) == cap
    taken = queue_memo.after_own_write(entry, cap=cap, rows_written=1, delta=-1, card_id=1)
    assert taken.reviews == full - 1 and taken.fingerprint == "6" and taken.count(cap) == cap
    low = queue_memo.Remembered("5", cap, saturated=True, burial_end=None)
    assert queue_memo.after_own_write(low, cap=cap, rows_written=1, delta=-1, card_id=1) is None
    exact = queue_memo.Remembered("5", 3, saturated=False, burial_end=None)
    after = queue_memo.after_own_write(exact, cap=cap, rows_written=1, delta=-1, card_id=1)
    assert after.reviews == 2


def test_an_answer_to_a_card_of_the_remembered_window_drops_the_window() -> None:
    rows = [(7, 1, None, None, None, None), (8, 2, None, None, None, None)]
    entry = queue_memo.Remembered("5", 3, False, None, window=((1, None, 0), 12, rows))
    kept = queue_memo.after_own_write(entry, cap=10, rows_written=1, delta=0, card_id=9)
    assert kept.window == entry.window
    dropped = queue_memo.after_own_write(entry, cap=10, rows_written=2, delta=0, card_id=8)
    assert dropped.window is None and dropped.fingerprint == "7"


def test_a_count_is_forgotten_when_a_burial_ends_and_the_oldest_go_first() -> None:
    queue_memo.remember(_key(), fingerprint="1:1:1:1:1", reviews=3, burial_end=NOW)
    assert queue_memo.recall(_key(), NOW - timedelta(seconds=1)) is not None
    assert queue_memo.recall(_key(), NOW) is None
    with mock.patch.object(queue_memo, "MAX_ENTRIES", 2):
        for user_id in (1, 2, 3):
            key = queue_memo.Key(user_id, "deck:1", None, DAY_END, 10)
            queue_memo.remember(key, fingerprint="1", reviews=1, burial_end=None)
        first = queue_memo.Key(1, "deck:1", None, DAY_END, 10)
        assert queue_memo.recall(first, NOW) is None
        assert queue_memo.recall(queue_memo.Key(3, "deck:1", None, DAY_END, 10), NOW)


# --- against the database ---------------------------------------------------------------------


@contextmanager
def _counting_afresh():
    """`next_card` with nothing remembered and nothing left behind: the count as it stands."""
    with (
        mock.patch.object(queue_memo, "recall", return_value=None),
        mock.patch.object(queue_memo, "remember"),
    ):
        yield


def _fresh(user, scope, now) -> tuple:
    with _counting_afresh():
        return _queue(study.next_card(user=user, scope=scope, now=now))


def _queue(queue: study.Queue) -> tuple:
    shown = queue.shown
    card = (shown.card.pk, shown.version) if shown else None
    return (card, queue.new, queue.learning, queue.reviews, queue.reviewed_today)


@pytest.fixture
def heads_counted(monkeypatch) -> list[bool]:
    """For each queue statement read, whether it counted the review cards."""
    seen: list[bool] = []
    parse = fastsql.parse_queue_heads

    def spy(rows):
        heads = parse(rows)
        seen.append(heads.review_count is not None)
        return heads

    monkeypatch.setattr(fastsql, "parse_queue_heads", spy)
    return seen


def _bank(user):
    deck = make_deck("Streams")
    topic = make_topic(deck, "Shards")
    sub = make_topic(deck, "Resharding", parent=topic)
    cards = make_cards(topic, 14) + make_cards(sub, 8)
    other = make_cards(make_topic(make_deck("Other"), "Elsewhere"), 4)
    for i, card in enumerate(cards[:10] + cards[14:18] + other[:2]):
        make_review_card(user, card, due=NOW - timedelta(hours=i + 1))
    return deck, topic, cards, other


@pytest.fixture
def windows_read(monkeypatch) -> list[int]:
    """Each new-card window read from the database, by the card it starts at."""
    seen: list[int] = []
    read = fastsql.new_card_window

    def spy(**kwargs):
        rows = read(**kwargs)
        seen.append(kwargs["position"])
        return rows

    monkeypatch.setattr(fastsql, "new_card_window", spy)
    return seen


@pytest.mark.django_db
def test_the_remembered_count_is_what_counting_afresh_shows_through_answers_and_other_writes(
    user, heads_counted, windows_read
) -> None:
    deck, topic, cards, other = _bank(user)
    StudyProfile.objects.create(user=user, new_per_day=3, max_reviews_per_day=100)
    create_rows(user=user, deck_ids=[deck.pk, other[0].deck_id])
    scopes = {
        "all": study.Scope(),
        f"deck:{deck.pk}": study.scope_for(deck=deck),
        f"topic:{topic.pk}": study.scope_for(topic=topic),
    }
    now = NOW
    answers = windows_by_answers = 0
    for key, scope in scopes.items():
        for step, rating in enumerate((GOOD, AGAIN, HARD, EASY, GOOD, GOOD)):
            shown = study.next_card(user=user, scope=scope, now=now).shown
            if shown is None:
                break
            if step == 2:
                # Another device answers a card of the deck: its write is not this process's.
                state = CardState.objects.filter(user=user, card__deck=deck, state=2).last()
                state.due, state.version = now + timedelta(days=3), state.version + 1
                state.save()
            if step == 4:
                bury_target = CardState.objects.filter(user=user, state=2).exclude(card=shown.card)
                state = bury_target.first()
                study.bury_card(user=user, card=state.card, version=state.version, now=now)
            read_before = len(windows_read)
            answered = study.answer_and_next(
                user=user, scope_key=key, card_id=shown.card.pk, rating=rating,
                version=shown.version, token="", since=now, now=now,
            )  # fmt: skip
            answers += 1
            windows_by_answers += len(windows_read) - read_before
            assert answered.result.recorded
            assert _queue(answered.screen.queue) == _fresh(user, scope, now), (key, step)
            now += timedelta(minutes=1)
    # The count was remembered through the answers that had no other write before them, and
    # the first new-card window with it (on PostgreSQL it is otherwise read with the answer).
    assert heads_counted.count(False) >= 6
    assert windows_by_answers < answers, (windows_by_answers, answers)


@pytest.mark.django_db
def test_answering_review_cards_reads_the_new_cards_once(user, heads_counted, windows_read) -> None:
    """While only review cards are answered, the new cards waiting are the ones read before."""
    deck, _topic, cards, _other = _bank(user)
    StudyProfile.objects.create(user=user, new_per_day=5, max_reviews_per_day=100)
    create_rows(user=user, deck_ids=[deck.pk])
    scope = study.scope_for(deck=deck)
    # The first walk moves the deck's cursor to its first new card; from there one window holds
    # the day's new cards.
    study.next_card(user=user, scope=scope, now=NOW)
    study.next_card(user=user, scope=scope, now=NOW)
    read_at_start = len(windows_read)
    # Cards before the first new one (the window read holds the cards from there on).
    for state in CardState.objects.filter(user=user, card__in=cards[:5]):
        answered = study.answer_and_next(
            user=user, scope_key=f"deck:{deck.pk}", card_id=state.card_id, rating=GOOD,
            version=state.version, token="", since=NOW, now=NOW,
        )  # fmt: skip
        assert answered.result.recorded
        assert _queue(answered.screen.queue) == _fresh(user, scope, NOW)
    # The fresh counts above read theirs; the answers read none.
    assert len(windows_read) == read_at_start + 5
    assert heads_counted.count(False) >= 5


@pytest.mark.django_db
def test_decks_without_stored_counts_get_their_rows_and_are_then_remembered(
    user, heads_counted
) -> None:
    """A deck without its `DeckCounts` row cannot tell a write: the queue makes the rows (as
    the dashboard would), counts meanwhile, and remembers once every deck has its row."""
    deck, _topic, _cards, other = _bank(user)
    create_rows(user=user, deck_ids=[deck.pk])  # the other deck has no row
    for _ in range(4):
        shown = study.next_card(user=user, scope=study.Scope(), now=NOW).shown
        answered = study.answer_and_next(
            user=user, scope_key="all", card_id=shown.card.pk, rating=GOOD,
            version=shown.version, token="", since=NOW, now=NOW,
        )  # fmt: skip
        assert _queue(answered.screen.queue) == _fresh(user, study.Scope(), NOW)
    assert DeckCounts.objects.filter(user=user, deck=other[0].deck_id).count() == 1
    assert heads_counted[0] and heads_counted.count(False) >= 3


@pytest.mark.django_db
def test_a_burial_ending_inside_the_day_is_counted_once_it_ends(user) -> None:
    deck, _topic, cards, _other = _bank(user)
    create_rows(user=user, deck_ids=[deck.pk])
    scope = study.scope_for(deck=deck)
    # Buried until an hour from now, inside the study day (as a changed time zone can leave).
    buried = CardState.objects.get(user=user, card=cards[0])
    buried.buried_until = NOW + timedelta(hours=1)
    buried.save()
    before = study.next_card(user=user, scope=scope, now=NOW)
    assert before.reviews == _fresh(user, scope, NOW)[3] == 13
    later = NOW + timedelta(hours=2)
    after = study.next_card(user=user, scope=scope, now=later)
    assert after.reviews == _fresh(user, scope, later)[3] == 14


@pytest.mark.django_db
def test_a_count_over_the_cap_is_followed_down_through_answers(user, monkeypatch) -> None:
    monkeypatch.setattr(queue_memo, "MARGIN", 2)
    deck, _topic, _cards, _other = _bank(user)
    StudyProfile.objects.create(user=user, new_per_day=0, max_reviews_per_day=6)
    create_rows(user=user, deck_ids=[deck.pk])
    scope = study.scope_for(deck=deck)
    seen = []
    for _ in range(8):
        shown = study.next_card(user=user, scope=scope, now=NOW).shown
        if shown is None:
            break
        answered = study.answer_and_next(
            user=user, scope_key=f"deck:{deck.pk}", card_id=shown.card.pk, rating=GOOD,
            version=shown.version, token="", since=NOW, now=NOW,
        )  # fmt: skip
        assert _queue(answered.screen.queue) == _fresh(user, scope, NOW)
        seen.append(answered.screen.queue.reviews)
    # Ten due, six a day: the count stays at the room left, then runs out.
    assert seen[:6] == [5, 4, 3, 2, 1, 0]
