"""The dashboard's and the deck page's counts, stored per learner and deck (`DeckCounts`).

Counting new, learning and due cards means reading every one of the learner's states (100,000
for a big bank). Those counts change only when a state or a card of the deck is written (the
database triggers of `DeckCounts` then bump the row's generation), when the learner's study day
ends (a review due "today" is one due before the day's end) or when a burial ends. So a row is
counted once and read until one of those happens; only the decks whose rows are no longer
current are counted again, from scratch, by `count_decks` (`counts_by` is the same count).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Min, Q

from quiz.models import Card, CardState, DeckCounts, StudyProfile, Topic
from quiz.scheduling import LEARNING, NEW, RELEARNING, REVIEW
from quiz.study.timing import day_bounds


@dataclass
class DueCounts:
    """New, learning and due-today cards of a deck or topic (the dashboard's three numbers)."""

    new: int = 0
    learning: int = 0
    due: int = 0

    def add(self, other: DueCounts) -> None:
        self.new += other.new
        self.learning += other.learning
        self.due += other.due


@dataclass
class DeckTally:
    """One deck's counts, and each of its topics' own (subtopics not included); `cards` are the
    active cards."""

    counts: DueCounts = field(default_factory=DueCounts)
    cards: int = 0
    # When the first burial still running in the deck ends (the counts change then).
    burials_end: datetime | None = None
    topics: dict[int, DueCounts] = field(default_factory=dict)
    topic_cards: dict[int, int] = field(default_factory=dict)


# Up to this many decks to count again, the count reads only those decks' cards and states.
FEW_DECKS = 8


def count_decks(
    *, user: AbstractBaseUser, now: datetime, end: datetime, deck_ids: list[int] | None = None
) -> dict[int, DeckTally]:
    """The counts of these decks (every deck for None), from scratch: one pass over the decks'
    active cards and one over the learner's states in them, read by the states' own
    (denormalised) deck and topic, with the few retired cards left out through their partial
    index instead of a join to every card. `end` is the end of the learner's study day."""
    result: dict[int, DeckTally] = defaultdict(DeckTally)
    # Cards by topic, from the (topic, status) index alone; a topic's deck is its card's.
    topics = Topic.objects.all() if deck_ids is None else Topic.objects.filter(deck_id__in=deck_ids)
    deck_of = dict(topics.values_list("pk", "deck_id").order_by())
    active = Card.objects.filter(status=Card.Status.ACTIVE)
    states = CardState.objects.filter(user=user).exclude(state=NEW)
    if deck_ids is not None:
        active = active.filter(topic_id__in=list(deck_of))
        states = states.filter(deck_id__in=deck_ids)
    for topic_id, total in active.values_list("topic_id").annotate(n=Count("id")).order_by():
        tally = result[deck_of[topic_id]]
        tally.cards += total
        tally.counts.new += total
        tally.topic_cards[topic_id] = total
        tally.topics[topic_id] = DueCounts(new=total)
    retired = Card.objects.filter(status=Card.Status.RETIRED).values("pk")
    states = states.exclude(card_id__in=retired)
    open_now = Q(suspended=False) & (Q(buried_until__isnull=True) | Q(buried_until__lte=now))
    tallies = {
        "studied": Count("id"),
        "learning": Count("id", filter=open_now & Q(state__in=[LEARNING, RELEARNING])),
        "due": Count("id", filter=open_now & Q(state=REVIEW, due__lt=end)),
        "burial": Min("buried_until", filter=Q(buried_until__gt=now)),
    }
    # A state's topic is null only for a row written around the importer: those few are
    # counted under their card's topic (a join for them alone).
    passes = [
        states.filter(topic__isnull=False).values_list("deck_id", "topic_id"),
        states.filter(topic__isnull=True).values_list("deck_id", "card__topic_id"),
    ]
    for rows in passes:
        for deck_id, topic_id, studied, learning, due, burial in rows.annotate(
            **tallies
        ).order_by():
            own = DueCounts(new=-studied, learning=learning, due=due)
            tally = result[deck_id]
            if burial is not None:
                tally.burials_end = min(burial, tally.burials_end or burial)
            tally.counts.add(own)
            tally.topics.setdefault(topic_id, DueCounts()).add(own)
    return dict(result)


def create_rows(*, user: AbstractBaseUser, deck_ids: list[int]) -> dict[int, int]:
    """Create the learner's `DeckCounts` rows of these decks (one a concurrent request created
    first is kept) and return each row's generation. The row exists (committed) before its deck
    is counted, so a write to the deck meanwhile bumps the generation, and what the caller then
    stores under the generation read here is already stale, as it should be."""
    DeckCounts.objects.bulk_create(
        [DeckCounts(user=user, deck_id=deck_id) for deck_id in deck_ids], ignore_conflicts=True
    )
    return dict(
        DeckCounts.objects.filter(user=user, deck_id__in=deck_ids).values_list(
            "deck_id", "generation"
        )
    )


def stored_counts(
    *,
    user: AbstractBaseUser,
    now: datetime,
    profile: StudyProfile,
    deck_ids: list[int],
    topics: bool = False,
) -> dict[int, DeckTally]:
    """The counts of these decks, read from the stored rows where they are current and counted
    (and stored) where not. Per-topic figures only when `topics` (they are read from JSON)."""
    _start, end = day_bounds(now=now, timezone=profile.timezone)
    fields = ["deck_id", "generation", "computed", "day_end", "valid_until", "cards"]
    fields += ["new", "learning", "due"] + (["topics"] if topics else [])
    rows = {
        row["deck_id"]: row
        for row in DeckCounts.objects.filter(user=user, deck_id__in=deck_ids).values(*fields)
    }
    result: dict[int, DeckTally] = {}
    stale: dict[int, int] = {}  # deck id -> the generation it is counted at
    for deck_id in deck_ids:
        row = rows.get(deck_id)
        if row is None:
            continue
        current = (
            row["computed"] == row["generation"]
            and row["day_end"] == end
            and row["valid_until"] is not None
            and now < row["valid_until"]
        )
        if not current:
            stale[deck_id] = row["generation"]
            continue
        tally = DeckTally(
            counts=DueCounts(new=row["new"], learning=row["learning"], due=row["due"]),
            cards=row["cards"],
        )
        for key, (cards, new, learning, due) in (row.get("topics") or {}).items():
            tally.topics[int(key)] = DueCounts(new=new, learning=learning, due=due)
            tally.topic_cards[int(key)] = cards
        result[deck_id] = tally
    missing = [deck_id for deck_id in deck_ids if deck_id not in rows]
    if missing:
        stale.update(create_rows(user=user, deck_ids=missing))
    if not stale:
        return result
    # Many decks (the first visit of a study day): one pass over all of the learner's states,
    # as a filter by deck would read them deck by deck through another index.
    some = list(stale) if len(stale) <= FEW_DECKS else None
    counted = count_decks(user=user, now=now, end=end, deck_ids=some)
    with transaction.atomic():
        for deck_id, generation in stale.items():
            tally = counted.get(deck_id, DeckTally())
            result[deck_id] = tally
            # Stored only if no write came since the generation was read.
            DeckCounts.objects.filter(user=user, deck_id=deck_id, generation=generation).update(
                computed=generation,
                day_end=end,
                valid_until=min(end, tally.burials_end or end),
                cards=tally.cards,
                new=tally.counts.new,
                learning=tally.counts.learning,
                due=tally.counts.due,
                topics={
                    str(topic_id): [
                        tally.topic_cards.get(topic_id, 0),
                        own.new,
                        own.learning,
                        own.due,
                    ]
                    for topic_id, own in tally.topics.items()
                },
            )
    return result
