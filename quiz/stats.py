"""A learner's progress figures for the statistics page, each one database aggregate.

Keyword-only functions over the models; no review rows are loaded into Python (each query
returns at most a row per day, per rating or per topic group). The answers' figures read the
quarter-hour tallies kept beside the review log as answers are written (`quiz.tally`,
`ReviewTally`), the card figures one covering index of the learner's states (`CardState.topic`
denormalised). Definitions (also in docs/statistics.md):

- Days are local calendar days (midnight to midnight) in the learner's time zone
  (`StudyProfile.timezone`). The study day that daily limits use starts at 4 am instead
  (`quiz.study.day_bounds`); a calendar should say the date the learner saw on the clock.
  Rows are put in days by summing index ranges between local midnights (`counts_between`,
  `_per_range`), not by grouping on TruncDate(tzinfo=...): exact across DST on SQLite and
  PostgreSQL alike. Tallies are per UTC quarter hour, and every zone's midnight falls on one,
  so a day is still cut at the local midnight of the zone the page is shown in.
- Only study answers count (`source="study"`, not undone): exam misses are logged as Again
  reviews but say nothing about the buttons the learner pressed; exams have their own trend.
- True retention: of the answers to cards that were in the Review state (`state_before`),
  the share rated Hard, Good or Easy. Young means the card's stability before the answer was
  under 21 days, mature 21 days or more. FSRS schedules a card's interval to the day its recall
  falls to the desired retention, which at the default 0.9 is exactly its stability, and the
  stability is stored exactly in each answer's `state_before` snapshot.
- Mastery of a topic: the mean FSRS retrievability now over the topic's own active cards, a card
  this learner never studied counting 0, so mastery grows with coverage as well as memory.
  Retrievability is computed in SQL with the FSRS-6 formula R = (1 + factor·t/S)^decay (t whole
  days since the last review, S stability, factor and decay from the learner's scheduler), the
  same formula fsrs's `Scheduler.get_card_retrievability` uses; a test checks they agree.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, connections
from django.db.models import (
    Count,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Power, TruncDate

from quiz import study, tally
from quiz.models import (
    Card,
    CardState,
    ExamAttempt,
    Review,
    ReviewDay,
    ReviewTally,
    StudyProfile,
    Topic,
)
from quiz.scheduling import EASY, GOOD, HARD, LEARNING, NEW, RATINGS, RELEARNING, REVIEW

HEATMAP_DAYS = 365
FORECAST_DAYS = 30
RETENTION_DAYS = 30
MASTERY_TOPICS = 20
EXAM_TREND_ATTEMPTS = 30
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- local days in SQL -------------------------------------------------------------------------


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local calendar day starts (a DST gap at midnight moves it on)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def day_starts(*, first: date, days: int, tz: ZoneInfo) -> list[datetime]:
    """The UTC instants local days `first` … `first + days` start: `days` days' bounds."""
    return [local_midnight(first + timedelta(days=i), tz) for i in range(days + 1)]


def counts_between(queryset: QuerySet[Any], *, field: str, bounds: list[datetime]) -> list[int]:
    """How many rows of `queryset` have `field` in each [bounds[i], bounds[i + 1]).

    One statement of scalar subqueries, each counting one index range. This is how days are
    bucketed here instead of grouping by TruncDate(field, tzinfo=zone): the bounds are local
    midnights worked out by zoneinfo, so DST and odd offsets are exact on every database, and
    counting a range of an index is much cheaper than grouping rows by a computed date (on
    SQLite, TruncDate with a zone calls back into Python for every row, about 8 µs each; a
    native date() still sorts every row). A year of 500,000 reviews: about 30 ms, against
    180 ms for native date() grouping and seconds for TruncDate.

    `queryset` may only filter its own table (no joins).
    """
    connection = connections[queryset.db]
    adapted = [connection.ops.adapt_datetimefield_value(b) for b in bounds]
    return _per_range(queryset, field=field, bounds=adapted, aggregate="COUNT(*)")


def _per_range(queryset: QuerySet[Any], *, field: str, bounds: list[Any], aggregate: str) -> list:
    """`aggregate` over the rows of `queryset` with `field` in each [bounds[i], bounds[i + 1]),
    one scalar subquery per range in one statement (see `counts_between`)."""
    query = queryset.query
    if any(n for alias, n in query.alias_refcount.items() if alias != query.base_table):
        raise ValueError("counts_between needs filters on the model's own table only")
    connection = connections[queryset.db]
    compiler = query.get_compiler(connection=connection)
    where, where_params = compiler.compile(query.where) if query.where else ("1 = 1", ())
    quote = connection.ops.quote_name
    table = quote(queryset.model._meta.db_table)
    column = f"{table}.{quote(queryset.model._meta.get_field(field).column)}"
    one = f"(SELECT {aggregate} FROM {table} WHERE {where} AND {column} >= %s AND {column} < %s)"
    params: list[Any] = []
    for low, high in itertools.pairwise(bounds):
        params += [*where_params, low, high]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join([one] * (len(bounds) - 1)), params)
        return [int(n or 0) for n in cursor.fetchone()]


def quarters(bounds: list[datetime]) -> list[int] | None:
    """The bounds as ReviewTally quarter hours, or None if one does not fall on a quarter hour
    (no zone in use today has such a midnight; the review log then answers instead)."""
    found = []
    for bound in bounds:
        seconds = bound.timestamp()
        if seconds % tally.QUARTER_S:
            return None
        found.append(int(seconds) // tally.QUARTER_S)
    return found


def retrievability(*, now: datetime, factor: float, decay: float) -> Expression:
    """FSRS-6 R = (1 + factor·t/S)^decay as a SQL expression over CardState rows, t the whole
    days from last_review to `now`. Only the whole days and the power function differ per
    database (`_Pow`: native on both where SQLite has its math functions)."""
    return _Pow(
        Value(1.0) + Value(factor) * _ElapsedDays(F("last_review"), now=now) / F("stability"),
        Value(decay),
    )


def _sqlite_has(connection: Any, sql: str) -> bool:
    """Whether this SQLite library runs `sql` (asked once per process and function, on the raw
    connection, so no query is logged)."""
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


class _ElapsedDays(Func):
    """Whole days from a datetime column to `now` (never negative), as fsrs counts them
    (`timedelta.days`). Written for the two databases Notebank runs on; SQLite reads the stored
    text with unixepoch() where it has it (3.38+, cheaper than strftime('%s')); both drop
    fractions of a second, which only matters within a second of a whole day."""

    output_field = IntegerField()

    def __init__(self, expression: Expression, *, now: datetime):
        super().__init__(expression)
        self.now_s = int(now.timestamp())

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        if connection.Database.sqlite_version_info >= (3, 38):
            seconds = f"unixepoch({column})"
        else:
            seconds = f"CAST(strftime('%%s', {column}) AS INTEGER)"
        return f"MAX(0, (%s - {seconds}) / 86400)", [self.now_s, *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"GREATEST(0, FLOOR((%s - EXTRACT(EPOCH FROM {column})) / 86400))"
        return sql, [self.now_s, *params]


# --- the figures -------------------------------------------------------------------------------


def _study_reviews(user: AbstractBaseUser) -> QuerySet[Review]:
    return Review.objects.filter(user=user, undone=False, source="study")


@dataclass(frozen=True)
class Heatmap:
    start: date
    end: date
    counts: dict[date, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def active_days(self) -> int:
        return sum(1 for n in self.counts.values() if n)


def review_heatmap(
    *, user: AbstractBaseUser, today: date, tz: ZoneInfo, days: int = HEATMAP_DAYS
) -> Heatmap:
    """Study answers per local day over the `days` days ending today (days with none left out).

    Summed from the learner's quarter-hour tallies (`ReviewTally`): one index range of at most
    96 small rows a day, instead of the day's review-log rows."""
    start = today - timedelta(days=days - 1)
    bounds = day_starts(first=start, days=days, tz=tz)
    slots = quarters(bounds)
    if slots is None:
        counts = counts_between(_study_reviews(user), field="reviewed_at", bounds=bounds)
    else:
        tallies = ReviewTally.objects.filter(user=user)
        counts = _per_range(tallies, field="quarter", bounds=slots, aggregate='SUM("answers")')
    return Heatmap(
        start=start,
        end=today,
        counts={start + timedelta(days=i): n for i, n in enumerate(counts) if n},
    )


def due_forecast(
    *, user: AbstractBaseUser, today: date, tz: ZoneInfo, days: int = FORECAST_DAYS
) -> list[tuple[date, int]]:
    """Cards falling due on each local day from today on; overdue cards count on today.

    Every studied card (not new) of an active card that is not suspended, learning cards
    included: what the learner will have to answer.
    """
    open_states = CardState.objects.filter(user=user, suspended=False).exclude(state=NEW)
    bounds = day_starts(first=today, days=days, tz=tz)
    counts = counts_between(open_states, field="due", bounds=[_EPOCH, *bounds])
    counts = [counts[0] + counts[1], *counts[2:]]
    # counts_between cannot join, so the (few) states of retired cards come off afterwards:
    # a join driven from the retired cards' partial index (a short list), not from every state.
    retired = (
        open_states.filter(card__status=Card.Status.RETIRED, due__lt=bounds[-1])
        .annotate(day=TruncDate("due", tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for day, n in retired:
        counts[max(0, (day - today).days)] -= n
    return [(today + timedelta(days=i), n) for i, n in enumerate(counts)]


@dataclass(frozen=True)
class Retention:
    young_passed: int
    young_total: int
    mature_passed: int
    mature_total: int

    @staticmethod
    def rate(passed: int, total: int) -> float | None:
        return passed / total if total else None

    @property
    def young(self) -> float | None:
        return self.rate(self.young_passed, self.young_total)

    @property
    def mature(self) -> float | None:
        return self.rate(self.mature_passed, self.mature_total)

    @property
    def all(self) -> float | None:
        return self.rate(
            self.young_passed + self.mature_passed, self.young_total + self.mature_total
        )


@dataclass(frozen=True)
class ButtonCounts:
    learning: dict[int, int]
    review: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.learning.values()) + sum(self.review.values())


@dataclass(frozen=True)
class Answers:
    """Study answers in a window, by rating: on young and mature cards in Review state, and on
    the rest (new, learning and relearning cards)."""

    young: dict[int, int]
    mature: dict[int, int]
    learning: dict[int, int]

    @property
    def retention(self) -> Retention:
        return Retention(
            young_passed=self.young[HARD] + self.young[GOOD] + self.young[EASY],
            young_total=sum(self.young.values()),
            mature_passed=self.mature[HARD] + self.mature[GOOD] + self.mature[EASY],
            mature_total=sum(self.mature.values()),
        )

    @property
    def buttons(self) -> ButtonCounts:
        review = {r: self.young[r] + self.mature[r] for r in RATINGS}
        return ButtonCounts(learning=dict(self.learning), review=review)


def answers_since(*, user: AbstractBaseUser, since: datetime) -> Answers:
    """The window's answers by phase and rating, for both retention and the buttons: the sums of
    the learner's quarter-hour tallies from `since` on (`ReviewTally`, kept as answers are
    written), or the review log itself if `since` is not on a quarter hour.

    Young or mature comes from the card's stability before the answer (`state_before`); see the
    module docstring for why stability stands for the interval."""
    found: dict[str, dict[int, int]] = {p: dict.fromkeys(RATINGS, 0) for p in tally.PHASES}
    slots = quarters([since])
    if slots is None:
        for phase, rating, n in _answers_from_log(user=user, since=since):
            found[phase][rating] += n
        return Answers(**found)
    sums = ReviewTally.objects.filter(user=user, quarter__gte=slots[0]).aggregate(
        **{name: Sum(name) for name in tally.COUNTERS}
    )
    for phase in tally.PHASES:
        for rating, rating_name in tally.RATING_COLUMNS.items():
            found[phase][rating] = sums[f"{phase}_{rating_name}"] or 0
    return Answers(**found)


def days_overview(
    *, user: AbstractBaseUser, today: date, profile: StudyProfile, tz: ZoneInfo
) -> tuple[Heatmap, Answers]:
    """The year's heatmap and the retention window's answers from one read of the learner's
    day rows (`ReviewDay`, at most 365 of them), cut in their zone; recut first if the
    learner's zone changed since they were (`tally.rebuild_days`, the only time this writes).
    Equal to `review_heatmap` and `answers_since` over the quarter hours (a test checks)."""
    if profile.day_tally_zone != profile.timezone:
        tally.rebuild_days(user_ids=[user.pk])
        profile.day_tally_zone = profile.timezone
    start = today - timedelta(days=HEATMAP_DAYS - 1)
    window_start = today - timedelta(days=RETENTION_DAYS - 1)
    rows = ReviewDay.objects.filter(user=user, day__gte=start, day__lte=today).values_list(
        "day", "answers", *tally.COUNTERS
    )
    counts: dict[date, int] = {}
    window = [0] * len(tally.COUNTERS)
    for day, n, *by_counter in rows:
        if n:
            counts[day] = n
        if day >= window_start:
            window = [a + b for a, b in zip(window, by_counter, strict=True)]
    found: dict[str, dict[int, int]] = {p: dict.fromkeys(RATINGS, 0) for p in tally.PHASES}
    sums = dict(zip(tally.COUNTERS, window, strict=True))
    for phase in tally.PHASES:
        for rating, rating_name in tally.RATING_COLUMNS.items():
            found[phase][rating] = sums[f"{phase}_{rating_name}"]
    heatmap = Heatmap(start=start, end=today, counts=dict(sorted(counts.items())))
    return heatmap, Answers(**found)


def _answers_from_log(*, user: AbstractBaseUser, since: datetime) -> QuerySet[Any]:
    """(phase, rating, n) for the study answers from `since` on, grouped from the review log."""
    return (
        tally.with_phase(_study_reviews(user).filter(reviewed_at__gte=since))
        .values_list("phase", "rating")
        .annotate(n=Count("id"))
        .order_by()
    )


def true_retention(*, user: AbstractBaseUser, since: datetime) -> Retention:
    """Passed (Hard or better) over answered, for cards in Review state, young and mature."""
    return answers_since(user=user, since=since).retention


def answer_buttons(*, user: AbstractBaseUser, since: datetime) -> ButtonCounts:
    """How often each rating was pressed, on review cards and on the rest."""
    return answers_since(user=user, since=since).buttons


@dataclass(frozen=True)
class StateCounts:
    """Active cards by this learner's state. New, learning, review and relearning exclude
    suspended cards, which are counted once under suspended; leeches overlap the others
    (a leech is usually also suspended)."""

    new: int
    learning: int
    review: int
    relearning: int
    suspended: int
    leeches: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review + self.relearning + self.suspended


@dataclass(frozen=True)
class TopicMastery:
    topic_id: int
    title: str
    path: str
    cards: int
    studied: int
    mastery: float


@dataclass
class Mastery:
    weakest: list[TopicMastery] = field(default_factory=list)
    studied_topics: int = 0


@dataclass(frozen=True)
class Cards:
    counts: StateCounts
    mastery: Mastery


def cards_overview(
    *, user: AbstractBaseUser, now: datetime, profile: StudyProfile, limit: int = MASTERY_TOPICS
) -> Cards:
    """Card counts by state and per-topic mastery from one grouped pass over the learner's
    states, plus the active cards of the studied topics; mastery lists the topics the learner
    has studied at least one card of, weakest first.

    The pass reads the covering index `cardstate_user_topic_stats` alone (the state's topic is
    denormalised: no join to the cards) and groups by topic, state, suspended and leech, the
    index's own order, so each row is counted once rather than tested against eight filters;
    the figures are added up from those groups. States of retired cards are taken off after,
    from a second pass driven from the few retired cards. A state whose denormalised topic is
    missing is put under its card's topic."""
    scheduler = study.scheduler_for(profile)
    r = retrievability(now=now, factor=scheduler._FACTOR, decay=scheduler._DECAY)
    states = CardState.objects.filter(user=user)
    groups = _state_groups(states, "topic_id", r)
    if any(group[0] is None for group in groups):
        missing = states.filter(topic_id__isnull=True)
        groups = [g for g in groups if g[0] is not None] + _state_groups(missing, "card__topic", r)
    # The states of retired cards come off afterwards, driven from the few retired cards: much
    # cheaper than testing every state against them (counts stay exact; a sum of R may differ
    # from summing without them in the last bits of a float).
    retired = _state_groups(states.filter(card__status=Card.Status.RETIRED), "card__topic", r)
    tally_ = dict.fromkeys(
        ("started", "learning", "review", "relearning", "suspended", "leeches"), 0
    )
    by_topic: dict[int, list[Any]] = {}
    for sign, rows in ((1, groups), (-1, retired)):
        for topic_id, state, is_suspended, is_leech, n, studied, r_sum in rows:
            n, studied = sign * n, sign * studied
            if is_suspended or state != NEW:
                tally_["started"] += n
            if is_suspended:
                tally_["suspended"] += n
            elif state in _STATE_NAMES:
                tally_[_STATE_NAMES[state]] += n
            if is_leech:
                tally_["leeches"] += n
            if state != NEW and studied:
                topic = by_topic.setdefault(topic_id, [0, 0.0])
                topic[0] += studied
                topic[1] += sign * (r_sum or 0.0)
    by_topic = {topic_id: sums for topic_id, sums in by_topic.items() if sums[0] > 0}
    started = tally_.pop("started")
    if not by_topic:
        counts = StateCounts(new=_active_cards() - started, **tally_)
        return Cards(counts=counts, mastery=Mastery())
    # Each studied topic's active cards (a short range of the (topic, status) index apiece),
    # and on every row the number of active cards (all cards less the few retired ones: SQLite
    # counts a whole table from its pages, the retired from their partial index).
    qn = connection.ops.quote_name
    active = RawSQL(
        f"(SELECT COUNT(*) FROM {qn(Card._meta.db_table)} c WHERE c.{qn('status')} = %s"
        f" AND c.{qn('topic_id')} = {qn(Topic._meta.db_table)}.{qn('id')})",
        [Card.Status.ACTIVE],
        output_field=IntegerField(),
    )
    totals = list(
        Topic.objects.filter(pk__in=by_topic)
        .order_by()
        .values_list("pk", "title", "path")
        .annotate(n=active, all_active=RawSQL(*_active_cards_sql(), output_field=IntegerField()))
    )
    counts = StateCounts(new=(totals[0][4] if totals else _active_cards()) - started, **tally_)
    topics = [
        TopicMastery(
            topic_id=topic_id,
            title=title,
            path=path,
            cards=n,
            studied=by_topic[topic_id][0],
            mastery=by_topic[topic_id][1] / n,
        )
        for topic_id, title, path, n, _active in totals
        if n
    ]
    topics.sort(key=lambda t: (t.mastery, t.path))
    return Cards(counts=counts, mastery=Mastery(weakest=topics[:limit], studied_topics=len(topics)))


_STATE_NAMES = {LEARNING: "learning", REVIEW: "review", RELEARNING: "relearning"}


def _active_cards_sql() -> tuple[str, list[Any]]:
    table = connection.ops.quote_name(Card._meta.db_table)
    status = connection.ops.quote_name("status")
    sql = f"(SELECT COUNT(*) FROM {table}) - (SELECT COUNT(*) FROM {table} WHERE {status} = %s)"
    return sql, [Card.Status.RETIRED]


def _active_cards() -> int:
    """Active cards: all cards less the few retired ones."""
    sql, params = _active_cards_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return int(cursor.fetchone()[0])


def _state_groups(states: QuerySet[CardState], topic: str, r: Expression) -> list[tuple[Any, ...]]:
    """(topic, state, suspended, is_leech, states, studied states, sum of their R) groups.

    Run on the cursor: thousands of small rows, and the ORM's per-value converters (booleans
    on SQLite) would cost more than the callers' truthiness tests need."""
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


def card_counts(*, user: AbstractBaseUser) -> StateCounts:
    profile = StudyProfile.objects.filter(user=user).first() or StudyProfile(user=user)
    return cards_overview(user=user, now=datetime.now(UTC), profile=profile).counts


def topic_mastery(
    *, user: AbstractBaseUser, now: datetime, profile: StudyProfile, limit: int = MASTERY_TOPICS
) -> Mastery:
    return cards_overview(user=user, now=now, profile=profile, limit=limit).mastery


def exam_trend(*, user: AbstractBaseUser, limit: int = EXAM_TREND_ATTEMPTS) -> list[ExamAttempt]:
    """The latest submitted mock exams, oldest first (practice runs are not exams: untimed,
    answers shown as you go, so their scores are left out as the exam history leaves them)."""
    attempts = (
        ExamAttempt.objects.filter(
            user=user,
            mode=ExamAttempt.Mode.EXAM,
            submitted_at__isnull=False,
            score__isnull=False,
        )
        .order_by("-submitted_at", "-pk")
        .only("pk", "mode", "submitted_at", "score", "pass_mark", "correct_count", "count")[:limit]
    )
    return list(reversed(attempts))


# --- everything for the page -------------------------------------------------------------------


@dataclass
class Overview:
    today: date
    timezone: str
    heatmap: Heatmap
    forecast: list[tuple[date, int]]
    retention: Retention
    buttons: ButtonCounts
    counts: StateCounts
    mastery: Mastery
    exams: list[ExamAttempt]
    window_start: date


def overview(
    *, user: AbstractBaseUser, now: datetime, profile: StudyProfile | None = None
) -> Overview:
    profile = profile or study.profile_for(user)
    tz = study.zone(profile.timezone)
    today = now.astimezone(tz).date()
    window_start = today - timedelta(days=RETENTION_DAYS - 1)
    heatmap, answers = days_overview(user=user, today=today, profile=profile, tz=tz)
    cards = cards_overview(user=user, now=now, profile=profile)
    return Overview(
        today=today,
        timezone=tz.key,
        heatmap=heatmap,
        forecast=due_forecast(user=user, today=today, tz=tz),
        retention=answers.retention,
        buttons=answers.buttons,
        counts=cards.counts,
        mastery=cards.mastery,
        exams=exam_trend(user=user),
        window_start=window_start,
    )
