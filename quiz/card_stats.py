"""The statistics page's card figures, stored per learner and deck beside the dashboard's counts.

Card counts by state, each topic's mastery and the 30-day due forecast come from the learner's
card states: 90,000 of them for a big bank, far too many to read on every visit. They change
only when one of those states or one of the deck's cards is written (the `DeckCounts`
triggers bump the row's `generation`, whoever writes), when the learner's scheduler or time
zone changes, and when a day ends: the forecast's days are local calendar days, and mastery
counts the days since a card's last review in whole study days (see `study_days_since`), so it
moves only when a study day starts. The figures of a deck are therefore computed once and read
until one of those happens; then that deck alone is computed again, and within it only the
topics whose states were written (each learner's per-topic `TopicStamp`, kept by triggers, moved
since the topic's stored `TopicFigures` were counted), unless a card of the deck changed. After
a study session only the topics studied are; the first visit of a day computes every deck.

A deck's stored figures (`DeckCounts.stats`: totals, mastery, forecast) are the sums of its
topics' rows (`TopicFigures`: the nine figures and the topic's own due forecast), stored in one
transaction with them. Redoing a few topics reads and writes only their rows and adjusts the
deck's sums by the difference between their old and new figures, forecast included, so no
visit counts the deck's whole forecast or rewrites every topic again.

Everything stored is exact: a deck's figures are its states' figures at the time the page is
shown, never a snapshot that lags behind it.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import (
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Value,
)
from django.db.models.functions import Power
from django.db.models.sql import Query

from quiz.models import (
    Card,
    CardState,
    Deck,
    DeckCounts,
    StudyProfile,
    Topic,
    TopicFigures,
    TopicStamp,
)
from quiz.scheduling import LEARNING, NEW, RELEARNING, REVIEW
from quiz.study.counts import create_rows
from quiz.study.timing import day_bounds, day_starts

FORECAST_DAYS = 30
# Up to this many decks to compute again, only their states are read (by their topics);
# beyond it one pass over all of the learner's states is cheaper.
FEW_DECKS = 8
DAY_S = 86400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# A topic's figures, stored as a list in this order (its own active cards and states only).
CARDS, STARTED, LEARNING_N, REVIEW_N, RELEARNING_N, SUSPENDED, LEECHES, STUDIED, R_SUM = range(9)
_BY_STATE = {LEARNING: LEARNING_N, REVIEW: REVIEW_N, RELEARNING: RELEARNING_N}


def _empty() -> list[Any]:
    return [0, 0, 0, 0, 0, 0, 0, 0, 0.0]


def _no_days() -> list[int]:
    return [0] * FORECAST_DAYS


@dataclass
class DeckFigures:
    """One deck's figures: per topic id, the list above and the topic's cards falling due on
    each local day from the day they were computed (overdue ones on the first; only topics with
    any); the deck's forecast is the sum of its topics'.

    Stored compactly for the page (`to_json`): the deck's totals of the counts and forecast,
    and only its weakest topics with a studied card, which are all that mastery lists."""

    topics: dict[int, list[Any]] = field(default_factory=dict)
    forecasts: dict[int, list[int]] = field(default_factory=dict)

    @property
    def forecast(self) -> list[int]:
        days = _no_days()
        for topic_days in self.forecasts.values():
            days = [a + b for a, b in zip(days, topic_days, strict=True)]
        return days

    def to_json(self) -> dict[str, Any]:
        totals = [0] * R_SUM
        for row in self.topics.values():
            totals = [a + b for a, b in zip(totals, row, strict=False)]
        studied = [
            _mastery_entry(topic_id, row)
            for topic_id, row in self.topics.items()
            if _is_studied(row)
        ]
        return {
            "totals": totals,
            "studied_topics": len(studied),
            "mastery": _weakest(studied),
            "forecast": self.forecast,
        }


@dataclass
class StoredFigures:
    """A deck's figures as stored: `totals` in the order CARDS … STUDIED; `studied_topics`, how
    many of its topics have a studied card; `mastery` one [topic id, active cards, studied
    cards, sum of R] for each of its weakest such topics (`_weakest`: every one when there are
    few); `forecast` the cards due per local day."""

    totals: list[int]
    studied_topics: int
    mastery: list[list[Any]]
    forecast: list[int]

    @classmethod
    def of(cls, figures: DeckFigures) -> StoredFigures:
        return cls(**figures.to_json())


# --- the weakest topics ------------------------------------------------------------------------
#
# Mastery lists the learner's weakest topics, at most MASTERY_TOPICS of them. A deck stores only
# its own weakest (up to WEAKEST_KEPT, and any tied with the last), not every studied topic: the
# page's weakest over all decks are among the decks' weakest, as long as each deck's list holds
# every topic of the deck at or below its highest mastery and at least MASTERY_TOPICS topics (or
# all the deck has). A visit after an answer then reads and writes a short list instead of one
# entry per topic. The list keeps that property when a few topics change: a changed topic at or
# below the list's highest mastery joins it, one above it leaves (every topic not in the list is
# above it); when fewer than MASTERY_TOPICS remain of a deck with more, the deck's topic rows
# are read to fill it again (`_deck_mastery`), about once in WEAKEST_KEPT - MASTERY_TOPICS
# answers on its weakest topics.

MASTERY_TOPICS = 20
WEAKEST_KEPT = 2 * MASTERY_TOPICS


def _mastery_entry(topic_id: int, figures: list[Any]) -> list[Any]:
    return [topic_id, figures[CARDS], figures[STUDIED], figures[R_SUM]]


def _mastery(entry: list[Any]) -> float:
    """A topic's mastery: the mean R over its active cards (a card never studied counts 0)."""
    return entry[3] / entry[1]


def _weakest(entries: list[list[Any]]) -> list[list[Any]]:
    """The WEAKEST_KEPT entries of least mastery and any tied with the last of them."""
    if len(entries) <= WEAKEST_KEPT:
        return entries
    ordered = sorted(entries, key=_mastery)
    highest = _mastery(ordered[WEAKEST_KEPT - 1])
    return [entry for entry in ordered if _mastery(entry) <= highest]


# --- retrievability in SQL ---------------------------------------------------------------------


def study_days_since(when: datetime, *, day_start: datetime) -> int:
    """Whole study days from `when` to the study day that starts at `day_start`: 0 for a review
    made since that day started, else one more for each 24 hours, or part of them, between the
    review and the start of the day. Days counted like Anki's "days elapsed", not the 24-hour
    periods up to this instant, so a figure built on it only changes when a study day starts."""
    if when >= day_start:
        return 0
    seconds = (day_start - when).total_seconds()
    return int(-(-seconds // DAY_S))


class _StudyDaysSince(Func):
    """`study_days_since` in SQL over a datetime column (never negative)."""

    output_field = IntegerField()

    def __init__(self, expression: Expression, *, day_start: datetime):
        super().__init__(expression)
        self.start_s = int(day_start.timestamp())

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        if connection.Database.sqlite_version_info >= (3, 38):
            seconds = f"unixepoch({column})"
        else:
            seconds = f"CAST(strftime('%%s', {column}) AS INTEGER)"
        # unixepoch() drops fractions of a second, so a review half a second before the day
        # starts still counts a day; integer division then rounds the rest up.
        return f"MAX(0, (%s - {seconds} + {DAY_S - 1}) / {DAY_S})", [self.start_s, *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"GREATEST(0, CEIL((%s - EXTRACT(EPOCH FROM {column})) / {DAY_S}))"
        return sql, [self.start_s, *params]


def _sqlite_has(connection: Any, sql: str) -> bool:
    """Whether this SQLite library runs `sql` (asked once per process on the raw connection, so
    no query is logged)."""
    key = (connection.Database.sqlite_version, sql)
    if key not in _SQLITE_FEATURES:
        connection.ensure_connection()
        try:
            connection.connection.execute(sql).fetchall()
            _SQLITE_FEATURES[key] = True
        except connection.Database.OperationalError:
            _SQLITE_FEATURES[key] = False
    return _SQLITE_FEATURES[key]


_SQLITE_FEATURES: dict[tuple[str, str], bool] = {}


class _Pow(Func):
    """x^y. Django's `Power` is a Python callback on SQLite (about 1 µs a row); SQLite built with
    its math functions (3.35+, the usual build) has a native `pow`, used when present."""

    function = "POWER"
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        if _sqlite_has(connection, "SELECT pow(2.0, 0.5)"):
            return self.as_sql(compiler, connection, function="pow", **extra)
        return Power(*self.source_expressions, output_field=FloatField()).as_sqlite(
            compiler, connection, **extra
        )


def retrievability(*, day_start: datetime, factor: float, decay: float) -> Expression:
    """FSRS-6 R = (1 + factor·t/S)^decay over CardState rows, t the whole study days since the
    last review (`study_days_since`), S the stability; the formula fsrs's
    `Scheduler.get_card_retrievability` evaluates."""
    days = _StudyDaysSince(F("last_review"), day_start=day_start)
    return _Pow(Value(1.0) + Value(factor) * days / F("stability"), Value(decay))


# --- computing a deck's figures ----------------------------------------------------------------


def forecast_bounds(*, today: date, tz: ZoneInfo) -> list[datetime]:
    """The UTC instants the forecast's local days end: tomorrow's midnight onwards."""
    return day_starts(first=today + timedelta(days=1), days=FORECAST_DAYS - 1, tz=tz)


def compute(
    *,
    user: AbstractBaseUser,
    deck_ids: list[int] | None,
    day_start: datetime,
    factor: float,
    decay: float,
    bounds: list[datetime],
    topic_ids: list[int] | None = None,
) -> dict[int, DeckFigures]:
    """The figures of these decks (every deck for None), from scratch; with `topic_ids`, only
    those topics' figures and forecasts.

    Active cards per topic from the cards' (topic, status) index; the states grouped by topic,
    state, suspended and leech from the covering index `cardstate_user_topic_stats` (filtered
    by the decks' topics, that index's second column, when only a few decks are computed), with
    the states of retired cards left out through their partial index; and each topic's forecast
    by local day from its states due before the last day ends (`_forecasts`).

    On the cursor, statements written here: a visit after an answer redoes a topic or two, and
    building these statements through the ORM cost more than running them."""
    qn = connection.ops.quote_name
    result: dict[int, DeckFigures] = {}
    topic_sql = f"SELECT {qn('id')}, {qn('deck_id')} FROM {qn(Topic._meta.db_table)}"
    conditions, params = [], []
    if deck_ids is not None:
        conditions.append(f"{qn('deck_id')} IN ({_marks(deck_ids)})")
        params += deck_ids
    if topic_ids is not None:
        conditions.append(f"{qn('id')} IN ({_marks(topic_ids)})")
        params += topic_ids
    if conditions:
        topic_sql += " WHERE " + " AND ".join(conditions)
    with connection.cursor() as cursor:
        cursor.execute(topic_sql, params)
        deck_of: dict[int, int] = dict(cursor.fetchall())
    for deck_id in deck_ids if deck_ids is not None else set(deck_of.values()):
        result[deck_id] = DeckFigures()
    if deck_ids is not None and not deck_of:
        return result
    topics = list(deck_of)

    cards = qn(Card._meta.db_table)
    active_sql = (
        f"SELECT {qn('topic_id')}, COUNT(*) FROM {cards} WHERE {qn('status')} = %s"
        + (f" AND {qn('topic_id')} IN ({_marks(topics)})" if deck_ids is not None else "")
        + " GROUP BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            active_sql, [Card.Status.ACTIVE.value, *(topics if deck_ids is not None else [])]
        )
        for topic_id, n in cursor.fetchall():
            if topic_id in deck_of:
                _figures_of(result, deck_of, topic_id)[CARDS] += n

    r = retrievability(day_start=day_start, factor=factor, decay=decay)
    for topic_id, state, is_suspended, is_leech, n, studied, r_sum in _groups(
        user=user, r=r, deck_ids=deck_ids, topic_ids=topics if deck_ids is not None else None
    ):
        if topic_id not in deck_of:
            continue
        figures = _figures_of(result, deck_of, topic_id)
        if is_suspended or state != NEW:
            figures[STARTED] += n
        if is_suspended:
            figures[SUSPENDED] += n
        elif state in _BY_STATE:
            figures[_BY_STATE[state]] += n
        if is_leech:
            figures[LEECHES] += n
        if state != NEW and studied:
            figures[STUDIED] += studied
            figures[R_SUM] += r_sum or 0.0

    for topic_id, days in _forecasts(
        user=user, deck_of=deck_of, deck_ids=deck_ids, bounds=bounds, topic_ids=topic_ids
    ).items():
        result.setdefault(deck_of[topic_id], DeckFigures()).forecasts[topic_id] = days
    return result


def _marks(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _forecasts(
    *,
    user: AbstractBaseUser,
    deck_of: dict[int, int],
    deck_ids: list[int] | None,
    bounds: list[datetime],
    topic_ids: list[int] | None,
) -> dict[int, list[int]]:
    """Per topic, its open (studied, not suspended) states of active cards falling due in each
    local day, overdue ones on the first: the states of the topic's deck (`deck_of`) whose topic
    it is, or whose card's when the state has none.

    A few topics' states are read one by one from the covering index
    `cardstate_user_deck_counts` (user, deck, topic, ...) and put in their day here. Whole
    decks: PostgreSQL finds each state's day by `width_bucket` (a binary search of the local
    midnights) in one grouped pass; SQLite, where putting each row in its day in SQL and
    grouping costs several times the pass itself, concatenates each topic's due dates in one
    pass over that index (read in topic order, so no sorting) and they are put in their days
    here, sorted and cut at the midnights."""
    qn = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    # SQLite compares its datetime text; the bounds are adapted the same way, so the days are
    # cut here exactly where SQL would cut them.
    edges = [adapt(_EPOCH), *(adapt(bound) for bound in bounds)]
    cuts = edges[1:]
    states, cards = qn(CardState._meta.db_table), qn(Card._meta.db_table)
    due = f"s.{qn('due')}"

    def open_states(due_range: str, *bounds: Any) -> tuple[str, list[Any]]:
        """The WHERE clause (and its parameters) of the learner's open states (in the decks)
        with the due date in this range."""
        where = (
            f"s.{qn('user_id')} = %s AND s.{qn('suspended')} = %s AND s.{qn('state')} <> %s"
            f" AND {due_range} AND s.{qn('card_id')} NOT IN"
            f" (SELECT {qn('id')} FROM {cards} WHERE {qn('status')} = %s)"
        )
        params: list[Any] = [user.pk, False, NEW, *bounds, Card.Status.RETIRED.value]
        if deck_ids is not None:
            where += f" AND s.{qn('deck_id')} IN ({_marks(deck_ids)})"
            params += deck_ids
        return where, params

    where, params = open_states(f"{due} >= %s AND {due} < %s", edges[0], edges[-1])
    result: dict[int, list[int]] = {}

    def days_of(topic_id: int) -> list[int]:
        days = result.get(topic_id)
        if days is None:
            days = result[topic_id] = _no_days()
        return days

    with connection.cursor() as cursor:
        if topic_ids is not None:
            marks = ", ".join(["%s"] * len(topic_ids))
            cursor.execute(
                f"SELECT s.{qn('deck_id')}, s.{qn('topic_id')}, s.{qn('due')} FROM {states} s"
                f" WHERE {where} AND s.{qn('topic_id')} IN ({marks})",
                [*params, *topic_ids],
            )
            for deck_id, topic_id, due in cursor.fetchall():
                if deck_of.get(topic_id) == deck_id:
                    days_of(topic_id)[_day(due, bounds=bounds, cuts=cuts)] += 1
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT s.{qn('deck_id')}, s.{qn('topic_id')},"
                f" width_bucket(s.{qn('due')}, %s::timestamptz[]), COUNT(*) FROM {states} s"
                f" WHERE {where} AND s.{qn('topic_id')} IS NOT NULL GROUP BY 1, 2, 3",
                [cuts, *params],
            )
            for deck_id, topic_id, day, n in cursor.fetchall():
                if deck_of.get(topic_id) == deck_id:
                    days_of(topic_id)[day] += n
        else:
            # The unary + keeps SQLite from reading the due range from (user, deck, due), which
            # lacks the topic: it would look every state up and sort them for the grouping.
            # The range's lower end (the epoch) is applied below instead. The states without a
            # topic come as a group of their own, left out here (read below).
            sqlite_where, sqlite_params = open_states(f"+{due} < %s", edges[-1])
            cursor.execute(
                f"SELECT s.{qn('deck_id')}, s.{qn('topic_id')}, group_concat({due}, ',')"
                f" FROM {states} s WHERE {sqlite_where}"
                f" GROUP BY s.{qn('deck_id')}, s.{qn('topic_id')}",
                sqlite_params,
            )
            for deck_id, topic_id, dues in cursor.fetchall():
                if topic_id is None or deck_of.get(topic_id) != deck_id:
                    continue
                ordered = sorted(dues.split(","))
                days, before = days_of(topic_id), bisect_left(ordered, edges[0])
                for day, cut in enumerate(cuts):
                    below = bisect_left(ordered, cut)
                    days[day] = below - before
                    before = below
        # States written without their topic (around the importer) are put under their
        # card's topic, read one by one: a few at most. CROSS JOIN keeps SQLite from starting
        # at the topics' cards (it would look each one's state up) rather than at the index
        # range of states without a topic, nearly always empty; PostgreSQL plans it as a join.
        sql = (
            f"SELECT s.{qn('deck_id')}, c.{qn('topic_id')}, s.{qn('due')} FROM {states} s"
            f" CROSS JOIN {cards} c"
            f" WHERE {where} AND c.{qn('id')} = s.{qn('card_id')} AND s.{qn('topic_id')} IS NULL"
        )
        if topic_ids is not None:
            sql += f" AND c.{qn('topic_id')} IN ({_marks(topic_ids)})"
            params = [*params, *topic_ids]
        cursor.execute(sql, params)
        for deck_id, topic_id, due in cursor.fetchall():
            if deck_of.get(topic_id) == deck_id:
                days_of(topic_id)[_day(due, bounds=bounds, cuts=cuts)] += 1
    return result


def _day(due: datetime | str, *, bounds: list[datetime], cuts: list[Any]) -> int:
    """The forecast day of a due date read on the cursor (SQLite's driver parses the column
    into a naive UTC datetime; its text compares with the adapted `cuts` as SQL compares)."""
    if isinstance(due, str):
        return bisect_right(cuts, due)
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    return bisect_right(bounds, due)


def _figures_of(
    result: dict[int, DeckFigures], deck_of: dict[int, int], topic_id: int
) -> list[Any]:
    deck = result.setdefault(deck_of[topic_id], DeckFigures())
    return deck.topics.setdefault(topic_id, _empty())


def _compiled(expression: Expression) -> tuple[str, list[Any]]:
    """`expression` over CardState compiled as the ORM would (each vendor's own SQL), to put in
    a statement written here; remembered per connection and expression (the retrievability
    of a day, a curve: compiling it costs about as much as running a topic's statements)."""
    key = (connection.alias, connection.vendor, expression.identity)
    if key not in _COMPILED:
        if len(_COMPILED) >= 64:
            _COMPILED.clear()
        query = Query(CardState)
        sql, params = query.get_compiler(connection=connection).compile(
            expression.resolve_expression(query)
        )
        _COMPILED[key] = (sql, list(params))
    return _COMPILED[key]


_COMPILED: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}


def _groups(
    *,
    user: AbstractBaseUser,
    r: Expression,
    deck_ids: list[int] | None,
    topic_ids: list[int] | None,
) -> list[tuple[Any, ...]]:
    """(topic, state, suspended, is_leech, states, studied states, sum of their R) groups of the
    learner's states of cards not retired: those of these topics (every topic for None), and
    those of the decks' states without their topic (written around the importer) under their
    card's topic, a join for those few alone (CROSS JOIN: see `_forecasts`). On the cursor:
    thousands of small rows, and the ORM's per-value converters (booleans on SQLite) would
    cost more than the callers' truthiness tests need."""
    qn = connection.ops.quote_name
    states, cards = qn(CardState._meta.db_table), qn(Card._meta.db_table)
    r_sql, r_params = _compiled(r)

    def column(name: str) -> str:
        return f"{states}.{qn(name)}"

    studied = f"{column('stability')} IS NOT NULL AND {column('last_review')} IS NOT NULL"
    where = (
        f"{column('user_id')} = %s AND {column('card_id')} NOT IN"
        f" (SELECT {qn('id')} FROM {cards} WHERE {qn('status')} = %s)"
    )
    where_params: list[Any] = [user.pk, Card.Status.RETIRED.value]
    if deck_ids is not None:
        without_topic = f" AND {column('deck_id')} IN ({_marks(deck_ids)})"
        without_params: list[Any] = list(deck_ids)
    else:
        without_topic, without_params = "", []
    with_topic, with_params = f" AND {column('topic_id')} IS NOT NULL", []
    if topic_ids is not None:
        with_topic = f" AND {column('topic_id')} IN ({_marks(topic_ids)})"
        with_params = list(topic_ids)
        without_topic += f" AND c.{qn('topic_id')} IN ({_marks(topic_ids)})"
        without_params += topic_ids

    def grouped(topic: str, joins: str, condition: str) -> str:
        return (
            f"SELECT {topic}, {column('state')}, {column('suspended')}, {column('is_leech')},"
            f" COUNT(*), COUNT(CASE WHEN {studied} THEN 1 END),"
            f" SUM(CASE WHEN {studied} THEN {r_sql} END) FROM {states}{joins}"
            f" WHERE {where}{condition} GROUP BY 1, 2, 3, 4"
        )

    with connection.cursor() as cursor:
        cursor.execute(
            grouped(column("topic_id"), "", with_topic),
            [*r_params, *where_params, *with_params],
        )
        rows = cursor.fetchall()
        cursor.execute(
            grouped(
                f"c.{qn('topic_id')}",
                f" CROSS JOIN {cards} c",
                f" AND c.{qn('id')} = {column('card_id')}"
                f" AND {column('topic_id')} IS NULL{without_topic}",
            ),
            [*r_params, *where_params, *without_params],
        )
        return rows + cursor.fetchall()


# --- stored rows -------------------------------------------------------------------------------


def _rows(*, user: AbstractBaseUser, now: datetime, key: str) -> list[tuple[Any, ...]]:
    """(deck id, generation, the generation computed at, whether computed under this key and
    still in its day, stored figures) for every deck, the generation None where the learner has
    no row yet: one statement on the cursor, the tests made by the database, so no stored date
    or JSON is converted that is not used."""
    qn = connection.ops.quote_name
    deck, counts = qn(Deck._meta.db_table), qn(DeckCounts._meta.db_table)
    sql = (
        f"SELECT d.id, c.generation, c.stats_computed,"
        f" (c.stats_key = %s AND c.stats_valid_until > %s),"
        f" c.stats FROM {deck} d LEFT JOIN {counts} c ON c.deck_id = d.id AND c.user_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, connection.ops.adapt_datetimefield_value(now), user.pk])
        return cursor.fetchall()


def _json(data: Any) -> Any:
    """A JSON column read on the cursor (text on SQLite; PostgreSQL's driver may decode it)."""
    return json.loads(data) if isinstance(data, str) else data


def _stamps(*, user: AbstractBaseUser, deck_ids: list[int] | None) -> dict[int, dict[int, int]]:
    """The learner's topic stamps in these decks (every deck for None) by deck, created (at 0)
    for the topics that have none yet, so that from now on a write to them moves their stamp."""
    topics = Topic.objects.all() if deck_ids is None else Topic.objects.filter(deck_id__in=deck_ids)
    deck_of = dict(topics.order_by().values_list("pk", "deck_id"))
    topic_ids = set(deck_of)
    stamps = TopicStamp.objects.filter(user=user)
    if deck_ids is not None:
        stamps = stamps.filter(topic__deck_id__in=deck_ids)
    found = dict(stamps.order_by().values_list("topic_id", "generation"))
    missing = topic_ids - set(found)
    if missing:
        TopicStamp.objects.bulk_create(
            [TopicStamp(user=user, topic_id=topic_id) for topic_id in missing],
            ignore_conflicts=True,
        )
        found.update(
            TopicStamp.objects.filter(user=user, topic_id__in=missing).values_list(
                "topic_id", "generation"
            )
        )
    by_deck: dict[int, dict[int, int]] = {}
    for topic_id, generation in found.items():
        if topic_id in deck_of:
            by_deck.setdefault(deck_of[topic_id], {})[topic_id] = generation
    return by_deck


def stats_key(*, factor: float, decay: float, timezone: str) -> str:
    """What the stored figures were computed under, besides the states themselves."""
    return f"{factor!r}/{decay!r}/{timezone}"


def stored_figures(
    *,
    user: AbstractBaseUser,
    now: datetime,
    profile: StudyProfile,
    factor: float,
    decay: float,
    today: date,
    tz: ZoneInfo,
) -> dict[int, StoredFigures]:
    """Every deck's figures, read from the stored rows where they are current and computed
    (and stored) where not."""
    day_start, day_end = day_bounds(now=now, timezone=profile.timezone)
    bounds = forecast_bounds(today=today, tz=tz)
    # Current until the study day ends (mastery's days) or the calendar day does (the
    # forecast's), whichever comes first.
    valid_until = min(day_end, bounds[0])
    key = stats_key(factor=factor, decay=decay, timezone=profile.timezone)
    result: dict[int, StoredFigures] = {}
    whole: dict[int, int] = {}  # deck id -> the generation it is computed at, all of it
    # The same for decks whose written topics alone are redone, with the generation their
    # stored figures were computed at and those figures.
    partly: dict[int, tuple[int, int, Any]] = {}
    missing: list[int] = []
    for deck_id, generation, computed, same_day_and_key, data in _rows(user=user, now=now, key=key):
        if generation is None:
            missing.append(deck_id)
        elif same_day_and_key and computed == generation:
            result[deck_id] = StoredFigures(**_json(data))
        elif same_day_and_key and computed is not None and computed >= 0:
            # Only states were written since (a card change or a state without a topic sets
            # the computed generation to -1): the topics whose stamps moved are redone.
            partly[deck_id] = (generation, computed, data)
        else:
            whole[deck_id] = generation
    if missing:
        whole.update(create_rows(user=user, deck_ids=missing))
    if not whole and not partly:
        return result
    common = {"user": user, "day_start": day_start, "factor": factor, "decay": decay}
    updates: list[_Update] = []
    if partly:
        updates += _redo_topics(partly, whole=whole, bounds=bounds, common=common)
    if whole:
        some = list(whole) if len(whole) <= FEW_DECKS else None
        # Stamps read before the states are, so a write in between moves the deck's generation
        # and what is computed is not stored.
        stamps = _stamps(user=user, deck_ids=some)
        fresh = compute(**common, deck_ids=some, bounds=bounds)
        for deck_id, generation in whole.items():
            figures = fresh.get(deck_id, DeckFigures())
            rows = [
                (
                    topic_id,
                    stamp,
                    figures.topics.get(topic_id) or _empty(),
                    figures.forecasts.get(topic_id) or _no_days(),
                )
                for topic_id, stamp in stamps.get(deck_id, {}).items()
            ]
            updates.append(_Update(deck_id, generation, None, figures.to_json(), rows))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # What is stored here is a cache of figures computed from the states: if a crash
            # loses this transaction, it is lost whole and the next visit computes again. So
            # its commit need not wait for the disk (an answer's commit does).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        # In deck order, so two visits storing at once take the rows' locks in one order (the
        # deck's row first, then its topics', which only this page writes).
        for update in sorted(updates, key=lambda u: u.deck_id):
            result[update.deck_id] = StoredFigures(**update.stats)
            # Stored only if no write came since the generation was read, nor (for a deck
            # whose sums were adjusted) another visit stored the deck since it was read.
            rows = DeckCounts.objects.filter(
                user=user, deck_id=update.deck_id, generation=update.generation
            )
            if update.computed is not None:
                rows = rows.filter(stats_computed=update.computed)
            stored = rows.update(
                stats_computed=update.generation,
                stats_valid_until=valid_until,
                stats_key=key,
                stats=update.stats,
            )
            if stored:
                _store_topics(user=user, rows=update.topics)
    return result


@dataclass
class _Update:
    """What storing one deck's figures writes: the deck's sums (`stats`) if its row's
    generation is still `generation` (and its stored figures those computed at `computed`,
    when they were adjusted), and then its topics' rows (topic, stamp, figures, forecast)."""

    deck_id: int
    generation: int
    computed: int | None
    stats: dict[str, Any]
    topics: list[tuple[int, int, list[Any], list[int]]]


def _redo_topics(
    partly: dict[int, tuple[int, int, Any]],
    *,
    whole: dict[int, int],
    bounds: list[datetime],
    common: dict[str, Any],
) -> list[_Update]:
    """The decks in `partly` with the topics written to since their figures were stored
    counted again, and the decks' sums adjusted by those topics' old and new figures. A deck
    with nothing to go on (no topic moved, so the write came from elsewhere, or another visit
    stored it meanwhile) is moved to `whole`."""
    user = common["user"]
    changed: dict[int, list[tuple[int, int, Any, Any]]] = {}
    for topic_id, deck_id, stamp, figures, forecast, computed_now in _changed_topics(
        user=user, deck_ids=list(partly)
    ):
        if deck_id not in partly:
            continue
        if computed_now != partly[deck_id][1]:
            # Stored again since the deck's figures were read: the topics' rows read now may
            # not be the ones those figures sum.
            whole[deck_id] = partly.pop(deck_id)[0]
            continue
        changed.setdefault(deck_id, []).append((topic_id, stamp, figures, forecast))
    for deck_id in list(partly):
        if deck_id not in changed:
            whole[deck_id] = partly.pop(deck_id)[0]
    if not partly:
        return []
    dirty = [topic_id for deck_id in partly for topic_id, *_rest in changed[deck_id]]
    fresh = compute(**common, deck_ids=list(partly), bounds=bounds, topic_ids=dirty)
    updates = []
    for deck_id, (generation, computed, data) in partly.items():
        old = _json(data)
        totals, forecast = list(old["totals"]), list(old["forecast"])
        figures = fresh.get(deck_id, DeckFigures())
        rows, studied_topics = [], old["studied_topics"]
        for topic_id, stamp, old_figures, old_forecast in changed[deck_id]:
            new_figures = figures.topics.get(topic_id) or _empty()
            new_forecast = figures.forecasts.get(topic_id) or _no_days()
            if old_figures is not None:
                old_figures = _json(old_figures)
                totals = [a - b for a, b in zip(totals, old_figures, strict=False)]
                forecast = [a - b for a, b in zip(forecast, _json(old_forecast), strict=True)]
                studied_topics -= _is_studied(old_figures)
            totals = [a + b for a, b in zip(totals, new_figures, strict=False)]
            forecast = [a + b for a, b in zip(forecast, new_forecast, strict=True)]
            studied_topics += _is_studied(new_figures)
            rows.append((topic_id, stamp, new_figures, new_forecast))
        now = {topic_id: new for topic_id, _stamp, new, _days in rows}
        mastery = _merged_weakest(
            old["mastery"],
            old_studied_topics=old["studied_topics"],
            studied_topics=studied_topics,
            changed=now,
        )
        if mastery is None:
            mastery = _deck_mastery(user=user, deck_id=deck_id, changed=now)
        stats = {
            "totals": totals,
            "studied_topics": studied_topics,
            "mastery": mastery,
            "forecast": forecast,
        }
        updates.append(_Update(deck_id, generation, computed, stats, rows))
    return updates


def _is_studied(figures: list[Any]) -> bool:
    """Whether mastery lists the topic: it has active cards and a studied one."""
    return figures[STUDIED] > 0 and figures[CARDS] > 0


def _merged_weakest(
    kept: list[list[Any]],
    *,
    old_studied_topics: int,
    studied_topics: int,
    changed: dict[int, list[Any]],
) -> list[list[Any]] | None:
    """A deck's weakest topics after `changed` topics got these figures, from the list kept
    before (see above), or None if too few remain and the deck's rows must be read."""
    complete = len(kept) == old_studied_topics
    highest = max((_mastery(entry) for entry in kept), default=0.0)
    merged = [entry for entry in kept if entry[0] not in changed]
    for topic_id, figures in changed.items():
        if _is_studied(figures):
            entry = _mastery_entry(topic_id, figures)
            # Every topic not in the list is above its highest mastery, so one that changed to
            # at most that belongs in it, and one above it need not be.
            if complete or _mastery(entry) <= highest:
                merged.append(entry)
    if len(merged) < min(MASTERY_TOPICS, studied_topics):
        return None
    return _weakest(merged)


def _deck_mastery(
    *, user: AbstractBaseUser, deck_id: int, changed: dict[int, list[Any]]
) -> list[list[Any]]:
    """A deck's weakest topics from all its topics' rows, with these topics' new figures."""
    qn = connection.ops.quote_name
    sql = (
        f"SELECT f.{qn('topic_id')}, f.{qn('figures')} FROM {qn(TopicFigures._meta.db_table)} f"
        f" INNER JOIN {qn(Topic._meta.db_table)} t ON t.{qn('id')} = f.{qn('topic_id')}"
        f" WHERE f.{qn('user_id')} = %s AND t.{qn('deck_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, deck_id])
        figures_of = {topic_id: _json(figures) for topic_id, figures in cursor.fetchall()}
    figures_of.update(changed)
    return _weakest(
        [
            _mastery_entry(topic_id, figures)
            for topic_id, figures in figures_of.items()
            if _is_studied(figures)
        ]
    )


def _changed_topics(*, user: AbstractBaseUser, deck_ids: list[int]) -> list[tuple[Any, ...]]:
    """(topic, deck, stamp, stored figures, stored forecast, the deck's computed generation now)
    for each topic of these decks whose stamp moved since its figures were stored (figures None
    if they never were), in one statement, so the topics' rows and the deck's computed
    generation are read together. A topic without a stamp gets one first (at 0), so a write to
    it from now on moves it."""
    qn = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(deck_ids))
    sql = (
        f"SELECT t.{qn('id')}, t.{qn('deck_id')}, s.{qn('generation')}, f.{qn('figures')},"
        f" f.{qn('forecast')}, c.{qn('stats_computed')} FROM {qn(Topic._meta.db_table)} t"
        f" INNER JOIN {qn(DeckCounts._meta.db_table)} c"
        f" ON c.{qn('user_id')} = %s AND c.{qn('deck_id')} = t.{qn('deck_id')}"
        f" LEFT JOIN {qn(TopicStamp._meta.db_table)} s"
        f" ON s.{qn('user_id')} = %s AND s.{qn('topic_id')} = t.{qn('id')}"
        f" LEFT JOIN {qn(TopicFigures._meta.db_table)} f"
        f" ON f.{qn('user_id')} = %s AND f.{qn('topic_id')} = t.{qn('id')}"
        f" WHERE t.{qn('deck_id')} IN ({marks}) AND (s.{qn('generation')} IS NULL"
        f" OR f.{qn('stamp')} IS NULL OR f.{qn('stamp')} <> s.{qn('generation')})"
    )
    params = [user.pk, user.pk, user.pk, *deck_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    unstamped = [row[0] for row in rows if row[2] is None]
    if unstamped:
        TopicStamp.objects.bulk_create(
            [TopicStamp(user=user, topic_id=topic_id) for topic_id in unstamped],
            ignore_conflicts=True,
        )
        stamps = dict(
            TopicStamp.objects.filter(user=user, topic_id__in=unstamped).values_list(
                "topic_id", "generation"
            )
        )
        rows = [
            row if row[2] is not None else (row[0], row[1], stamps[row[0]], *row[3:])
            for row in rows
        ]
    return rows


def _store_topics(
    *, user: AbstractBaseUser, rows: list[tuple[int, int, list[Any], list[int]]]
) -> None:
    """Write these topics' figures rows, created or replaced: multi-row upserts, a few hundred
    rows a statement."""
    if not rows:
        return
    qn = connection.ops.quote_name
    figures_field = TopicFigures._meta.get_field("figures")
    forecast_field = TopicFigures._meta.get_field("forecast")
    columns = ("user_id", "topic_id", "stamp", "figures", "forecast")
    per_statement = min(500, (connection.features.max_query_params or 5000) // len(columns))
    head = (
        f"INSERT INTO {qn(TopicFigures._meta.db_table)} ({', '.join(qn(c) for c in columns)})"
        " VALUES "
    )
    tail = f" ON CONFLICT ({qn('user_id')}, {qn('topic_id')}) DO UPDATE SET" + ", ".join(
        f" {qn(c)} = excluded.{qn(c)}" for c in columns[2:]
    )
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), per_statement):
            chunk = rows[i : i + per_statement]
            params: list[Any] = []
            for topic_id, stamp, figures, forecast in chunk:
                params += [
                    user.pk,
                    topic_id,
                    stamp,
                    figures_field.get_db_prep_save(figures, connection),
                    forecast_field.get_db_prep_save(forecast, connection),
                ]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
