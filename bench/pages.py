"""Every page a learner sees, timed against a trivial view at 100,000 cards and 1,000,000 reviews.

    python bench/pages.py [--rounds 15] [--answer-rounds 100] [--only stats,exams] [--queries]
                          [--rebuild]

One learner with 100,000 cards in 50 decks (20 topics each, two levels), 90% of them studied,
1,000,000 review-log rows over two years, 20 submitted mock exams and one in progress. The
database is built with bulk inserts once and kept (a SQLite file under ~/.cache/notebank-bench,
or a PostgreSQL template database `<name>_pages_tpl_<key>` next to the one DATABASE_URL names),
keyed by the migrations and this builder, so later runs start in seconds; each run works on a
fresh copy, since the study answers it times write to it. `--rebuild` builds anew.

Requests go through the production stack in process (Django's test Client, so server time
without a network): DEBUG off, HTTPS (with DEBUG off plain HTTP is redirected), the static
manifest from a real collectstatic, the database connection kept across requests. Every page
GET alternates with a GET of the trivial view (login-required, one indexed query), so both see
the same load on a busy machine; each page's figure is the median over `--rounds`, divided by
the median of the trivial requests made in between. The study loop's own request (the htmx POST
that answers a card Good and returns the next) is timed the same way, over `--answer-rounds`:
it takes a few milliseconds and its target is the tightest, so it gets a larger sample (on this
shared machine the median of 25 moved by a tenth of the ratio between runs).

Targets: every page <= 5x the trivial view, the answer request <= 2x, stats <= 5x the answer
request, HTML <= 60 KB per page. The statistics page keeps its card figures per deck and
computes again only the decks written to; its first visit of a study day computes every deck,
which is timed too and printed below the table (no target: it happens once a day). Prints a
table, then one JSON line last:
{"worst_page", "worst_ratio", "ratios": {page: ratio}, "html_bytes_max", ...}.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CARDS = 100_000
DECKS = 50
# Per deck: 4 top-level topics with 4 subtopics each (20 topics); cards sit in the subtopics.
ROOT_TOPICS = 4
SUBTOPICS = 4
REVIEWS = 1_000_000
DAYS = 730
EXAMS = 20
EXAM_QUESTIONS = 65
BATCH = 50_000
# Bump when the data the builder makes changes, so a cached database is not reused.
BUILD_VERSION = 7
TARGET_PAGE = 5.0
TARGET_ANSWER = 2.0
TARGET_STATS_VS_ANSWER = 5.0
HTML_LIMIT = 60 * 1024
# How htmx posts a form (bench/common.py's FORM; that module is imported once Django's database
# is chosen).
FORM = "application/x-www-form-urlencoded"
WORDS = [
    "stream",
    "shard",
    "record",
    "window",
    "key",
    "batch",
    "buffer",
    "latency",
    "partition",
    "consumer",
    "producer",
    "checkpoint",
    "lease",
    "table",
    "index",
    "replica",
    "region",
    "bucket",
    "object",
    "policy",
    "role",
    "queue",
    "topic",
]


def log(message: str) -> None:
    print(f"[pages] {message}", file=sys.stderr, flush=True)


def cache_key() -> str:
    """Changes when the schema or this builder does."""
    digest = hashlib.sha256(f"{BUILD_VERSION}:{CARDS}:{DECKS}:{REVIEWS}".encode())
    for path in sorted((ROOT / "quiz" / "migrations").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# --- the database: a cached copy, or built now ---------------------------------------------


def prepare_database(rebuild: bool) -> tuple[bool, Callable[[], None], Callable[[], None]]:
    """Point DATABASE_URL at this run's database before Django starts.

    Returns (cached, save, cleanup): whether the data is already there, a function that keeps
    the freshly built database for later runs, and one that removes this run's copy."""
    key = cache_key()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        cache_dir = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        cache = cache_dir / "notebank-bench" / f"pages-{key}.sqlite3"
        work = Path(tempfile.mkdtemp(prefix="notebank-bench-pages-")) / "pages.sqlite3"
        cached = cache.exists() and not rebuild
        if cached:
            shutil.copyfile(cache, work)
        os.environ["DATABASE_URL"] = f"sqlite:///{work}"

        def save() -> None:
            from django.db import connection

            connection.close()
            cache.parent.mkdir(parents=True, exist_ok=True)
            for old in cache.parent.glob("pages-*.sqlite3"):
                old.unlink()
            partial = cache.with_suffix(".partial")
            shutil.copyfile(work, partial)
            partial.rename(cache)

        def cleanup() -> None:
            shutil.rmtree(work.parent, ignore_errors=True)

        return cached, save, cleanup

    import psycopg

    base, _, name = url.rpartition("/")
    name = name.split("?")[0] or "notebank"
    work_name, template = f"{name}_pages", f"{name}_pages_tpl_{key}"
    admin = f"{base}/postgres"

    def admin_sql(statement: str) -> list[tuple]:
        with psycopg.connect(admin, autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    admin_sql(f"DROP DATABASE IF EXISTS {work_name} WITH (FORCE)")
    exists = admin_sql(f"SELECT 1 FROM pg_database WHERE datname = '{template}'")
    cached = bool(exists) and not rebuild
    admin_sql(f"CREATE DATABASE {work_name}" + (f" TEMPLATE {template}" if cached else ""))
    os.environ["DATABASE_URL"] = f"{base}/{work_name}"

    def save() -> None:
        from django.db import connection

        # What autovacuum does to a table after bulk loading, before the copy is kept: fresh
        # planner statistics, and a visibility map, without which no index-only scan skips
        # the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        connection.close()
        # Only this builder's own templates, for this database name.
        for (old,) in admin_sql(
            f"SELECT datname FROM pg_database WHERE datname LIKE '{name}\\_pages\\_tpl\\_%'"
        ):
            admin_sql(f"DROP DATABASE IF EXISTS {old} WITH (FORCE)")
        admin_sql(f"CREATE DATABASE {template} TEMPLATE {work_name}")

    def cleanup() -> None:
        from django.db import connection

        connection.close()
        admin_sql(f"DROP DATABASE IF EXISTS {work_name} WITH (FORCE)")

    return cached, save, cleanup


def _sql_time(at: datetime) -> str:
    # Naive UTC text: how Django stores aware datetimes in SQLite; PostgreSQL reads it as UTC
    # (the connection's time zone is UTC under USE_TZ).
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def build(now: datetime) -> None:
    """The learner, the content, the states, the review log and the exams: bulk inserts."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from quiz import exams, tally
    from quiz.models import (
        Card,
        CardState,
        Deck,
        ExamAttempt,
        ExamQuestion,
        Review,
        StudyProfile,
        Topic,
    )

    rng = random.Random(16)
    user = get_user_model().objects.create_user(username="heavy", password="bench-password")
    StudyProfile.objects.create(user=user, timezone="Europe/Berlin", max_reviews_per_day=9999)
    stamp = _sql_time(now)
    decks = Deck.objects.bulk_create(
        Deck(
            title=f"Deck {d:02d}: {' '.join(rng.sample(WORDS, 3)).title()}",
            slug=f"deck-{d:02d}",
            source_path=f"/bench/deck-{d:02d}.md",
            imported_at=now - timedelta(days=400),
        )
        for d in range(DECKS)
    )
    leaf_topics: list[tuple[int, int]] = []  # (deck id, topic id) of the subtopics
    order = 0
    for deck in decks:
        for r in range(ROOT_TOPICS):
            root = Topic.objects.create(
                deck=deck, title=f"Domain {r + 1}", path=f"Domain {r + 1}", level=1, order=order,
                body_md="Notes.", body_html="<p>Notes.</p>",
            )  # fmt: skip
            order += 1
            children = Topic.objects.bulk_create(
                Topic(
                    deck=deck,
                    parent=root,
                    title=f"Section {r + 1}.{s + 1}",
                    path=f"Domain {r + 1} › Section {r + 1}.{s + 1}",
                    level=2,
                    order=order + s,
                    body_md="Notes.",
                    body_html="<p>Notes.</p>",
                )  # fmt: skip
                for s in range(SUBTOPICS)
            )
            order += SUBTOPICS
            leaf_topics.extend((deck.pk, t.pk) for t in children)
    per_topic = CARDS // len(leaf_topics)
    card_rows = []
    card_place = []  # (deck id, topic id) per card, in order
    for i in range(CARDS):
        deck_id, topic_id = leaf_topics[min(i // per_topic, len(leaf_topics) - 1)]
        answer = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
        card_rows.append(
            (deck_id, topic_id, f"bench-{i}", f"question {i}", f"What is {i}?",
             f"<p>What is {i}?</p>", answer, f"<p>{answer}</p>", i, stamp, stamp)
        )  # fmt: skip
        card_place.append((deck_id, topic_id))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Card._meta.db_table} (deck_id, topic_id, kind, key, "
            "match_text, prompt_md, prompt_html, answer_md, answer_html, items, term, sim, "
            'source_line, "order", status, edited_in_admin, notes_prompt_md, notes_answer_md, '
            "exam_eligible, tags, created_at, updated_at) "
            "VALUES (%s, %s, 'qa', %s, %s, %s, %s, %s, %s, '[]', '', NULL, 0, %s, 'active', "
            "FALSE, '', '', FALSE, '[]', %s, %s)",
            card_rows,
        )
    card_ids = list(Card.objects.order_by("order").values_list("pk", flat=True))

    # 90% of each deck studied in notes order (the rest are new), most in review.
    studied = []
    state_rows = []
    for i, card_id in enumerate(card_ids):
        if i % (CARDS // DECKS) >= 0.9 * (CARDS // DECKS):
            continue
        studied.append(card_id)
        deck_id, topic_id = card_place[i]
        roll = rng.random()
        # A few hundred cards in (re)learning at a time, as for a learner who finishes each day.
        state = 2 if roll < 0.997 else (1 if roll < 0.9985 else 3)
        stability = rng.lognormvariate(2.5, 1.2) if state == 2 else rng.uniform(0.01, 1)
        last = now - timedelta(days=rng.uniform(0, min(DAYS, stability * 1.2)))
        suspended = rng.random() < 0.01
        state_rows.append(
            (user.pk, card_id, deck_id, topic_id, state, None if state == 2 else 0, stability,
             rng.uniform(1, 10), _sql_time(last + timedelta(days=stability)), _sql_time(last),
             rng.randint(1, 30), rng.randint(0, 9), suspended, suspended and rng.random() < 0.5)
        )  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {CardState._meta.db_table} (user_id, card_id, deck_id, topic_id, "
            "state, step, stability, difficulty, due, last_review, reps, lapses, suspended, "
            "buried_until, is_leech, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s, NULL, %s, 1)",
            state_rows,
        )

    # The review log, oldest first, as it is written.
    span = timedelta(days=DAYS).total_seconds()
    start = now - timedelta(days=DAYS)
    sql = (
        f"INSERT INTO {Review._meta.db_table} (user_id, card_id, rating, reviewed_at, "
        "duration_ms, state_before, state_after, undone, source) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, FALSE, %s)"
    )
    before = json.dumps({"state": 2, "stability": 12.5, "difficulty": 5.1, "reps": 4})
    after = json.dumps({"state": 2, "stability": 30.1, "difficulty": 5.0, "reps": 5})
    for first in range(0, REVIEWS, BATCH):
        rows = []
        for i in range(first, min(REVIEWS, first + BATCH)):
            rows.append(
                (user.pk, studied[rng.randrange(len(studied))],
                 rng.choices((1, 2, 3, 4), weights=(12, 8, 70, 10))[0],
                 _sql_time(start + timedelta(seconds=i * span / REVIEWS)),
                 rng.randint(1500, 20000), before, after, "study")
            )  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    tally.rebuild(user_ids=[user.pk])

    # Twenty submitted mock exams on the first deck, and one in progress.
    first_deck = decks[0]
    pool = list(
        Card.objects.filter(deck=first_deck).select_related("topic").order_by("order")[:2000]
    )
    for n in range(EXAMS + 1):
        started = now - timedelta(days=(EXAMS - n) * 7, hours=3)
        done = n < EXAMS
        attempt = ExamAttempt.objects.create(
            user=user, deck=first_deck, seed=n, count=EXAM_QUESTIONS, time_limit_s=170 * 60,
            started_at=started if done else now - timedelta(minutes=5),
            deadline=(started if done else now) + timedelta(minutes=170),
            submitted_at=started + timedelta(minutes=120) if done else None, pass_mark=0.72,
            predicted_score=0.7,
        )  # fmt: skip
        right = 0
        questions = []
        for position, card in enumerate(rng.sample(pool, EXAM_QUESTIONS), start=1):
            options = [card.answer_md, *(rng.choice(pool).answer_md for _ in range(3))]
            chosen = rng.choice((0, 0, 0, 1))
            right += chosen == 0
            questions.append(
                ExamQuestion(
                    attempt=attempt,
                    position=position,
                    card=card,
                    topic=card.topic,
                    domain_id=card.topic.parent_id,
                    domain_title="Domain",
                    kind="answer",
                    stem=card.prompt_md,
                    options=options,
                    correct=[0],
                    chosen=[chosen] if done else [],
                    answered_at=started if done else None,
                    is_correct=(chosen == 0) if done else None,
                    explanation_html=f"<p>{card.answer_md}</p>",
                )  # fmt: skip
            )
        ExamQuestion.objects.bulk_create(questions)
        if done:
            attempt.correct_count = right
            attempt.score = right / EXAM_QUESTIONS
            # What submitting stores: each domain's score, read by the results page's trend.
            attempt.domain_scores = exams.domain_tally(
                (q.position, q.domain_title, q.is_correct) for q in questions
            )
            attempt.save(update_fields=["correct_count", "score", "domain_scores"])
    # What the first visit to the exams page after an import works out: which cards can be
    # asked in an exam (stored per deck).
    for deck in decks:
        exams.refresh_eligibility(deck=deck, now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- timing --------------------------------------------------------------------------------


def next_fields(html: str) -> dict[str, str]:
    from common import answer_fields

    fields = answer_fields(html)
    if fields is None:
        raise SystemExit("the study queue ran out")
    return fields


def pages_for(user: Any) -> dict[str, str]:
    from django.urls import Resolver404, resolve

    from quiz.models import Deck, ExamAttempt, Topic

    deck = Deck.objects.order_by("slug").first()
    topic = Topic.objects.filter(deck=deck, level=2).order_by("order").first()
    finished = ExamAttempt.objects.filter(user=user, submitted_at__isnull=False).first()
    open_attempt = ExamAttempt.objects.filter(user=user, submitted_at__isnull=True).first()
    pages = {
        "dashboard": "/",
        "deck": f"/decks/{deck.slug}/",
        "topic": f"/topics/{topic.pk}/",
        "study": "/study/",
        "exams home": "/exams/",
        "exam question": f"/exams/{open_attempt.pk}/q/1/",
        "exam results": f"/exams/{finished.pk}/results/",
        "stats": "/stats/",
        "labs index": "/labs/",
        "lab": "/labs/tumbling/",
        "settings": "/study/settings/",
        "leeches": "/study/leeches/",
    }
    try:
        resolve("/cards/")
        pages["card browser"] = "/cards/"
    except Resolver404:
        pass
    return pages


class QueryLog:
    """Every statement one request runs, with its time (the request start clears Django's own
    query log, so this wraps execution instead)."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - start) * 1000, sql))


def logged(call: Callable[[], Any]) -> QueryLog:
    from django.db import connection

    log = QueryLog()
    with connection.execute_wrapper(log):
        call()
    return log


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure(client: Any, call: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """Medians (ms) of `call` and of the trivial view, alternating, after two warm-ups each."""

    def trivial() -> None:
        assert client.get("/bench/trivial/").status_code == 200

    for _ in range(2):
        call()
        trivial()
    own, base = [], []
    for _ in range(rounds):
        own.append(timed(call))
        base.append(timed(trivial))
    return statistics.median(own), statistics.median(base)


def profile(client: Any, pages: dict[str, str], name: str) -> None:
    """Where one request's time goes: cProfile over 20 of them, by cumulative time."""
    import cProfile
    import pstats

    from common import open_as_learner

    if name == "answer":
        open_as_learner(client)  # as in `run`
        fields = next_fields(client.get("/study/").content.decode())

        def call() -> None:
            nonlocal fields
            response = client.post(
                "/study/answer/",
                urlencode(fields),
                content_type=FORM,
                HTTP_HX_REQUEST="true",
            )
            fields = next_fields(response.content.decode())
    else:

        def call() -> None:
            client.get(pages[name])

    call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        call()
    profiler.disable()
    # PROFILE_SORT=tottime shows where the time is spent rather than under which call.
    stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
    stats.print_stats(int(os.environ.get("PROFILE_LINES", "45")))


def run(args: argparse.Namespace) -> None:
    from common import https_client, open_as_learner
    from django.contrib.auth import get_user_model
    from django.db import connection

    user = get_user_model().objects.get(username="heavy")
    client = https_client()
    client.force_login(user)
    pages = pages_for(user)
    if args.profile:
        profile(client, pages, args.profile)
        return
    if args.only:
        pages = {k: v for k, v in pages.items() if k in args.only}
    rows: list[dict[str, Any]] = []
    for name, url in pages.items():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{name} {url}: status {response.status_code}")
        size = len(response.content)
        queries = logged(lambda url=url: client.get(url))

        def get(url: str = url) -> None:
            assert client.get(url).status_code == 200

        page_ms, trivial_ms = measure(client, get, args.rounds)
        log(f"{name}: {page_ms:.1f} ms, trivial {trivial_ms:.2f} ms, {size} bytes")
        rows.append(
            {"page": name, "url": url, "ms": page_ms, "trivial_ms": trivial_ms,
             "ratio": page_ms / trivial_ms, "bytes": size,
             "queries": len(queries.queries)}
        )  # fmt: skip
        if args.queries:
            for ms, sql in queries.queries:
                print(f"    {ms:7.2f} ms  {sql[:150]}")

    answer_row = None
    if not args.only or "answer" in args.only:
        open_as_learner(client)
        fields = next_fields(client.get("/study/").content.decode())

        def answer() -> None:
            nonlocal fields
            response = client.post(
                "/study/answer/",
                urlencode(fields),
                content_type=FORM,
                HTTP_HX_REQUEST="true",
            )
            assert response.status_code == 200, response.status_code
            fields = next_fields(response.content.decode())

        answer_ms, trivial_ms = measure(client, answer, args.answer_rounds)
        # Logged after the timed ones, so the statements are those of an answer in a session
        # under way (on PostgreSQL, the first answer on a connection also prepares each one).
        queries = logged(answer)
        answer_row = {
            "page": "answer (POST)", "url": "/study/answer/", "ms": answer_ms,
            "trivial_ms": trivial_ms, "ratio": answer_ms / trivial_ms, "bytes": 0,
            "queries": len(queries.queries),
        }  # fmt: skip
        if args.queries:
            for ms, sql in queries.queries:
                print(f"    {ms:7.2f} ms  {sql[:150]}")

    first_visit = None
    if not args.only or "stats" in args.only:
        from quiz.models import DeckCounts

        def stats_first_visit() -> None:
            # As the first visit of a study day finds them: no deck's figures current, so
            # every deck is computed again (the one-row-per-deck update is timed with it).
            DeckCounts.objects.filter(user=user).update(stats_computed=-1)
            assert client.get("/stats/").status_code == 200

        first_ms, trivial_ms = measure(client, stats_first_visit, args.rounds)
        first_visit = {"ms": first_ms, "ratio": first_ms / trivial_ms}

    print(
        f"database: {connection.vendor}; medians of {args.rounds} requests each"
        f" (the answer: {args.answer_rounds})"
    )
    print(f"{'page':<15} {'ms':>8} {'trivial':>8} {'ratio':>6} {'target':>6} {'KB':>6} {'SQL':>4}")
    for row in [*rows, *([answer_row] if answer_row else [])]:
        target = TARGET_ANSWER if row is answer_row else TARGET_PAGE
        flag = "" if row["ratio"] <= target and row["bytes"] <= HTML_LIMIT else "  MISSED"
        print(
            f"{row['page']:<15} {row['ms']:8.2f} {row['trivial_ms']:8.2f} {row['ratio']:6.2f} "
            f"{target:6.1f} {row['bytes'] / 1024:6.1f} {row['queries']:4d}{flag}"
        )
    if first_visit:
        print(
            f"stats, first visit of a study day (every deck's figures computed): "
            f"{first_visit['ms']:.2f} ms, {first_visit['ratio']:.2f}x the trivial view"
        )
    ratios = {row["page"]: round(row["ratio"], 2) for row in rows}
    worst = max(rows, key=lambda row: row["ratio"]) if rows else None
    result: dict[str, Any] = {
        "worst_page": worst["page"] if worst else None,
        "worst_ratio": round(worst["ratio"], 2) if worst else None,
        "ratios": ratios,
        "html_bytes_max": max((row["bytes"] for row in rows), default=0),
    }
    if answer_row:
        result["answer_ratio"] = round(answer_row["ratio"], 2)
        stats = next((row for row in rows if row["page"] == "stats"), None)
        if stats:
            result["stats_vs_answer"] = round(stats["ms"] / answer_row["ms"], 2)
    if first_visit:
        result["stats_first_visit_ratio"] = round(first_visit["ratio"], 2)
    result["database"] = connection.vendor
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed requests per page")
    parser.add_argument(
        "--answer-rounds", type=int, default=100, help="timed study answers (the POST)"
    )
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=set(),
        help="comma-separated page names (as in the table; 'answer' for the study POST)",
    )
    parser.add_argument("--queries", action="store_true", help="print each page's SQL")
    parser.add_argument("--profile", help="cProfile this page (a name as in the table) and stop")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached database")
    args = parser.parse_args()

    cached, save, cleanup = prepare_database(args.rebuild)
    import common  # noqa: F401  (sets Django up as deployed, on the database just chosen)
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The request log stays on (it is part of the production stack) but writes to nowhere.
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    try:
        call_command("migrate", verbosity=0)
        if not cached:
            started = time.perf_counter()
            log("building 100,000 cards, 1,000,000 reviews (kept for later runs)")
            build(datetime.now(UTC))
            save()
            log(f"built in {time.perf_counter() - started:.0f} s")
        static_root = tempfile.mkdtemp(prefix="notebank-bench-static-")
        try:
            with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False, STATIC_ROOT=static_root):
                call_command("collectstatic", interactive=False, verbosity=0)
                run(args)
        finally:
            shutil.rmtree(static_root, ignore_errors=True)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
