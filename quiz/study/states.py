"""A learner's CardState as plain scheduling data, and reading it at a known version.

Every change to a CardState is a conditional `UPDATE ... WHERE version = N`
(`fastsql.conditional_update`): a replayed or stale POST (double click, back button, second tab)
changes nothing, even when two processes answer at once on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from quiz.models import Card, CardState
from quiz.scheduling import Memory
from quiz.study import fastsql


def fuzz_seed(card_id: int, reps: int) -> int:
    """Same seed for the preview and the answer, different for each review of the card."""
    return card_id * 1000 + reps


def memory_of(state: CardState) -> Memory:
    return Memory(
        state=state.state,
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


def snapshot(state: CardState) -> dict[str, Any]:
    """Everything undo needs to put a CardState back exactly (the review log's before/after)."""
    return {
        **memory_of(state).as_json(),
        "reps": state.reps,
        "lapses": state.lapses,
        "suspended": state.suspended,
        "buried_until": state.buried_until.isoformat() if state.buried_until else None,
        "is_leech": state.is_leech,
        "version": state.version,
    }


def state_at_version(
    *, user: AbstractBaseUser, card: Card, version: int, now: datetime
) -> tuple[CardState | None, bool]:
    """The learner's state row if its version is still `version` (None for a stale token), and
    whether this call inserted it.

    Version 0 means "never changed": the row is created here if missing, by an INSERT that the
    unique (user, card) constraint turns into a no-op when the row exists (ON CONFLICT DO
    NOTHING: one statement where get_or_create takes a read, a savepoint, an insert and its
    release). The row it inserts is the one returned; of two concurrent first answers the one
    whose INSERT did nothing reads the row, and the conditional UPDATE lets only one of them
    change it.
    """
    if version == 0:
        fresh = CardState(
            user=user, card=card, deck_id=card.deck_id, topic_id=card.topic_id, due=now
        )
        if fastsql.insert_first_state(fresh):
            return fresh, True
    state = fastsql.load_state(user=user, card=card)
    if state is None or state.version != version:
        return None, False
    return state, False
