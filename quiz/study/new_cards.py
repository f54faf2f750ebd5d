"""New cards in notes order, found through a per-deck cursor kept in the learner's profile.

A new card is an active card this learner has never answered (no CardState, or one still NEW
after an undo). Walking the deck's (deck, status, order) index with NOT EXISTS would step over
every studied card on each request, so each deck keeps a cursor in the profile: every active
card before it is studied. The walk starts there and moves the cursor to the first unstudied
card it meets. A re-import (new `Deck.imported_at`) resets the cursor, and undoing a card's first
answer (or unsuspending a new card) moves it back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from quiz.models import Card, StudyProfile
from quiz.scheduling import NEW
from quiz.study import fastsql
from quiz.study.profile import profile_for
from quiz.study.scope import Scope

# Room in each notes-order window for suspended or buried new cards stepped over.
_NEW_SLACK = 10


def first_new_cards(
    *,
    user: AbstractBaseUser,
    scope: Scope,
    profile: StudyProfile,
    now: datetime,
    limit: int,
    decks: list[tuple[int, datetime | None]] | None = None,
    prefetched: Windows | None = None,
) -> list[tuple[int, int]]:
    """Up to `limit` new cards in notes order as (card id, state version or 0).

    `decks` may pass every deck's (id, imported_at) by title, as `fastsql.deck_stamps` reads
    them, when the caller has them already; `prefetched`, windows already read (`first_walk`).
    """
    if scope.deck is not None:
        decks = [(scope.deck.pk, scope.deck.imported_at)]
    elif decks is None:
        decks = fastsql.deck_stamps()
    cursors: dict[str, Any] = profile.new_cursors or {}
    changed = False
    found: list[tuple[int, int]] = []
    for deck_id, imported_at in decks:
        position, stamp, exhausted = _cursor_start(cursors, deck_id, imported_at)
        if exhausted and scope.topic is None:
            continue
        needed = limit - len(found)
        first_unstudied, last_seen = _walk_new(
            user=user,
            deck_id=deck_id,
            topic_ids=scope.topic_ids if scope.topic is not None else None,
            position=position,
            now=now,
            needed=needed,
            found=found,
            prefetched=prefetched,
        )
        if scope.topic is None:
            # The first unstudied card in notes order, blocked or not, is where the walk resumes;
            # with none left the deck is exhausted until an import or an undo.
            if first_unstudied is not None:
                new_cursor = [first_unstudied, stamp, False]
            else:
                new_cursor = [last_seen if last_seen is not None else position, stamp, True]
            if cursors.get(str(deck_id)) != new_cursor:
                cursors[str(deck_id)] = new_cursor
                changed = True
        if len(found) >= limit:
            break
    if changed:
        profile.new_cursors = cursors
        StudyProfile.objects.filter(pk=profile.pk).update(new_cursors=cursors)
    return found[:limit]


def _cursor_start(
    cursors: dict[str, Any], deck_id: int, imported_at: datetime | None
) -> tuple[int, str | None, bool]:
    """Where a deck's walk starts: (position, the deck's import stamp, exhausted), from its
    cursor, or from the deck's start when the cursor is missing or from another import."""
    stamp = imported_at.isoformat() if imported_at else None
    position, cursor_stamp, exhausted = cursors.get(str(deck_id), (0, None, False))
    if cursor_stamp != stamp:
        position, exhausted = 0, False
    return position, stamp, exhausted


# Windows read ahead: (deck id, topic ids, position) -> (size asked, the rows read).
Windows = dict[tuple[int, tuple[int, ...] | None, int], tuple[int, list[fastsql.NewCardRow]]]


def first_walk(
    *,
    scope: Scope,
    profile: StudyProfile,
    limit: int,
    decks: list[tuple[int, datetime | None]],
) -> tuple[tuple[int, tuple[int, ...] | None, int], int] | None:
    """Where `first_new_cards` (with these arguments, `decks` by title) reads its first window,
    and at least how big it is: ((deck id, topic ids, position), size), or None when it reads
    none. The walk may read further, from there, for what the window did not hold."""
    if limit <= 0:
        return None
    if scope.deck is not None:
        decks = [(scope.deck.pk, scope.deck.imported_at)]
    cursors: dict[str, Any] = profile.new_cursors or {}
    for deck_id, imported_at in decks:
        position, _stamp, exhausted = _cursor_start(cursors, deck_id, imported_at)
        if exhausted and scope.topic is None:
            continue
        topic_ids = scope.topic_ids if scope.topic is not None else None
        return (deck_id, topic_ids, position), limit + _NEW_SLACK
    return None


def _walk_new(
    *,
    user: AbstractBaseUser,
    deck_id: int,
    topic_ids: tuple[int, ...] | None,
    position: int,
    now: datetime,
    needed: int,
    found: list[tuple[int, int]],
    prefetched: Windows | None = None,
) -> tuple[int | None, int | None]:
    """Walk a deck's active cards in notes order from `position`, a window at a time, appending
    available new cards to `found` until `needed` more are found or the deck ends.

    Returns (order of the first unstudied card met, order of the last card seen).
    """
    # Sized for the usual case, a cursor on the first unstudied card: every row from there is a
    # new card but for the few suspended or buried ones. Each answer reads this window, so it
    # is no bigger than that; a walk that meets studied cards takes bigger steps below.
    window = needed + _NEW_SLACK
    goal = len(found) + needed
    first_unstudied: int | None = None
    last: tuple[int, int] | None = None
    while True:
        read = (prefetched or {}).get((deck_id, topic_ids, position)) if last is None else None
        if read is not None and read[0] >= window:
            # The same cards the statement below would read: a window at least this big, read
            # from the same place in the same order, cut to this size.
            rows = read[1][:window]
        else:
            rows = fastsql.new_card_window(
                user=user,
                deck_id=deck_id,
                topic_ids=topic_ids,
                position=position,
                after=last,
                size=window,
            )
        for pk, order_value, state, suspended, buried, version in rows:
            if (state is not None and state != NEW) or suspended:
                continue  # studied, or suspended (unsuspending a new card rewinds the cursor)
            if first_unstudied is None:
                first_unstudied = order_value
            if buried is not None and buried > now:
                continue
            found.append((pk, version or 0))
            if len(found) >= goal:
                return first_unstudied, order_value
        if len(rows) < window:
            return first_unstudied, rows[-1][1] if rows else (last[0] if last else None)
        last = (rows[-1][1], rows[-1][0])
        if first_unstudied is None:
            # A long run of studied cards (a cold cursor after an import): take bigger steps.
            window = min(window * 4, 8192)


def rewind_new_cursor(*, user: AbstractBaseUser, card: Card) -> None:
    profile = profile_for(user)
    cursors = dict(profile.new_cursors or {})
    cursor = cursors.get(str(card.deck_id))
    if cursor and (cursor[0] > card.order or cursor[2]):
        cursors[str(card.deck_id)] = [min(cursor[0], card.order), cursor[1], False]
        StudyProfile.objects.filter(pk=profile.pk).update(new_cursors=cursors)
