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
since the deck's figures remembered it), unless a card of the deck changed. After a study
session only the topics studied are; the first visit of a day computes every deck.

Everything stored is exact: a deck's figures are its states' figures at the time the page is
shown, never a snapshot that lags behind it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, connections, transaction
from django.db.models import (
    Count,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Power

from quiz.models import Card, CardState, Deck, DeckCounts, StudyProfile, Topic, TopicStamp
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


@dataclass
class DeckFigures:
    """One deck's figures: per topic id, the list above; and the cards falling due on each local
    day from the day they were computed (overdue ones on the first).

    Stored compactly (`to_json`): the deck's totals of the counts, and only the topics with a
    studied card, which are all that mastery lists."""

    topics: dict[int, list[Any]] = field(default_factory=dict)
    forecast: list[int] = field(default_factory=lambda: [0] * FORECAST_DAYS)

    def to_json(self) -> dict[str, Any]:
        totals = [0] * R_SUM
        for row in self.topics.values():
            totals = [a + b for a, b in zip(totals, row, strict=False)]
        mastery = [
            [topic_id, row[CARDS], row[STUDIED], row[R_SUM]]
            for topic_id, row in self.topics.items()
            if row[STUDIED] > 0 and row[CARDS] > 0
        ]
        return {"totals": totals, "mastery": mastery, "forecast": self.forecast}


@dataclass
class StoredFigures:
    """A deck's figures as stored: `totals` in the order CARDS … LEECHES; `mastery` one
    [topic id, active cards, studied cards, sum of R] per topic with a studied card."""

    totals: list[int]
    mastery: list[list[Any]]
    forecast: list[int]

    @classmethod
    def of(cls, figures: DeckFigures) -> StoredFigures:
        return cls(**figures.to_json())


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
    those topics' own figures (and the decks' whole forecast).

    Active cards per topic from the cards' (topic, status) index; the states grouped by topic,
    state, suspended and leech from the covering index `cardstate_user_topic_stats` (filtered
    by the decks' topics, that index's second column, when only a few decks are computed), with
    the states of retired cards left out through their partial index; and the forecast by local
    day from the states due before its last day ends."""
    result: dict[int, DeckFigures] = {}
    topics = Topic.objects.all() if deck_ids is None else Topic.objects.filter(deck_id__in=deck_ids)
    if topic_ids is not None:
        topics = topics.filter(pk__in=topic_ids)
    deck_of = dict(topics.order_by().values_list("pk", "deck_id"))
    for deck_id in deck_ids if deck_ids is not None else set(deck_of.values()):
        result[deck_id] = DeckFigures()
    active = Card.objects.filter(status=Card.Status.ACTIVE)
    if deck_ids is not None:
        active = active.filter(topic_id__in=list(deck_of))
    for topic_id, n in active.values_list("topic_id").annotate(n=Count("id")).order_by():
        figures = _figures_of(result, deck_of, topic_id)
        figures[CARDS] += n

    retired = Card.objects.filter(status=Card.Status.RETIRED).values("pk")
    states = CardState.objects.filter(user=user).exclude(card_id__in=retired)
    r = retrievability(day_start=day_start, factor=factor, decay=decay)
    with_topic = states.filter(topic_id__isnull=False)
    if deck_ids is not None:
        with_topic = with_topic.filter(topic_id__in=list(deck_of))
    # A state whose denormalised topic is missing (written around the importer) is counted
    # under its card's topic: a join for those few alone.
    without_topic = states.filter(topic_id__isnull=True)
    if deck_ids is not None:
        without_topic = without_topic.filter(deck_id__in=deck_ids)
    if topic_ids is not None:
        without_topic = without_topic.filter(card__topic_id__in=list(deck_of))
    for rows in (_groups(with_topic, "topic_id", r), _groups(without_topic, "card__topic_id", r)):
        for topic_id, state, is_suspended, is_leech, n, studied, r_sum in rows:
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

    if connection.vendor == "postgresql":
        for deck_id, i, n in _forecast_grouped(user=user, deck_ids=deck_ids, bounds=bounds):
            if deck_id in result:
                result[deck_id].forecast[i] += n
    else:
        for deck_id, figures in result.items():
            figures.forecast = _forecast(user=user, deck_id=deck_id, bounds=bounds)
    return result


def _forecast_grouped(
    *, user: AbstractBaseUser, deck_ids: list[int] | None, bounds: list[datetime]
) -> list[tuple[int, int, int]]:
    """(deck, day, open states due) on PostgreSQL: `width_bucket` finds each state's day by a
    binary search of the local midnights, and one grouped pass over the covering index counts
    them. PostgreSQL plans every statement afresh, and planning the 30 range counts that
    SQLite runs instead (`_forecast`) costs more than this whole pass."""
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {qn('deck_id')}, width_bucket({qn('due')}, %s::timestamptz[]), COUNT(*)"
        f" FROM {qn(CardState._meta.db_table)} WHERE {qn('user_id')} = %s"
        f" AND {qn('suspended')} = false AND {qn('state')} <> %s AND {qn('due')} < %s"
        f" AND {qn('card_id')} NOT IN (SELECT {qn('id')} FROM {qn(Card._meta.db_table)}"
        f" WHERE {qn('status')} = %s)"
    )
    params: list[Any] = [bounds, user.pk, NEW, bounds[-1], Card.Status.RETIRED.value]
    if deck_ids is not None:
        sql += f" AND {qn('deck_id')} = ANY(%s)"
        params.append(list(deck_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql + " GROUP BY 1, 2", params)
        return cursor.fetchall()


def _forecast(*, user: AbstractBaseUser, deck_id: int, bounds: list[datetime]) -> list[int]:
    """The deck's open (studied, not suspended) states falling due in each local day, overdue
    ones on the first, on SQLite: one statement of a range count per day, each read from the
    covering index `cardstate_user_deck_due` alone. Counting index ranges is several times
    cheaper than putting each of the learner's states in its day and grouping (most of a big
    bank's states fall due within 30 days)."""
    qn = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    edges = [adapt(_EPOCH), *(adapt(bound) for bound in bounds)]
    retired = f"SELECT {qn('id')} FROM {qn(Card._meta.db_table)} WHERE {qn('status')} = %s"
    one = (
        f"(SELECT COUNT(*) FROM {qn(CardState._meta.db_table)} WHERE {qn('user_id')} = %s"
        f" AND {qn('deck_id')} = %s AND {qn('due')} >= %s AND {qn('due')} < %s"
        f" AND {qn('suspended')} = %s AND {qn('state')} <> %s"
        f" AND {qn('card_id')} NOT IN ({retired}))"
    )
    params: list[Any] = []
    for low, high in zip(edges, edges[1:], strict=False):
        params += [user.pk, deck_id, low, high, False, NEW, Card.Status.RETIRED.value]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join([one] * (len(edges) - 1)), params)
        return [int(n) for n in cursor.fetchone()]


def _figures_of(
    result: dict[int, DeckFigures], deck_of: dict[int, int], topic_id: int
) -> list[Any]:
    deck = result.setdefault(deck_of[topic_id], DeckFigures())
    return deck.topics.setdefault(topic_id, _empty())


def _groups(states: Any, topic: str, r: Expression) -> list[tuple[Any, ...]]:
    """(topic, state, suspended, is_leech, states, studied states, sum of their R) groups, run on
    the cursor: thousands of small rows, and the ORM's per-value converters (booleans on SQLite)
    would cost more than the callers' truthiness tests need."""
    studied = Q(stability__isnull=False, last_review__isnull=False)
    query = (
        states.values_list(topic, "state", "suspended", "is_leech")
        .annotate(n=Count("*"), studied=Count("pk", filter=studied), r=Sum(r, filter=studied))
        .order_by()
        .query
    )
    sql, params = query.sql_with_params()
    with connections[states.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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


def _stamps(
    *, user: AbstractBaseUser, deck_ids: list[int] | None
) -> tuple[dict[int, dict[int, int]], dict[int, int]]:
    """The learner's topic stamps in these decks (every deck for None) by deck, created (at 0)
    for the topics that have none yet, so that from now on a write to them moves their stamp;
    and each of those topics' deck."""
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
    return by_deck, deck_of


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
    partly: dict[int, int] = {}  # the same, for decks whose written topics alone are redone
    missing: list[int] = []
    for deck_id, generation, computed, same_day_and_key, data in _rows(user=user, now=now, key=key):
        if generation is None:
            missing.append(deck_id)
        elif same_day_and_key and computed == generation:
            result[deck_id] = StoredFigures(**_json(data))
        elif same_day_and_key and computed is not None and computed >= 0:
            # Only states were written since (a card change or a state without a topic sets
            # the computed generation to -1): the topics whose stamps moved are redone.
            partly[deck_id] = generation
        else:
            whole[deck_id] = generation
    if missing:
        whole.update(create_rows(user=user, deck_ids=missing))
    if not whole and not partly:
        return result
    computed_now: dict[int, tuple[dict[int, list[Any]], dict[int, int], list[int]]] = {}
    common = {"user": user, "day_start": day_start, "factor": factor, "decay": decay}
    if partly:
        stored = dict(
            DeckCounts.objects.filter(user=user, deck_id__in=list(partly)).values_list(
                "deck_id", "stats_topics"
            )
        )
        stamps, deck_of = _stamps(user=user, deck_ids=list(partly))
        dirty: list[int] = []
        for deck_id in list(partly):
            kept = stored.get(deck_id) or {}
            kept_stamps = {int(k): v for k, v in kept.get("stamps", {}).items()}
            now_stamps = stamps.get(deck_id, {})
            changed = [t for t, g in now_stamps.items() if kept_stamps.get(t) != g]
            if not kept or not changed:
                # Nothing to go on (or no topic moved, so the write came from elsewhere): redo
                # the deck whole.
                whole[deck_id] = partly.pop(deck_id)
                continue
            dirty += changed
        if partly:
            fresh = compute(**common, deck_ids=list(partly), bounds=bounds, topic_ids=dirty)
            for deck_id in partly:
                kept = stored[deck_id]
                topics = {int(k): v for k, v in kept.get("topics", {}).items()}
                figures = fresh.get(deck_id, DeckFigures())
                for topic_id in dirty:
                    if deck_of.get(topic_id) == deck_id:
                        topics.pop(topic_id, None)
                topics.update(figures.topics)
                computed_now[deck_id] = (topics, stamps.get(deck_id, {}), figures.forecast)
    if whole:
        some = list(whole) if len(whole) <= FEW_DECKS else None
        # Stamps read before the states are, so a write in between moves the deck's generation
        # and what is computed is not stored.
        stamps, _deck_of = _stamps(user=user, deck_ids=some)
        fresh = compute(**common, deck_ids=some, bounds=bounds)
        for deck_id in whole:
            figures = fresh.get(deck_id, DeckFigures())
            computed_now[deck_id] = (figures.topics, stamps.get(deck_id, {}), figures.forecast)
    with transaction.atomic():
        # In deck order, so two visits storing at once take the rows' locks in one order.
        for deck_id in sorted(computed_now):
            generation = whole.get(deck_id, partly.get(deck_id))
            topics, deck_stamps, forecast = computed_now[deck_id]
            figures = DeckFigures(topics=topics, forecast=forecast)
            compact = figures.to_json()
            result[deck_id] = StoredFigures(**compact)
            # Stored only if no write came since the generation was read.
            DeckCounts.objects.filter(user=user, deck_id=deck_id, generation=generation).update(
                stats_computed=generation,
                stats_valid_until=valid_until,
                stats_key=key,
                stats=compact,
                stats_topics={
                    "topics": {str(t): v for t, v in topics.items()},
                    "stamps": {str(t): g for t, g in deck_stamps.items()},
                },
            )
    return result
