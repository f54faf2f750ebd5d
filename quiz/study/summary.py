"""What a session did, and how many cards wait in each deck and topic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Min, Q, Sum

from quiz.models import Card, CardState, Review, StudyProfile
from quiz.scheduling import AGAIN, LEARNING, NEW, RELEARNING, REVIEW
from quiz.study import fastsql
from quiz.study.counts import DueCounts
from quiz.study.custom import tagged_cards
from quiz.study.profile import profile_for, scheduler_for_user
from quiz.study.queue import today_counts
from quiz.study.scope import Scope
from quiz.study.timing import day_bounds


@dataclass(frozen=True)
class SessionSummary:
    """What a session did. Every count is of study answers that were not undone, the same
    answers the study page's header counts:

    - `reviewed`: answers in this session (a card answered twice counts twice); `cards`: the
      distinct cards they were to; `today`: answers since the study day began, in any session
      (the header's "Answers today");
    - `time_ms`: the sum of each answer's time on screen, from the card appearing to the
      answer, at most MAX_DURATION_MS a card; `length_ms`: from the session's start to its last
      answer, breaks included.
    """

    reviewed: int
    again: int
    time_ms: int
    next_due: datetime | None
    cards: int = 0
    today: int = 0
    length_ms: int = 0

    @property
    def again_rate(self) -> float:
        return self.again / self.reviewed if self.reviewed else 0.0

    @property
    def again_percent(self) -> int:
        return round(self.again_rate * 100)

    @property
    def time_text(self) -> str:
        return _duration_text(self.time_ms)

    @property
    def length_text(self) -> str:
        return _duration_text(self.length_ms)


def _duration_text(ms: int) -> str:
    minutes, seconds = divmod(round(ms / 1000), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def session_summary(
    *,
    user: AbstractBaseUser,
    scope: Scope,
    since: datetime,
    now: datetime,
    profile: StudyProfile | None = None,
) -> SessionSummary:
    """What this session did (study answers since `since`) and when the scope has work again."""
    profile = profile or profile_for(user)
    row = Review.objects.filter(
        user=user, reviewed_at__gte=since, undone=False, source="study"
    ).aggregate(
        reviewed=Count("id"),
        cards=Count("card", distinct=True),
        again=Count("id", filter=Q(rating=AGAIN)),
        time_ms=Sum("duration_ms"),
        last=Max("reviewed_at"),
    )
    start, end = day_bounds(now=now, timezone=profile.timezone)
    today = today_counts(user=user, start=start).total
    if scope.card_ids or scope.tag:
        # Chosen or tagged cards: when one of those comes due again, not the learner's whole
        # queue (whose cards due now are not this session's).
        next_due = _custom_next_due(user=user, scope=scope)
    else:
        next_due = fastsql.next_due(user=user, scope=scope, now=now)
        if next_due is not None and next_due <= now:
            # Due now yet not offered: today's limit is reached, so tomorrow.
            next_due = end
    return SessionSummary(
        reviewed=row["reviewed"],
        again=row["again"],
        time_ms=row["time_ms"] or 0,
        next_due=next_due,
        cards=row["cards"],
        today=today,
        length_ms=int((row["last"] - since).total_seconds() * 1000) if row["last"] else 0,
    )


def _custom_next_due(*, user: AbstractBaseUser, scope: Scope) -> datetime | None:
    """The earliest due time of a custom scope's own cards (chosen, or tagged in its deck)."""
    states = CardState.objects.filter(
        user=user, suspended=False, card__status=Card.Status.ACTIVE, state__gt=NEW
    )
    if scope.card_ids:
        states = states.filter(card_id__in=scope.card_ids)
    else:
        states = states.filter(card_id__in=tagged_cards(scope).values("pk"))
    return states.aggregate(first=Min("due"))["first"]


def counts_by(
    *,
    user: AbstractBaseUser,
    now: datetime,
    field: str,
    profile: StudyProfile,
    deck_id: int | None = None,
) -> dict[int, DueCounts]:
    """New, learning and due-today counts per deck (`field="deck"`) or per topic ("topic"),
    over every deck or over one (`deck_id`).

    Not limited by the daily limits: these say what exists. One pass over the active cards and
    one over the learner's states, read by the states' own (denormalised) deck and topic, with
    the few retired cards left out through their partial index instead of a join to every card.
    """
    _start, end = day_bounds(now=now, timezone=profile.timezone)
    result: dict[int, DueCounts] = {}
    active = Card.objects.filter(status=Card.Status.ACTIVE)
    states = CardState.objects.filter(user=user).exclude(state=NEW)
    if deck_id is not None:
        active = active.filter(deck_id=deck_id)
        states = states.filter(deck_id=deck_id)
    for key, total in active.values_list(field).annotate(n=Count("id")).order_by():
        result[key] = DueCounts(new=total)
    retired = Card.objects.filter(status=Card.Status.RETIRED).values("pk")
    states = states.exclude(card_id__in=retired)
    open_now = Q(suspended=False) & (Q(buried_until__isnull=True) | Q(buried_until__lte=now))
    tallies = {
        "studied": Count("id"),
        "learning": Count("id", filter=open_now & Q(state__in=[LEARNING, RELEARNING])),
        "due": Count("id", filter=open_now & Q(state=REVIEW, due__lt=end)),
    }
    if field == "topic":
        # A state's topic is null only for a row written around the importer: those few are
        # counted under their card's topic (a join for them alone).
        passes = [
            states.filter(topic__isnull=False).values_list("topic_id"),
            states.filter(topic__isnull=True).values_list("card__topic_id"),
        ]
    else:
        passes = [states.values_list("deck_id")]
    for rows in passes:
        for key, studied, learning, due in rows.annotate(**tallies).order_by():
            counts = result.setdefault(key, DueCounts())
            counts.new -= studied
            counts.learning += learning
            counts.due += due
    return result


def retrievability_by_deck(
    *, user: AbstractBaseUser, deck_ids: list[int], now: datetime
) -> dict[int, float]:
    """Per deck, the sum of the learner's recall probabilities over its exam-eligible cards
    (a card never studied adds 0), with the learner's own FSRS parameters."""
    scheduler = scheduler_for_user(user)
    decay = -float(scheduler.parameters[20])
    factor = 0.9 ** (1 / decay) - 1
    return fastsql.retrievability_sums(
        user=user, deck_ids=deck_ids, now=now, factor=factor, decay=decay
    )
