"""Custom study, beyond the daily queue (what Anki's "custom study" and filtered decks do).

Two kinds:

- Scheduled, answered through the scheduler like any study session:
  - **Study ahead**: reviews due within the next N days, soonest first (`Scope.ahead_days`). The
    daily review limit does not apply: the learner asked for more. FSRS accounts for the early
    answer (a card reviewed before it is due gains less stability).
  - **Study these now**: a chosen set of cards (`Scope.card_ids`), each shown once in this
    session whatever its due date; failed ones come back through their relearning steps.
- Previews, which never change scheduling and write nothing:
  - **Cram** a deck, a topic, a browser search or a selection, regardless of due dates.
  - **Again today**: the cards failed today, once more.
  A preview walks an ordered list of cards; "Again" sends the card to the end of the walk and
  "Got it" moves on. Where the walk stands travels in the page's links (`PreviewPosition`), so a
  preview needs no table and no session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from quiz.models import Card, CardState, Review, StudyProfile
from quiz.scheduling import AGAIN, LEARNING, NEW, RELEARNING, REVIEW
from quiz.study import fastsql
from quiz.study.queue import (
    LEARN_AHEAD,
    QUEUE_COUNT_CAP,
    Candidates,
    Queue,
    Shown,
    TodayCounts,
    choose_next,
    shown_for,
    today_counts,
)
from quiz.study.scope import Scope
from quiz.study.scope import scope_from_key as base_scope_from_key
from quiz.study.timing import day_bounds

MAX_AHEAD_DAYS = 365


# --- scheduled custom sessions -------------------------------------------------------------------


def ahead_scope(base: Scope, days: int) -> Scope:
    if not 1 <= days <= MAX_AHEAD_DAYS:
        raise ValueError(f"study ahead takes 1 to {MAX_AHEAD_DAYS} days, not {days}")
    return replace(base, ahead_days=days)


def selection_scope(card_ids: list[int], *, started: datetime) -> Scope:
    # Each id once, in the order given.
    return Scope(card_ids=tuple(dict.fromkeys(card_ids)), started=started)


def tag_scope(base: Scope, tag: str) -> Scope:
    tag = tag.strip().lstrip("#").casefold()
    if not tag or ":" in tag or len(tag) > 100:
        raise ValueError(f"not a tag: {tag!r}")
    return replace(base, tag=tag)


def scope_key(scope: Scope) -> str:
    """What the study page's forms carry: "ahead:DAYS:<base key>", "cards:MS:1.2.3" or
    "tag:TAG:<base key>"."""
    if scope.tag:
        return f"tag:{scope.tag}:{scope.base_key}"
    if scope.card_ids:
        started_ms = int(scope.started.timestamp() * 1000) if scope.started else 0
        return f"cards:{started_ms}:" + ".".join(str(pk) for pk in scope.card_ids)
    return f"ahead:{scope.ahead_days}:{scope.base_key}"


def scope_title(scope: Scope) -> str:
    if scope.tag:
        return f"#{scope.tag} · {replace(scope, tag='').title}"
    if scope.card_ids:
        n = len(scope.card_ids)
        return f"{n} chosen card{'s'[: n != 1]}"
    base = replace(scope, ahead_days=0).title
    return f"Study ahead {scope.ahead_days} day{'s'[: scope.ahead_days != 1]} · {base}"


def scope_from_key(key: str) -> Scope:
    """The inverse of `scope_key`. Raises ValueError (or Deck/Topic.DoesNotExist)."""
    kind, _, rest = key.partition(":")
    if kind == "tag":
        tag, _, base = rest.partition(":")
        return tag_scope(base_scope_from_key(base), tag)
    if kind == "ahead":
        days, _, base = rest.partition(":")
        return ahead_scope(base_scope_from_key(base), int(days))
    started_ms, _, ids = rest.partition(":")
    card_ids = [int(pk) for pk in ids.split(".") if pk]
    if not card_ids or not all(0 < pk < 2**63 for pk in card_ids):
        raise ValueError("a card selection needs card ids")
    started = datetime.fromtimestamp(int(started_ms) / 1000, tz=UTC)
    return selection_scope(card_ids, started=started)


def next_card(
    *, user: AbstractBaseUser, scope: Scope, now: datetime, profile: StudyProfile
) -> Queue:
    """`next_card` for a custom scope: the same Queue, chosen by the custom rules."""
    start, end = day_bounds(now=now, timezone=profile.timezone)
    today = today_counts(user=user, start=start)
    if scope.card_ids:
        return _next_chosen(user=user, scope=scope, now=now, reviewed_today=today.total)
    if scope.tag:
        return _next_tagged(user=user, scope=scope, now=now, profile=profile, today=today, end=end)
    learning = sorted(
        fastsql.learning_due(user=user, scope=scope, now=now, until=now + LEARN_AHEAD),
        key=lambda row: row[1],
    )
    reviews = fastsql.reviews_due(
        user=user,
        scope=scope,
        now=now,
        before=end + timedelta(days=scope.ahead_days),
        limit=QUEUE_COUNT_CAP,
    )
    # No new cards: studying ahead is for reviews.
    pick = choose_next(
        Candidates(learning=learning, reviews=reviews),
        today=today,
        new_per_day=profile.new_per_day,
        now=now,
    )
    return Queue(
        shown=_shown_state(pick.state_id) if pick is not None else None,
        learning=len(learning),
        reviews=len(reviews),
        new=0,
        reviewed_today=today.total,
    )


def _shown_state(state_id: int) -> Shown:
    state = fastsql.load_shown_state(state_id)
    return Shown.of_state(state, state.card)


def _next_chosen(
    *, user: AbstractBaseUser, scope: Scope, now: datetime, reviewed_today: int
) -> Queue:
    """Chosen cards: learning ones due now first, then each card not yet answered since the
    session started, in the order chosen; then learning ones due within the learn-ahead."""
    active = set(
        Card.objects.filter(pk__in=scope.card_ids, status=Card.Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    states = {
        s.card_id: s
        for s in CardState.objects.filter(user=user, card_id__in=active).only(
            "id", "card_id", "state", "due", "last_review", "suspended", "buried_until", "version"
        )
    }
    started = scope.started or now
    learning: list[tuple[datetime, int]] = []
    waiting: list[int] = []
    new = reviews = 0
    for card_id in scope.card_ids:
        if card_id not in active:
            continue
        state = states.get(card_id)
        if state is not None and (
            state.suspended or (state.buried_until is not None and state.buried_until > now)
        ):
            continue
        if state is not None and state.state in (LEARNING, RELEARNING):
            if state.due <= now + LEARN_AHEAD:
                learning.append((state.due, card_id))
            continue
        if state is None or state.state == NEW:
            waiting.append(card_id)
            new += 1
        elif state.last_review is None or state.last_review < started:
            waiting.append(card_id)
            reviews += 1
    learning.sort()
    due_now = [card_id for due, card_id in learning if due <= now]
    pick = (due_now or waiting or [card_id for _due, card_id in learning] or [None])[0]
    shown = None
    if pick is not None:
        shown = _shown_card(user=user, card_id=pick)
    return Queue(
        shown=shown,
        learning=len(learning),
        reviews=reviews,
        new=new,
        reviewed_today=reviewed_today,
    )


def tagged_cards(scope: Scope) -> QuerySet[Card]:
    """The active cards tagged `scope.tag`, in the scope's deck or topic if it has one."""
    tagged = Card.objects.filter(status=Card.Status.ACTIVE, tags__has_tag=scope.tag)
    if scope.topic is not None:
        return tagged.filter(topic_id__in=scope.topic_ids)
    if scope.deck is not None:
        return tagged.filter(deck_id=scope.deck.pk)
    return tagged


def _next_tagged(
    *,
    user: AbstractBaseUser,
    scope: Scope,
    now: datetime,
    profile: StudyProfile,
    today: TodayCounts,
    end: datetime,
) -> Queue:
    """The day's queue (learning, due reviews, new cards within the daily limits) for only the
    cards tagged `scope.tag`, in the deck or topic of the scope if any."""
    tagged = tagged_cards(scope)
    states = (
        CardState.objects.filter(user=user, suspended=False, card_id__in=tagged.values("pk"))
        .exclude(card__status=Card.Status.RETIRED)
        .filter(Q(buried_until__isnull=True) | Q(buried_until__lte=now))
    )
    learning = list(
        states.filter(state__in=(LEARNING, RELEARNING), due__lte=now + LEARN_AHEAD)
        .order_by("due")
        .values_list("pk", "due")
    )
    review_room = min(QUEUE_COUNT_CAP, max(0, profile.max_reviews_per_day - today.reviews))
    reviews = list(
        states.filter(state=REVIEW, due__lt=end)
        .order_by("due")
        .values_list("pk", flat=True)[:review_room]
    )
    new_room = min(QUEUE_COUNT_CAP, max(0, profile.new_per_day - today.new))
    studied_or_hidden = CardState.objects.filter(user=user).filter(
        Q(state__gt=NEW) | Q(suspended=True) | Q(buried_until__gt=now)
    )
    new_cards = list(
        tagged.exclude(pk__in=studied_or_hidden.values("card_id"))
        .order_by("deck_id", "order", "pk")
        .values_list("pk", flat=True)[:new_room]
    )
    pick = choose_next(
        Candidates(learning=learning, reviews=reviews, new=[(pk, 0) for pk in new_cards]),
        today=today,
        new_per_day=profile.new_per_day,
        now=now,
    )
    shown = None
    if pick is not None and pick.state_id is not None:
        shown = _shown_state(pick.state_id)
    elif pick is not None:
        # shown_for reads the card's state (a new card may have one, at a version past 0).
        shown = _shown_card(user=user, card_id=pick.card_id)
    return Queue(
        shown=shown,
        learning=len(learning),
        reviews=len(reviews),
        new=len(new_cards),
        reviewed_today=today.total,
    )


def _shown_card(*, user: AbstractBaseUser, card_id: int) -> Shown:
    """A card as shown for its next answer, whether or not the learner has a state for it."""
    card = fastsql.load_shown_card(card_id)
    return shown_for(user=user, card=card)


# --- previews (cram, again today) ----------------------------------------------------------------


@dataclass(frozen=True)
class PreviewPosition:
    """Where a preview walk stands: the next index into the list, and the cards sent back."""

    index: int = 0
    again: tuple[int, ...] = ()

    def current(self, total: int, card_at: Any) -> int | None:
        """The card to show: the list's next card, then the cards sent back, in turn."""
        if self.index < total:
            return card_at(self.index)
        return self.again[0] if self.again else None

    def after(self, card_id: int, *, total: int, knew: bool) -> PreviewPosition:
        """The position after answering `card_id` (shown at this position)."""
        again = tuple(pk for pk in self.again if pk != card_id)
        if not knew:
            again += (card_id,)
        if self.index < total:
            return PreviewPosition(self.index + 1, again)
        return PreviewPosition(self.index, again)

    def left(self, total: int) -> int:
        return max(0, total - self.index) + len(self.again)


def failed_today(
    *, user: AbstractBaseUser, now: datetime, profile: StudyProfile, scope: Scope | None = None
) -> list[int]:
    """The cards this learner rated Again in today's study (in `scope`'s deck or topic, if
    given), in the order first failed."""
    start, _end = day_bounds(now=now, timezone=profile.timezone)
    reviews = Review.objects.filter(
        user=user, reviewed_at__gte=start, rating=AGAIN, undone=False, source="study"
    )
    if scope is not None and scope.topic is not None:
        reviews = reviews.filter(card__topic_id__in=scope.topic_ids)
    elif scope is not None and scope.deck is not None:
        reviews = reviews.filter(card__deck_id=scope.deck.pk)
    rows = (
        reviews.filter(card__status=Card.Status.ACTIVE)
        .order_by("reviewed_at", "pk")
        .values_list("card_id", flat=True)
    )
    return list(dict.fromkeys(rows))
