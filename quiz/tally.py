"""The review log summed as it is written: `ReviewTally` rows, one per learner and quarter hour.

`record` adds one study answer inside the answer's transaction (one INSERT ... ON CONFLICT DO
UPDATE, SQLite ≥ 3.24 and PostgreSQL alike), `record(..., delta=-1)` takes it back out on undo,
and `rebuild` recomputes every learner's tallies from the log (the migration that added them,
and the bench, which writes its log directly).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

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

from quiz.scheduling import REVIEW

QUARTER_S = 900
# A card in Review state is "mature" from this stability (days) on, else "young"; a card not in
# Review state is "learning". This is the answer's *phase*, owned here for tally and stats alike.
MATURE_DAYS = 21
PHASES = ("learning", "young", "mature")
RATING_COLUMNS = {1: "again", 2: "hard", 3: "good", 4: "easy"}
COUNTERS = [f"{phase}_{name}" for phase in PHASES for name in RATING_COLUMNS.values()]


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


def record(
    *, user_id: int, at: datetime, rating: int, before: dict[str, Any], delta: int = 1, using=None
) -> None:
    """Count one study answer (`delta` 1) or take one back out (`delta` -1, undo): one query."""
    from quiz.models import ReviewTally

    connection = connections[using or "default"]
    table = ReviewTally._meta.db_table
    counter = column(rating=rating, before=before)
    quarter = quarter_of(at)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if delta == 1:
            into, columns, values, on_conflict = increment(
                user_id=user_id, at=at, rating=rating, before=before, quote=qn
            )
            marks = ", ".join(["%s"] * len(values))
            cursor.execute(f"INSERT INTO {into} ({columns}) VALUES ({marks}) {on_conflict}", values)
        elif delta == -1:
            cursor.execute(
                f"UPDATE {qn(table)} SET {qn('answers')} = {qn('answers')} - 1,"
                f" {qn(counter)} = {qn(counter)} - 1"
                f" WHERE {qn('user_id')} = %s AND {qn('quarter')} = %s",
                [user_id, quarter],
            )
        else:
            raise ValueError(f"delta must be 1 or -1, not {delta!r}")


def increment(
    *, user_id: int, at: datetime, rating: int, before: dict[str, Any], quote: Any
) -> tuple[str, str, list[Any], str]:
    """Counting one study answer as the parts of an upsert: (table, columns, values, ON
    CONFLICT clause), names quoted by `quote`. `record` runs it as INSERT ... VALUES; the
    study answer on PostgreSQL feeds the values from its own statement, so the count is written
    only with the answer (quiz.study.fastsql.record_answer)."""
    from quiz.models import ReviewTally

    table = quote(ReviewTally._meta.db_table)
    counter = column(rating=rating, before=before)
    columns = ", ".join(quote(c) for c in ["user_id", "quarter", "answers", *COUNTERS])
    values = [user_id, quarter_of(at), 1, *(1 if c == counter else 0 for c in COUNTERS)]
    on_conflict = (
        f"ON CONFLICT ({quote('user_id')}, {quote('quarter')}) DO UPDATE SET"
        f" {quote('answers')} = {table}.{quote('answers')} + 1,"
        f" {quote(counter)} = {table}.{quote(counter)} + 1"
    )
    return table, columns, values, on_conflict


class QuarterOf(Func):
    """Whole quarter hours since the epoch of a datetime column, in SQL."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        return f"(CAST(strftime('%%s', {column}) AS INTEGER) / {QUARTER_S})", list(params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / {QUARTER_S}) AS BIGINT)", list(params)


def rebuild(
    *,
    review_model: type[Model] | None = None,
    tally_model: type[Model] | None = None,
    user_ids: list[int] | None = None,
    using: str = "default",
    batch_size: int = 2000,
) -> int:
    """Recompute the tallies (of `user_ids`, or everyone's) from the review log; returns the
    number of rows written. The models may be a migration's historical ones."""
    if review_model is None or tally_model is None:
        from quiz.models import Review, ReviewTally

        review_model, tally_model = review_model or Review, tally_model or ReviewTally
    reviews = review_model._default_manager.using(using).filter(undone=False, source="study")
    tallies = tally_model._default_manager.using(using)
    if user_ids is not None:
        reviews = reviews.filter(user_id__in=user_ids)
        tallies = tallies.filter(user_id__in=user_ids)
    rows = (
        with_phase(reviews)
        .annotate(quarter=QuarterOf(F("reviewed_at")))
        .values_list("user_id", "quarter", "phase", "rating")
        .annotate(n=Count("id"))
        .order_by()
    )
    found: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for user_id, quarter, phase, rating, n in rows.iterator(chunk_size=10_000):
        found[(user_id, quarter)][f"{phase}_{RATING_COLUMNS[rating]}"] += n
    with transaction.atomic(using=using):
        tallies.delete()
        tally_model._default_manager.using(using).bulk_create(
            (
                tally_model(user_id=user_id, quarter=quarter, answers=sum(c.values()), **c)
                for (user_id, quarter), c in found.items()
            ),
            batch_size=batch_size,
        )
    return len(found)
