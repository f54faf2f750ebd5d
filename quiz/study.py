"""Studying: which card comes next, answering it, undo, suspend and bury, leeches, day counts.

Keyword-only functions over the models. The scheduling itself is `quiz.scheduling` (fsrs).

Decisions worth knowing:

- A learner's day starts at 4 am in their own time zone (`DAY_START_HOUR`, as in Anki), so a
  session that runs past midnight still counts toward the evening it started in. Daily limits
  count the non-undone study reviews since that boundary.
- A card has no CardState until it is first answered (or suspended or buried). New cards come in
  notes order (deck, then `Card.order`), interleaved with due reviews so both run out together.
- Every change to a CardState is a conditional `UPDATE ... WHERE version = N`: a replayed or
  stale POST (double click, back button, second tab) changes nothing, even when two processes
  answer at once on PostgreSQL. The first CardState is created through the unique
  (user, card) constraint, so two first answers cannot both create one.
- The review log is append-only; undo restores the snapshot in `state_before` and marks the
  review `undone`.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import fsrs
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, F, Min, Model, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from quiz import tally
from quiz.models import Card, CardState, Deck, Review, StudyProfile, Topic
from quiz.scheduling import (
    AGAIN,
    LEARNING,
    NEW,
    RATINGS,
    RELEARNING,
    REVIEW,
    Memory,
    SchedulerSettings,
    make_scheduler,
    preview,
    review,
)

DAY_START_HOUR = 4
# With nothing else left, learning cards due this soon are shown early (Anki's learn-ahead).
LEARN_AHEAD = timedelta(minutes=20)
# A card left on screen while the learner makes tea is not 20 minutes of study (Anki caps at 60 s).
MAX_DURATION_MS = 60_000
LEECH_LAPSES = 8
# After the first leech mark, every fourth further lapse suspends the card again.
LEECH_REPEAT = 4
# "Left" counts stop here: a learner with 5,000 reviews a day need not fetch 5,000 ids per card.
QUEUE_COUNT_CAP = 1000
# Room in each notes-order window for suspended or buried new cards stepped over.
_NEW_SLACK = 10
_SHOWN_SALT = "quiz.study.shown"

User = AbstractBaseUser


# --- scope -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What is being studied: everything, one deck, or one topic with its subtopics."""

    deck: Deck | None = None
    topic: Topic | None = None
    topic_ids: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        if self.topic is not None:
            return f"topic:{self.topic.pk}"
        if self.deck is not None:
            return f"deck:{self.deck.pk}"
        return "all"

    @property
    def title(self) -> str:
        if self.topic is not None:
            return self.topic.title
        if self.deck is not None:
            return self.deck.title
        return "Everything due"


def scope_for(*, deck: Deck | None = None, topic: Topic | None = None) -> Scope:
    if topic is not None:
        prefix = topic.path + " › "
        ids = Topic.objects.filter(deck_id=topic.deck_id).filter(
            Q(pk=topic.pk) | Q(path__startswith=prefix)
        )
        return Scope(
            deck=topic.deck, topic=topic, topic_ids=tuple(ids.values_list("pk", flat=True))
        )
    return Scope(deck=deck)


def scope_from_key(key: str) -> Scope:
    """ "all", "deck:ID" or "topic:ID" → Scope. Raises Deck/Topic.DoesNotExist or ValueError."""
    if not key or key == "all":
        return Scope()
    kind, _, raw_id = key.partition(":")
    if kind == "deck":
        deck_id = int(raw_id)
        rows = (
            _fetch(
                f"SELECT {_columns(Deck, 'd')} FROM {_qn(_DECK)} d WHERE d.{_qn('id')} = %s",
                [deck_id],
            )
            if 0 < deck_id < 2**63
            else []
        )
        if not rows:
            raise Deck.DoesNotExist(f"Deck {raw_id} does not exist")
        return scope_for(deck=_instance(Deck, rows[0]))
    if kind == "topic":
        return scope_for(topic=Topic.objects.select_related("deck").get(pk=int(raw_id)))
    raise ValueError(f"unknown scope {key!r}")


def _scoped_states(states: QuerySet[CardState], scope: Scope) -> QuerySet[CardState]:
    if scope.topic is not None:
        topic_cards = Card.objects.filter(topic_id__in=scope.topic_ids).values("pk")
        return states.filter(deck_id=scope.topic.deck_id, card_id__in=topic_cards)
    if scope.deck is not None:
        return states.filter(deck_id=scope.deck.pk)
    return states


def _available_states(*, user: User, scope: Scope, now: datetime) -> QuerySet[CardState]:
    """This learner's states that may be shown: active card, not suspended, not buried."""
    # NOT IN (retired ids), not a join on the card: with a join, planners may drive the query
    # from the cards table and scan it; the retired ids come from a small partial index.
    retired = Card.objects.filter(status=Card.Status.RETIRED).values("pk")
    states = (
        CardState.objects.filter(user=user, suspended=False)
        .exclude(card_id__in=retired)
        .filter(Q(buried_until__isnull=True) | Q(buried_until__lte=now))
    )
    return _scoped_states(states, scope)


# --- the hot path's SQL ---------------------------------------------------------------------------
#
# Answering a card and fetching the next one runs on every keypress of a study session. Building
# and compiling these few ORM querysets cost ten times more than running them (measured: ~1 ms of
# Python each against ~0.05 ms in SQLite), so the next-card lookups below are written as SQL:
# the same statements the ORM produced (same indexes, same plans on SQLite and PostgreSQL), with
# parameters adapted and results converted by the backend's own operations.

# Quoting is a pure function of the backend; the hot path quotes the same few names each time.
_qn = functools.lru_cache(maxsize=512)(connection.ops.quote_name)
_STATE, _CARD, _REVIEW, _DECK = (
    CardState._meta.db_table,
    Card._meta.db_table,
    Review._meta.db_table,
    Deck._meta.db_table,
)


def _sql_dt(value: datetime) -> Any:
    """A datetime as the backend stores it (what the ORM passes for a DateTimeField)."""
    return connection.ops.adapt_datetimefield_value(value)


def _py_dt(value: Any) -> datetime | None:
    """A DateTimeField value read by a raw cursor as the ORM would return it (aware, UTC)."""
    if value is None or connection.vendor != "sqlite":
        return value
    return connection.ops.convert_datetimefield_value(value, None, connection)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Per database connection: each model's (attnames, [(converters, column)]) for `_load`.
_LOADERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _model_loader(model: type[Model]) -> tuple[list[str], list[tuple[list[Any], Any]]]:
    db = connections[DEFAULT_DB_ALIAS]
    per_model = _LOADERS.setdefault(db, {})
    if model not in per_model:
        attnames, converters = [], []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            attnames.append(field.attname)
            # The converters the ORM's compiler applies to this column: the backend's, then
            # the field's (bools and datetimes on SQLite, JSON decoding, ...).
            converters.append(
                (db.ops.get_db_converters(column) + column.get_db_converters(db), column)
            )
        per_model[model] = (attnames, converters)
    return per_model[model]


@functools.lru_cache(maxsize=64)
def _columns(model: type[Model], alias: str) -> str:
    """SELECT list of every concrete field of `model` from the table aliased `alias`."""
    return ", ".join(f"{alias}.{_qn(f.column)}" for f in model._meta.concrete_fields)


def _instance(model: type[Model], row: tuple[Any, ...], start: int = 0) -> Any:
    """The model instance the ORM would build from `row[start:]` (as listed by `_columns`)."""
    attnames, converters = _model_loader(model)
    values = list(row[start : start + len(attnames)])
    for i, (funcs, column) in enumerate(converters):
        for func in funcs:
            values[i] = func(values[i], column, connection)
    return model.from_db(DEFAULT_DB_ALIAS, attnames, values)


def load_card(card_id: int, *, related: bool = True) -> Card | None:
    """Card `card_id`, with its deck and topic loaded (`select_related`) when `related`."""
    if not related:
        rows = _fetch(
            f"SELECT {_columns(Card, 'c')} FROM {_qn(_CARD)} c WHERE c.{_qn('id')} = %s",
            [card_id],
        )
        return _instance(Card, rows[0]) if rows else None
    rows = _fetch(
        f"SELECT {_columns(Card, 'c')}, {_columns(Topic, 't')}, {_columns(Deck, 'd')}"
        f" FROM {_qn(_CARD)} c"
        f" INNER JOIN {_qn(Topic._meta.db_table)} t ON (c.{_qn('topic_id')} = t.{_qn('id')})"
        f" INNER JOIN {_qn(_DECK)} d ON (c.{_qn('deck_id')} = d.{_qn('id')})"
        f" WHERE c.{_qn('id')} = %s",
        [card_id],
    )
    return _card_from_row(rows[0]) if rows else None


def load_card_and_state(card_id: int, *, user: User) -> tuple[Card | None, CardState | None]:
    """Card `card_id` (without deck and topic) and this learner's state row for it, if any:
    one query where an answer would otherwise run two."""
    rows = _fetch(
        f"SELECT {_columns(Card, 'c')}, {_columns(CardState, 's')} FROM {_qn(_CARD)} c"
        f" LEFT OUTER JOIN {_qn(_STATE)} s"
        f" ON (s.{_qn('card_id')} = c.{_qn('id')} AND s.{_qn('user_id')} = %s)"
        f" WHERE c.{_qn('id')} = %s",
        [user.pk, card_id],
    )
    if not rows:
        return None, None
    offset = len(Card._meta.concrete_fields)
    state = _instance(CardState, rows[0], offset) if rows[0][offset] is not None else None
    return _instance(Card, rows[0]), state


def _card_from_row(row: tuple[Any, ...], start: int = 0) -> Card:
    card = _instance(Card, row, start)
    start += len(Card._meta.concrete_fields)
    card.topic = _instance(Topic, row, start)
    card.deck = _instance(Deck, row, start + len(Topic._meta.concrete_fields))
    return card


def _load_state(*, pk: int | None = None, user: User | None = None, card: Card | None = None):
    """A CardState by id, with its card, topic and deck; or by (user, card) on its own."""
    if pk is None:
        rows = _fetch(
            f"SELECT {_columns(CardState, 's')} FROM {_qn(_STATE)} s"
            f" WHERE s.{_qn('user_id')} = %s AND s.{_qn('card_id')} = %s",
            [user.pk, card.pk],
        )
        return _instance(CardState, rows[0]) if rows else None
    rows = _fetch(
        f"SELECT {_columns(CardState, 's')}, {_columns(Card, 'c')}, {_columns(Topic, 't')},"
        f" {_columns(Deck, 'd')} FROM {_qn(_STATE)} s"
        f" INNER JOIN {_qn(_CARD)} c ON (s.{_qn('card_id')} = c.{_qn('id')})"
        f" INNER JOIN {_qn(Topic._meta.db_table)} t ON (c.{_qn('topic_id')} = t.{_qn('id')})"
        f" INNER JOIN {_qn(_DECK)} d ON (c.{_qn('deck_id')} = d.{_qn('id')})"
        f" WHERE s.{_qn('id')} = %s",
        [pk],
    )
    if not rows:
        raise CardState.DoesNotExist(f"CardState {pk} does not exist")
    state = _instance(CardState, rows[0])
    state.card = _card_from_row(rows[0], len(CardState._meta.concrete_fields))
    return state


def _insert(obj: Model) -> None:
    """`obj.save()` for a new row of a model without save hooks: the INSERT the ORM would run,
    each value prepared by its field (`get_db_prep_save`), the new id read back."""
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    columns = ", ".join(_qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    sql = f"INSERT INTO {_qn(meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {_qn(meta.pk.column)}", params)
            pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, params)
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS


def _available_sql(*, user: User, scope: Scope, now: datetime) -> tuple[str, list[Any]]:
    """`_available_states` as a WHERE clause over the CardState table (same conditions)."""
    sql = (
        f"NOT {_qn(_STATE)}.{_qn('suspended')} AND {_qn(_STATE)}.{_qn('user_id')} = %s"
        f" AND NOT ({_qn(_STATE)}.{_qn('card_id')} IN"
        f" (SELECT U0.{_qn('id')} FROM {_qn(_CARD)} U0 WHERE U0.{_qn('status')} = %s))"
        f" AND ({_qn(_STATE)}.{_qn('buried_until')} IS NULL"
        f" OR {_qn(_STATE)}.{_qn('buried_until')} <= %s)"
    )
    params: list[Any] = [user.pk, Card.Status.RETIRED.value, _sql_dt(now)]
    if scope.topic is not None:
        marks = ", ".join(["%s"] * len(scope.topic_ids))
        sql += (
            f" AND {_qn(_STATE)}.{_qn('deck_id')} = %s AND {_qn(_STATE)}.{_qn('card_id')} IN"
            f" (SELECT U1.{_qn('id')} FROM {_qn(_CARD)} U1 WHERE U1.{_qn('topic_id')} IN ({marks}))"
        )
        params += [scope.topic.deck_id, *scope.topic_ids]
    elif scope.deck is not None:
        sql += f" AND {_qn(_STATE)}.{_qn('deck_id')} = %s"
        params.append(scope.deck.pk)
    return sql, params


def _learning_sql(*, user: User, scope: Scope, now: datetime, until: datetime) -> tuple[str, list]:
    where, params = _available_sql(user=user, scope=scope, now=now)
    where += f" AND {_qn(_STATE)}.{_qn('due')} <= %s AND {_qn(_STATE)}.{_qn('state')} IN (%s, %s)"
    return where, [*params, _sql_dt(until), LEARNING, RELEARNING]


def _learning_due(
    *, user: User, scope: Scope, now: datetime, until: datetime
) -> tuple[int, datetime | None]:
    """How many available learning and relearning cards are due by `until`, and when the first
    of them is due (None when there are none).

    Counted in SQL from the (user, state, due) index: a learner can have thousands of learning
    cards, and reading them all into Python on every answer cost more than the rest of the
    request."""
    where, params = _learning_sql(user=user, scope=scope, now=now, until=until)
    ((count, first_due),) = _fetch(
        f"SELECT COUNT(*), MIN({_qn('due')}) FROM {_qn(_STATE)} WHERE {where}", params
    )
    return count, _py_dt(first_due)


def _learning_at(*, user: User, scope: Scope, now: datetime, until: datetime, due: datetime) -> int:
    """The id of an available learning card due at `due` (MIN first, then this: with ORDER BY
    due SQLite prefers walking (user, due) through every overdue review card instead)."""
    where, params = _learning_sql(user=user, scope=scope, now=now, until=until)
    ((pk,),) = _fetch(
        f"SELECT {_qn('id')} FROM {_qn(_STATE)} WHERE {where}"
        f" AND {_qn(_STATE)}.{_qn('due')} = %s LIMIT 1",
        [*params, _sql_dt(due)],
    )
    return pk


def _reviews_due(*, user: User, scope: Scope, now: datetime, before: datetime, limit: int) -> list:
    """Ids of available review cards due before `before`, most overdue first, at most `limit`."""
    where, params = _available_sql(user=user, scope=scope, now=now)
    rows = _fetch(
        f"SELECT {_qn('id')} FROM {_qn(_STATE)} WHERE {where}"
        f" AND {_qn(_STATE)}.{_qn('due')} < %s AND {_qn(_STATE)}.{_qn('state')} = %s"
        f" ORDER BY {_qn(_STATE)}.{_qn('due')} ASC LIMIT %s",
        [*params, _sql_dt(before), REVIEW, limit],
    )
    return [pk for (pk,) in rows]


# --- profile, scheduler, day -------------------------------------------------------------------


def profile_for(user: User) -> StudyProfile:
    rows = _fetch(
        f"SELECT {_columns(StudyProfile, 'p')} FROM {_qn(StudyProfile._meta.db_table)} p"
        f" WHERE p.{_qn('user_id')} = %s",
        [user.pk],
    )
    if rows:
        return _instance(StudyProfile, rows[0])
    profile, _ = StudyProfile.objects.get_or_create(user=user)
    return profile


def scheduler_settings(profile: StudyProfile) -> SchedulerSettings:
    return SchedulerSettings(
        desired_retention=profile.desired_retention,
        learning_steps=profile.learning_steps,
        relearning_steps=profile.relearning_steps,
    )


@functools.lru_cache(maxsize=64)
def _cached_scheduler(settings: SchedulerSettings) -> fsrs.Scheduler:
    return make_scheduler(settings)


def scheduler_for(profile: StudyProfile) -> fsrs.Scheduler:
    return _cached_scheduler(scheduler_settings(profile))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_bounds(*, now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The learner's current study day as [start, end) in UTC: 4 am to 4 am local time."""
    tz = zone(timezone)
    local = now.astimezone(tz)
    day = local.date() if local.hour >= DAY_START_HOUR else local.date() - timedelta(days=1)
    start = datetime.combine(day, time(DAY_START_HOUR), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(DAY_START_HOUR), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def fuzz_seed(card_id: int, reps: int) -> int:
    """Same seed for the preview and the answer, different for each review of the card."""
    return card_id * 1000 + reps


@dataclass(frozen=True)
class TodayCounts:
    new: int
    reviews: int
    total: int


def today_counts(*, user: User, start: datetime) -> TodayCounts:
    """Study answers since the day boundary: new cards introduced, review cards answered."""
    if connection.vendor in ("sqlite", "postgresql"):
        # The ORM's query, written out (see "the hot path's SQL"): a range of (user, reviewed_at).
        if connection.vendor == "sqlite":
            before_state = f"JSON_EXTRACT({_qn('state_before')}, '$.state')"
        else:
            before_state = f"({_qn('state_before')} ->> 'state')::integer"
        ((total, new, reviews),) = _fetch(
            f"SELECT COUNT(*), COUNT(CASE WHEN {before_state} = %s THEN 1 END),"
            f" COUNT(CASE WHEN {before_state} = %s THEN 1 END) FROM {_qn(_REVIEW)}"
            f" WHERE {_qn('user_id')} = %s AND {_qn('reviewed_at')} >= %s"
            f" AND NOT {_qn('undone')} AND {_qn('source')} = %s",
            [NEW, REVIEW, user.pk, _sql_dt(start), "study"],
        )
        return TodayCounts(new=new, reviews=reviews, total=total)
    row = Review.objects.filter(
        user=user, reviewed_at__gte=start, undone=False, source="study"
    ).aggregate(
        total=Count("id"),
        new=Count("id", filter=Q(state_before__state=NEW)),
        reviews=Count("id", filter=Q(state_before__state=REVIEW)),
    )
    return TodayCounts(new=row["new"], reviews=row["reviews"], total=row["total"])


# --- the queue ---------------------------------------------------------------------------------


@dataclass
class Shown:
    """A card ready to show: its memory and the version token its answer must carry."""

    card: Card
    memory: Memory
    reps: int
    version: int
    is_new: bool

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


def memory_of(state: CardState) -> Memory:
    return Memory(
        state=state.state,
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


def shown_for(*, user: User, card: Card) -> Shown:
    """A specific card as the learner would see it now (used after undo and to reveal)."""
    state = _load_state(user=user, card=card)
    if state is None:
        return Shown(card=card, memory=Memory(), reps=0, version=0, is_new=True)
    return Shown(
        card=card,
        memory=memory_of(state),
        reps=state.reps,
        version=state.version,
        is_new=state.state == NEW,
    )


def next_card(
    *, user: User, scope: Scope, now: datetime, profile: StudyProfile | None = None
) -> Queue:
    """The card to show next and what is left: learning due now first, then reviews due today
    and new cards (notes order) interleaved, then learning due within LEARN_AHEAD."""
    profile = profile or profile_for(user)
    start, end = day_bounds(now=now, timezone=profile.timezone)
    today = today_counts(user=user, start=start)

    # Both lookups are range scans of the (user, state, due) index.
    learning, first_learning_due = _learning_due(
        user=user, scope=scope, now=now, until=now + LEARN_AHEAD
    )
    review_room = min(QUEUE_COUNT_CAP, max(0, profile.max_reviews_per_day - today.reviews))
    reviews = (
        _reviews_due(user=user, scope=scope, now=now, before=end, limit=review_room)
        if review_room
        else []
    )
    new_room = min(QUEUE_COUNT_CAP, max(0, profile.new_per_day - today.new))
    new_cards = (
        _first_new_cards(user=user, scope=scope, profile=profile, now=now, limit=new_room)
        if new_room
        else []
    )

    pick_state: int | None = None
    pick_new: tuple[int, int] | None = None
    pick_learning = False
    if first_learning_due is not None and first_learning_due <= now:
        pick_learning = True
    elif reviews and new_cards:
        # Keep the share of today's new cards shown no ahead of the share of reviews done.
        new_share = today.new / max(1, profile.new_per_day)
        review_share = today.reviews / (today.reviews + len(reviews))
        if new_share <= review_share:
            pick_new = new_cards[0]
        else:
            pick_state = reviews[0]
    elif reviews:
        pick_state = reviews[0]
    elif new_cards:
        pick_new = new_cards[0]
    elif learning:
        pick_learning = True
    if pick_learning:
        pick_state = _learning_at(
            user=user, scope=scope, now=now, until=now + LEARN_AHEAD, due=first_learning_due
        )

    shown: Shown | None = None
    if pick_state is not None:
        state = _load_state(pk=pick_state)
        shown = Shown(
            card=state.card,
            memory=memory_of(state),
            reps=state.reps,
            version=state.version,
            is_new=state.state == NEW,
        )
    elif pick_new is not None:
        card = load_card(pick_new[0])
        if card is None:
            raise Card.DoesNotExist(f"Card {pick_new[0]} does not exist")
        shown = Shown(card=card, memory=Memory(), reps=0, version=pick_new[1], is_new=True)
    return Queue(
        shown=shown,
        learning=learning,
        reviews=len(reviews),
        new=len(new_cards),
        reviewed_today=today.total,
    )


def _first_new_cards(
    *, user: User, scope: Scope, profile: StudyProfile, now: datetime, limit: int
) -> list[tuple[int, int]]:
    """Up to `limit` new cards in notes order as (card id, state version or 0).

    A new card is an active card this learner has never answered (no CardState, or one still
    NEW after an undo). Walking the deck's (deck, status, order) index with NOT EXISTS would
    step over every studied card on each request, so each deck keeps a cursor in the profile:
    every active card before it is studied. The walk starts there and moves the cursor to the
    first unstudied card it meets. A re-import (new `Deck.imported_at`) resets the cursor, and
    undoing a card's first answer moves it back.
    """
    if scope.deck is not None:
        decks = [(scope.deck.pk, scope.deck.imported_at)]
    else:
        decks = [
            (pk, _py_dt(imported_at))
            for pk, imported_at in _fetch(
                f"SELECT {_qn('id')}, {_qn('imported_at')} FROM {_qn(_DECK)}"
                f" ORDER BY {_qn('title')} ASC",
                [],
            )
        ]
    cursors: dict[str, Any] = profile.new_cursors or {}
    changed = False
    found: list[tuple[int, int]] = []
    for deck_id, imported_at in decks:
        stamp = imported_at.isoformat() if imported_at else None
        position, cursor_stamp, exhausted = cursors.get(str(deck_id), (0, None, False))
        if cursor_stamp != stamp:
            position, exhausted = 0, False
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


def _walk_new(
    *,
    user: User,
    deck_id: int,
    topic_ids: tuple[int, ...] | None,
    position: int,
    now: datetime,
    needed: int,
    found: list[tuple[int, int]],
) -> tuple[int | None, int | None]:
    """Walk a deck's active cards in notes order from `position`, a window at a time, appending
    available new cards to `found` until `needed` more are found or the deck ends.

    Each window is the next few dozen cards from the (deck, status, order) index, left-joined to
    this learner's states through the unique (user, card) index: bounded work that every planner
    runs the same way, however many cards the deck has. Returns (order of the first unstudied
    card met, order of the last card seen).
    """
    window = max(64, 2 * (needed + _NEW_SLACK))
    goal = len(found) + needed
    first_unstudied: int | None = None
    last: tuple[int, int] | None = None
    order = _qn("order")
    while True:
        # The window's ids come from a subquery with its own ORDER BY and LIMIT, so every planner
        # reads them from the (deck, status, order) index before joining the states.
        where = f"U0.{_qn('deck_id')} = %s AND U0.{_qn('status')} = %s"
        params: list[Any] = [user.pk, deck_id, Card.Status.ACTIVE.value]
        if topic_ids is not None:
            where += f" AND U0.{_qn('topic_id')} IN ({', '.join(['%s'] * len(topic_ids))})"
            params += topic_ids
        if last is None:
            where += f" AND U0.{order} >= %s"
            params.append(position)
        else:
            where += f" AND (U0.{order} > %s OR (U0.{order} = %s AND U0.{_qn('id')} > %s))"
            params += [last[0], last[0], last[1]]
        rows = _fetch(
            f"SELECT c.{_qn('id')}, c.{order}, mine.{_qn('state')}, mine.{_qn('suspended')},"
            f" mine.{_qn('buried_until')}, mine.{_qn('version')}"
            f" FROM {_qn(_CARD)} c LEFT OUTER JOIN {_qn(_STATE)} mine"
            f" ON (c.{_qn('id')} = mine.{_qn('card_id')} AND mine.{_qn('user_id')} = %s)"
            f" WHERE c.{_qn('id')} IN (SELECT U0.{_qn('id')} FROM {_qn(_CARD)} U0 WHERE {where}"
            f" ORDER BY U0.{order} ASC, U0.{_qn('id')} ASC LIMIT %s)"
            f" ORDER BY c.{order} ASC, c.{_qn('id')} ASC",
            [*params, window],
        )
        for pk, order_value, state, suspended, buried, version in rows:
            if (state is not None and state != NEW) or suspended:
                continue  # studied, or suspended (unsuspending a new card rewinds the cursor)
            if first_unstudied is None:
                first_unstudied = order_value
            if buried is not None and _py_dt(buried) > now:
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


def _rewind_new_cursor(*, user: User, card: Card) -> None:
    profile = profile_for(user)
    cursors = dict(profile.new_cursors or {})
    cursor = cursors.get(str(card.deck_id))
    if cursor and (cursor[0] > card.order or cursor[2]):
        cursors[str(card.deck_id)] = [min(cursor[0], card.order), cursor[1], False]
        StudyProfile.objects.filter(pk=profile.pk).update(new_cursors=cursors)


# --- answering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    recorded: bool
    review: Review | None = None
    state: CardState | None = None
    became_leech: bool = False


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


def _state_at_version(*, user: User, card: Card, version: int, now: datetime) -> CardState | None:
    """The learner's state row if its version is still `version`; None for a stale token.

    Version 0 means "never changed": the row is created here if missing, by an INSERT that the
    unique (user, card) constraint turns into a no-op when the row exists (ON CONFLICT DO
    NOTHING: one statement where get_or_create takes a read, a savepoint, an insert and its
    release). Of two concurrent first answers both then read the one row, and the conditional
    UPDATE lets only one of them change it.
    """
    if version == 0:
        CardState.objects.bulk_create(
            [
                CardState(
                    user=user, card=card, deck_id=card.deck_id, topic_id=card.topic_id, due=now
                )
            ],
            ignore_conflicts=True,
        )
    state = _load_state(user=user, card=card)
    if state is None or state.version != version:
        return None
    return state


def _conditional_update(row: CardState, /, **fields: Any) -> bool:
    """Apply `fields` and bump the version only if nobody changed the row since we read it."""
    new_version = row.version + 1
    # What `CardState.objects.filter(pk=..., version=...).update(...)` runs, without building
    # the queryset (on the hot path); each value is prepared by its model field, as update() does.
    columns = {"version": new_version, **fields}
    meta = CardState._meta
    assignments = ", ".join(f"{_qn(meta.get_field(name).column)} = %s" for name in columns)
    params = [
        meta.get_field(name).get_db_prep_save(value, connection) for name, value in columns.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_qn(_STATE)} SET {assignments}"
            f" WHERE {_qn('id')} = %s AND {_qn('version')} = %s",
            [*params, row.pk, row.version],
        )
        updated = cursor.rowcount
    if not updated:
        return False
    for name, value in fields.items():
        setattr(row, name, value)
    row.version = new_version
    return True


def answer_card(
    *,
    user: User,
    card: Card,
    rating: int,
    version: int,
    now: datetime,
    duration_ms: int | None = None,
    source: str = "study",
    profile: StudyProfile | None = None,
    state: CardState | None = None,
) -> AnswerResult:
    """Record one answer. A stale `version` (or a retired card) records nothing.

    `state` may pass the learner's state row for `card` as already read (`load_card_and_state`)
    to save reading it again; the conditional UPDATE still refuses it if it changed meanwhile.
    """
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1-4, not {rating!r}")
    if card.status != Card.Status.ACTIVE:
        return AnswerResult(recorded=False)
    profile = profile or profile_for(user)
    scheduler = scheduler_for(profile)
    with transaction.atomic():
        if state is not None and version != 0:
            # Read by the caller: only this learner's row for this card, still at `version`.
            if state.user_id != user.pk or state.card_id != card.pk or state.version != version:
                state = None
        else:
            state = _state_at_version(user=user, card=card, version=version, now=now)
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
        became_leech = (
            lapsed and lapses >= LEECH_LAPSES and (lapses - LEECH_LAPSES) % LEECH_REPEAT == 0
        )
        changed = _conditional_update(
            state,
            state=after.state,
            step=after.step,
            stability=after.stability,
            difficulty=after.difficulty,
            due=after.due,
            last_review=after.last_review,
            reps=state.reps + 1,
            lapses=lapses,
            suspended=state.suspended or became_leech,
            is_leech=state.is_leech or became_leech,
        )
        if not changed:
            return AnswerResult(recorded=False)
        if duration_ms is not None:
            duration_ms = max(0, min(MAX_DURATION_MS, duration_ms))
        logged = Review(
            user=user,
            card=card,
            rating=rating,
            reviewed_at=now,
            duration_ms=duration_ms,
            state_before=before,
            state_after=snapshot(state),
            source=source,
        )
        _insert(logged)
        if source == "study":
            # The statistics' summary of the log, in the same transaction (quiz.tally).
            tally.record(user_id=user.pk, at=now, rating=rating, before=before)
    return AnswerResult(recorded=True, review=logged, state=state, became_leech=became_leech)


def last_review(*, user: User) -> Review | None:
    """The learner's latest study answer that undo would reverse."""
    return (
        Review.objects.filter(user=user, undone=False, source="study")
        .order_by("-pk")
        # What undo needs besides the snapshots (read when undoing), so no field is fetched alone.
        .only("pk", "card_id", "rating", "reviewed_at", "source")
        .first()
    )


def undo_review(*, user: User, review_row: Review) -> CardState | None:
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
        restored = _conditional_update(
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
        _rewind_new_cursor(user=user, card=review_row.card)
    return state


def undo_last(*, user: User) -> Review | None:
    """Undo the latest study answer; returns the review undone, or None."""
    latest = last_review(user=user)
    if latest is None or undo_review(user=user, review_row=latest) is None:
        return None
    return latest


# --- suspend, bury, leeches --------------------------------------------------------------------


def _change(*, user: User, card: Card, version: int, now: datetime, **fields: Any) -> bool:
    with transaction.atomic():
        state = _state_at_version(user=user, card=card, version=version, now=now)
        return state is not None and _conditional_update(state, **fields)


def suspend_card(*, user: User, card: Card, version: int, now: datetime) -> bool:
    return _change(user=user, card=card, version=version, now=now, suspended=True)


def bury_card(
    *, user: User, card: Card, version: int, now: datetime, profile: StudyProfile | None = None
) -> bool:
    """Hide the card until the learner's next day starts."""
    profile = profile or profile_for(user)
    _start, end = day_bounds(now=now, timezone=profile.timezone)
    return _change(user=user, card=card, version=version, now=now, buried_until=end)


def unsuspend(*, state: CardState) -> bool:
    """Let a suspended card (a leech, say) back into the queue; it stays marked a leech."""
    if not state.suspended or not _conditional_update(state, suspended=False):
        return False
    if state.state == NEW:
        _rewind_new_cursor(user=state.user, card=state.card)
    return True


def leeches(*, user: User) -> QuerySet[CardState]:
    """The learner's leeches and any other suspended cards, worst first."""
    return (
        CardState.objects.filter(user=user)
        .filter(Q(is_leech=True) | Q(suspended=True))
        .select_related("card__topic", "card__deck")
        .order_by("-lapses", "card__deck__title", "card__order")
    )


# --- summaries and counts ----------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSummary:
    reviewed: int
    again: int
    time_ms: int
    next_due: datetime | None

    @property
    def again_rate(self) -> float:
        return self.again / self.reviewed if self.reviewed else 0.0

    @property
    def again_percent(self) -> int:
        return round(self.again_rate * 100)

    @property
    def time_text(self) -> str:
        minutes, seconds = divmod(round(self.time_ms / 1000), 60)
        return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def session_summary(
    *,
    user: User,
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
        again=Count("id", filter=Q(rating=AGAIN)),
        time_ms=Sum("duration_ms"),
    )
    next_due = _available_states(user=user, scope=scope, now=now).aggregate(due=Min("due"))["due"]
    _start, end = day_bounds(now=now, timezone=profile.timezone)
    if next_due is not None and next_due <= now:
        # Due now yet not offered: today's limit is reached, so tomorrow.
        next_due = end
    return SessionSummary(
        reviewed=row["reviewed"],
        again=row["again"],
        time_ms=row["time_ms"] or 0,
        next_due=next_due,
    )


@dataclass
class Counts:
    new: int = 0
    learning: int = 0
    due: int = 0

    def add(self, other: Counts) -> None:
        self.new += other.new
        self.learning += other.learning
        self.due += other.due


def counts_by(
    *, user: User, now: datetime, field: str, profile: StudyProfile, deck_id: int | None = None
) -> dict[int, Counts]:
    """New, learning and due-today counts per deck (`field="deck"`) or per topic ("topic"),
    over every deck or over one (`deck_id`).

    Not limited by the daily limits: these say what exists. One pass over the active cards and
    two over the learner's states, read by the states' own (denormalised) deck and topic, with
    the few retired cards left out through their partial index instead of a join to every card.
    """
    _start, end = day_bounds(now=now, timezone=profile.timezone)
    result: dict[int, Counts] = {}
    active = Card.objects.filter(status=Card.Status.ACTIVE)
    states = CardState.objects.filter(user=user).exclude(state=NEW)
    if deck_id is not None:
        active = active.filter(deck_id=deck_id)
        states = states.filter(deck_id=deck_id)
    for key, total in active.values_list(field).annotate(n=Count("id")).order_by():
        result[key] = Counts(new=total)
    retired = Card.objects.filter(status=Card.Status.RETIRED).values("pk")
    states = states.exclude(card_id__in=retired)
    # A state's topic is null only for a row written around the importer: read the card's then.
    key = Coalesce("topic_id", "card__topic_id") if field == "topic" else F("deck_id")
    open_now = Q(suspended=False) & (Q(buried_until__isnull=True) | Q(buried_until__lte=now))
    rows = (
        states.annotate(key=key)
        .values_list("key")
        .annotate(
            studied=Count("id"),
            learning=Count("id", filter=open_now & Q(state__in=[LEARNING, RELEARNING])),
            due=Count("id", filter=open_now & Q(state=REVIEW, due__lt=end)),
        )
    )
    for key_value, studied, learning, due in rows.order_by():
        counts = result.setdefault(key_value, Counts())
        counts.new -= studied
        counts.learning, counts.due = learning, due
    return result


# --- how long a card was on screen -------------------------------------------------------------


def shown_token(*, card_id: int, now: datetime) -> str:
    """Signed "card X was shown at T": the answer's duration is measured by the server's clock."""
    return signing.dumps([card_id, int(now.timestamp() * 1000)], salt=_SHOWN_SALT)


def duration_from_token(token: str, *, card_id: int, now: datetime) -> int | None:
    """Milliseconds since the card was shown, capped at MAX_DURATION_MS; None if not ours."""
    try:
        shown_card, shown_ms = signing.loads(token, salt=_SHOWN_SALT, max_age=86400)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if shown_card != card_id:
        return None
    return max(0, min(MAX_DURATION_MS, int(now.timestamp() * 1000) - int(shown_ms)))
