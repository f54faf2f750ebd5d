"""The review log summed as it is written: `ReviewTally` rows, one per learner and quarter hour,
and `ReviewDay` rows, one per learner and local calendar day.

`record` adds one study answer to both inside the answer's transaction (an INSERT ... ON
CONFLICT DO UPDATE each, SQLite ≥ 3.24 and PostgreSQL alike), `record(..., delta=-1)` takes it
back out on undo, and `rebuild` recomputes every learner's tallies from the log (the migration
that added them, and the bench, which writes its log directly). The days are cut in the
learner's `StudyProfile.day_tally_zone`; `rebuild_days` recuts them from the quarter hours
when the learner's zone changes (every zone in use has its midnights on quarter hours).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connections, transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from quiz.scheduling import NEW, REVIEW

QUARTER_S = 900
# A card in Review state is "mature" from this stability (days) on, else "young"; a card not in
# Review state is "learning". This is the answer's *phase*, owned here for tally and stats alike.
MATURE_DAYS = 21
PHASES = ("learning", "young", "mature")
RATING_COLUMNS = {1: "again", 2: "hard", 3: "good", 4: "easy"}
COUNTERS = [f"{phase}_{name}" for phase in PHASES for name in RATING_COLUMNS.values()]
# The answers to cards in the Review state (young and mature): the queue's reviews done today.
REVIEW_COUNTERS = [c for c in COUNTERS if not c.startswith("learning_")]
# Beside the split above (which adds up to `answers`): the answers that were a card's first, the
# new cards introduced, which the study queue's daily new-card limit counts.
NEW_CARDS = "new_cards"


def quarter_of(at: datetime) -> int:
    """Whole quarter hours from the epoch to `at` (UTC)."""
    return int(at.astimezone(UTC).timestamp()) // QUARTER_S


def phase_of(before: dict[str, Any]) -> str:
    """The card's phase before an answer, from the review's `state_before` snapshot."""
    if before.get("state") != REVIEW:
        return "learning"
    stability = before.get("stability")
    return "young" if stability is not None and stability < MATURE_DAYS else "mature"


def column(*, rating: int, before: dict[str, Any]) -> str:
    return f"{phase_of(before)}_{RATING_COLUMNS[rating]}"


def is_new(before: dict[str, Any]) -> bool:
    """Whether an answer introduced a new card (its state before was New), as the review log
    says it: the queue counted exactly these answers from `state_before`."""
    return before.get("state") == NEW


def with_phase(reviews: QuerySet) -> QuerySet:
    """`reviews` annotated with `phase`: `phase_of` written as SQL over `state_before`."""
    state = Cast(KT("state_before__state"), IntegerField())
    stability = Cast(KT("state_before__stability"), FloatField())
    phase = Case(
        When(Q(state_b=REVIEW, stability_b__lt=MATURE_DAYS), then=Value("young")),
        When(state_b=REVIEW, then=Value("mature")),
        default=Value("learning"),
    )
    return reviews.alias(state_b=state, stability_b=stability).annotate(phase=phase)


def day_of(at: datetime, zone: str) -> date:
    """The local calendar date of `at` in `zone` (UTC for a name zoneinfo does not know)."""
    return at.astimezone(_zone(zone)).date()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def record(
    *,
    user_id: int,
    at: datetime,
    rating: int,
    before: dict[str, Any],
    delta: int = 1,
    zone: str | None = None,
    using=None,
) -> None:
    """Count one study answer (`delta` 1) or take one back out (`delta` -1, undo): one query
    for its quarter hour, one for its day in `zone` (the learner's `day_tally_zone`, read when
    not given)."""
    from quiz.models import ReviewDay, ReviewTally

    if delta not in (1, -1):
        raise ValueError(f"delta must be 1 or -1, not {delta!r}")
    connection = connections[using or "default"]
    if zone is None:
        zone = day_tally_zone(user_id, using=using)
    with connection.cursor() as cursor:
        if delta == 1:
            for part in increments(
                user_id=user_id,
                at=at,
                rating=rating,
                before=before,
                zone=zone,
                quote=connection.ops.quote_name,
                using=using,
            ):
                cursor.execute(*values_sql(part))
            return
        counter = column(rating=rating, before=before)
        day = connection.ops.adapt_datefield_value(day_of(at, zone))
        qn = connection.ops.quote_name
        new = int(is_new(before))
        for table, key, value in (
            (ReviewTally._meta.db_table, "quarter", quarter_of(at)),
            (ReviewDay._meta.db_table, "day", day),
        ):
            cursor.execute(
                f"UPDATE {qn(table)} SET {qn('answers')} = {qn('answers')} - 1,"
                f" {qn(counter)} = {qn(counter)} - 1,"
                f" {qn(NEW_CARDS)} = {qn(NEW_CARDS)} - %s"
                f" WHERE {qn('user_id')} = %s AND {qn(key)} = %s",
                [new, user_id, value],
            )


def values_sql(part: tuple[str, str, list[Any], str]) -> tuple[str, list[Any]]:
    """One of `increments`' upserts as a plain INSERT ... VALUES statement and its params."""
    into, names, values, on_conflict = part
    marks = ", ".join(["%s"] * len(values))
    return f"INSERT INTO {into} ({names}) VALUES ({marks}) {on_conflict}", values


def day_tally_zone(user_id: int, *, using: str | None = None) -> str:
    from quiz.models import StudyProfile

    found = (
        StudyProfile.objects.using(using or "default")
        .filter(user_id=user_id)
        .values_list("day_tally_zone", flat=True)
        .first()
    )
    return found or "UTC"


def increments(
    *,
    user_id: int,
    at: datetime,
    rating: int,
    before: dict[str, Any],
    zone: str,
    quote: Any,
    using: str | None = None,
) -> list[tuple[str, str, list[Any], str]]:
    """Counting one study answer as the parts of two upserts, its quarter hour's and its day's
    in `zone`: each (table, columns, values, ON CONFLICT clause), names quoted by `quote`. The
    study answer feeds them to its own statement (quiz.study.fastsql.record_answer), so on
    PostgreSQL the counts are written only if the answer is."""
    from quiz.models import ReviewDay, ReviewTally

    connection = connections[using or "default"]
    counter = column(rating=rating, before=before)
    counts = [1 if c == counter else 0 for c in COUNTERS]
    new = int(is_new(before))
    parts = []
    for model, key, value in (
        (ReviewTally, "quarter", quarter_of(at)),
        (ReviewDay, "day", connection.ops.adapt_datefield_value(day_of(at, zone))),
    ):
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(c) for c in ["user_id", key, "answers", *COUNTERS, NEW_CARDS])
        on_conflict = (
            f"ON CONFLICT ({quote('user_id')}, {quote(key)}) DO UPDATE SET"
            f" {quote('answers')} = {table}.{quote('answers')} + 1,"
            f" {quote(counter)} = {table}.{quote(counter)} + 1,"
            # The inserted row's value (0 or 1), so the statement's text is one per counter.
            f" {quote(NEW_CARDS)} = {table}.{quote(NEW_CARDS)} + excluded.{quote(NEW_CARDS)}"
        )
        parts.append((table, columns, [user_id, value, 1, *counts, new], on_conflict))
    return parts


class QuarterOf(Func):
    """Whole quarter hours since the epoch of a datetime column, in SQL."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        return f"(CAST(strftime('%%s', {column}) AS INTEGER) / {QUARTER_S})", list(params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / {QUARTER_S}) AS BIGINT)", list(params)


def stored_counters(model: type[Model]) -> list[str]:
    """The counter columns `model` has besides `answers`: a migration's historical model from
    before the new-card counter was added has only `COUNTERS`."""
    fields = {f.name for f in model._meta.concrete_fields}
    return [*COUNTERS, NEW_CARDS] if NEW_CARDS in fields else list(COUNTERS)


def rebuild(
    *,
    review_model: type[Model] | None = None,
    tally_model: type[Model] | None = None,
    user_ids: list[int] | None = None,
    using: str = "default",
    batch_size: int = 2000,
) -> int:
    """Recompute the tallies (of `user_ids`, or everyone's) from the review log; returns the
    number of quarter-hour rows written. The models may be a migration's historical ones; with
    the current ones the days are recut too (`rebuild_days`)."""
    current = review_model is None and tally_model is None
    if review_model is None or tally_model is None:
        from quiz.models import Review, ReviewTally

        review_model, tally_model = review_model or Review, tally_model or ReviewTally
    reviews = review_model._default_manager.using(using).filter(undone=False, source="study")
    tallies = tally_model._default_manager.using(using)
    if user_ids is not None:
        reviews = reviews.filter(user_id__in=user_ids)
        tallies = tallies.filter(user_id__in=user_ids)
    first = Case(When(state_b=NEW, then=Value(1)), default=Value(0))
    rows = (
        with_phase(reviews)
        .annotate(quarter=QuarterOf(F("reviewed_at")), first=first)
        .values_list("user_id", "quarter", "phase", "rating", "first")
        .annotate(n=Count("id"))
        .order_by()
    )
    names = stored_counters(tally_model)
    found: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(names, 0))
    for user_id, quarter, phase, rating, new, n in rows.iterator(chunk_size=10_000):
        counts = found[(user_id, quarter)]
        counts[f"{phase}_{RATING_COLUMNS[rating]}"] += n
        if new and NEW_CARDS in counts:
            counts[NEW_CARDS] += n
    with transaction.atomic(using=using):
        tallies.delete()
        tally_model._default_manager.using(using).bulk_create(
            (
                tally_model(
                    user_id=user_id,
                    quarter=quarter,
                    answers=sum(c[name] for name in COUNTERS),
                    **c,
                )
                for (user_id, quarter), c in found.items()
            ),
            batch_size=batch_size,
        )
        if current:
            rebuild_days(user_ids=user_ids, using=using, batch_size=batch_size)
    return len(found)


def rebuild_days(
    *,
    tally_model: type[Model] | None = None,
    day_model: type[Model] | None = None,
    profile_model: type[Model] | None = None,
    user_ids: list[int] | None = None,
    using: str = "default",
    batch_size: int = 2000,
) -> int:
    """Recut the day rows (of `user_ids`, or everyone's) from the quarter-hour tallies, each
    learner's in their profile's `timezone`, which becomes their `day_tally_zone`. Returns
    the number of day rows written. The models may be a migration's historical ones."""
    if tally_model is None or day_model is None or profile_model is None:
        from quiz.models import ReviewDay, ReviewTally, StudyProfile

        tally_model = tally_model or ReviewTally
        day_model = day_model or ReviewDay
        profile_model = profile_model or StudyProfile
    tallies = tally_model._default_manager.using(using)
    days = day_model._default_manager.using(using)
    profiles = profile_model._default_manager.using(using)
    if user_ids is not None:
        tallies = tallies.filter(user_id__in=user_ids)
        days = days.filter(user_id__in=user_ids)
        profiles = profiles.filter(user_id__in=user_ids)
    zones = dict(profiles.values_list("user_id", "timezone"))
    found: dict[tuple[int, date], list[int]] = {}
    names = stored_counters(tally_model)
    width = 1 + len(names)
    rows = tallies.order_by().values_list("user_id", "quarter", "answers", *names)
    for user_id, quarter, *counts in rows.iterator(chunk_size=10_000):
        at = datetime.fromtimestamp(quarter * QUARTER_S, UTC)
        sums = found.setdefault((user_id, day_of(at, zones.get(user_id, "UTC"))), [0] * width)
        for i, n in enumerate(counts):
            sums[i] += n
    with transaction.atomic(using=using):
        days.delete()
        day_model._default_manager.using(using).bulk_create(
            (
                day_model(
                    user_id=user_id,
                    day=day,
                    answers=sums[0],
                    **dict(zip(names, sums[1:], strict=True)),
                )
                for (user_id, day), sums in found.items()
                if sums[0]
            ),
            batch_size=batch_size,
        )
        for user_id, zone in zones.items():
            profiles.filter(user_id=user_id).update(day_tally_zone=zone)
    return sum(1 for sums in found.values() if sums[0])
