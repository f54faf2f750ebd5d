"""Hiding cards: suspend (until the learner lets it back), bury (until tomorrow), and leeches
(cards that lapse so often they suspend themselves; see `answering.LEECH_LAPSES`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet

from quiz.models import Card, CardState, StudyProfile
from quiz.scheduling import NEW
from quiz.study import fastsql
from quiz.study.new_cards import rewind_new_cursor
from quiz.study.profile import profile_for
from quiz.study.states import state_at_version
from quiz.study.timing import day_bounds


def _change(
    *, user: AbstractBaseUser, card: Card, version: int, now: datetime, **fields: Any
) -> bool:
    with transaction.atomic():
        state, _inserted = state_at_version(user=user, card=card, version=version, now=now)
        return state is not None and fastsql.conditional_update(state, **fields)


def suspend_card(*, user: AbstractBaseUser, card: Card, version: int, now: datetime) -> bool:
    return _change(user=user, card=card, version=version, now=now, suspended=True)


def bury_card(
    *,
    user: AbstractBaseUser,
    card: Card,
    version: int,
    now: datetime,
    profile: StudyProfile | None = None,
) -> bool:
    """Hide the card until the learner's next day starts."""
    profile = profile or profile_for(user)
    _start, end = day_bounds(now=now, timezone=profile.timezone)
    return _change(user=user, card=card, version=version, now=now, buried_until=end)


def unsuspend(*, state: CardState) -> bool:
    """Let a suspended card (a leech, say) back into the queue; it stays marked a leech."""
    if not state.suspended or not fastsql.conditional_update(state, suspended=False):
        return False
    if state.state == NEW:
        rewind_new_cursor(user=state.user, card=state.card)
    return True


def leeches(*, user: AbstractBaseUser) -> QuerySet[CardState]:
    """The learner's leeches and any other suspended cards, worst first."""
    return (
        CardState.objects.filter(user=user)
        .filter(Q(is_leech=True) | Q(suspended=True))
        .select_related("card__topic", "card__deck")
        .order_by("-lapses", "card__deck__title", "card__order")
    )
