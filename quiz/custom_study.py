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
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from quiz import study
from quiz.models import Card, CardState, Review, StudyProfile
from quiz.scheduling import AGAIN, LEARNING, NEW, RELEARNING, REVIEW

User = AbstractBaseUser
MAX_AHEAD_DAYS = 365


# --- scheduled custom sessions -------------------------------------------------------------------


def ahead_scope(base: study.Scope, days: int) -> study.Scope:
    if not 1 <= days <= MAX_AHEAD_DAYS:
        raise ValueError(f"study ahead takes 1 to {MAX_AHEAD_DAYS} days, not {days}")
    return replace(base, ahead_days=days)


def selection_scope(card_ids: list[int], *, started: datetime) -> study.Scope:
    # Each id once, in the order given.
    return study.Scope(card_ids=tuple(dict.fromkeys(card_ids)), started=started)


def tag_scope(base: study.Scope, tag: str) -> study.Scope:
    tag = tag.strip().lstrip("#").casefold()
    if not tag or ":" in tag or len(tag) > 100:
        raise ValueError(f"not a tag: {tag!r}")
    return replace(base, tag=tag)


def scope_key(scope: study.Scope) -> str:
    """What the study page's forms carry: "ahead:DAYS:<base key>", "cards:MS:1.2.3" or
    "tag:TAG:<base key>"."""
    if scope.tag:
        return f"tag:{scope.tag}:{scope.base_key}"
    if scope.card_ids:
        started_ms = int(scope.started.timestamp() * 1000) if scope.started else 0
        return f"cards:{started_ms}:" + ".".join(str(pk) for pk in scope.card_ids)
    return f"ahead:{scope.ahead_days}:{scope.base_key}"


def scope_title(scope: study.Scope) -> str:
    if scope.tag:
        return f"#{scope.tag} · {replace(scope, tag='').title}"
    if scope.card_ids:
        n = len(scope.card_ids)
        return f"{n} chosen card{'s'[: n != 1]}"
    base = replace(scope, ahead_days=0).title
    return f"Study ahead {scope.ahead_days} day{'s'[: scope.ahead_days != 1]} · {base}"


def scope_from_key(key: str) -> study.Scope:
    """The inverse of `scope_key`. Raises ValueError (or Deck/Topic.DoesNotExist)."""
    kind, _, rest = key.partition(":")
    if kind == "tag":
        tag, _, base = rest.partition(":")
        return tag_scope(study.scope_from_key(base), tag)
    if kind == "ahead":
        days, _, base = rest.partition(":")
        return ahead_scope(study.scope_from_key(base), int(days))
    started_ms, _, ids = rest.partition(":")
    card_ids = [int(pk) for pk in ids.split(".") if pk]
    if not card_ids or not all(0 < pk < 2**63 for pk in card_ids):
        raise ValueError("a card selection needs card ids")
    started = datetime.fromtimestamp(int(started_ms) / 1000, tz=study.UTC)
    return selection_scope(card_ids, started=started)


def next_card(
    *, user: User, scope: study.Scope, now: datetime, profile: StudyProfile
) -> study.Queue:
    """`study.next_card` for a custom scope: the same Queue, chosen by the custom rules."""
    start, end = study.day_bounds(now=now, timezone=profile.timezone)
    today = study.today_counts(user=user, start=start)
    if scope.card_ids:
        return _next_chosen(user=user, scope=scope, now=now, reviewed_today=today.total)
    if scope.tag:
        return _next_tagged(user=user, scope=scope, now=now, profile=profile, today=today, end=end)
    learning = sorted(
        study._learning_due(user=user, scope=scope, now=now, until=now + study.LEARN_AHEAD),
        key=lambda row: row[1],
    )
    reviews = study._reviews_due(
        user=user,
        scope=scope,
        now=now,
        before=end + timedelta(days=scope.ahead_days),
        limit=study.QUEUE_COUNT_CAP,
    )
    learning_now = [pk for pk, due in learning if due <= now]
    pick = (learning_now or reviews or [pk for pk, _due in learning] or [None])[0]
    return study.Queue(
        shown=_shown_state(pick) if pick is not None else None,
        learning=len(learning),
        reviews=len(reviews),
        new=0,
        reviewed_today=today.total,
    )


def _shown_state(state_id: int) -> study.Shown:
    state = study._load_state(pk=state_id)
    return study.Shown(
        card=state.card,
        memory=study.memory_of(state),
        reps=state.reps,
        version=state.version,
        is_new=state.state == NEW,
    )


def _next_chosen(
    *, user: User, scope: study.Scope, now: datetime, reviewed_today: int
) -> study.Queue:
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
            if state.due <= now + study.LEARN_AHEAD:
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
    return study.Queue(
        shown=shown,
        learning=len(learning),
        reviews=reviews,
        new=new,
        reviewed_today=reviewed_today,
    )


def _next_tagged(
    *,
    user: User,
    scope: study.Scope,
    now: datetime,
    profile: StudyProfile,
    today: study.TodayCounts,
    end: datetime,
) -> study.Queue:
    """The day's queue (learning, due reviews, new cards within the daily limits) for only the
    cards tagged `scope.tag`, in the deck or topic of the scope if any."""
    tagged = Card.objects.filter(status=Card.Status.ACTIVE, tags__has_tag=scope.tag)
    if scope.topic is not None:
        tagged = tagged.filter(topic_id__in=scope.topic_ids)
    elif scope.deck is not None:
        tagged = tagged.filter(deck_id=scope.deck.pk)
    states = study._available_states(user=user, scope=study.Scope(), now=now).filter(
        card_id__in=tagged.values("pk")
    )
    learning = list(
        states.filter(state__in=(LEARNING, RELEARNING), due__lte=now + study.LEARN_AHEAD)
        .order_by("due")
        .values_list("pk", "due")
    )
    review_room = min(study.QUEUE_COUNT_CAP, max(0, profile.max_reviews_per_day - today.reviews))
    reviews = list(
        states.filter(state=REVIEW, due__lt=end)
        .order_by("due")
        .values_list("pk", flat=True)[:review_room]
    )
    new_room = min(study.QUEUE_COUNT_CAP, max(0, profile.new_per_day - today.new))
    studied_or_hidden = CardState.objects.filter(user=user).filter(
        Q(state__gt=NEW) | Q(suspended=True) | Q(buried_until__gt=now)
    )
    new_cards = list(
        tagged.exclude(pk__in=studied_or_hidden.values("card_id"))
        .order_by("deck_id", "order", "pk")
        .values_list("pk", flat=True)[:new_room]
    )
    learning_now = [pk for pk, due in learning if due <= now]
    shown = None
    if learning_now:
        shown = _shown_state(learning_now[0])
    elif reviews and (not new_cards or not _new_turn(profile, today, len(reviews))):
        shown = _shown_state(reviews[0])
    elif new_cards:
        shown = _shown_card(user=user, card_id=new_cards[0])
    elif learning:
        shown = _shown_state(learning[0][0])
    return study.Queue(
        shown=shown,
        learning=len(learning),
        reviews=len(reviews),
        new=len(new_cards),
        reviewed_today=today.total,
    )


def _new_turn(profile: StudyProfile, today: study.TodayCounts, reviews_left: int) -> bool:
    """The daily queue's interleaving: a new card while the share of today's new cards shown
    is no ahead of the share of reviews done."""
    new_share = today.new / max(1, profile.new_per_day)
    return new_share <= today.reviews / (today.reviews + reviews_left)


def _shown_card(*, user: User, card_id: int) -> study.Shown:
    """A card as shown for its next answer, whether or not the learner has a state for it."""
    card = study.load_card(card_id)
    return study.shown_for(user=user, card=card)


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


def failed_today(*, user: User, now: datetime, profile: StudyProfile) -> list[int]:
    """The cards this learner rated Again in today's study, in the order first failed."""
    start, _end = study.day_bounds(now=now, timezone=profile.timezone)
    rows = (
        Review.objects.filter(
            user=user, reviewed_at__gte=start, rating=AGAIN, undone=False, source="study"
        )
        .filter(Q(card__status=Card.Status.ACTIVE))
        .order_by("reviewed_at", "pk")
        .values_list("card_id", flat=True)
    )
    return list(dict.fromkeys(rows))
