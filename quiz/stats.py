"""A learner's progress figures for the statistics page, each one database aggregate.

Keyword-only functions over the models; no review rows are loaded into Python (each query
returns at most a row per day, per rating or per topic group). The answers' figures read the
quarter-hour tallies kept beside the review log as answers are written (`quiz.tally`,
`ReviewTally`), the card figures the per-deck rows `quiz.card_stats` keeps. Definitions
(also in docs/statistics.md):

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
- Mastery of a topic: the mean FSRS retrievability over the topic's own active cards, a card
  this learner never studied counting 0, so mastery grows with coverage as well as memory.
  Retrievability is the FSRS-6 formula R = (1 + factor·t/S)^decay with t in whole study days
  (`card_stats.study_days_since`), so it moves only when a card is answered or a study day
  starts; that is what lets the card figures be stored per deck (`quiz.card_stats`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, connections
from django.db.models import (
    Count,
    QuerySet,
    Sum,
)

from quiz import card_stats, study, tally
from quiz.models import (
    ExamAttempt,
    Review,
    ReviewDay,
    ReviewTally,
    StudyProfile,
    Topic,
)
from quiz.scheduling import EASY, GOOD, HARD, RATINGS
from quiz.study.timing import day_starts

HEATMAP_DAYS = 365
FORECAST_DAYS = 30
RETENTION_DAYS = 30
MASTERY_TOPICS = card_stats.MASTERY_TOPICS
EXAM_TREND_ATTEMPTS = 30


# --- local days in SQL -------------------------------------------------------------------------


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
    included: what the learner will have to answer. Summed from the decks' stored figures
    (`quiz.card_stats`), computed again for the decks written to since they were stored.
    """
    profile = StudyProfile.objects.filter(user=user).first() or StudyProfile(user=user)
    now = datetime.now(UTC)
    return _forecast(_figures(user=user, now=now, profile=profile, today=today, tz=tz), today)[
        :days
    ]


def _forecast(decks: dict[int, card_stats.StoredFigures], today: date) -> list[tuple[date, int]]:
    totals = [0] * card_stats.FORECAST_DAYS
    for figures in decks.values():
        totals = [a + b for a, b in zip(totals, figures.forecast, strict=True)]
    return [(today + timedelta(days=i), n) for i, n in enumerate(totals)]


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
    # Two reads of the learner's day rows on the cursor: the year's days with answers (two
    # columns each), and the window's counters summed by the database. The ORM's per-value
    # conversion of a year of every counter took longer than the database took to read them.
    # SQLite gives the day as ISO text.
    qn = connection.ops.quote_name
    table, user_id, day = qn(ReviewDay._meta.db_table), qn("user_id"), qn("day")
    where = f"WHERE {user_id} = %s AND {day} >= %s AND {day} <= %s"
    sums_sql = ", ".join(f"SUM({qn(name)})" for name in tally.COUNTERS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {day}, {qn('answers')} FROM {table} {where} AND {qn('answers')} > 0",
            [user.pk, start, today],
        )
        rows = cursor.fetchall()
        cursor.execute(f"SELECT {sums_sql} FROM {table} {where}", [user.pk, window_start, today])
        window = cursor.fetchone()
    counts = {(date.fromisoformat(day_) if isinstance(day_, str) else day_): n for day_, n in rows}
    sums = {name: int(n or 0) for name, n in zip(tally.COUNTERS, window, strict=True)}
    found: dict[str, dict[int, int]] = {p: dict.fromkeys(RATINGS, 0) for p in tally.PHASES}
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
    """Card counts by state and per-topic mastery, summed from every deck's stored figures
    (`quiz.card_stats`; the decks written to since are computed again first). Mastery lists
    the topics the learner has studied at least one card of, weakest first."""
    tz = study.zone(profile.timezone)
    today = now.astimezone(tz).date()
    decks = _figures(user=user, now=now, profile=profile, today=today, tz=tz)
    return _cards(decks, limit=limit)


def _figures(
    *, user: AbstractBaseUser, now: datetime, profile: StudyProfile, today: date, tz: ZoneInfo
) -> dict[int, card_stats.StoredFigures]:
    scheduler = study.scheduler_for(profile)
    return card_stats.stored_figures(
        user=user,
        now=now,
        profile=profile,
        factor=scheduler._FACTOR,
        decay=scheduler._DECAY,
        today=today,
        tz=tz,
    )


def _cards(decks: dict[int, card_stats.StoredFigures], *, limit: int) -> Cards:
    # Each deck keeps only its weakest topics, enough for up to card_stats.MASTERY_TOPICS.
    if limit > card_stats.MASTERY_TOPICS:
        raise ValueError(f"mastery lists at most {card_stats.MASTERY_TOPICS} topics")
    totals = [0] * card_stats.R_SUM
    studied: dict[int, tuple[float, int, int]] = {}  # topic -> (mastery, studied, cards)
    studied_topics = 0
    for figures in decks.values():
        totals = [a + b for a, b in zip(totals, figures.totals, strict=True)]
        studied_topics += figures.studied_topics
        for topic_id, cards, studied_cards, r_sum in figures.mastery:
            studied[topic_id] = (r_sum / cards, studied_cards, cards)
    counts = StateCounts(
        new=totals[card_stats.CARDS] - totals[card_stats.STARTED],
        learning=totals[card_stats.LEARNING_N],
        review=totals[card_stats.REVIEW_N],
        relearning=totals[card_stats.RELEARNING_N],
        suspended=totals[card_stats.SUSPENDED],
        leeches=totals[card_stats.LEECHES],
    )
    if not studied:
        return Cards(counts=counts, mastery=Mastery())
    # Weakest first, ties by path: only the topics up to the limit's mastery (and any tied with
    # it) need their titles and paths read.
    cutoff = sorted(m for m, _s, _c in studied.values())[:limit][-1]
    shown = {topic_id: v for topic_id, v in studied.items() if v[0] <= cutoff}
    qn = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(shown))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn('id')}, {qn('title')}, {qn('path')} FROM {qn(Topic._meta.db_table)}"
            f" WHERE {qn('id')} IN ({marks})",
            list(shown),
        )
        named = cursor.fetchall()
    topics = [
        TopicMastery(
            topic_id=topic_id,
            title=title,
            path=path,
            cards=shown[topic_id][2],
            studied=shown[topic_id][1],
            mastery=shown[topic_id][0],
        )
        for topic_id, title, path in named
    ]
    topics.sort(key=lambda t: (t.mastery, t.path))
    mastery = Mastery(weakest=topics[:limit], studied_topics=studied_topics)
    return Cards(counts=counts, mastery=mastery)


def card_counts(*, user: AbstractBaseUser) -> StateCounts:
    profile = StudyProfile.objects.filter(user=user).first() or StudyProfile(user=user)
    return cards_overview(user=user, now=datetime.now(UTC), profile=profile).counts


def topic_mastery(
    *, user: AbstractBaseUser, now: datetime, profile: StudyProfile, limit: int = MASTERY_TOPICS
) -> Mastery:
    return cards_overview(user=user, now=now, profile=profile, limit=limit).mastery


@dataclass(frozen=True)
class ExamPoint:
    """One submitted mock exam, as the trend shows it."""

    pk: int
    mode: str
    submitted_at: datetime
    score: float
    pass_mark: float
    correct_count: int
    count: int

    @property
    def mode_label(self) -> str:
        return str(ExamAttempt.Mode(self.mode).label)


def exam_trend(*, user: AbstractBaseUser, limit: int = EXAM_TREND_ATTEMPTS) -> list[ExamPoint]:
    """The latest submitted mock exams, oldest first (practice runs are not exams: untimed,
    answers shown as you go, so their scores are left out as the exam history leaves them)."""
    # On the cursor: the ORM's model or value conversion costs more than this short read.
    qn = connection.ops.quote_name
    columns = ("id", "mode", "submitted_at", "score", "pass_mark", "correct_count", "count")
    sql = (
        f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(ExamAttempt._meta.db_table)}"
        f" WHERE {qn('user_id')} = %s AND {qn('mode')} = %s AND {qn('submitted_at')} IS NOT NULL"
        f" AND {qn('score')} IS NOT NULL ORDER BY {qn('submitted_at')} DESC, {qn('id')} DESC"
        " LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, ExamAttempt.Mode.EXAM.value, limit])
        rows = cursor.fetchall()
    return [
        ExamPoint(pk, mode, _utc(submitted), score, pass_mark, correct, count)
        for pk, mode, submitted, score, pass_mark, correct, count in reversed(rows)
    ]


def _utc(value: datetime | str) -> datetime:
    """A datetime column read on the cursor: SQLite gives the UTC text Django stored."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


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
    exams: list[ExamPoint]
    window_start: date


def overview(
    *, user: AbstractBaseUser, now: datetime, profile: StudyProfile | None = None
) -> Overview:
    profile = profile or study.profile_for(user)
    tz = study.zone(profile.timezone)
    today = now.astimezone(tz).date()
    window_start = today - timedelta(days=RETENTION_DAYS - 1)
    heatmap, answers = days_overview(user=user, today=today, profile=profile, tz=tz)
    decks = _figures(user=user, now=now, profile=profile, today=today, tz=tz)
    cards = _cards(decks, limit=MASTERY_TOPICS)
    return Overview(
        today=today,
        timezone=tz.key,
        heatmap=heatmap,
        forecast=_forecast(decks, today),
        retention=answers.retention,
        buttons=answers.buttons,
        counts=cards.counts,
        mastery=cards.mastery,
        exams=exam_trend(user=user),
        window_start=window_start,
    )
