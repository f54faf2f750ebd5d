"""Which card comes next: learning cards due now first, then reviews due today and new cards
(notes order) interleaved so both run out together, then learning cards due within LEARN_AHEAD.

The rule itself is `choose_next`, a pure function of the candidates, today's counts and the
learner's new-card limit; `next_card` gathers the candidates (`fastsql`, `new_cards`) and loads
the chosen card.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import fsrs
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q

from quiz.models import Card, CardState, Review, StudyProfile
from quiz.scheduling import NEW, REVIEW, Memory, preview
from quiz.study import fastsql, queue_memo
from quiz.study.counts import create_rows
from quiz.study.new_cards import Windows, first_new_cards, first_walk
from quiz.study.profile import profile_for
from quiz.study.scope import Scope
from quiz.study.states import fuzz_seed, memory_of
from quiz.study.timing import day_bounds

# With nothing else left, learning cards due this soon are shown early (Anki's learn-ahead).
LEARN_AHEAD = timedelta(minutes=20)
# "Left" counts stop here: a learner with 5,000 reviews a day need not fetch 5,000 ids per card.
QUEUE_COUNT_CAP = 1000


@dataclass(frozen=True)
class TodayCounts:
    new: int
    reviews: int
    total: int


def today_counts(*, user: AbstractBaseUser, start: datetime) -> TodayCounts:
    """Study answers since the day boundary: new cards introduced, review cards answered."""
    counted = fastsql.count_today(user=user, start=start)
    if counted is not None:
        total, new, reviews = counted
        return TodayCounts(new=new, reviews=reviews, total=total)
    row = Review.objects.filter(
        user=user, reviewed_at__gte=start, undone=False, source="study"
    ).aggregate(
        total=Count("id"),
        new=Count("id", filter=Q(state_before__state=NEW)),
        reviews=Count("id", filter=Q(state_before__state=REVIEW)),
    )
    return TodayCounts(new=row["new"], reviews=row["reviews"], total=row["total"])


# --- the rule (pure) -----------------------------------------------------------------------------


class Counted(Sequence):
    """An ordered list of which only the first items were read, and its full length.

    The queue counts the cards due in the database and reads only the first of each kind: the
    rule needs no more of a list than its length and its first item.
    """

    def __init__(self, items: Sequence[Any], length: int) -> None:
        if length < len(items):
            raise ValueError("a list is at least as long as its first items")
        self._items = tuple(items)
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> Any:
        # Only what was read: an index past it raises IndexError, as past the end of a list.
        return self._items[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"Counted({list(self._items)!r}, {self._length})"


@dataclass(frozen=True)
class Candidates:
    """What could be shown next, each list in the order it would be shown.

    `learning`: (state id, due) of learning cards due within LEARN_AHEAD, soonest first;
    `reviews`: state ids of review cards due today, most overdue first;
    `new`: (card id, state version or 0) of new cards in notes order.
    The rule reads each list's length and first item only, so a list may be `Counted`.
    """

    learning: Sequence[tuple[int, datetime]] = ()
    reviews: Sequence[int] = ()
    new: Sequence[tuple[int, int]] = ()


@dataclass(frozen=True)
class Pick:
    """The chosen card: a state row (`state_id`) or a new card (`card_id` at `version`)."""

    state_id: int | None = None
    card_id: int | None = None
    version: int = 0


def choose_next(
    candidates: Candidates, *, today: TodayCounts, new_per_day: int, now: datetime
) -> Pick | None:
    """The next card to show, or None when nothing is left.

    Learning cards due now come first. Reviews and new cards are interleaved: a new card is
    shown while the share of today's new-card limit used is no ahead of the share of today's
    reviews done, so both run out together. With neither left, a learning card due within the
    learn-ahead window is shown early.
    """
    learning = candidates.learning
    if learning and learning[0][1] <= now:
        # The soonest learning card is due: learning cards due now come first.
        return Pick(state_id=learning[0][0])
    reviews, new = candidates.reviews, candidates.new
    if reviews and new:
        new_share = today.new / max(1, new_per_day)
        review_share = today.reviews / (today.reviews + len(reviews))
        if new_share <= review_share:
            return Pick(card_id=new[0][0], version=new[0][1])
        return Pick(state_id=reviews[0])
    if reviews:
        return Pick(state_id=reviews[0])
    if new:
        return Pick(card_id=new[0][0], version=new[0][1])
    if candidates.learning:
        return Pick(state_id=candidates.learning[0][0])
    return None


# --- gathering and loading ------------------------------------------------------------------------


@dataclass
class Shown:
    """A card ready to show: its memory and the version its answer must carry."""

    card: Card
    memory: Memory
    reps: int
    version: int
    is_new: bool
    # The state row it was built from, when there is one (what an answer to it is computed
    # from: `answer_memo`), and that row as the database sent it, when known.
    state: CardState | None = field(default=None, compare=False, repr=False)
    state_values: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of_state(cls, state: CardState, card: Card, values: tuple[Any, ...] | None = None) -> Shown:
        """`card` as the learner's state row `state` has it (`values`: the row as read)."""
        return cls(
            card=card,
            memory=memory_of(state),
            reps=state.reps,
            version=state.version,
            is_new=state.state == NEW,
            state=state,
            state_values=values,
        )

    def intervals(self, *, now: datetime, scheduler: fsrs.Scheduler) -> dict[int, timedelta]:
        return preview(
            self.memory, now=now, scheduler=scheduler, fuzz_seed=fuzz_seed(self.card.pk, self.reps)
        )


@dataclass
class Queue:
    shown: Shown | None
    learning: int
    reviews: int
    new: int
    reviewed_today: int

    @property
    def left(self) -> int:
        return self.learning + self.reviews + self.new


def shown_for(*, user: AbstractBaseUser, card: Card) -> Shown:
    """A specific card as the learner would see it now (used after undo and to reveal)."""
    state = fastsql.load_state(user=user, card=card)
    if state is None:
        return Shown(card=card, memory=Memory(), reps=0, version=0, is_new=True)
    return Shown.of_state(state, card)


@dataclass(frozen=True)
class Prefetched:
    """`next_card`'s first reads, already made (`QueueReads.read`): the heads, the decks by
    title and the first new-card window."""

    heads: fastsql.QueueHeads
    decks: list[tuple[int, datetime | None]] | None
    windows: Windows


@dataclass(frozen=True)
class QueueReads:
    """`next_card`'s first reads as statements, built before they run: sent with an answer's
    write, they cost no round trip of their own (`answer_card`'s `then`). They are what
    `next_card` would run itself at `now`: the heads, and the first new-card window sized for
    today's whole new-card limit (the walk cuts it to what is left)."""

    heads: tuple[str, list[Any]]
    decks: list[tuple[int, datetime | None]] | None
    window: tuple[tuple[int, tuple[int, ...] | None, int], int, tuple[str, list[Any]]] | None

    @property
    def statements(self) -> list[tuple[str, list[Any]]]:
        return [self.heads, *([self.window[2]] if self.window else [])]

    def read(self, rows: list[list[tuple[Any, ...]]]) -> Prefetched:
        """The statements' rows, in order, as `next_card` takes them. Where the heads read the
        decks again and they are not those the window was chosen by, the window is left for
        `next_card` to read."""
        heads = fastsql.parse_queue_heads(rows[0])
        decks = self.decks if heads.decks is None else heads.decks
        windows: Windows = {}
        if self.window is not None and decks == self.decks:
            key, size, _statement = self.window
            windows[key] = (size, fastsql.parse_new_card_window(rows[1]))
        return Prefetched(heads, decks, windows)


# Read ahead only for a daily new-card limit up to this: a bigger window costs more to send than
# a round trip, on the days its limit is reached.
PREFETCH_NEW_MAX = 100


def queue_reads(
    *,
    user: AbstractBaseUser,
    scope: Scope,
    now: datetime,
    profile: StudyProfile,
    decks: list[tuple[int, datetime | None]] | None,
    expected: str | None = None,
    known_window: tuple[Any, int, list[Any]] | None = None,
    read_decks: bool = False,
) -> QueueReads | None:
    """`next_card`'s first statements for these arguments (`decks`: every deck by title, needed
    when the scope is not one deck; `expected`, the fingerprint under which the review count is
    known, as `next_card` takes it; `known_window`, the first new-card window remembered under
    it, not read again; `read_decks`, read the decks again with the heads, `decks` being
    possibly out of date); None for a custom scope, which reads its own way."""
    if scope.is_custom or (scope.deck is None and decks is None):
        return None
    heads = fastsql.queue_heads_statement(
        **_heads_arguments(scope, now, profile, user), with_decks=read_decks, expected=expected
    )
    window = None
    limit = min(QUEUE_COUNT_CAP, profile.new_per_day)
    walk = first_walk(scope=scope, profile=profile, limit=limit, decks=decks or [])
    if (
        walk is not None
        and expected is not None
        and known_window is not None
        and known_window[0] == walk[0]
        and known_window[1] >= walk[1]
    ):
        walk = None  # remembered (`next_card` reads it if the fingerprint says otherwise)
    if walk is not None and limit <= PREFETCH_NEW_MAX:
        (deck_id, topic_ids, position), size = walk
        statement = fastsql.new_card_window_statement(
            user=user, deck_id=deck_id, topic_ids=topic_ids, position=position, after=None,
            size=size,
        )  # fmt: skip
        window = ((deck_id, topic_ids, position), size, statement)
    return QueueReads(heads=heads, decks=decks, window=window)


def _heads_arguments(
    scope: Scope, now: datetime, profile: StudyProfile, user: AbstractBaseUser
) -> dict[str, Any]:
    start, end = day_bounds(now=now, timezone=profile.timezone)
    return {
        "user": user,
        "scope": scope,
        "now": now,
        "day_start": start,
        "learn_until": now + LEARN_AHEAD,
        "reviews_before": end,
        # No more are shown today than the learner's daily review limit, so no more are counted
        # but for the margin a remembered count keeps (`queue_memo`).
        "review_cap": review_cap(profile) + queue_memo.MARGIN,
    }


def review_cap(profile: StudyProfile) -> int:
    """How many review cards the queue says are left at most."""
    return min(QUEUE_COUNT_CAP, profile.max_reviews_per_day)


def memo_key(
    *, user: AbstractBaseUser, scope: Scope, now: datetime, profile: StudyProfile
) -> queue_memo.Key | None:
    """Where `queue_memo` keeps this scope's review count today (None: a custom scope)."""
    if scope.is_custom:
        return None
    _start, end = day_bounds(now=now, timezone=profile.timezone)
    topic_ids = scope.topic_ids if scope.topic is not None else None
    return queue_memo.Key(user.pk, scope.key, topic_ids, end, review_cap(profile))


def _give_decks_their_rows(
    user: AbstractBaseUser,
    scope: Scope,
    decks: list[tuple[int, datetime | None]] | None,
    fingerprint: str | None,
) -> None:
    """A scope whose decks lack their `DeckCounts` rows (made by the dashboard) cannot be
    remembered (`queue_memo`): make them, once, as the dashboard would (its counts start out of
    date); the next answer's count is then remembered."""
    if fingerprint is not None and queue_memo.complete(scope.key, fingerprint):
        return
    deck_ids = [scope.deck.pk] if scope.deck is not None else [pk for pk, _at in decks or []]
    if deck_ids:
        create_rows(user=user, deck_ids=deck_ids)


def _first_window(
    *,
    user: AbstractBaseUser,
    scope: Scope,
    profile: StudyProfile,
    decks: list[tuple[int, datetime | None]] | None,
    key: queue_memo.Key,
    known: queue_memo.Remembered | None,
    windows: Windows | None,
) -> Windows | None:
    """`windows` with the first new-card window the walk reads (`first_walk`): as read with
    the answer, as remembered under an unchanged fingerprint (`known`), or read now; kept with
    the scope's count for the next answer."""
    walk = first_walk(
        scope=scope,
        profile=profile,
        limit=min(QUEUE_COUNT_CAP, profile.new_per_day),
        decks=decks or [],
    )
    if walk is None:
        return windows
    (deck_id, topic_ids, position), size = walk
    windows = dict(windows or {})
    read = windows.get(walk[0])
    if read is None or read[0] < size:
        kept = known.window if known is not None else None
        if kept is not None and kept[0] == walk[0] and kept[1] >= size:
            read = (kept[1], kept[2])
        else:
            rows = fastsql.new_card_window(
                user=user, deck_id=deck_id, topic_ids=topic_ids, position=position, after=None,
                size=size,
            )  # fmt: skip
            read = (size, rows)
        windows[walk[0]] = read
    queue_memo.keep_window(key, (walk[0], read[0], read[1]))
    return windows


def next_card(
    *,
    user: AbstractBaseUser,
    scope: Scope,
    now: datetime,
    profile: StudyProfile | None = None,
    prefetched: Prefetched | None = None,
) -> Queue:
    """The card to show next (`choose_next`) and how many of each sort are left; `prefetched`,
    its first reads already made (`queue_reads`)."""
    profile = profile or profile_for(user)
    if scope.is_custom:
        from quiz.study import custom  # custom builds on this module

        return custom.next_card(user=user, scope=scope, now=now, profile=profile)
    # Today's counts, the learning and review cards due (counted, and the first of each) and
    # the decks, in one statement: range scans of the covering (user, state, due, ...) index.
    key = memo_key(user=user, scope=scope, now=now, profile=profile)
    known = queue_memo.recall(key, now) if key is not None else None
    # What was remembered under the fingerprint the statement read (nothing else was written).
    unchanged: queue_memo.Remembered | None = None
    if prefetched is not None:
        heads, decks, windows = prefetched.heads, prefetched.decks, prefetched.windows
    else:
        heads = fastsql.queue_heads(
            **_heads_arguments(scope, now, profile, user),
            with_decks=scope.deck is None,
            expected=known.fingerprint if known is not None else None,
        )
        decks, windows = heads.decks, None
    if heads.review_count is None and (known is None or known.fingerprint != heads.fingerprint):
        # Read under a fingerprint this process no longer holds (another request of the same
        # learner here replaced it meanwhile): count again.
        heads = fastsql.queue_heads(
            **_heads_arguments(scope, now, profile, user), with_decks=scope.deck is None
        )
    if heads.review_count is not None:
        review_count = heads.review_count
        if key is not None:
            queue_memo.remember(
                key,
                fingerprint=heads.fingerprint,
                reviews=review_count,
                burial_end=heads.burial_end,
            )
            _give_decks_their_rows(user, scope, decks, heads.fingerprint)
    else:
        review_count, unchanged = known.reviews, known
    total, new_today, reviews_today = heads.today
    today = TodayCounts(new=new_today, reviews=reviews_today, total=total)
    learning = Counted(heads.learning, heads.learning_count)
    # Counted up to the cap, then cut to the room today's review limit leaves.
    review_room = min(QUEUE_COUNT_CAP, max(0, profile.max_reviews_per_day - today.reviews))
    reviews_left = min(review_count, review_room)
    reviews = Counted([heads.review] if reviews_left else [], reviews_left)
    new_room = min(QUEUE_COUNT_CAP, max(0, profile.new_per_day - today.new))
    if new_room and key is not None:
        windows = _first_window(
            user=user, scope=scope, profile=profile, decks=decks, key=key, known=unchanged,
            windows=windows,
        )  # fmt: skip
    new = (
        first_new_cards(
            user=user,
            scope=scope,
            profile=profile,
            now=now,
            limit=new_room,
            decks=decks,
            prefetched=windows,
        )
        if new_room
        else []
    )
    pick = choose_next(
        Candidates(learning=learning, reviews=reviews, new=new),
        today=today,
        new_per_day=profile.new_per_day,
        now=now,
    )
    shown: Shown | None = None
    if pick is not None and pick.state_id is not None:
        head = heads.head(pick.state_id)
        if head is not None:
            state, values = head
            shown = Shown.of_state(state, state.card, values)
        else:
            state = fastsql.load_shown_state(pick.state_id)
            shown = Shown.of_state(state, state.card)
    elif pick is not None:
        card = fastsql.load_shown_card(pick.card_id)
        if card is None:
            raise Card.DoesNotExist(f"Card {pick.card_id} does not exist")
        shown = Shown(card=card, memory=Memory(), reps=0, version=pick.version, is_new=True)
    return Queue(
        shown=shown,
        learning=len(learning),
        reviews=len(reviews),
        new=len(new),
        reviewed_today=today.total,
    )
