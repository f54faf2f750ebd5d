"""Statistics page speed: one learner with ~100,000 cards and 1,000,000 review-log rows.

Builds a throwaway database through Django's test-database machinery (a temporary SQLite file
by default; PostgreSQL when DATABASE_URL points there, in a database of its own), writes the
content, the learner's card states and review log directly with executemany in big batches,
then measures in the same run, as deployed (DEBUG off, requests over HTTPS, static files from
the collected manifest, the database connection kept across requests), through Django's test
Client (server time, no network):
- GET /stats/;
- the study loop's one request, exactly as bench/study.py makes it: the form-encoded htmx POST
  to /study/answer/ that answers a card (Good) and returns the next.
The two alternate (so both see the same load on a shared machine); medians of `--repeat` each.

The history: reviews spread evenly over the last `--days` days (default 730, so about half
of them fall in the heatmap's year: ~1,370 answers a day, a very heavy learner), ratings
Again 12% / Hard 8% / Good 70% / Easy 10%, about a tenth on new or learning cards.

Run: `python bench/stats.py [--cards 100000] [--reviews 1000000] [--days 730] [--repeat 15]`.
Prints the figures, then one JSON line last: {"stats_ms": …, "study_ms": …, "ratio": …}.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import common
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from quiz import tally
from quiz.models import Card, CardState, Deck, Review, StudyProfile, Topic

BATCH = 50_000
TOPIC_SIZE = 100


def _sql_time(at: datetime) -> str:
    # How Django stores aware datetimes in SQLite: naive UTC text.
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def build(*, cards: int, reviews: int, days: int, now: datetime) -> tuple[object, dict]:
    rng = random.Random(7)
    user = get_user_model().objects.create_user(username="heavy", password="bench-password")
    StudyProfile.objects.create(user=user, timezone="Europe/Berlin", max_reviews_per_day=9999)
    deck = Deck.objects.create(
        title="Bench deck", slug="bench", source_path="/bench.md", imported_at=now
    )
    topic_count = max(1, cards // TOPIC_SIZE)
    Topic.objects.bulk_create(
        Topic(deck=deck, title=f"Topic {i}", path=f"Bench › Topic {i}", level=2, order=i)
        for i in range(topic_count)
    )
    topic_ids = list(Topic.objects.order_by("order").values_list("pk", flat=True))
    stamp = _sql_time(now)
    card_columns = [
        "deck_id", "topic_id", "kind", "key", "match_text", "prompt_md", "prompt_html",
        "answer_md", "answer_html", "items", "term", "sim", "source_line", "order", "status",
        "edited_in_admin", "notes_prompt_md", "notes_answer_md", "created_at", "updated_at",
    ]  # fmt: skip
    with transaction.atomic():
        common.insert_many(
            Card._meta.db_table,
            card_columns,
            [
                (deck.pk, topic_ids[i // TOPIC_SIZE % topic_count], "qa", f"bench-{i}",
                 f"question {i}?", f"Question {i}?", f"<p>Question {i}?</p>", "An answer",
                 "<p>An answer</p>", "[]", "", None, i, i, "active", False, "", "", stamp, stamp)
                for i in range(cards)
            ],
        )  # fmt: skip
    card_ids = list(Card.objects.order_by("order").values_list("pk", flat=True))

    # 90% of the cards studied, in notes order (the rest are new), most in review.
    studied = card_ids[: int(cards * 0.9)]
    state_rows = []
    for i, card_id in enumerate(studied):
        roll = rng.random()
        state = 2 if roll < 0.95 else (1 if roll < 0.98 else 3)
        stability = rng.lognormvariate(2.5, 1.2) if state == 2 else rng.uniform(0.01, 1)
        last = now - timedelta(days=rng.uniform(0, min(days, stability * 1.2)))
        due = last + timedelta(days=stability)
        suspended = rng.random() < 0.01
        state_rows.append(
            (
                user.pk,
                card_id,
                deck.pk,
                topic_ids[i // TOPIC_SIZE % topic_count],
                state,
                None if state == 2 else 0,
                stability,
                rng.uniform(1, 10),
                _sql_time(due),
                _sql_time(last),
                rng.randint(1, 30),
                rng.randint(0, 9),
                suspended,
                suspended and rng.random() < 0.5,
            )
        )
    with transaction.atomic():
        common.insert_many(
            CardState._meta.db_table,
            ["user_id", "card_id", "deck_id", "topic_id", "state", "step", "stability",
             "difficulty", "due", "last_review", "reps", "lapses", "suspended", "is_leech",
             "buried_until", "version"],
            [(*row, None, 1) for row in state_rows],
        )  # fmt: skip

    # The review log, oldest first (as it is written), in batches.
    span = timedelta(days=days).total_seconds()
    start = now - timedelta(days=days)
    review_columns = ["user_id", "card_id", "rating", "reviewed_at", "duration_ms",
                      "state_before", "state_after", "source", "undone"]  # fmt: skip
    step = span / reviews
    written = 0
    while written < reviews:
        rows = []
        for i in range(written, min(reviews, written + BATCH)):
            at = start + timedelta(seconds=i * step)
            card_id = studied[rng.randrange(len(studied))]
            rating = rng.choices((1, 2, 3, 4), weights=(12, 8, 70, 10))[0]
            state = 2 if rng.random() < 0.9 else rng.choice((0, 1, 3))
            stability = round(rng.lognormvariate(2.5, 1.2), 4) if state else None
            when = at.isoformat()
            before = json.dumps(
                {
                    "state": state,
                    "step": None if state == 2 else 0,
                    "stability": stability,
                    "difficulty": 5.1 if state else None,
                    "due": when,
                    "last_review": (at - timedelta(days=stability or 0)).isoformat(),
                    "reps": 4,
                    "lapses": 0,
                    "suspended": False,
                    "buried_until": None,
                    "is_leech": False,
                    "version": 4,
                }
            )
            after = before.replace('"reps": 4', '"reps": 5').replace('"version": 4', '"version": 5')
            source = "exam" if rating == 1 and rng.random() < 0.05 else "study"
            rows.append(
                (
                    user.pk,
                    card_id,
                    rating,
                    _sql_time(at),
                    rng.randint(1500, 20000),
                    before,
                    after,
                    source,
                    False,
                )  # fmt: skip
            )
        with transaction.atomic():
            common.insert_many(Review._meta.db_table, review_columns, rows)
        written += len(rows)
    # The log was written around answer_card, so its quarter-hour tallies are summed from it
    # here, as the migration that added them does on an existing install.
    tally.rebuild(user_ids=[user.pk])
    common.analyze()
    return user, {"cards": cards, "states": len(state_rows), "reviews": reviews, "days": days}


def next_fields(html: str) -> dict[str, str]:
    fields = common.answer_fields(html)
    if fields is None:
        raise SystemExit("the study queue ran out")
    return fields


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730, help="days the review log spans")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with common.throwaway_database("stats"):
        run(args)


def run(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    start = time.perf_counter()
    user, sizes = build(cards=args.cards, reviews=args.reviews, days=args.days, now=now)
    print(f"built {sizes} on {connection.vendor} in {time.perf_counter() - start:.1f} s")

    client = common.https_client()
    client.force_login(user)
    response = client.get("/stats/")  # warm up: templates, caches, the page works
    assert response.status_code == 200, response.status_code
    fields = next_fields(client.get("/study/").content.decode())

    def stats_page() -> None:
        assert client.get("/stats/").status_code == 200

    def answer() -> None:
        nonlocal fields
        # Form-encoded, as htmx sends it (bench/study.py's request).
        response = client.post(
            "/study/answer/", urlencode(fields), content_type=common.FORM, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200, response.status_code
        fields = next_fields(response.content.decode())

    for _ in range(3):  # warm up
        answer()
        stats_page()
    stats_all, study_all = [], []
    for _ in range(args.repeat):
        stats_all.append(timed(stats_page))
        study_all.append(timed(answer))
    stats_ms, study_ms = statistics.median(stats_all), statistics.median(study_all)

    with CaptureQueriesContext(connection) as queries:
        stats_page()
    print(f"stats page: {len(queries.captured_queries)} queries")
    print(f"database: {connection.vendor}")
    print("stats GET ms:", [round(t, 1) for t in stats_all])
    print("study answer POST ms:", [round(t, 1) for t in study_all])
    print(
        json.dumps(
            {
                "stats_ms": round(stats_ms, 1),
                "study_ms": round(study_ms, 1),
                "ratio": round(stats_ms / study_ms, 2),
            }
        )
    )


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    main()
