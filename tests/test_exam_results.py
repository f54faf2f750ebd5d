"""The results page read cheaply: each domain's score stored when an attempt is submitted (and
backfilled for older attempts), the trend read from it, every question in one query, and the
review list built in the view with the same escaping the template gave."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from quiz import exams
from quiz.blueprint import Blueprint, title_key
from quiz.models import Deck, ExamAttempt, ExamQuestion
from tests.factory import import_text, make_exam_bank, make_user
from tests.test_blueprint import BODY, FRONT

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def logged_in(user) -> Client:
    client = Client()
    # force_login: the rate-limited log-in backend needs a request, which login() has not.
    client.force_login(user)
    return client


def wrong(q: ExamQuestion) -> list[int]:
    return [next(i for i in range(len(q.options)) if i not in q.correct)]


def sit(user, deck, *, seed: int, right: int, at: datetime, count: int = 8) -> ExamAttempt:
    """An exam whose first `right` questions are answered right, the rest wrong but one
    (the last, left unanswered); submitted."""
    attempt = exams.start_attempt(user=user, deck=deck, now=at, count=count, seed=seed)
    questions = list(attempt.questions.all())
    for n, q in enumerate(questions[:-1]):
        exams.answer_question(question=q, chosen=q.correct if n < right else wrong(q), now=at)
    exams.submit_attempt(attempt=attempt, now=at + timedelta(minutes=10))
    attempt.refresh_from_db()
    return attempt


def tally_by_hand(attempt: ExamAttempt) -> list[list]:
    """[title, right, asked] per domain title, in the order the titles first come up: worked
    out here question by question, independently of `exams.domain_tally`."""
    order: list[str] = []
    right: dict[str, int] = {}
    asked: dict[str, int] = {}
    for q in attempt.questions.order_by("position"):
        if q.domain_title not in asked:
            order.append(q.domain_title)
            right[q.domain_title] = asked[q.domain_title] = 0
        asked[q.domain_title] += 1
        right[q.domain_title] += 1 if q.is_correct else 0
    return [[title, right[title], asked[title]] for title in order]


@pytest.fixture
def blueprint_deck(tmp_path) -> Deck:
    import_text(tmp_path, FRONT + BODY)
    return Deck.objects.get()


@pytest.mark.django_db
def test_submitting_stores_each_domains_score_from_the_answers(blueprint_deck) -> None:
    user = make_user()
    attempt = exams.start_attempt(user=user, deck=blueprint_deck, now=NOW, count=8, seed=5)
    assert attempt.domain_scores is None  # nothing to keep while the answers can change
    for n, q in enumerate(attempt.questions.all()):
        exams.answer_question(question=q, chosen=q.correct if n % 3 else wrong(q), now=NOW)
    exams.submit_attempt(attempt=attempt, now=NOW + timedelta(minutes=5))
    assert attempt.domain_scores == tally_by_hand(attempt)  # on the caller's object too
    attempt.refresh_from_db()
    stored = attempt.domain_scores
    assert stored == tally_by_hand(attempt)
    assert {title for title, _right, _asked in stored} == {"Collection", "Storage"}
    assert sum(asked for _t, _r, asked in stored) == 8
    assert sum(right for _t, right, _a in stored) == attempt.correct_count
    # Submitting again changes nothing.
    exams.submit_attempt(attempt=attempt, now=NOW + timedelta(hours=1))
    attempt.refresh_from_db()
    assert attempt.domain_scores == stored


def trend_by_hand(user, deck, blueprint: dict | None) -> tuple[list[int], list[tuple]]:
    """The trend as the grouped query over every question used to give it: the blueprint's
    domains first, then the others in the order they first came up (attempts by id, questions
    by position), titles that differ only in case or spacing as one."""
    attempts = list(
        ExamAttempt.objects.filter(
            user=user, deck=deck, mode="exam", submitted_at__isnull=False
        ).order_by("-submitted_at", "-id")[:20]
    )[::-1]
    column = {a.pk: i for i, a in enumerate(attempts)}
    names: dict[str, str] = {}
    plan = Blueprint.from_json(blueprint)
    for title, _share in plan.shares() if plan else []:
        names.setdefault(title_key(title), title)
    cells: dict[str, list[list[int]]] = {
        name: [[0, 0] for _ in attempts] for name in names.values()
    }
    for attempt in sorted(attempts, key=lambda a: a.pk):
        for q in attempt.questions.order_by("position"):
            title = q.domain_title or "Other"
            name = names.setdefault(title_key(title), title)
            cell = cells.setdefault(name, [[0, 0] for _ in attempts])[column[attempt.pk]]
            cell[0] += 1 if q.is_correct else 0
            cell[1] += 1
    return [a.pk for a in attempts], [
        (name, [r / n if n else None for r, n in counts]) for name, counts in cells.items()
    ]


@pytest.mark.django_db
def test_the_trend_read_from_stored_scores_is_the_one_the_questions_give(blueprint_deck) -> None:
    user = make_user()
    sittings = [
        sit(user, blueprint_deck, seed=n, right=n * 2, at=NOW + timedelta(days=n)) for n in range(4)
    ]
    # A domain title in another spelling, and a question outside every domain, in one attempt.
    ExamQuestion.objects.filter(attempt=sittings[1], position=1).update(domain_title="storage ")
    ExamQuestion.objects.filter(attempt=sittings[1], position=2).update(domain_title="")
    ExamAttempt.objects.filter(pk=sittings[1].pk).update(domain_scores=None)
    exams.backfill_domain_scores(attempt_model=ExamAttempt, question_model=ExamQuestion)
    blueprint = sittings[-1].blueprint
    assert blueprint
    for plan in (blueprint, None):
        trend = exams.domain_trend(user=user, deck=blueprint_deck, blueprint=plan)
        pks, domains = trend_by_hand(user, blueprint_deck, plan)
        assert [a.pk for a in trend.attempts] == pks == [a.pk for a in sittings]
        assert list(trend.domains.items()) == domains
    assert list(trend.domains) == ["Collection", "Storage", "Other"]
    # An attempt marked submitted some other way (no stored scores) is counted from its
    # questions, with the same figures.
    before = exams.domain_trend(user=user, deck=blueprint_deck, blueprint=blueprint)
    ExamAttempt.objects.filter(pk__in=[sittings[0].pk, sittings[2].pk]).update(domain_scores=None)
    after = exams.domain_trend(user=user, deck=blueprint_deck, blueprint=blueprint)
    assert after == before


@pytest.mark.django_db
def test_backfill_scores_only_submitted_attempts_without_them() -> None:
    user, bank = make_user(), make_exam_bank()
    done = [sit(user, bank.deck, seed=n, right=n + 2, at=NOW + timedelta(days=n)) for n in range(3)]
    running = exams.start_attempt(user=user, deck=bank.deck, now=NOW, count=4, seed=9)
    stored = {a.pk: a.domain_scores for a in done}
    ExamAttempt.objects.filter(pk__in=[done[0].pk, done[2].pk]).update(domain_scores=None)
    written = exams.backfill_domain_scores(attempt_model=ExamAttempt, question_model=ExamQuestion)
    assert written == 2
    assert {a.pk: a.domain_scores for a in ExamAttempt.objects.filter(pk__in=stored)} == stored
    running.refresh_from_db()
    assert running.domain_scores is None
    assert exams.backfill_domain_scores(attempt_model=ExamAttempt, question_model=ExamQuestion) == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_scores_attempts_submitted_before_it() -> None:
    """Migrating from the schema before the stored scores fills them in from the questions."""
    before, after = ("quiz", "0013_study_queue_covering_index"), ("quiz", "0014_exam_domain_scores")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    user = old.get_model("auth", "User").objects.create(username="old-learner")
    deck = old.get_model("quiz", "Deck").objects.create(
        title="Old", slug="old", source_path="/old.md"
    )
    attempt = old.get_model("quiz", "ExamAttempt").objects.create(
        user=user, deck=deck, seed=1, count=3, started_at=NOW, submitted_at=NOW, score=1 / 3
    )
    running = old.get_model("quiz", "ExamAttempt").objects.create(
        user=user, deck=deck, seed=2, count=1, started_at=NOW
    )
    question = old.get_model("quiz", "ExamQuestion")
    for position, title, is_correct in ((1, "B", True), (2, "A", False), (3, "B", None)):
        question.objects.create(
            attempt=attempt, position=position, domain_title=title, kind="qa", stem="?",
            options=["x", "y"], correct=[0], is_correct=is_correct,
        )  # fmt: skip
    question.objects.create(
        attempt=running, position=1, domain_title="A", kind="qa", stem="?", options=["x"],
        correct=[0],
    )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert ExamAttempt.objects.get(pk=attempt.pk).domain_scores == [["B", 1, 2], ["A", 0, 1]]
    assert ExamAttempt.objects.get(pk=running.pk).domain_scores is None


@pytest.mark.django_db
def test_the_results_page_reads_a_fixed_number_of_queries(django_assert_max_num_queries) -> None:
    """However many questions the attempt has and however many earlier exams the trend shows:
    the session, the user, the attempt, its questions (one query), the trend (one query)."""
    user, bank = make_user(), make_exam_bank()
    client = logged_in(user)
    first = sit(user, bank.deck, seed=1, right=2, at=NOW, count=3)
    with django_assert_max_num_queries(5):
        page = client.get(f"/exams/{first.pk}/results/").text
    assert len(re.findall(r'class="card-box review-item', page)) == 3
    for n in range(2, 6):
        last = sit(user, bank.deck, seed=n, right=n, at=NOW + timedelta(days=n), count=10)
    with django_assert_max_num_queries(5):
        page = client.get(f"/exams/{last.pk}/results/").text
    assert "Your domains across attempts" in page
    assert len(re.findall(r'class="card-box review-item', page)) == 10
    with django_assert_max_num_queries(5):
        client.get(f"/exams/{last.pk}/results/?show=incorrect&page=2")
    # A filter or page swapped in by htmx is the list alone: no trend, so no trend query.
    with django_assert_max_num_queries(4):
        part = client.get(f"/exams/{last.pk}/results/?show=all", HTTP_HX_REQUEST="true").text
    assert part.lstrip().startswith('<div id="review-list">') and "domain-trend" not in part
    assert len(re.findall(r'class="card-box review-item', part)) == 10


@pytest.mark.django_db
def test_review_items_escape_the_stem_domain_and_topic_and_render_exercises() -> None:
    user, bank = make_user(), make_exam_bank()
    attempt = exams.start_attempt(user=user, deck=bank.deck, now=NOW, count=4, seed=3)
    q1, q2, q3, q4 = attempt.questions.all()
    ExamQuestion.objects.filter(pk=q1.pk).update(
        kind="exercise", stem="Given **this** <script>x</script>\n\n* one\n* two"
    )
    ExamQuestion.objects.filter(pk=q2.pk).update(stem="Line <b>one</b>\nline & two")
    ExamQuestion.objects.filter(pk=q3.pk).update(domain_title="R&D <x>")
    exams.answer_question(question=q2, chosen=q2.correct, now=NOW)
    exams.answer_question(question=q3, chosen=wrong(q3), now=NOW)
    exams.set_flag(question=q3, flagged=True, now=NOW)
    exams.submit_attempt(attempt=attempt, now=NOW + timedelta(minutes=5))
    page = logged_in(user).get(f"/exams/{attempt.pk}/results/").text
    items = re.findall(r'<li value="\d+" class="card-box review-item.*?\n    </li>', page, re.S)
    assert len(items) == 4
    exercise, escaped, domain, unanswered = items
    assert '<div class="stem prose">' in exercise and "<strong>this</strong>" in exercise
    assert "<script>" not in page.split('<main id="main">')[1]
    assert '<p class="stem">Line &lt;b&gt;one&lt;/b&gt;<br>line &amp; two</p>' in escaped
    assert 'class="card-box review-item good"' in escaped and "✓ Right" in escaped
    assert "✗ Wrong · ⚑ flagged · R&amp;D &lt;x&gt;</p>" in domain
    assert 'class="card-box review-item bad"' in unanswered and "– Unanswered" in unanswered
    # The notes' explanation and a link to the question's topic, under each.
    topic = q4.topic
    assert (
        f'<p class="small"><a href="/topics/{topic.pk}/">{topic.path}</a></p></details>'
        in unanswered
    )
    assert "Explanation from your notes" in unanswered and q4.explanation_html in unanswered


@pytest.mark.django_db
def test_the_trend_table_shows_a_dash_where_an_attempt_asked_nothing(blueprint_deck) -> None:
    user = make_user()
    first = sit(user, blueprint_deck, seed=1, right=8, at=NOW)
    second = sit(user, blueprint_deck, seed=2, right=8, at=NOW + timedelta(days=1))
    ExamQuestion.objects.filter(attempt=second, domain_title="Storage").update(domain_title="<Ops>")
    ExamAttempt.objects.filter(pk=second.pk).update(domain_scores=None)
    page = logged_in(user).get(f"/exams/{first.pk}/results/").text
    table = page.split('<table class="data trend-table">')[1].split("</table>")[0]
    assert '<th class="num">1 Mar</th><th class="num">2 Mar</th>' in table
    assert '<tr><td>&lt;Ops&gt;</td><td class="num">–</td>' in table
    assert re.search(
        r"<tr><td>Storage</td><td class=\"num\">\d+%</td><td class=\"num\">–</td>", table
    )
