"""Mock exams and practice: services, views, the make_exam command."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from quiz import exams, scheduling
from quiz.models import CardState, ExamAttempt, ExamQuestion, Review
from tests.factory import Bank, make_exam_bank, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def start(user, bank: Bank, **options) -> ExamAttempt:
    defaults = {"count": 5, "seed": 7, "now": NOW}
    return exams.start_attempt(user=user, deck=bank.deck, **{**defaults, **options})


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def wrong_choice(q: ExamQuestion) -> list[int]:
    return [next(i for i in range(len(q.options)) if i not in q.correct)]


# --- starting -----------------------------------------------------------------------------


def test_start_stores_seeded_questions_without_repeats() -> None:
    user, bank = make_user(), make_exam_bank()
    attempt = start(user, bank, count=8)
    questions = list(attempt.questions.all())
    assert [q.position for q in questions] == list(range(1, 9))
    assert len({q.card_id for q in questions}) == 8
    assert attempt.seed == 7 and attempt.count == 8
    assert attempt.deadline == NOW + timedelta(seconds=exams.default_time_limit_s(8))
    for q in questions:
        assert len(q.options) >= 4 and q.correct and q.explanation_html


def test_same_seed_same_exam() -> None:
    bank = make_exam_bank()
    a = start(make_user("a"), bank, seed=99)
    b = start(make_user("b"), bank, seed=99)

    def shape(attempt: ExamAttempt) -> list:
        return [(q.card_id, q.kind, q.options, q.correct) for q in attempt.questions.all()]

    assert shape(a) == shape(b)


def test_default_time_limit_scales_the_aws_specialty_exam() -> None:
    assert exams.default_time_limit_s(65) == 170 * 60
    assert exams.default_time_limit_s(5) == 14 * 60  # 13.1 minutes, rounded up
    attempt = start(make_user(), make_exam_bank(), time_limit_s=600)
    assert attempt.deadline == NOW + timedelta(minutes=10)


def test_too_many_questions_asked_is_a_clear_error() -> None:
    with pytest.raises(exams.ExamError, match="Only 10 question"):
        start(make_user(), make_exam_bank(), count=11)


def test_topics_limit_the_questions_to_their_subtrees() -> None:
    bank = make_exam_bank()
    attempt = start(make_user(), bank, count=4, topic_ids=[bank.streaming.pk])
    titles = {q.domain_title for q in attempt.questions.all()}
    assert titles == {"Streaming"}


def test_practice_is_untimed() -> None:
    attempt = start(make_user(), make_exam_bank(), mode=ExamAttempt.Mode.PRACTICE)
    assert attempt.deadline is None and attempt.time_limit_s is None
    assert not attempt.is_overdue(NOW + timedelta(days=30))


# --- timer, answers, scoring --------------------------------------------------------------


def test_answer_before_the_deadline_counts_and_after_it_does_not() -> None:
    attempt = start(make_user(), make_exam_bank())
    first, second = attempt.questions.all()[:2]
    ok = exams.answer_question(question=first, chosen=first.correct, now=NOW + timedelta(minutes=1))
    assert ok.saved

    late = attempt.deadline + timedelta(seconds=1)
    outcome = exams.answer_question(question=second, chosen=second.correct, now=late)
    assert (outcome.saved, outcome.reason) == (False, "late")
    second.refresh_from_db()
    attempt.refresh_from_db()
    assert second.chosen == [] and second.is_correct is None
    assert attempt.is_submitted and attempt.auto_submitted
    assert attempt.correct_count == 1 and attempt.score == pytest.approx(1 / 5)


def test_exam_answers_can_change_until_submitted() -> None:
    attempt = start(make_user(), make_exam_bank())
    q = attempt.questions.first()
    exams.answer_question(question=q, chosen=wrong_choice(q), now=NOW)
    exams.answer_question(question=q, chosen=q.correct, now=NOW + timedelta(seconds=5))
    q.refresh_from_db()
    assert q.is_correct
    exams.submit_attempt(attempt=attempt, now=NOW + timedelta(minutes=2))
    after = exams.answer_question(question=q, chosen=wrong_choice(q), now=NOW)
    assert after.reason == "closed"


def test_practice_answers_are_final() -> None:
    attempt = start(make_user(), make_exam_bank(), mode=ExamAttempt.Mode.PRACTICE)
    q = attempt.questions.first()
    assert exams.answer_question(question=q, chosen=wrong_choice(q), now=NOW).saved
    assert exams.answer_question(question=q, chosen=q.correct, now=NOW).reason == "locked"


def test_invalid_choices_are_refused() -> None:
    attempt = start(make_user(), make_exam_bank())
    q = attempt.questions.first()
    assert exams.answer_question(question=q, chosen=[], now=NOW).reason == "invalid"
    assert exams.answer_question(question=q, chosen=[99], now=NOW).reason == "invalid"
    assert exams.answer_question(question=q, chosen=[0, 1], now=NOW).reason == "invalid"


def test_score_pass_mark_and_time_used() -> None:
    attempt = start(make_user(), make_exam_bank(), pass_mark=0.6)
    questions = list(attempt.questions.all())
    for q in questions[:3]:
        exams.answer_question(question=q, chosen=q.correct, now=NOW)
    exams.answer_question(question=questions[3], chosen=wrong_choice(questions[3]), now=NOW)
    exams.submit_attempt(attempt=attempt, now=NOW + timedelta(minutes=4))
    assert attempt.correct_count == 3 and attempt.score == pytest.approx(0.6)
    assert attempt.passed is True
    assert attempt.time_used_s == 240
    # Submitting twice changes nothing.
    exams.submit_attempt(attempt=attempt, now=NOW + timedelta(minutes=9))
    attempt.refresh_from_db()
    assert attempt.submitted_at == NOW + timedelta(minutes=4)


def test_breakdown_groups_by_top_level_topic_under_the_title_heading() -> None:
    attempt = start(make_user(), make_exam_bank(), count=10)
    questions = list(attempt.questions.all())
    for q in questions:
        if q.domain_title == "Storage":
            exams.answer_question(question=q, chosen=q.correct, now=NOW)
    exams.submit_attempt(attempt=attempt, now=NOW)
    rows = {row.title: (row.correct, row.total) for row in exams.breakdown(questions)}
    assert rows == {"Storage": (5, 5), "Streaming": (0, 5)}


def test_flags() -> None:
    attempt = start(make_user(), make_exam_bank())
    q = attempt.questions.first()
    assert exams.set_flag(question=q, flagged=True, now=NOW)
    assert exams.counts(list(attempt.questions.all())).flagged == 1


# --- closing the loop with study ----------------------------------------------------------


def test_missed_exam_questions_are_lapses_for_their_cards() -> None:
    user, bank = make_user(), make_exam_bank()
    attempt = start(user, bank)
    right, wrong, *unanswered = list(attempt.questions.select_related("card"))
    # The wrongly answered card was a learnt card in review.
    CardState.objects.create(
        user=user,
        card=wrong.card,
        deck=bank.deck,
        state=scheduling.REVIEW,
        stability=20.0,
        difficulty=5.0,
        due=NOW + timedelta(days=10),
        last_review=NOW - timedelta(days=10),
        reps=4,
    )
    exams.answer_question(question=right, chosen=right.correct, now=NOW)
    exams.answer_question(question=wrong, chosen=wrong_choice(wrong), now=NOW)
    at = NOW + timedelta(minutes=3)
    exams.submit_attempt(attempt=attempt, now=at)

    reviews = Review.objects.filter(user=user, source="exam")
    missed = {wrong.card_id, *(q.card_id for q in unanswered)}
    assert set(reviews.values_list("card_id", flat=True)) == missed
    assert all(r.rating == Review.Rating.AGAIN and r.reviewed_at == at for r in reviews)
    state = CardState.objects.get(user=user, card=wrong.card)
    assert state.lapses == 1 and state.reps == 5 and state.state == scheduling.RELEARNING
    assert state.due < NOW + timedelta(days=1)
    assert not CardState.objects.filter(user=user, card=right.card).exists()


def test_practice_does_not_touch_the_schedule() -> None:
    user = make_user()
    attempt = start(user, make_exam_bank(), mode=ExamAttempt.Mode.PRACTICE)
    exams.submit_attempt(attempt=attempt, now=NOW)
    assert not Review.objects.filter(user=user).exists()


def test_readiness_is_mean_retrievability_with_unstudied_cards_at_zero() -> None:
    user, bank = make_user(), make_exam_bank()
    studied = bank.cards[0]
    CardState.objects.create(
        user=user,
        card=studied,
        deck=bank.deck,
        state=scheduling.REVIEW,
        stability=30.0,
        difficulty=5.0,
        due=NOW + timedelta(days=30),
        last_review=NOW,
    )
    ids = [c.pk for c in bank.cards[:4]]
    readiness = exams.exam_readiness(user=user, card_ids=ids, now=NOW)
    assert readiness == pytest.approx(0.25)  # 1.0 for the card just reviewed, 0 for three
    attempt = start(user, bank, count=10)
    assert attempt.predicted_score == pytest.approx(0.1)


def test_stored_readiness_matches_fsrs_and_follows_answers_edits_and_time() -> None:
    from quiz import editing, study
    from quiz.models import Card, Deck, ExamReadiness
    from quiz.questions import QuestionMaker

    user, bank = make_user(), make_exam_bank()
    deck = Deck.objects.get(pk=bank.deck.pk)
    # The stored flags are what the generator says, worked out on first use.
    cards, topics, _ = exams.load_bank(deck)
    expected = {c.id for c, _kinds in QuestionMaker(cards, topics).eligible()}
    readiness, eligible = exams.readiness_by_deck(user=user, now=NOW)[deck.pk]
    assert set(Card.objects.filter(exam_eligible=True).values_list("pk", flat=True)) == expected
    assert (readiness, eligible) == (0.0, len(expected))
    # Studied cards at various ages: SQL's sum equals fsrs's own retrievability, card by card.
    for i, card in enumerate(bank.cards[:5]):
        CardState.objects.create(
            user=user, card=card, deck=card.deck, state=scheduling.REVIEW, stability=3.0 + i * 7,
            difficulty=5.0, due=NOW, last_review=NOW - timedelta(days=4 * i, hours=5),
        )  # fmt: skip
    later = NOW + timedelta(hours=2)  # past READINESS_MAX_AGE: recomputed
    readiness, _ = exams.readiness_by_deck(user=user, now=later)[deck.pk]
    ids = [c.pk for c in Card.objects.filter(exam_eligible=True)]
    assert readiness == pytest.approx(exams.exam_readiness(user=user, card_ids=ids, now=later))
    assert readiness > 0
    # Stored: a second look within the hour reads the row, even if the states change behind it.
    CardState.objects.filter(user=user).update(stability=1000.0)
    assert exams.readiness_by_deck(user=user, now=later + timedelta(minutes=5))[deck.pk][0] == (
        pytest.approx(readiness)
    )
    # An answer in the deck makes the figure stale at once.
    state = CardState.objects.get(user=user, card=bank.cards[0])
    study.answer_card(
        user=user, card=bank.cards[0], rating=scheduling.GOOD, version=state.version,
        now=later + timedelta(minutes=6),
    )  # fmt: skip
    again = exams.readiness_by_deck(user=user, now=later + timedelta(minutes=7))[deck.pk][0]
    assert again != pytest.approx(readiness)
    assert ExamReadiness.objects.get(user=user, deck=deck).readiness == pytest.approx(again)
    # Retiring cards changes the bank: eligibility is worked out again.
    editing.set_cards_status(cards=Card.objects.filter(pk=bank.cards[1].pk), status="retired")
    assert Deck.objects.get(pk=deck.pk).exam_bank_at is None
    _, eligible = exams.readiness_by_deck(user=user, now=later + timedelta(minutes=8))[deck.pk]
    cards, topics, _ = exams.load_bank(deck)
    assert eligible == len(QuestionMaker(cards, topics).eligible()) < len(expected)
    assert not Card.objects.get(pk=bank.cards[1].pk).exam_eligible


# --- views --------------------------------------------------------------------------------

HIDDEN_MARKERS = ("is-right", "is-wrong", "data-correct", "✓", "✗", "Not quite", '"correct"')


def test_start_view_and_resume_the_same_attempt() -> None:
    user = make_user()
    bank = make_exam_bank()
    client = logged_in(user)
    assert client.get("/exams/").status_code == 200
    response = client.post(
        "/exams/start/", {"deck": bank.deck.slug, "count": 5, "mode": "exam", "pass_mark": 72}
    )
    attempt = ExamAttempt.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == f"/exams/{attempt.pk}/"
    assert attempt.count == 5 and attempt.time_limit_s == 14 * 60
    assert client.get(f"/exams/{attempt.pk}/")["Location"] == f"/exams/{attempt.pk}/q/1/"
    client.get(f"/exams/{attempt.pk}/q/3/")
    # A reload, a second tab, or a second click on Start: the same attempt, where it was.
    other_tab = logged_in(user)
    assert other_tab.get(f"/exams/{attempt.pk}/")["Location"] == f"/exams/{attempt.pk}/q/3/"
    again = client.post(
        "/exams/start/", {"deck": bank.deck.slug, "count": 5, "mode": "exam", "pass_mark": 72}
    )
    assert again["Location"] == f"/exams/{attempt.pk}/"
    assert ExamAttempt.objects.filter(user=user).count() == 1


def test_start_view_with_topics_takes_their_deck_and_counts_what_they_hold() -> None:
    user, bank = make_user(), make_exam_bank()
    response = logged_in(user).post(
        "/exams/start/", {"topics": [bank.streaming.pk], "mode": "practice", "pass_mark": 80}
    )
    attempt = ExamAttempt.objects.get(user=user)
    assert response.status_code == 302
    assert attempt.deck == bank.deck and attempt.topic_ids == [bank.streaming.pk]
    assert attempt.count == 5 and attempt.pass_mark == pytest.approx(0.8)
    assert attempt.deadline is None


def test_start_view_reports_too_few_questions() -> None:
    user = make_user()
    bank = make_exam_bank()
    response = logged_in(user).post(
        "/exams/start/", {"deck": bank.deck.slug, "count": 50, "mode": "exam", "pass_mark": 72}
    )
    assert response.status_code == 400
    assert "Only 10 question(s)" in response.content.decode()


def test_the_correct_answer_never_reaches_the_page_before_submission() -> None:
    user = make_user()
    attempt = start(user, make_exam_bank(), now=timezone.now())
    client = logged_in(user)
    bodies = []
    for q in attempt.questions.all():
        url = f"/exams/{attempt.pk}/q/{q.position}/"
        bodies.append(client.get(url).content.decode())
        bodies.append(client.get(url, headers={"HX-Request": "true"}).content.decode())
        answer_url = f"{url}answer/"
        bodies.append(
            client.post(
                answer_url, {"choice": q.correct, "go": "stay"}, headers={"HX-Request": "true"}
            ).content.decode()
        )
        bodies.append(
            client.post(
                answer_url, {"choice": q.correct, "flag": "on"}, follow=True
            ).content.decode()
        )
    bodies.append(client.get(f"/exams/{attempt.pk}/review/").content.decode())
    for body in bodies:
        for marker in HIDDEN_MARKERS:
            assert marker not in body, marker
    # The chosen (right) options are marked as chosen, nothing more.
    assert "checked" in bodies[2]

    client.post(f"/exams/{attempt.pk}/submit/")
    results = client.get(f"/exams/{attempt.pk}/results/").content.decode()
    assert "is-right" in results and "right answer" in results


def test_question_page_does_not_depend_on_the_correct_answer() -> None:
    """The strongest check: move the right answer and the page stays byte for byte the same.

    The clock stands still while the pages are rendered: the page shows the time left, so pages
    rendered a second apart would differ for a reason that is not the answer."""
    user = make_user()
    attempt = start(user, make_exam_bank(), now=timezone.now())
    client = logged_in(user)
    q = attempt.questions.first()
    exams.answer_question(question=q, chosen=[0], now=timezone.now())
    pages = []
    frozen = timezone.now()
    with mock.patch.object(timezone, "now", return_value=frozen):
        for correct in ([0], [1], [len(q.options) - 1]):
            ExamQuestion.objects.filter(pk=q.pk).update(correct=correct, is_correct=correct == [0])
            for headers in ({}, {"HX-Request": "true"}):
                body = client.get(f"/exams/{attempt.pk}/q/1/", headers=headers).content.decode()
                pages.append(
                    re.sub(r'(csrfmiddlewaretoken" value=|x-csrftoken": )"[^"]*"', "", body)
                )
    assert 'data-seconds-left="' in pages[0]  # the clock is on the page being compared
    assert pages[0] == pages[2] == pages[4]
    assert pages[1] == pages[3] == pages[5]


def test_practice_shows_feedback_only_after_answering() -> None:
    user = make_user()
    attempt = start(user, make_exam_bank(), mode=ExamAttempt.Mode.PRACTICE, now=timezone.now())
    client = logged_in(user)
    q = attempt.questions.first()
    url = f"/exams/{attempt.pk}/q/1/"
    before = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert not any(marker in before for marker in HIDDEN_MARKERS)
    after = client.post(
        f"{url}answer/", {"choice": wrong_choice(q), "go": "stay"}, headers={"HX-Request": "true"}
    )
    body = after.content.decode()
    assert after.status_code == 200 and after["HX-Push-Url"] == url
    assert "is-right" in body and "is-wrong" in body and "Not quite." in body
    assert f"/topics/{q.topic_id}/" in body
    assert "<html" not in body  # only the partial
    # Question 2 is still hidden.
    second = client.get(f"/exams/{attempt.pk}/q/2/").content.decode()
    assert not any(marker in second for marker in HIDDEN_MARKERS)


def test_htmx_navigation_saves_and_moves() -> None:
    user = make_user()
    attempt = start(user, make_exam_bank(), now=timezone.now())
    client = logged_in(user)
    q = attempt.questions.first()
    response = client.post(
        f"/exams/{attempt.pk}/q/1/answer/",
        {"choice": q.correct, "go": "next"},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Push-Url"] == f"/exams/{attempt.pk}/q/2/"
    assert "Question 2 of 5" in response.content.decode()
    assert "1 answered" in response.content.decode()
    q.refresh_from_db()
    assert q.chosen == q.correct


def test_overdue_attempt_is_auto_submitted_when_next_touched() -> None:
    user = make_user()
    two_hours_ago = timezone.now() - timedelta(hours=2)
    attempt = start(user, make_exam_bank(), now=two_hours_ago, time_limit_s=60)
    client = logged_in(user)
    q = attempt.questions.first()
    response = client.post(f"/exams/{attempt.pk}/q/1/answer/", {"choice": q.correct, "go": "next"})
    assert response["Location"] == f"/exams/{attempt.pk}/results/"
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.auto_submitted and attempt.correct_count == 0
    assert client.get(f"/exams/{attempt.pk}/q/1/")["Location"] == f"/exams/{attempt.pk}/results/"
    assert "Time is up" in client.get(f"/exams/{attempt.pk}/results/").content.decode()


def test_overdue_attempt_found_by_a_get_says_time_is_up() -> None:
    user = make_user()
    two_hours_ago = timezone.now() - timedelta(hours=2)
    attempt = start(user, make_exam_bank(), now=two_hours_ago, time_limit_s=60)
    response = logged_in(user).get(f"/exams/{attempt.pk}/q/2/", follow=True)
    assert response.redirect_chain[-1][0] == f"/exams/{attempt.pk}/results/"
    assert "Time is up" in response.content.decode()


def test_results_page_shows_score_breakdown_review_and_prediction() -> None:
    user = make_user()
    attempt = start(user, make_exam_bank(), count=10, now=timezone.now())
    for q in attempt.questions.all():
        exams.answer_question(question=q, chosen=q.correct, now=timezone.now())
    exams.submit_attempt(attempt=attempt, now=timezone.now())
    body = logged_in(user).get(f"/exams/{attempt.pk}/results/").content.decode()
    assert "100%" in body and "Pass" in body
    assert "Streaming" in body and "Storage" in body
    assert "Predicted before (FSRS)" in body
    assert len(re.findall(r'class="card-box review-item', body)) == 10
    home = logged_in(user).get("/exams/").content.decode()
    assert "<polyline" in home and f"/exams/{attempt.pk}/results/" in home


def test_home_lists_the_chosen_decks_topics_and_fetches_another_decks() -> None:
    from tests.factory import make_deck, make_topic

    user, bank = make_user(), make_exam_bank()
    other = make_deck("Zoology")
    lions = make_topic(other, "Lions")
    client = logged_in(user)
    home = client.get("/exams/").content.decode()
    # The first deck (by title) is chosen: its topics only.
    assert f'value="{bank.streaming.pk}"' in home and f'value="{lions.pk}"' not in home
    assert 'hx-get="/exams/"' in home and f'href="?deck={other.slug}"' in home
    part = client.get(f"/exams/?deck={other.slug}", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and 'id="topic-pick"' in part
    assert f'value="{lions.pk}"' in part and f'value="{bank.streaming.pk}"' not in part
    # Without JavaScript the same list comes as the whole page, that deck selected.
    full = client.get(f"/exams/?deck={other.slug}").content.decode()
    assert f'value="{lions.pk}"' in full and f'<option value="{other.slug}" selected>' in full


def test_other_users_attempts_are_404() -> None:
    owner, intruder = make_user("owner"), make_user("intruder")
    attempt = start(owner, make_exam_bank(), now=timezone.now())
    client = logged_in(intruder)
    base = f"/exams/{attempt.pk}"
    for url in (f"{base}/", f"{base}/q/1/", f"{base}/review/", f"{base}/results/"):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/q/1/answer/", f"{base}/submit/"):
        assert client.post(url, {"choice": [0]}).status_code == 404, url
    attempt.refresh_from_db()
    assert not attempt.is_submitted
    assert not attempt.questions.exclude(chosen=[]).exists()


def test_posts_need_the_csrf_token() -> None:
    user = make_user()
    attempt = start(user, make_exam_bank(), now=timezone.now())
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(f"/exams/{attempt.pk}/submit/").status_code == 403
    assert client.post(f"/exams/{attempt.pk}/q/1/answer/", {"choice": [0]}).status_code == 403


def test_admin_shows_attempts_read_only() -> None:
    staff = make_user("staff", is_staff=True, is_superuser=True)
    attempt = start(make_user(), make_exam_bank(), now=timezone.now())
    client = logged_in(staff)
    assert client.get("/admin/quiz/examattempt/").status_code == 200
    assert client.get(f"/admin/quiz/examattempt/{attempt.pk}/change/").status_code == 200


def test_login_required() -> None:
    assert Client().get("/exams/")["Location"].startswith("/accounts/login/")


def test_question_page_query_count(django_assert_max_num_queries) -> None:
    user = make_user()
    attempt = start(user, make_exam_bank(), count=10, now=timezone.now())
    client = logged_in(user)
    with django_assert_max_num_queries(8):
        client.get(f"/exams/{attempt.pk}/q/4/")


# --- make_exam ----------------------------------------------------------------------------


def run_make_exam(*args: str) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("make_exam", *args, stdout=out)
    return json.loads(out.getvalue())


def test_make_exam_prints_json_and_same_seed_same_exam() -> None:
    bank = make_exam_bank()
    data = run_make_exam(bank.deck.slug, "--count", "6", "--seed", "3", "--json")
    assert len(data["questions"]) == 6
    first = data["questions"][0]
    assert set(first) >= {"card", "topic", "kind", "stem", "options", "correct", "explanation"}
    assert all(0 <= i < len(first["options"]) for i in first["correct"])
    by_path = run_make_exam(bank.deck.source_path, "--count", "6", "--seed", "3", "--json")
    assert by_path["questions"] == data["questions"]
    other = run_make_exam(bank.deck.slug, "--count", "6", "--seed", "4", "--json")
    assert other["questions"] != data["questions"]


def test_make_exam_errors_are_one_line() -> None:
    bank = make_exam_bank()
    with pytest.raises(CommandError, match="No deck has the slug or notes path 'nope'"):
        call_command("make_exam", "nope", "--json")
    with pytest.raises(CommandError, match="Only 10 question"):
        call_command("make_exam", bank.deck.slug, "--count", "30", "--json")


def test_make_exam_reads_the_database_a_few_times(django_assert_max_num_queries) -> None:
    from io import StringIO

    bank = make_exam_bank()
    with django_assert_max_num_queries(5):
        call_command("make_exam", bank.deck.slug, "--count", "5", "--seed", "1", stdout=StringIO())


def test_make_exam_prints_a_readable_preview_without_json() -> None:
    from io import StringIO

    bank = make_exam_bank()
    out = StringIO()
    call_command("make_exam", bank.deck.slug, "--count", "3", "--seed", "2", stdout=out)
    text = out.getvalue()
    assert text.count("→ My notes › ") == 3
    assert text.strip().endswith(f"3 question(s) from {bank.deck.slug}, seed 2")
    assert not ExamAttempt.objects.exists()  # writes nothing


def test_simulation_exercises_are_exam_questions_with_rendered_tables(
    client, media_root, settings
) -> None:
    from quiz.exercise_cards import make_exercise_cards
    from quiz.importing import import_notes
    from quiz.models import Deck, ExamQuestion

    assert import_notes(paths=[settings.CONTENT_DIR / "01-kinesis-analytics-windows.md"]).ok
    assert make_exercise_cards(count=2, seed=4).created
    deck = Deck.objects.get()
    user = make_user("examiner")
    available = exams.available_questions(deck=deck)
    attempt = exams.start_attempt(
        user=user, deck=deck, now=NOW, mode=ExamAttempt.Mode.PRACTICE, count=available, seed=5
    )

    exercise = ExamQuestion.objects.filter(attempt=attempt, kind="exercise").first()
    assert exercise is not None
    card = exercise.card
    right = card.items[card.sim["correct_index"]]
    assert [exercise.options[i] for i in exercise.correct] == [right]

    client.force_login(user)
    page = client.get(f"/exams/{attempt.pk}/q/{exercise.position}/").content.decode()
    assert "<table>" in page and "ROWTIME" in page  # the rows are a table, not Markdown pipes
    assert "|---|" not in page


def test_exam_choice_is_saved_as_it_is_made(client: Client) -> None:
    bank = make_exam_bank()
    user = make_user("saver")
    attempt = exams.start_attempt(user=user, deck=bank.deck, now=timezone.now(), count=5, seed=3)
    client.force_login(user)
    page = client.get(f"/exams/{attempt.pk}/q/1/").content.decode()
    assert 'hx-trigger="change"' in page and '"go": "save"' in page

    response = client.post(
        f"/exams/{attempt.pk}/q/1/answer/", {"choice": "2", "go": "save"}, HTTP_HX_REQUEST="true"
    )

    # Saved, and only the progress counts come back (swapped in out of band).
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="exam-counts"' in html and 'hx-swap-oob="true"' in html
    assert "1 answered" in html and "4 unanswered" in html and "<form" not in html
    assert ExamQuestion.objects.get(attempt=attempt, position=1).chosen == [2]


def test_exam_partials_vary_on_hx_request_and_htmx_is_redirected_by_header(client: Client) -> None:
    bank = make_exam_bank()
    user = make_user("varied")
    attempt = exams.start_attempt(user=user, deck=bank.deck, now=timezone.now(), count=5, seed=3)
    client.force_login(user)
    page = client.get(f"/exams/{attempt.pk}/q/1/")
    partial = client.get(f"/exams/{attempt.pk}/q/1/", HTTP_HX_REQUEST="true")
    assert "HX-Request" in page["Vary"] and "HX-Request" in partial["Vary"]
    assert b"<html" in page.content and b"<html" not in partial.content

    response = client.post(
        f"/exams/{attempt.pk}/q/1/answer/", {"go": "review"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == f"/exams/{attempt.pk}/review/"
    assert response.status_code == 200  # htmx follows the header, not a 3xx it would swap in


def test_home_submits_an_overdue_attempt_and_lists_it_as_finished() -> None:
    user = make_user()
    two_hours_ago = timezone.now() - timedelta(hours=2)
    attempt = start(user, make_exam_bank(), now=two_hours_ago, time_limit_s=60)
    home = logged_in(user).get("/exams/").content.decode()
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.auto_submitted
    assert "In progress" not in home
    assert f'<a href="/exams/{attempt.pk}/results/">' in home
    assert '<span class="badge fail">Fail</span>' in home


def test_home_escapes_deck_and_topic_titles_in_the_rows_it_builds() -> None:
    from tests.factory import make_deck, make_topic

    user = make_user()
    deck = make_deck("<b>Risky</b> & co")
    make_topic(deck, "<i>Topic</i>")
    deck.exam_blueprint = {"questions": 10, "minutes": 20, "domains": [["<s>Dom</s>", 1]]}
    deck.save()
    attempt = start(user, make_exam_bank(), now=timezone.now())
    exams.submit_attempt(attempt=attempt, now=timezone.now())
    home = logged_in(user).get(f"/exams/?deck={deck.slug}").content.decode()
    assert "<b>Risky</b>" not in home and "<i>Topic</i>" not in home and "<s>Dom</s>" not in home
    assert f'<option value="{deck.slug}" selected>&lt;b&gt;Risky&lt;/b&gt; &amp; co (' in home
    assert "&lt;i&gt;Topic&lt;/i&gt;</label>" in home
    assert "Blueprint: 10 questions in 20 minutes; &lt;s&gt;Dom&lt;/s&gt; 100%" in home
    assert "<td>AWS Big Data</td>" in home and "<td>Mock exam</td>" in home


def test_home_shows_the_latest_history_and_exams_trend_of_a_long_history() -> None:
    """The page shows the open attempts, the 50 latest finished ones and the latest exams'
    trend, also when the history is longer than the table (the page reads the latest 500)."""
    user = make_user()
    deck = make_exam_bank().deck
    start_at = timezone.now() - timedelta(days=100)

    def attempt(n: int, **fields) -> ExamAttempt:
        at = start_at + timedelta(hours=n)
        return ExamAttempt.objects.create(
            user=user, deck=deck, seed=n, count=10, started_at=at, **fields
        )

    exams_done = [
        attempt(n, mode=ExamAttempt.Mode.EXAM, submitted_at=start_at, score=n / 100)
        for n in range(1, 19)
    ]
    practice = [
        attempt(n, mode=ExamAttempt.Mode.PRACTICE, submitted_at=start_at, score=0.5)
        for n in range(19, 74)
    ]
    still_open = attempt(80, mode=ExamAttempt.Mode.PRACTICE)

    response = logged_in(user).get("/exams/")

    html = response.content.decode()
    listed = [int(pk) for pk in re.findall(r'<a href="/exams/(\d+)/results/">', html)]
    assert listed == [a.pk for a in reversed(practice)][:50]
    assert response.context["sparkline"]["scores"] == [a.score for a in exams_done]
    assert [a.pk for a in response.context["open_attempts"]] == [still_open.pk]


def test_home_lists_open_and_finished_attempts_escaped_and_without_a_deck() -> None:
    """The rows the view builds from plain rows: a deck title escaped, an attempt whose deck
    was deleted without " on …" (open) or with "–" (finished), pass when the score reaches
    the pass mark."""
    from tests.factory import make_deck

    user = make_user()
    deck = make_deck("<b>Risky</b> & co")
    now = timezone.now()
    on_deck = ExamAttempt.objects.create(
        user=user, deck=deck, seed=1, count=1, started_at=now, mode=ExamAttempt.Mode.EXAM
    )
    no_deck = ExamAttempt.objects.create(
        user=user, deck=None, seed=2, count=3, started_at=now, mode=ExamAttempt.Mode.PRACTICE
    )
    finished = ExamAttempt.objects.create(
        user=user, deck=None, seed=3, count=3, started_at=now - timedelta(days=1),
        mode=ExamAttempt.Mode.PRACTICE, submitted_at=now, score=0.5, pass_mark=0.5,
    )  # fmt: skip

    html = logged_in(user).get("/exams/").content.decode()

    assert "<b>Risky</b>" not in html
    assert (
        f'<li><a href="/exams/{on_deck.pk}/">Resume mock exam on &lt;b&gt;Risky&lt;/b&gt; &amp;'
        ' co</a>\n      <span class="muted small">· 1 question · started 0\xa0minutes ago'
    ) in html
    assert f'<li><a href="/exams/{no_deck.pk}/">Resume practice</a>' in html
    assert "· 3 questions ·" in html
    assert (
        f'<a href="/exams/{finished.pk}/results/">'
        f"{timezone.localtime(finished.started_at):%Y-%m-%d %H:%M}</a></td><td>Practice</td>"
        '<td>–</td><td class="num">50%</td><td class="num">–</td>'
        '<td><span class="badge pass">Pass</span></td>'
    ) in html


def test_home_queries_do_not_grow_with_decks_or_attempts() -> None:
    """The page reads every deck and the latest attempts in a query each (plus the stored
    readiness and the answers since), so more decks and attempts cost no more queries once
    their figures are stored; a deck whose bank is unknown gets its eligibility first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quiz.models import Deck
    from tests.factory import make_deck, make_topic

    user, bank = make_user(), make_exam_bank()
    client = logged_in(user)
    assert Deck.objects.get(pk=bank.deck.pk).exam_bank_at is None
    first = client.get("/exams/").content.decode()
    assert Deck.objects.get(pk=bank.deck.pk).exam_bank_at is not None
    eligible = exams.readiness_by_deck(user=user, now=timezone.now())[bank.deck.pk][1]
    assert f"{bank.deck.title} ({eligible} questions)</option>" in first

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/exams/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(6):
        make_topic(make_deck(f"Deck {n}"), f"Topic {n}")
    now = timezone.now()
    for n in range(12):
        ExamAttempt.objects.create(
            user=user, deck=bank.deck, seed=n, count=5, started_at=now - timedelta(hours=n),
            mode=ExamAttempt.Mode.EXAM, submitted_at=None if n < 2 else now, score=0.8,
        )  # fmt: skip
    client.get("/exams/")  # the new decks' eligibility and readiness, worked out and stored
    assert queries() == few <= 7


def test_starting_on_another_deck_while_one_is_open_asks_before_anything_is_lost(
    client: Client,
) -> None:
    bank = make_exam_bank()
    other = make_exam_bank()  # a second deck of its own
    user = make_user("switcher")
    client.force_login(user)
    start = {"mode": "practice", "count": "3", "pass_mark": "72"}
    client.post("/exams/start/", {**start, "deck": bank.deck.slug})
    first = ExamAttempt.objects.get(user=user)
    # The same deck again (a double click, a second tab): back to the open one.
    response = client.post("/exams/start/", {**start, "deck": bank.deck.slug})
    assert response.status_code == 302 and ExamAttempt.objects.filter(user=user).count() == 1
    # Another deck: a choice, and nothing changed yet.
    response = client.post("/exams/start/", {**start, "deck": other.deck.slug})
    html = response.content.decode()
    assert response.status_code == 200 and "You have a practice in progress" in html
    assert 'name="replace" value="1"' in html and f'value="{other.deck.slug}"' in html
    assert ExamAttempt.objects.filter(user=user).count() == 1
    # Chosen: the open one is submitted as it stands, the new one starts.
    response = client.post("/exams/start/", {**start, "deck": other.deck.slug, "replace": "1"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.is_submitted
    new = ExamAttempt.objects.get(user=user, submitted_at__isnull=True)
    assert new.deck == other.deck
