"""A learner's progress figures for the statistics page, each one database aggregate.

Keyword-only functions over the models; no review rows are loaded into Python (each query
returns at most a row per day, per rating or per topic). Definitions (also in
docs/README-stats.md):

- Days are local calendar days (midnight to midnight) in the learner's time zone
  (`StudyProfile.timezone`). The study day that daily limits use starts at 4 am instead
  (`quiz.study.day_bounds`); a calendar should say the date the learner saw on the clock.
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

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    DateField,
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
from django.db.models.functions import Power, TruncDate

from quiz import study
from quiz.models import Card, CardState, ExamAttempt, Review, StudyProfile
from quiz.scheduling import AGAIN, EASY, GOOD, HARD, LEARNING, NEW, RELEARNING, REVIEW

User = AbstractBaseUser

HEATMAP_DAYS = 365
FORECAST_DAYS = 30
RETENTION_DAYS = 30
MATURE_DAYS = 21
MASTERY_TOPICS = 20
EXAM_TREND_ATTEMPTS = 30


# --- local days in SQL -------------------------------------------------------------------------


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local calendar day starts (a DST gap at midnight moves it on)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def utc_offsets(*, tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offsets over [start, end) as (from instant, offset in minutes), in order.

    Steps a day at a time and bisects to the second where the offset changes: zones change at
    most a few times a year, and never twice within a day.
    """

    def offset(at: datetime) -> int:
        return round(at.astimezone(tz).utcoffset().total_seconds() / 60)

    found = [(start, offset(start))]
    at = start
    while at < end:
        step = min(end, at + timedelta(days=1))
        if offset(step) != found[-1][1]:
            low, high = at, step  # offset(low) is the old one, offset(high) the new one
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == found[-1][1]:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(microsecond=0), offset(high)))
        at = step
    return found


class LocalDate(Func):
    """The local calendar date of a UTC datetime column, as native SQL on each database.

    PostgreSQL converts with `AT TIME ZONE` (Django's TruncDate with tzinfo). SQLite has no time
    zones, and there Django's TruncDate calls back into Python for each row (about 8 µs a row:
    seconds for a year of reviews), so the zone's offsets over [start, end) become a CASE over the
    transition instants, each branch SQLite's own `date(column, '+N minutes')`. Rows outside
    [start, end) get the nearest offset: callers either filter them out or only need "before".
    """

    output_field = DateField()

    def __init__(self, expression: Any, *, tz: ZoneInfo, start: datetime, end: datetime):
        super().__init__(expression)
        self.tz, self.start, self.end = tz, start, end

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        return compiler.compile(TruncDate(self.source_expressions[0], tzinfo=self.tz))

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        offsets = utc_offsets(tz=self.tz, start=self.start, end=self.end)

        def modifier(minutes: int) -> str:
            return f"{minutes:+d} minutes"

        if len(offsets) == 1:
            return f"date({column}, %s)", [*params, modifier(offsets[0][1])]
        whens, when_params = [], []
        for (_, minutes), (next_from, _) in zip(offsets, offsets[1:], strict=False):
            whens.append(f"WHEN {column} < %s THEN %s")
            when_params += [*params, _sqlite_datetime(next_from), modifier(minutes)]
        sql = f"date({column}, CASE {' '.join(whens)} ELSE %s END)"
        return sql, [*params, *when_params, modifier(offsets[-1][1])]


def _sqlite_datetime(at: datetime) -> str:
    # How Django stores an aware datetime in SQLite: naive UTC text, compared as strings.
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def retrievability(*, now: datetime, factor: float, decay: float) -> Expression:
    """FSRS-6 R = (1 + factor·t/S)^decay as a SQL expression over CardState rows, t the whole
    days from last_review to `now`. Only the whole days differ per database; `Power` is native
    on both (Django supplies it on an SQLite built without math functions)."""
    return Power(
        Value(1.0) + Value(factor) * _ElapsedDays(F("last_review"), now=now) / F("stability"),
        Value(decay),
        output_field=FloatField(),
    )


class _ElapsedDays(Func):
    output_field = IntegerField()

    def __init__(self, expression: Expression, *, now: datetime):
        super().__init__(expression)
        self.now_s = int(now.timestamp())

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"MAX(0, (%s - CAST(strftime('%%s', {column}) AS INTEGER)) / 86400)"
        return sql, [self.now_s, *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        sql = f"GREATEST(0, FLOOR((%s - EXTRACT(EPOCH FROM {column})) / 86400))"
        return sql, [self.now_s, *params]


# --- the figures -------------------------------------------------------------------------------


def _study_reviews(user: User) -> QuerySet[Review]:
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


def review_heatmap(*, user: User, today: date, tz: ZoneInfo, days: int = HEATMAP_DAYS) -> Heatmap:
    """Study answers per local day over the `days` days ending today."""
    start = today - timedelta(days=days - 1)
    since, until = local_midnight(start, tz), local_midnight(today + timedelta(days=1), tz)
    rows = (
        _study_reviews(user)
        .filter(reviewed_at__gte=since, reviewed_at__lt=until)
        .annotate(day=LocalDate("reviewed_at", tz=tz, start=since, end=until))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Heatmap(start=start, end=today, counts={_as_date(r["day"]): r["n"] for r in rows})


def _as_date(value: date | str) -> date:
    # SQLite's date() comes back as text through a raw Func on some Django versions.
    return value if isinstance(value, date) else date.fromisoformat(value)


def due_forecast(
    *, user: User, today: date, tz: ZoneInfo, days: int = FORECAST_DAYS
) -> list[tuple[date, int]]:
    """Cards falling due on each local day from today on; overdue cards count on today.

    Every studied card (not new) of an active card that is not suspended, learning cards
    included: what the learner will have to answer.
    """
    since, until = local_midnight(today, tz), local_midnight(today + timedelta(days=days), tz)
    rows = (
        CardState.objects.filter(
            user=user, suspended=False, card__status=Card.Status.ACTIVE, due__lt=until
        )
        .exclude(state=NEW)
        .annotate(day=LocalDate("due", tz=tz, start=since, end=until))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys((today + timedelta(days=i) for i in range(days)), 0)
    for row in rows:
        counts[max(today, _as_date(row["day"]))] += row["n"]
    return list(counts.items())


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


def true_retention(*, user: User, since: datetime) -> Retention:
    """Passed (Hard or better) over answered, for cards in Review state, young and mature."""
    young = Q(state_before__stability__lt=MATURE_DAYS)
    mature = Q(state_before__stability__gte=MATURE_DAYS)
    passed = Q(rating__gte=HARD)
    row = (
        _study_reviews(user)
        .filter(reviewed_at__gte=since, state_before__state=REVIEW)
        .aggregate(
            young_total=Count("id", filter=young),
            young_passed=Count("id", filter=young & passed),
            mature_total=Count("id", filter=mature),
            mature_passed=Count("id", filter=mature & passed),
        )
    )
    return Retention(**row)


@dataclass(frozen=True)
class ButtonCounts:
    learning: dict[int, int]
    review: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.learning.values()) + sum(self.review.values())


def answer_buttons(*, user: User, since: datetime) -> ButtonCounts:
    """How often each rating was pressed: on cards in Review state, and on the rest (new,
    learning and relearning cards)."""
    rows = (
        _study_reviews(user)
        .filter(reviewed_at__gte=since)
        .values("rating")
        .annotate(
            review=Count("id", filter=Q(state_before__state=REVIEW)),
            total=Count("id"),
        )
        .order_by()
    )
    learning = dict.fromkeys((AGAIN, HARD, GOOD, EASY), 0)
    review = dict.fromkeys((AGAIN, HARD, GOOD, EASY), 0)
    for row in rows:
        review[row["rating"]] = row["review"]
        learning[row["rating"]] = row["total"] - row["review"]
    return ButtonCounts(learning=learning, review=review)


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


def card_counts(*, user: User) -> StateCounts:
    active = Card.objects.filter(status=Card.Status.ACTIVE).count()
    open_ = Q(suspended=False)
    row = CardState.objects.filter(user=user, card__status=Card.Status.ACTIVE).aggregate(
        started=Count("id", filter=Q(suspended=True) | ~Q(state=NEW)),
        learning=Count("id", filter=open_ & Q(state=LEARNING)),
        review=Count("id", filter=open_ & Q(state=REVIEW)),
        relearning=Count("id", filter=open_ & Q(state=RELEARNING)),
        suspended=Count("id", filter=Q(suspended=True)),
        leeches=Count("id", filter=Q(is_leech=True)),
    )
    return StateCounts(
        new=active - row["started"],
        learning=row["learning"],
        review=row["review"],
        relearning=row["relearning"],
        suspended=row["suspended"],
        leeches=row["leeches"],
    )


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


def topic_mastery(
    *, user: User, now: datetime, profile: StudyProfile, limit: int = MASTERY_TOPICS
) -> Mastery:
    """Topics the learner has studied at least one card of, weakest (lowest mastery) first."""
    scheduler = study.scheduler_for(profile)
    r_now = retrievability(now=now, factor=scheduler._FACTOR, decay=scheduler._DECAY)
    studied = dict(
        (topic_id, (n, r_sum or 0.0))
        for topic_id, n, r_sum in CardState.objects.filter(
            user=user,
            card__status=Card.Status.ACTIVE,
            stability__isnull=False,
            last_review__isnull=False,
        )
        .exclude(state=NEW)
        .values_list("card__topic_id")
        .annotate(n=Count("id"), r=Sum(r_now))
        .order_by()
    )
    if not studied:
        return Mastery()
    totals = (
        Card.objects.filter(status=Card.Status.ACTIVE, topic_id__in=studied)
        .values_list("topic_id", "topic__title", "topic__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    topics = [
        TopicMastery(
            topic_id=topic_id,
            title=title,
            path=path,
            cards=n,
            studied=studied[topic_id][0],
            mastery=studied[topic_id][1] / n,
        )
        for topic_id, title, path, n in totals
    ]
    topics.sort(key=lambda t: (t.mastery, t.path))
    return Mastery(weakest=topics[:limit], studied_topics=len(topics))


def exam_trend(*, user: User, limit: int = EXAM_TREND_ATTEMPTS) -> list[ExamAttempt]:
    """The latest submitted attempts, oldest first."""
    attempts = (
        ExamAttempt.objects.filter(user=user, submitted_at__isnull=False, score__isnull=False)
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


def overview(*, user: User, now: datetime, profile: StudyProfile | None = None) -> Overview:
    profile = profile or study.profile_for(user)
    tz = study.zone(profile.timezone)
    today = now.astimezone(tz).date()
    window_start = today - timedelta(days=RETENTION_DAYS - 1)
    since = local_midnight(window_start, tz)
    return Overview(
        today=today,
        timezone=tz.key,
        heatmap=review_heatmap(user=user, today=today, tz=tz),
        forecast=due_forecast(user=user, today=today, tz=tz),
        retention=true_retention(user=user, since=since),
        buttons=answer_buttons(user=user, since=since),
        counts=card_counts(user=user),
        mastery=topic_mastery(user=user, now=now, profile=profile),
        exams=exam_trend(user=user),
        window_start=window_start,
    )
