"""Exam blueprints from the notes' front matter: reading them, weighted mock exams, results
against the weights, and the per-domain trend."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from quiz import exams
from quiz.blueprint import Blueprint, quotas, read_blueprint
from quiz.models import Deck, ExamAttempt
from quiz.notes.types import NotesError
from tests.factory import import_text, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

FRONT = """\
---
title: Data Analytics
exam: {minutes: 40, questions: 8, domains: {"Collection": 75, "Storage": 25}}
tags: [aws]
---
"""

BODY = """\
# Data Analytics

## Collection

* Kinesis Data Streams: a durable ordered log of records split into shards you scale
* Firehose: a managed delivery service that buffers records and writes them to stores
* Kinesis Agent: a small program on servers that tails log files into a stream
* Producer Library: a client library that batches and aggregates records before sending
* Data Migration Service: a service that copies databases into AWS with ongoing replication
* Snowball: a rugged storage device shipped to you for moving data in bulk offline

## Storage

* S3 Standard: object storage with eleven nines of durability across zones
* S3 Glacier: archive storage with retrievals taking minutes to many hours
* DynamoDB: a key value and document database with single digit millisecond reads
* Redshift: a columnar data warehouse for large analytic scans and joins
* ElastiCache: an in memory cache for microsecond reads of hot keys

## Security

* KMS: a managed service that creates and guards the keys used to encrypt data
* IAM: users, groups and roles with policies that allow or deny actions on resources
"""


def logged_in(user) -> Client:
    client = Client()
    # force_login: the rate-limited log-in backend needs a request, which login() has not.
    client.force_login(user)
    return client


# --- reading ------------------------------------------------------------------------------


def test_flow_and_block_style_blueprints() -> None:
    flow = read_blueprint(FRONT + BODY)
    assert flow == Blueprint(40, 8, (("Collection", 75.0), ("Storage", 25.0)))
    assert flow.shares() == [("Collection", 0.75), ("Storage", 0.25)]
    block = read_blueprint(
        "---\nexam:\n  minutes: 170\n  questions: 65\n  domains:\n    Collection: 18\n"
        "    Storage: 22\n---\n# T\n"
    )
    assert block == Blueprint(170, 65, (("Collection", 18.0), ("Storage", 22.0)))
    assert read_blueprint("---\ntags: [a]\n---\n# T\n") is None
    assert read_blueprint("# No front matter\n") is None


@pytest.mark.parametrize(
    ("front", "message", "line"),
    [
        ("exam: {minutes: 0}", "exam.minutes must be a whole number from 1 to 600, not 0", 3),
        ("exam: {questions: 9999}", "exam.questions must be a whole number from 1 to 200", 3),
        ('exam: {domains: {"Storage": -5}}', "the weight of 'Storage' must be a positive", 3),
        ("exam: {minute: 10}", "unknown key(s) minute (use minutes, questions, domains)", 3),
        ("exam: 170", "exam: must be a mapping", 3),
        ("exam: {minutes: 10\nbroken: [", "the front matter is not valid YAML", None),
    ],
)
def test_a_bad_blueprint_is_a_clear_error_with_its_line(front, message, line) -> None:
    with pytest.raises(NotesError) as caught:
        read_blueprint(f"---\ntitle: X\n{front}\n---\n# X\n")
    assert message in caught.value.message
    if line is not None:
        assert caught.value.line == line


def test_quotas_split_by_largest_remainder() -> None:
    assert quotas([0.75, 0.25], 8) == [6, 2]
    assert quotas([18 / 100, 22 / 100, 60 / 100], 65) == [12, 14, 39]
    assert sum(quotas([1 / 3] * 3, 10)) == 10


# --- import -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_stores_the_blueprint_on_the_deck(tmp_path, media_root) -> None:
    import_text(tmp_path, FRONT + BODY)
    deck = Deck.objects.get()
    assert deck.exam_blueprint == {
        "minutes": 40,
        "questions": 8,
        "domains": [["Collection", 75.0], ["Storage", 25.0]],
    }


@pytest.mark.django_db
def test_a_domain_that_names_no_heading_fails_the_import_and_changes_nothing(
    tmp_path, media_root
) -> None:
    from quiz.importing import import_notes
    from tests.factory import write_notes

    path = write_notes(tmp_path, "notes.md", FRONT.replace("Storage", "Storagee") + BODY)
    report = import_notes(paths=[path])
    assert not report.ok
    (error,) = report.errors
    assert error["line"] == 3
    assert "no heading of these notes is titled 'Storagee'" in error["message"]
    assert not Deck.objects.exists()


# --- mock exams by weight -----------------------------------------------------------------


@pytest.fixture
def deck(tmp_path, media_root) -> Deck:
    import_text(tmp_path, FRONT + BODY)
    return Deck.objects.get()


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mock_exams_draw_questions_by_the_domain_weights(deck, seed) -> None:
    attempt = exams.start_attempt(user=make_user(), deck=deck, now=NOW, count=8, seed=seed)
    domains = Counter(q.domain_title for q in attempt.questions.all())
    assert domains == {"Collection": 6, "Storage": 2}
    assert attempt.blueprint == deck.exam_blueprint
    # The blueprint's pace: 40 minutes for 8 questions.
    assert attempt.deadline == NOW + timedelta(minutes=40)


@pytest.mark.django_db
def test_a_domain_too_small_for_its_share_gives_way_to_the_others(deck) -> None:
    def can_give(title: str) -> int:
        return exams.available_questions(deck=deck, topic_ids=[deck.topics.get(title=title).pk])

    collection, storage = can_give("Collection"), can_give("Storage")
    count = collection + storage + 1
    # Collection's 75% is more than it holds: it gives all it has, Storage takes the rest of
    # the shares, and the rest of the deck (Security) fills what is still missing.
    assert round(0.75 * count) > collection
    attempt = exams.start_attempt(user=make_user(), deck=deck, now=NOW, count=count, seed=4)
    domains = Counter(q.domain_title for q in attempt.questions.all())
    assert domains["Collection"] == collection and domains["Storage"] == storage
    assert sum(domains.values()) == count


@pytest.mark.django_db
def test_chosen_topics_ignore_the_weights(deck) -> None:
    storage = deck.topics.get(title="Storage")
    attempt = exams.start_attempt(
        user=make_user(), deck=deck, now=NOW, count=4, seed=1, topic_ids=[storage.pk]
    )
    assert {q.domain_title for q in attempt.questions.all()} == {"Storage"}
    assert attempt.blueprint == {}


@pytest.mark.django_db
def test_the_start_form_takes_the_blueprints_count_and_minutes(deck) -> None:
    user = make_user()
    home = logged_in(user).get("/exams/").text
    assert "Blueprint: 8 questions in 40 minutes; Collection 75%, Storage 25%" in home
    response = logged_in(user).post(
        "/exams/start/", {"deck": deck.slug, "mode": "exam", "pass_mark": 72}
    )
    attempt = ExamAttempt.objects.get(user=user)
    assert response.status_code == 302
    assert attempt.count == 8 and attempt.time_limit_s == 40 * 60


def sit(user, deck, seed: int, right: int, at: datetime) -> ExamAttempt:
    attempt = exams.start_attempt(user=user, deck=deck, now=at, count=8, seed=seed)
    for n, q in enumerate(attempt.questions.all()):
        choice = q.correct if n < right else [next(i for i in range(4) if i not in q.correct)]
        exams.answer_question(question=q, chosen=choice, now=at)
    exams.submit_attempt(attempt=attempt, now=at + timedelta(minutes=10))
    return attempt


@pytest.mark.django_db
def test_results_show_each_domain_against_its_weight_and_the_trend(deck) -> None:
    user = make_user()
    client = logged_in(user)
    first = sit(user, deck, 1, 3, NOW)
    page = client.get(f"/exams/{first.pk}/results/").text
    assert "By domain" in page and '<th class="num">Weight</th>' in page
    assert '<td class="num weight">75%</td>' in page and '<td class="num weight">25%</td>' in page
    assert "Your domains across attempts" not in page  # one attempt: nothing to compare yet

    second = sit(user, deck, 2, 8, NOW + timedelta(days=3))
    page = client.get(f"/exams/{second.pk}/results/").text
    assert "Your domains across attempts" in page
    assert 'id="domain-trend-title"' in page
    trend = exams.domain_trend(user=user, deck=deck, blueprint=second.blueprint)
    assert [a.pk for a in trend.attempts] == [first.pk, second.pk]
    assert list(trend.domains) == ["Collection", "Storage"]
    assert trend.domains["Collection"][1] == 1.0 and trend.domains["Storage"][1] == 1.0
    firsts = first.questions.all()
    right = Counter(q.domain_title for q in firsts if q.is_correct)
    assert trend.domains["Collection"][0] == right["Collection"] / 6
    # Another learner's attempts never show.
    assert exams.domain_trend(user=make_user("other"), deck=deck).attempts == []
