"""What the next study screen needs, gathered in one call so a view parses, calls once, renders.

`screen` is the page as it stands; `answer_and_next` records an answer and returns the screen
after it. The view turns these plain results into HTML; it calls nothing else here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from quiz.models import Card, Deck, Review, StudyProfile
from quiz.study import answer_memo, fastsql, queue_memo
from quiz.study.answering import (
    AnswerResult,
    answer_card,
    last_review,
    read_token,
    stopwatch_token,
)
from quiz.study.profile import profile_for, scheduler_for
from quiz.study.queue import Prefetched, Queue, Shown, memo_key, next_card, queue_reads
from quiz.study.scope import Scope, scope_for, scope_from_key
from quiz.study.summary import SessionSummary, session_summary


@dataclass
class Screen:
    """Everything the study page shows: the queue, the card on screen (with its stopwatch token,
    and the four interval previews once revealed), or the summary when nothing is left."""

    scope: Scope
    queue: Queue
    shown: Shown | None
    token: str | None
    intervals: dict[int, timedelta] | None
    summary: SessionSummary | None
    undo_review: Review | None


def intervals_for(shown: Shown, *, profile: StudyProfile, now: datetime) -> dict[int, timedelta]:
    """The interval each rating would give the card now (the buttons' previews)."""
    return shown.intervals(now=now, scheduler=scheduler_for(profile))


def screen(
    *,
    user: AbstractBaseUser,
    scope: Scope,
    since: datetime,
    now: datetime,
    profile: StudyProfile | None = None,
    shown: Shown | None = None,
    revealed: bool = False,
    token: str | None = None,
    undo_review: Review | None = None,
    prefetched: Prefetched | None = None,
) -> Screen:
    """The study page now: `shown` (a card asked for) or the queue's next card, or the summary;
    `prefetched`, the queue's first reads already made (`queue_reads`)."""
    profile = profile or profile_for(user)
    queue = next_card(user=user, scope=scope, now=now, profile=profile, prefetched=prefetched)
    shown = shown or queue.shown
    summary = intervals = None
    if shown is not None:
        token = token or stopwatch_token(card_id=shown.card.pk, now=now, version=shown.version)
        if revealed:
            intervals = intervals_for(shown, profile=profile, now=now)
    else:
        summary = session_summary(user=user, scope=scope, since=since, now=now, profile=profile)
    return Screen(
        scope=scope,
        queue=queue,
        shown=shown,
        token=token if shown is not None else None,
        intervals=intervals,
        summary=summary,
        undo_review=undo_review or last_review(user=user),
    )


def _deck_of_key(scope_key: str) -> int | None:
    """The deck id of a "deck:ID" scope key (as `scope_from_key` reads it), else None."""
    kind, _, raw_id = scope_key.partition(":")
    if kind != "deck":
        return None
    return int(raw_id)  # ValueError for a malformed key, as scope_from_key raises


@dataclass
class Answered:
    scope: Scope
    result: AnswerResult
    screen: Screen | None


def answer_and_next(
    *,
    user: AbstractBaseUser,
    scope_key: str,
    card_id: int,
    rating: int,
    version: int,
    token: str,
    since: datetime,
    now: datetime,
    with_screen: bool = True,
    remember: bool = True,
) -> Answered:
    """Answer card `card_id` and, when `with_screen`, return the screen that follows.

    Raises Card/Deck/Topic.DoesNotExist (or ValueError for a malformed scope) for what is not
    there; a stale `version` records nothing (`result.recorded` is False). `remember`: answer
    from the inputs remembered with the screen (`answer_memo`) when they are this card's.
    """
    # A deck being studied (the usual scope) is read with the card: one query fewer.
    deck_id = _deck_of_key(scope_key)
    if deck_id is not None and not 0 < deck_id < 2**63:
        raise Deck.DoesNotExist(f"Deck {deck_id} does not exist")
    # Where the next screen's reads go out with the write (PostgreSQL), studying everything
    # needs the decks by title first: read with the card.
    batched = with_screen and fastsql.sends_reads_with_writes()
    # The card this process just put on screen is answered from what the screen was built
    # from, unread; the write's guard refuses it if any of that changed (`answer_memo`).
    remembered = None
    if with_screen and remember:
        remembered = answer_memo.take(
            user.pk, scope_key=scope_key, card_id=card_id, version=version
        )
    guard = None
    if remembered is not None:
        card, state, profile = remembered.card, remembered.state, remembered.profile
        scope, decks = remembered.scope, remembered.decks
        guard = fastsql.unchanged(
            state_values=remembered.state_values, card=card, profile=profile, deck=scope.deck
        )
    else:
        card, state, profile, deck, decks = fastsql.load_for_answer(
            card_id, user=user, deck_id=deck_id, with_decks=batched and scope_key in ("", "all")
        )
        if deck_id is not None:
            if deck is None:
                raise Deck.DoesNotExist(f"Deck {deck_id} does not exist")
            scope = scope_for(deck=deck)
        else:
            scope = scope_from_key(scope_key)
        if card is None:
            raise Card.DoesNotExist(f"Card {card_id} does not exist")
        profile = profile or profile_for(user)  # a learner's first visit creates it
    shown = read_token(token, card_id=card.pk) if token else None  # verified once
    reads = None
    key = memo_key(user=user, scope=scope, now=now, profile=profile) if with_screen else None
    known = queue_memo.recall(key, now) if key is not None else None
    # The state rows this answer writes in the scope, as far as known before it writes: its
    # UPDATE, and the INSERT of the card's first row when there is none (checked afterwards).
    deck_of_state = state.deck_id if state is not None else card.deck_id
    expected_rows = (1 + (state is None)) if _writes_in(scope, deck_of_state) else 0
    if token and (shown is None or not shown.matches(version)):
        # The form and the card it showed disagree: answer nothing rather than guess.
        result = AnswerResult(recorded=False)
    else:
        if batched:
            expected = None
            if known is not None:
                expected = queue_memo.advance(known.fingerprint, expected_rows)
            reads = queue_reads(
                user=user,
                scope=scope,
                now=now,
                profile=profile,
                decks=decks,
                expected=expected,
                known_window=known.window if known is not None else None,
                # Remembered decks may be a screen old: read them again with the write.
                read_decks=remembered is not None and decks is not None,
            )
        result = answer_card(
            user=user,
            card=card,
            rating=rating,
            version=version,
            now=now,
            duration_ms=shown.duration_ms(now) if shown is not None else None,
            profile=profile,
            state=state,
            then=reads.statements if reads is not None else None,
            guard=guard,
        )
    if remembered is not None and not result.recorded:
        # Something the answer was computed from changed since the screen was built, or the
        # card was answered elsewhere, or the form disagrees with itself: whatever the screen
        # after says is then made from what the database holds now, not from the memory.
        return answer_and_next(
            user=user, scope_key=scope_key, card_id=card_id, rating=rating, version=version,
            token=token, since=since, now=now, with_screen=with_screen, remember=False,
        )  # fmt: skip
    if key is not None and known is not None:
        _note_own_write(
            key,
            known,
            result,
            scope=scope,
            card=card,
            now=now,
            batched=batched,
            expected_rows=expected_rows,
        )
    prefetched = None
    if reads is not None and result.then_rows is not None:
        prefetched = reads.read(result.then_rows)
    after = (
        screen(
            user=user,
            scope=scope,
            since=since,
            now=now,
            profile=profile,
            undo_review=result.review,
            prefetched=prefetched,
        )
        if with_screen
        else None
    )
    next_shown = after.shown if after is not None else None
    # Not a topic's scope (it holds the topic's subtopics as read, which no guard covers) nor
    # a custom one (built from more than its key says).
    rememberable = scope.topic is None and not scope.is_custom
    # Only a card shown from the queue's own read of its state row (nearly every one).
    if next_shown is not None and next_shown.state_values is not None and rememberable:
        answer_memo.remember(
            user.pk,
            answer_memo.Inputs(
                scope=scope,
                card=fastsql.detached(next_shown.card, fastsql.ANSWERED_CARD),
                state=fastsql.detached(next_shown.state),
                state_values=next_shown.state_values,
                profile=profile,
                decks=prefetched.decks if prefetched is not None else decks,
            ),
        )
    return Answered(scope=scope, result=result, screen=after)


def _writes_in(scope: Scope, deck_id: int) -> bool:
    """Whether a write of a state in deck `deck_id` moves the scope's fingerprint (its decks'
    generations: `queue_memo`)."""
    if scope.deck is None:
        return True
    return deck_id == scope.deck.pk


def _counted_in(scope: Scope, *, deck_id: int, topic_id: int | None) -> bool:
    """Whether a state of a card in this deck and topic is among the scope's states."""
    if scope.topic is not None:
        return deck_id == scope.topic.deck_id and topic_id in scope.topic_ids
    return _writes_in(scope, deck_id)


def _note_own_write(
    key: queue_memo.Key,
    known: queue_memo.Remembered,
    result: AnswerResult,
    *,
    scope: Scope,
    card: Card,
    now: datetime,
    batched: bool,
    expected_rows: int,
) -> None:
    """Carry the remembered review count through this answer's own write (`queue_memo`): the
    fingerprint moves by the rows it wrote in the scope, the count by whether the card was
    counted before and is after. Forgotten when the answer wrote nothing it can account for."""
    if not result.recorded or result.state is None or result.review is None:
        queue_memo.forget(key)
        return
    after = result.state
    rows = result.rows_written if _writes_in(scope, after.deck_id) else 0
    if batched and rows != expected_rows:
        # The statement sent with the write expected another fingerprint: count again.
        queue_memo.forget(key)
        return
    delta = 0
    if _counted_in(scope, deck_id=after.deck_id, topic_id=card.topic_id):
        # The state before the answer, as the review logged it (`snapshot`).
        before = result.review.state_before
        was_counted = queue_memo.counted(
            state=before["state"],
            due=_iso(before.get("due")),
            suspended=before["suspended"],
            buried_until=_iso(before.get("buried_until")),
            now=now,
            day_end=key.day_end,
        )
        is_counted = queue_memo.counted(
            state=after.state,
            due=after.due,
            suspended=after.suspended,
            buried_until=after.buried_until,
            now=now,
            day_end=key.day_end,
        )
        delta = int(is_counted) - int(was_counted)
    queue_memo.store(
        key,
        queue_memo.after_own_write(
            known, cap=key.cap, rows_written=rows, delta=delta, card_id=card.pk
        ),
    )


def _iso(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
