"""The stored dashboard counts (DeckCounts) always equal a count from scratch."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from quiz import browser, study
from quiz.models import Card, CardState, Deck, DeckCounts, StudyProfile
from quiz.scheduling import AGAIN, GOOD
from tests.factory import (
    NOW,
    answer,
    import_text,
    make_card,
    make_cards,
    make_deck,
    make_review_card,
    make_topic,
)

pytestmark = pytest.mark.django_db


def _fresh(user, now: datetime) -> tuple[dict, dict]:
    """Per deck and per topic, counted from scratch by the reference `counts_by`."""
    profile = StudyProfile.objects.get(user=user)
    by_deck = study.counts_by(user=user, now=now, field="deck", profile=profile)
    by_topic = study.counts_by(user=user, now=now, field="topic", profile=profile)
    return by_deck, by_topic


def assert_stored_is_exact(user, now: datetime) -> dict[int, study.DeckTally]:
    """The stored counts (counted again where stale) equal a fresh count; a second read then
    counts nothing again, and still gives the same."""
    profile = study.profile_for(user)
    deck_ids = list(Deck.objects.values_list("pk", flat=True))
    stored = study.stored_counts(
        user=user, now=now, profile=profile, deck_ids=deck_ids, topics=True
    )
    by_deck, by_topic = _fresh(user, now)
    for deck_id in deck_ids:
        assert stored[deck_id].counts == by_deck.get(deck_id, study.DueCounts()), deck_id
        assert (
            stored[deck_id].cards
            == Card.objects.filter(deck_id=deck_id, status=Card.Status.ACTIVE).count()
        )
        for topic_id in Deck.objects.get(pk=deck_id).topics.values_list("pk", flat=True):
            assert stored[deck_id].topics.get(topic_id, study.DueCounts()) == by_topic.get(
                topic_id, study.DueCounts()
            ), topic_id
    rows = DeckCounts.objects.filter(user=user)
    assert rows.count() == len(deck_ids)
    assert all(row.computed == row.generation for row in rows)
    again = study.stored_counts(user=user, now=now, profile=profile, deck_ids=deck_ids, topics=True)
    assert {k: (v.counts, v.topics, v.cards) for k, v in again.items()} == {
        k: (v.counts, v.topics, v.cards) for k, v in stored.items()
    }
    return stored


def _stale(user, deck: Deck) -> bool:
    row = DeckCounts.objects.get(user=user, deck=deck)
    return row.computed != row.generation


def _state(user, card: Card) -> CardState:
    return CardState.objects.get(user=user, card=card)


def test_stored_counts_follow_answers_undo_suspend_bury_and_reset(user) -> None:
    deck = make_deck()
    root = make_topic(deck, "Streaming")
    sub = make_topic(deck, "Shards", parent=root)
    other = make_deck("Storage")
    cards = make_cards(sub, 6) + make_cards(root, 2)
    elsewhere = make_cards(make_topic(other, "S3"), 3)
    make_review_card(user, cards[5], due=NOW - timedelta(days=2))
    make_review_card(user, cards[6], due=NOW + timedelta(days=5))
    assert_stored_is_exact(user, NOW)

    answer(user, cards[0], AGAIN)
    assert _stale(user, deck) and not _stale(user, other)
    assert_stored_is_exact(user, NOW)
    answer(user, cards[1], GOOD)
    answer(user, elsewhere[0], GOOD)
    assert_stored_is_exact(user, NOW)

    assert study.undo_last(user=user) is not None
    assert _stale(user, other)
    assert_stored_is_exact(user, NOW)

    assert study.suspend_card(
        user=user, card=cards[5], version=_state(user, cards[5]).version, now=NOW
    )
    assert_stored_is_exact(user, NOW)
    assert study.unsuspend(state=_state(user, cards[5]))
    assert_stored_is_exact(user, NOW)

    learning = assert_stored_is_exact(user, NOW)[deck.pk].counts.learning
    assert study.bury_card(
        user=user, card=cards[0], version=_state(user, cards[0]).version, now=NOW
    )
    stored = assert_stored_is_exact(user, NOW)
    assert stored[deck.pk].counts.learning == learning - 1
    # The burial ends with the study day: the next day counts the card again.
    tomorrow = NOW + timedelta(days=1)
    stored = assert_stored_is_exact(user, tomorrow)
    assert stored[deck.pk].counts.learning == learning

    profile = StudyProfile.objects.get(user=user)
    for action in ("suspend", "bury", "unsuspend", "reset"):
        browser.apply_action(
            user=user, action=action, card_ids=[cards[1].pk, cards[2].pk, cards[5].pk],
            now=NOW, profile=profile,
        )  # fmt: skip
        assert_stored_is_exact(user, NOW)
    assert CardState.objects.filter(user=user, card=cards[5], state=0).exists()


def test_a_burial_that_ends_before_the_day_does_is_counted_again_then(user) -> None:
    deck = make_deck()
    card = make_card(make_topic(deck))
    make_review_card(user, card, due=NOW - timedelta(hours=1))
    CardState.objects.filter(user=user, card=card).update(buried_until=NOW + timedelta(hours=1))
    assert assert_stored_is_exact(user, NOW)[deck.pk].counts.due == 0
    later = NOW + timedelta(hours=2)
    assert assert_stored_is_exact(user, later)[deck.pk].counts.due == 1


def test_a_review_due_tomorrow_is_counted_once_midnight_passes_in_the_learners_zone(
    user,
) -> None:
    StudyProfile.objects.create(user=user, timezone="America/New_York")
    deck = make_deck()
    early, late = make_cards(make_topic(deck), 2)
    # NOW is 10:00 in New York; the study day ends at 04:00 local (09:00 UTC) tomorrow.
    make_review_card(user, early, due=datetime.fromisoformat("2026-03-03T08:30:00+00:00"))
    make_review_card(user, late, due=datetime.fromisoformat("2026-03-03T09:30:00+00:00"))
    assert assert_stored_is_exact(user, NOW)[deck.pk].counts.due == 1
    # Still the same study day at 03:59 local.
    before = datetime.fromisoformat("2026-03-03T08:59:00+00:00")
    assert assert_stored_is_exact(user, before)[deck.pk].counts.due == 1
    after = datetime.fromisoformat("2026-03-03T09:01:00+00:00")
    assert assert_stored_is_exact(user, after)[deck.pk].counts.due == 2
    # Moving to a zone where it is already the next study day counts by that day at once.
    # (Kiritimati is UTC+14: 05:00 on the 3rd at NOW, a study day ending at 14:00 UTC.)
    StudyProfile.objects.filter(user=user).update(timezone="Pacific/Kiritimati")
    assert assert_stored_is_exact(user, NOW)[deck.pk].counts.due == 2


def test_an_import_that_retires_and_adds_cards_and_a_deleted_deck(user, tmp_path) -> None:
    notes = """
    # Kinesis

    What is a shard? :: A unit of capacity
    What is a record? :: A unit of data
    What is a stream? :: Shards in order
    """
    import_text(tmp_path, notes)
    deck = Deck.objects.get()
    first, second, third = Card.objects.order_by("order")
    answer(user, first, GOOD)
    answer(user, second, AGAIN)
    assert assert_stored_is_exact(user, NOW)[deck.pk].counts == study.DueCounts(1, 2, 0)
    # The learning card's question goes and a new one comes: one retired, one added.
    replaced = notes.replace("What is a record? :: A unit of data", "What is FIFO? :: Order")
    import_text(tmp_path, replaced)
    assert Card.objects.filter(status=Card.Status.RETIRED).get() == second
    assert _stale(user, deck)
    stored = assert_stored_is_exact(user, NOW)
    assert stored[deck.pk].counts == study.DueCounts(new=2, learning=1, due=0)
    assert stored[deck.pk].cards == 3
    # Restored when its question comes back.
    import_text(tmp_path, notes)
    assert assert_stored_is_exact(user, NOW)[deck.pk].counts.learning == 2

    kept = make_deck("Kept")
    make_cards(make_topic(kept), 2)
    assert_stored_is_exact(user, NOW)
    deck.delete()
    assert not DeckCounts.objects.filter(deck_id=deck.pk).exists()
    assert assert_stored_is_exact(user, NOW)[kept.pk].counts == study.DueCounts(new=2)


def test_a_card_moved_to_another_topic_and_a_new_card_stale_the_deck_for_every_learner(
    user,
) -> None:
    from tests.factory import make_user

    other_user = make_user("other")
    deck = make_deck()
    a, b = make_topic(deck, "A"), make_topic(deck, "B")
    card = make_card(a)
    answer(user, card, GOOD)
    for learner in (user, other_user):
        assert_stored_is_exact(learner, NOW)
    card.topic = b
    card.save()
    CardState.sync_topics([card.pk])
    assert _stale(user, deck) and _stale(other_user, deck)
    assert assert_stored_is_exact(user, NOW)[deck.pk].topics[b.pk].learning == 1
    assert_stored_is_exact(other_user, NOW)
    make_card(b)
    assert _stale(user, deck) and _stale(other_user, deck)
    for learner in (user, other_user):
        assert assert_stored_is_exact(learner, NOW)[deck.pk].cards == 2
    # Another learner's answer leaves this learner's row alone.
    answer(other_user, card, GOOD)
    assert not _stale(user, deck) and _stale(other_user, deck)


def test_a_count_raced_by_an_answer_is_not_stored_as_current(user, monkeypatch) -> None:
    deck = make_deck()
    card = make_card(make_topic(deck))
    real = study.counts.count_decks

    def count_then_answer(**kwargs):
        counted = real(**kwargs)
        answer(user, card, GOOD)  # lands after the count, before it is stored
        return counted

    monkeypatch.setattr(study.counts, "count_decks", count_then_answer)
    profile = study.profile_for(user)
    stale = study.stored_counts(user=user, now=NOW, profile=profile, deck_ids=[deck.pk])
    assert stale[deck.pk].counts.new == 1
    assert _stale(user, deck)
    monkeypatch.setattr(study.counts, "count_decks", real)
    assert assert_stored_is_exact(user, NOW)[deck.pk].counts == study.DueCounts(0, 1, 0)


@pytest.mark.parametrize("few", [0, 8], ids=["counting-everything", "counting-each-deck"])
def test_counting_many_stale_decks_at_once_gives_the_same(user, monkeypatch, few) -> None:
    monkeypatch.setattr(study.counts, "FEW_DECKS", few)
    decks = [make_deck(f"Deck {i}") for i in range(4)]
    for i, deck in enumerate(decks):
        cards = make_cards(make_topic(deck, f"Topic {i}"), 3 + i)
        make_review_card(user, cards[0], due=NOW - timedelta(days=i))
        answer(user, cards[1], AGAIN)
    Card.objects.filter(pk=cards[2].pk).update(status=Card.Status.RETIRED)
    assert_stored_is_exact(user, NOW)
    answer(user, cards[-1], GOOD)
    assert_stored_is_exact(user, NOW + timedelta(days=1))
