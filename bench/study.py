"""Benchmark: "answer a card and get the next" at 1,000 and at 100,000 cards.

    python bench/study.py [--requests 150]

Builds a throwaway test database through Django's test-database machinery (a temporary SQLite
file by default; PostgreSQL when DATABASE_URL points there), fills it directly (bulk inserts) with
one learner who has studied 90% of the cards in notes order and has ten review-log rows per card
(1,000,000 at 100,000 cards), then times, with the test Client, the htmx POST the study page
makes and a trivial login-required view doing one indexed query. Medians over many requests.

Prints the query plans of the answer request and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import common
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quiz.models import Card, CardState, Deck, Review, StudyProfile, Topic
from quiz.scheduling import NEW, REVIEW

STUDIED_SHARE = 0.9
REVIEWS_PER_CARD = 10
TOPICS = 50


def build(n_cards: int, user, now: datetime) -> None:
    """One deck of n_cards; the learner knows the first 90% in notes order."""
    Review.objects.all().delete()
    CardState.objects.all().delete()
    Card.objects.all().delete()
    Topic.objects.all().delete()
    Deck.objects.all().delete()
    StudyProfile.objects.filter(user=user).update(new_cursors={})
    rng = random.Random(n_cards)
    deck = Deck.objects.create(
        title="Bench", slug="bench", source_path="/bench.md", imported_at=now - timedelta(days=30)
    )
    topics = Topic.objects.bulk_create(
        Topic(deck=deck, title=f"T{i}", path=f"T{i}", level=1, order=i, body_html="<p>x</p>")
        for i in range(TOPICS)
    )
    per_topic = n_cards // TOPICS
    cards = Card.objects.bulk_create(
        (
            Card(
                deck=deck,
                topic=topics[min(i // per_topic, TOPICS - 1)],
                kind="qa",
                key=f"bench-{i}",
                match_text=f"question {i}",
                prompt_md=f"Question {i}?",
                prompt_html=f"<p>Question {i}?</p>",
                answer_md=f"Answer {i}",
                answer_html=f"<p>Answer {i}</p>",
                order=i,
            )
            for i in range(n_cards)
        ),
        batch_size=5000,
    )
    studied = cards[: int(n_cards * STUDIED_SHARE)]
    state_rows = []
    review_rows = []
    blob = json.dumps({"state": REVIEW, "stability": 10.0, "difficulty": 5.0, "reps": 5})
    before_new = json.dumps({"state": NEW, "reps": 0})
    for card in studied:
        # Due dates spread from 200 days overdue to a year ahead: about a third due now.
        due = now + timedelta(days=rng.uniform(-200, 365))
        stability = rng.uniform(2, 300)
        state_rows.append(
            (user.pk, card.pk, deck.pk, REVIEW, None, stability, rng.uniform(3, 8), due,
             due - timedelta(days=stability), REVIEWS_PER_CARD, rng.randint(0, 3),
             False, None, False, REVIEWS_PER_CARD)
        )  # fmt: skip
        start = now - timedelta(days=rng.uniform(400, 700))
        for r in range(REVIEWS_PER_CARD):
            at = start + timedelta(days=r * 35 + rng.uniform(0, 5))
            review_rows.append(
                (user.pk, card.pk, rng.choice((1, 3, 3, 3, 4)), min(at, now - timedelta(days=1)),
                 rng.randint(2000, 20000), before_new if r == 0 else blob, blob, False, "study")
            )  # fmt: skip
    common.insert_many(
        CardState._meta.db_table,
        ["user_id", "card_id", "deck_id", "state", "step", "stability", "difficulty", "due",
         "last_review", "reps", "lapses", "suspended", "buried_until", "is_leech", "version"],
        state_rows,
    )  # fmt: skip
    for start in range(0, len(review_rows), 100_000):
        common.insert_many(
            Review._meta.db_table,
            ["user_id", "card_id", "rating", "reviewed_at", "duration_ms", "state_before",
             "state_after", "undone", "source"],
            review_rows[start : start + 100_000],
        )  # fmt: skip
    common.analyze()


def time_answers(client: Client, requests: int, warmup: int) -> tuple[list[float], list[float]]:
    """Timings (ms) of the answer POST and, alternating with it, of the trivial view.

    Alternating means both see the same machine load, so their ratio is fair on a busy host.
    The learner first opens the dashboard and the statistics page (`common.open_as_learner`).
    """
    common.open_as_learner(client)
    html = client.get("/study/").content.decode()
    fields = common.answer_fields(html)
    answers, trivials = [], []
    for i in range(warmup + requests):
        if fields is None:
            raise SystemExit(f"queue ran out after {i} answers")
        started = time.perf_counter()
        # Form-encoded, as htmx sends it.
        response = client.post(
            "/study/answer/", urlencode(fields), content_type=common.FORM, HTTP_HX_REQUEST="true"
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        fields = common.answer_fields(response.content.decode())
        started = time.perf_counter()
        trivial = client.get("/bench/trivial/")
        trivial_elapsed = (time.perf_counter() - started) * 1000
        assert trivial.status_code == 200
        if i >= warmup:
            answers.append(elapsed)
            trivials.append(trivial_elapsed)
    return answers, trivials


def explain_answer(client: Client) -> None:
    """Print the plan of every SELECT the answer request runs."""
    html = client.get("/study/").content.decode()
    fields = common.answer_fields(html)
    with CaptureQueriesContext(connection) as queries:
        client.post("/study/answer/", fields, HTTP_HX_REQUEST="true")
    print(f"answer+next ran {len(queries.captured_queries)} queries:")
    for query in queries.captured_queries:
        print(f"  {query['sql'][:90]}")
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or "django_session" in sql:
                continue
            cursor.execute(prefix + sql)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            print(f"- {sql[:110]}...\n    {plan[:400]}")


def page_bytes(client: Client) -> int:
    html = client.get("/study/").content
    total = len(html)
    for url in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        name = url.decode().removeprefix("/" + settings.STATIC_URL.strip("/") + "/")
        # The collected (content-hashed) file the page links to, as served in production.
        total += Path(staticfiles_storage.path(name)).stat().st_size
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=150, help="timed requests per size")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1_000, 100_000],
        help="card counts to measure, smallest first (default 1000,100000)",
    )
    args = parser.parse_args()
    with common.throwaway_database("study", urlconf="bench.urls"):
        run(args)


def run(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    user = get_user_model().objects.create_user("bench", password="bench-password-123")
    # One learner studies both sizes on the same day: at the default daily review limit (200)
    # the second size's queue would end after the first size's answers and a few more.
    StudyProfile.objects.create(user=user, max_reviews_per_day=9999)
    client = common.https_client()
    client.force_login(user)
    answer_ms: dict[str, float] = {}
    trivial_ms: dict[str, float] = {}
    for n_cards in args.sizes:
        label = f"{n_cards // 1000}k"
        started = time.perf_counter()
        with transaction.atomic():
            build(n_cards, user, now)
        print(
            f"{label}: {Card.objects.count()} cards, {CardState.objects.count()} states, "
            f"{Review.objects.count()} review rows built in {time.perf_counter() - started:.1f}s"
        )
        # The first request after a build walks the whole studied prefix once to set the
        # new-card cursor; it is timed on its own and then the steady state is measured.
        started = time.perf_counter()
        client.get("/study/")
        cold_ms = (time.perf_counter() - started) * 1000
        print(f"{label}: first study page (cold cursor) {cold_ms:.1f} ms")
        answers, trivials = time_answers(client, args.requests, args.warmup)
        answer_ms[label] = statistics.median(answers)
        trivial_ms[label] = statistics.median(trivials)
        print(
            f"{label}: answer+next median {answer_ms[label]:.2f} ms "
            f"(p90 {statistics.quantiles(answers, n=10)[-1]:.2f}); "
            f"trivial view median {trivial_ms[label]:.2f} ms"
        )
    explain_answer(client)
    size = page_bytes(client)
    print(f"database: {connection.vendor}")
    big, small = f"{args.sizes[-1] // 1000}k", f"{args.sizes[0] // 1000}k"
    print(
        json.dumps(
            {
                "answer_next_ms_1k": round(answer_ms[small], 3),
                "answer_next_ms_100k": round(answer_ms[big], 3),
                "trivial_ms": round(trivial_ms[big], 3),
                "ratio_vs_trivial": round(answer_ms[big] / trivial_ms[big], 3),
                "ratio_100k_vs_1k": round(answer_ms[big] / answer_ms[small], 3),
                "study_page_bytes": size,
            }
        )
    )


if __name__ == "__main__":
    main()
