"""Answering a card, undoing an answer, and timing how long the card was on screen.

The review log is append-only; undo restores the snapshot in `state_before` and marks the
review `undone`. The first CardState is created through the unique (user, card) constraint, so
two first answers cannot both create one (`states.state_at_version`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction

from quiz import tally
from quiz.models import Card, CardState, Review, StudyProfile
from quiz.scheduling import AGAIN, NEW, RATINGS, REVIEW, Memory, review
from quiz.study import fastsql
from quiz.study.new_cards import rewind_new_cursor
from quiz.study.profile import profile_for, scheduler_for
from quiz.study.states import fuzz_seed, memory_of, snapshot, state_at_version

# A card left on screen while the learner makes tea is not 20 minutes of study (Anki caps at 60 s).
MAX_DURATION_MS = 60_000
LEECH_LAPSES = 8
# After the first leech mark, every fourth further lapse suspends the card again.
LEECH_REPEAT = 4
_STOPWATCH_SALT = "quiz.study.shown"  # unchanged, so pages open during a deploy stay valid


@dataclass(frozen=True)
class AnswerResult:
    recorded: bool
    review: Review | None = None
    state: CardState | None = None
    became_leech: bool = False
    # The rows of the `then` statements sent with the write (`fastsql.record_answer`), if sent.
    then_rows: list[list[tuple[Any, ...]]] | None = None
    # The learner's state rows for the card this answer wrote: its first row's INSERT, the
    # UPDATE (each bumps the deck's generation: `queue_memo`).
    rows_written: int = 0


def answer_card(
    *,
    user: AbstractBaseUser,
    card: Card,
    rating: int,
    version: int,
    now: datetime,
    duration_ms: int | None = None,
    source: str = "study",
    profile: StudyProfile | None = None,
    state: CardState | None = None,
    then: list[tuple[str, list[Any]]] | None = None,
    guard: tuple[str, list[Any]] | None = None,
) -> AnswerResult:
    """Record one answer. A stale `version` (or a retired card) records nothing.

    `state` may pass the learner's state row for `card` as already read (`load_card_and_state`)
    to save reading it again; the conditional UPDATE still refuses it if it changed meanwhile.
    `then`: statements to send with the write where that saves a round trip (their rows in
    `then_rows`; `fastsql.record_answer`). `guard`: a further condition of the write
    (`fastsql.unchanged`, for an answer computed from remembered rows).
    """
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1-4, not {rating!r}")
    if card.status != Card.Status.ACTIVE:
        return AnswerResult(recorded=False)
    profile = profile or profile_for(user)
    scheduler = scheduler_for(profile)
    inserted = False
    if state is not None:
        # Read by the caller: only this learner's row for this card, still at `version`.
        if state.user_id != user.pk or state.card_id != card.pk or state.version != version:
            state = None
    else:
        state, inserted = state_at_version(user=user, card=card, version=version, now=now)
    if state is None:
        return AnswerResult(recorded=False)
    before = snapshot(state)
    after = review(
        memory_of(state),
        rating,
        now=now,
        scheduler=scheduler,
        fuzz_seed=fuzz_seed(card.pk, state.reps),
    )
    lapsed = state.state == REVIEW and rating == AGAIN
    lapses = state.lapses + (1 if lapsed else 0)
    became_leech = lapsed and lapses >= LEECH_LAPSES and (lapses - LEECH_LAPSES) % LEECH_REPEAT == 0
    fields = {
        "state": after.state,
        "step": after.step,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": after.due,
        "last_review": after.last_review,
        "reps": state.reps + 1,
        "lapses": lapses,
        "suspended": state.suspended or became_leech,
        "is_leech": state.is_leech or became_leech,
    }
    if duration_ms is not None:
        duration_ms = max(0, min(MAX_DURATION_MS, duration_ms))
    logged = fastsql.unsaved(
        Review,
        user=user,
        card=card,
        rating=rating,
        reviewed_at=now,
        duration_ms=duration_ms,
        state_before=before,
        # The row as the conditional UPDATE leaves it (what `snapshot` reads afterwards).
        state_after={**before, **after.as_json(), **_counters(fields, state.version + 1)},
        source=source,
    )
    # The statistics' summary of the log, written with the answer or not at all (quiz.tally).
    counted = (
        tally.increments(
            user_id=user.pk,
            at=now,
            rating=rating,
            before=before,
            zone=profile.day_tally_zone,
            quote=fastsql.qn,
        )
        if source == "study"
        else []
    )
    # The conditional UPDATE, the review and its tally: all or none. Nothing above needs a
    # transaction: creating the first state row is idempotent, and the UPDATE refuses a row
    # that changed since it was read.
    recorded, then_rows = fastsql.record_answer(state, fields, logged, counted, then, guard)
    if not recorded:
        return AnswerResult(recorded=False, then_rows=then_rows, rows_written=int(inserted))
    return AnswerResult(
        recorded=True,
        review=logged,
        state=state,
        became_leech=became_leech,
        then_rows=then_rows,
        rows_written=int(inserted) + 1,
    )


def _counters(fields: dict[str, Any], version: int) -> dict[str, Any]:
    """The snapshot's fields besides the memory, from an answer's new values."""
    names = ("reps", "lapses", "suspended", "is_leech")
    return {**{name: fields[name] for name in names}, "version": version}


def last_review(*, user: AbstractBaseUser) -> Review | None:
    """The learner's latest study answer that undo would reverse."""
    return (
        Review.objects.filter(user=user, undone=False, source="study")
        .order_by("-pk")
        # What undo needs besides the snapshots (read when undoing), so no field is fetched alone.
        .only("pk", "card_id", "rating", "reviewed_at", "source")
        .first()
    )


def undo_review(*, user: AbstractBaseUser, review_row: Review) -> CardState | None:
    """Put the card back exactly as it was before `review_row` and mark the review undone.

    Only the learner's latest not-undone study review can be undone, and only while the card is
    still as that review left it (same rep count). The version is bumped, not restored, so an
    answer form from before the undo stays stale. Returns the restored state, or None.
    """
    with transaction.atomic():
        latest = last_review(user=user)
        if latest is None or latest.pk != review_row.pk or review_row.user_id != user.pk:
            return None
        state = (
            CardState.objects.select_for_update().filter(user=user, card_id=review_row.card_id)
        ).first()
        if state is None or state.reps != review_row.state_after.get("reps"):
            return None
        before = review_row.state_before
        memory = Memory.from_json(before)
        buried = before.get("buried_until")
        restored = fastsql.conditional_update(
            state,
            state=memory.state,
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=memory.due or state.due,
            last_review=memory.last_review,
            reps=before.get("reps", 0),
            lapses=before.get("lapses", 0),
            suspended=before.get("suspended", False),
            buried_until=datetime.fromisoformat(buried) if buried else None,
            is_leech=before.get("is_leech", False),
        )
        if not restored:
            return None
        marked = Review.objects.filter(pk=review_row.pk, undone=False).update(undone=True)
        review_row.undone = True
        if marked and review_row.source == "study":
            tally.record(
                user_id=user.pk,
                at=review_row.reviewed_at,
                rating=review_row.rating,
                before=before,
                delta=-1,
            )
    if memory.state == NEW:
        rewind_new_cursor(user=user, card=review_row.card)
    return state


def undo_last(*, user: AbstractBaseUser) -> Review | None:
    """Undo the latest study answer; returns the review undone, or None."""
    latest = last_review(user=user)
    if latest is None or undo_review(user=user, review_row=latest) is None:
        return None
    return latest


# --- how long a card was on screen ---------------------------------------------------------------


def stopwatch_token(*, card_id: int, now: datetime, version: int = 0) -> str:
    """Signed "card X was put on screen at T, in version V".

    The version is the card *as it was shown*: a reveal or an answer carrying it is stale once
    the card changed (answered in another tab, or a page the browser brought back from its
    history). The time lets the server's clock, not the browser's, measure the answer.
    """
    return signing.dumps([card_id, int(now.timestamp() * 1000), version], salt=_STOPWATCH_SALT)


@dataclass(frozen=True)
class ShownToken:
    card_id: int
    shown_ms: int
    # None for a token issued before tokens named the version (a page open across a deploy):
    # the answer's own version field is then all there is to go on.
    version: int | None

    def matches(self, version: int) -> bool:
        """Issued for the card in `version` (or before tokens said)."""
        return self.version in (version, None)

    def duration_ms(self, now: datetime) -> int | None:
        """Milliseconds since the card was shown, capped at MAX_DURATION_MS."""
        elapsed = int(now.timestamp() * 1000) - self.shown_ms
        # Over a day: not a measurement of anything (a tab left open), so no duration at all.
        return None if elapsed > 86_400_000 else max(0, min(MAX_DURATION_MS, elapsed))


def read_token(token: str, *, card_id: int) -> ShownToken | None:
    """The token's card, time and version; None if it is not ours or names another card.

    No age limit here: a card left on screen for days is still the card it was (its answer's
    duration is left out instead, by `duration_from_token`)."""
    try:
        token_card, shown_ms, *version = signing.loads(token, salt=_STOPWATCH_SALT)
        shown = ShownToken(
            card_id=int(token_card),
            shown_ms=int(shown_ms),
            version=int(version[0]) if version else None,
        )
    except (signing.BadSignature, TypeError, ValueError, IndexError):
        return None
    return shown if shown.card_id == card_id else None


def token_matches(token: str, *, card_id: int, version: int) -> bool:
    """Whether `token` was issued for card `card_id` in `version` (or before tokens said)."""
    shown = read_token(token, card_id=card_id)
    return shown is not None and shown.matches(version)


def duration_from_token(token: str, *, card_id: int, now: datetime) -> int | None:
    """Milliseconds since the card was shown, capped at MAX_DURATION_MS; None if not ours."""
    shown = read_token(token, card_id=card_id)
    return None if shown is None else shown.duration_ms(now)
