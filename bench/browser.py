"""Benchmark: the card browser (/cards/) at 100,000 cards against the trivial view.

    python bench/browser.py [--requests 100] [--cards 100000]

Builds a throwaway test database (a temporary SQLite file by default; PostgreSQL when
DATABASE_URL points there) with one deck of N cards whose prompts and answers are drawn from a
vocabulary of 4,000 words (so a search word matches a few hundred cards, as a real term does),
and one learner who has studied 90% of them. Then times, alternating with the trivial
login-required view (one indexed query), the full browser page for:

- a full-text search (the figure the target is about: at most 5x the trivial view),
- the same search as the htmx partial the search box fetches while typing,
- the first page with no search, and the learner's review cards sorted by due date.

Medians over many requests; prints each search's query plan and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import common
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quiz import browser
from quiz.models import Card, CardState, Deck, StudyProfile, Topic
from quiz.scheduling import REVIEW

VOCABULARY = 4000
WORDS_PER_CARD = 12
TOPICS = 50
STUDIED_SHARE = 0.9


def word(i: int) -> str:
    # Pronounceable, distinct, and never a stop word or a stem of another word.
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    out = []
    for _ in range(3):
        out.append(consonants[i % len(consonants)] + vowels[(i // len(consonants)) % 5])
        i //= len(consonants) * 5
    return "".join(out) + "x"


def build(n_cards: int, user, now: datetime) -> str:
    """The deck and the learner's states; returns a search word of typical frequency."""
    rng = random.Random(n_cards)
    deck = Deck.objects.create(
        title="Bench", slug="bench", source_path="/bench.md", imported_at=now - timedelta(days=9)
    )
    topics = Topic.objects.bulk_create(
        Topic(deck=deck, title=f"T{i}", path=f"T{i}", level=1, order=i, body_html="<p>x</p>")
        for i in range(TOPICS)
    )
    words = [word(i) for i in range(VOCABULARY)]
    per_topic = n_cards // TOPICS

    def text() -> str:
        return " ".join(rng.choice(words) for _ in range(WORDS_PER_CARD))

    cards = Card.objects.bulk_create(
        (
            Card(
                deck=deck,
                topic=topics[min(i // per_topic, TOPICS - 1)],
                kind="qa",
                key=f"bench-{i}",
                match_text="",
                prompt_md=(prompt := f"What is {text()}?"),
                prompt_html=f"<p>{prompt}</p>",
                answer_md=(answer := text()),
                answer_html=f"<p>{answer}</p>",
                tags=["bench"] if i % 10 == 0 else [],
                order=i,
            )
            for i in range(n_cards)
        ),
        batch_size=5000,
    )
    rows = []
    for card in cards[: int(n_cards * STUDIED_SHARE)]:
        due = now + timedelta(days=rng.uniform(-200, 365))
        stability = rng.uniform(2, 300)
        rows.append(
            (user.pk, card.pk, deck.pk, card.topic_id, REVIEW, None, stability,
             rng.uniform(3, 8), due, due - timedelta(days=stability), 5, rng.randint(0, 6),
             False, None, False, 5)
        )  # fmt: skip
    common.insert_many(
        CardState._meta.db_table,
        ["user_id", "card_id", "deck_id", "topic_id", "state", "step", "stability",
         "difficulty", "due", "last_review", "reps", "lapses", "suspended", "buried_until",
         "is_leech", "version"],
        rows,
    )  # fmt: skip
    common.analyze()
    return words[VOCABULARY // 2]


def time_pages(
    client: Client, urls: dict[str, tuple[str, dict]], requests: int, warmup: int
) -> tuple[dict[str, list[float]], list[float]]:
    """Per page, timings (ms) alternating with the trivial view's (same machine load)."""
    timings: dict[str, list[float]] = {name: [] for name in urls}
    trivials: list[float] = []
    for i in range(warmup + requests):
        for name, (url, headers) in urls.items():
            started = time.perf_counter()
            response = client.get(url, **headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (url, response.status_code)
            started = time.perf_counter()
            trivial = client.get("/bench/trivial/")
            trivial_elapsed = (time.perf_counter() - started) * 1000
            assert trivial.status_code == 200
            if i >= warmup:
                timings[name].append(elapsed)
                trivials.append(trivial_elapsed)
    return timings, trivials


def explain(client: Client, url: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    print(f"{url} ran {len(queries.captured_queries)} queries")
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            sql = query["sql"]
            if "quiz_card" not in sql or not sql.startswith("SELECT"):
                continue
            cursor.execute(prefix + sql)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            print(f"- {sql[:100]}...\n    {plan[:500]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--cards", type=int, default=100_000)
    args = parser.parse_args()
    with common.throwaway_database("browser", urlconf="bench.urls"):
        run(args)


def run(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    user = get_user_model().objects.create_user("bench", password="bench-password-123")
    StudyProfile.objects.create(user=user)
    started = time.perf_counter()
    with transaction.atomic():
        term = build(args.cards, user, now)
    print(f"{Card.objects.count()} cards built in {time.perf_counter() - started:.1f}s")
    profile = StudyProfile.objects.get(user=user)
    matches = browser.search_cards(
        user=user, filters=browser.CardFilters(q=term), now=timezone.now(), profile=profile
    ).count()
    print(f"search word {term!r} matches {matches} cards")
    client = common.https_client()
    client.force_login(user)
    htmx = {"HTTP_HX_REQUEST": "true"}
    urls = {
        "search": (f"/cards/?q={term}", {}),
        "search_partial": (f"/cards/?q={term}", htmx),
        "first_page": ("/cards/", {}),
        "reviews_by_due": ("/cards/?state=review&sort=due", {}),
    }
    for url, _headers in urls.values():
        explain(client, url)
    timings, trivials = time_pages(client, urls, args.requests, args.warmup)
    trivial = statistics.median(trivials)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, value in medians.items():
        print(f"{name}: median {value:.2f} ms, {value / trivial:.2f}x the trivial view")
    print(f"trivial view median {trivial:.2f} ms; database: {connection.vendor}")
    label = f"{args.cards // 1000}k"
    print(
        json.dumps(
            {
                "cards": args.cards,
                "database": connection.vendor,
                "trivial_ms": round(trivial, 3),
                **{f"{name}_ms_{label}": round(value, 3) for name, value in medians.items()},
                **{
                    f"{name}_ratio_vs_trivial": round(value / trivial, 3)
                    for name, value in medians.items()
                },
            }
        )
    )


if __name__ == "__main__":
    main()
