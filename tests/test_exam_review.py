"""Exam review like an exam simulator: why each option is right or wrong (from the card each
came from), review filters, and retaking the missed and flagged questions."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from quiz import exams
from quiz.models import ExamAttempt, ExamQuestion
from tests.factory import make_exam_bank, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def logged_in(user) -> Client:
    client = Client()
    # force_login: the rate-limited log-in backend needs a request, which login() has not.
    client.force_login(user)
    return client


def wrong(q: ExamQuestion) -> list[int]:
    return [next(i for i in range(len(q.options)) if i not in q.correct)]


def sat(user, bank, **options) -> ExamAttempt:
    """A 10-question exam: 1–4 right, 5–7 wrong (6 also flagged), 8 flagged and right, 9–10
    unanswered; submitted."""
    attempt = exams.start_attempt(user=user, deck=bank.deck, now=NOW, count=10, seed=3, **options)
    qs = list(attempt.questions.all())
    for q in qs[:4] + qs[7:8]:
        exams.answer_question(question=q, chosen=q.correct, now=NOW)
    for q in qs[4:7]:
        exams.answer_question(question=q, chosen=wrong(q), now=NOW)
    for q in (qs[5], qs[7]):
        exams.set_flag(question=q, flagged=True, now=NOW)
    exams.submit_attempt(attempt=attempt, now=NOW + timedelta(minutes=5))
    return attempt


# --- explanations -------------------------------------------------------------------------


def test_every_option_is_explained_from_the_card_it_came_from() -> None:
    bank = make_exam_bank()
    attempt = exams.start_attempt(user=make_user(), deck=bank.deck, now=NOW, count=10, seed=5)
    cards = {c.pk: c for c in bank.cards}
    for q in attempt.questions.all():
        assert len(q.option_explanations) == len(q.options)
        rights = [i for i, e in enumerate(q.option_explanations) if e["right"]]
        assert rights == q.correct
        for i, why in enumerate(q.option_explanations):
            assert why["text"].strip()
            source = cards[why["card"]]
            assert why["topic"] == source.topic_id
            if why["right"]:
                assert why["card"] == q.card_id and why["text"].startswith("Right")
                continue
            assert why["card"] != q.card_id
            if q.kind == "definition":
                # "This describes “Sliding” (under Windows), not “Tumbling”."
                assert why["text"].startswith(f"This describes “{source.term}”")
                assert q.options[i] == source.answer_md
            elif q.kind == "term":
                assert why["title"] == source.term == q.options[i]
                assert source.answer_md in why["text"]
            elif q.kind == "answer":
                assert why["title"] == source.prompt_md
                assert why["text"].startswith("This answers another question in your notes")


def test_results_page_explains_each_wrong_option_with_a_link_to_its_notes() -> None:
    user, bank = make_user(), make_exam_bank()
    attempt = sat(user, bank)
    page = logged_in(user).get(f"/exams/{attempt.pk}/results/").text
    definition = next((q for q in attempt.questions.all() if q.kind == "definition"), None)
    assert definition is not None
    why = next(w for w in definition.option_explanations if not w["right"])
    link = f'<em><a href="/topics/{why["topic"]}/">{why["title"]}</a></em>'
    assert f"This describes {link}" in page
    assert page.count('class="why small"') == sum(len(q.options) for q in attempt.questions.all())


def test_make_exam_json_gives_one_explanation_per_option_in_option_order() -> None:
    bank = make_exam_bank()
    out = StringIO()
    call_command("make_exam", bank.deck.slug, "--count", "10", "--seed", "4", "--json", stdout=out)
    questions = json.loads(out.getvalue())["questions"]
    assert len(questions) == 10
    for q in questions:
        explanations = q["option_explanations"]
        assert len(explanations) == len(q["options"])
        assert all(isinstance(e, str) and e.strip() for e in explanations)
        for i, text in enumerate(explanations):
            assert text.startswith("Right") == (i in q["correct"])
    # The readable preview prints them under each option.
    text = StringIO()
    call_command("make_exam", bank.deck.slug, "--count", "3", "--seed", "4", stdout=text)
    assert "Right" in text.getvalue()


# --- review filters -----------------------------------------------------------------------


def positions(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li value="(\d+)" class="card-box review-item', html)]


def test_review_filters_show_all_incorrect_flagged_and_unanswered() -> None:
    user, bank = make_user(), make_exam_bank()
    attempt = sat(user, bank)
    client = logged_in(user)
    url = f"/exams/{attempt.pk}/results/"
    everything = client.get(url).text
    assert positions(everything) == list(range(1, 11))
    assert positions(client.get(url + "?show=incorrect").text) == [5, 6, 7]
    assert positions(client.get(url + "?show=flagged").text) == [6, 8]
    assert positions(client.get(url + "?show=unanswered").text) == [9, 10]
    assert positions(client.get(url + "?show=bogus").text) == list(range(1, 11))
    for label, count in (("All", 10), ("Incorrect", 3), ("Flagged", 2), ("Unanswered", 2)):
        assert re.search(rf'{label} <span class="count">{count}</span>', everything)
    # htmx swaps only the list.
    partial = client.get(url + "?show=flagged", HTTP_HX_REQUEST="true").text
    assert partial.lstrip().startswith('<div id="review-list">')
    assert "<html" not in partial and positions(partial) == [6, 8]


def test_a_long_review_is_paged_within_each_filter(monkeypatch) -> None:
    from quiz.views import exams as exam_views

    monkeypatch.setattr(exam_views, "REVIEW_PAGE", 4)
    user, bank = make_user(), make_exam_bank()
    attempt = sat(user, bank)
    client = logged_in(user)
    url = f"/exams/{attempt.pk}/results/"
    first = client.get(url).text
    assert positions(first) == [1, 2, 3, 4]
    assert "Questions 1–4 of 10." in first and "Page 1 of 3" in first
    assert 'rel="next" href="?show=all&amp;page=2#review"' in first and 'rel="prev"' not in first
    # The filters still count every question, not the page's.
    assert re.search(r'All <span class="count">10</span>', first)
    assert positions(client.get(url + "?show=all&page=2").text) == [5, 6, 7, 8]
    last = client.get(url + "?show=all&page=3").text
    assert positions(last) == [9, 10] and 'rel="next"' not in last and 'rel="prev"' in last
    # Out-of-range and unreadable pages fall back to the nearest real one.
    assert positions(client.get(url + "?show=all&page=99").text) == [9, 10]
    assert positions(client.get(url + "?show=all&page=x").text) == [1, 2, 3, 4]
    # A filter with fewer questions than a page has no pager.
    incorrect = client.get(url + "?show=incorrect&page=2").text
    assert positions(incorrect) == [5, 6, 7] and "Page 1" not in incorrect
    # htmx swaps the list alone, pager included.
    partial = client.get(url + "?show=all&page=2", HTTP_HX_REQUEST="true").text
    assert partial.lstrip().startswith('<div id="review-list">') and "Page 2 of 3" in partial


def test_an_empty_filter_says_so() -> None:
    user, bank = make_user(), make_exam_bank()
    attempt = exams.start_attempt(user=user, deck=bank.deck, now=NOW, count=3, seed=1)
    for q in attempt.questions.all():
        exams.answer_question(question=q, chosen=q.correct, now=NOW)
    exams.submit_attempt(attempt=attempt, now=NOW)
    page = logged_in(user).get(f"/exams/{attempt.pk}/results/?show=incorrect").text
    assert "No incorrect questions in this attempt." in page
    assert "Retake" not in page  # nothing missed, nothing flagged


# --- retake -------------------------------------------------------------------------------


def test_retake_practises_only_the_missed_and_flagged_questions() -> None:
    user, bank = make_user(), make_exam_bank()
    attempt = sat(user, bank)
    client = logged_in(user)
    assert (
        "Retake the 6 missed or flagged questions"
        in client.get(f"/exams/{attempt.pk}/results/").text
    )
    response = client.post(f"/exams/{attempt.pk}/retake/")
    retake = ExamAttempt.objects.exclude(pk=attempt.pk).get(user=user)
    assert response.status_code == 302 and response["Location"] == f"/exams/{retake.pk}/"
    assert retake.mode == "practice" and retake.deadline is None and retake.retake_of == attempt
    old = {q.position: q for q in attempt.questions.all()}
    asked = [old[p] for p in (5, 6, 7, 8, 9, 10)]
    new = list(retake.questions.all())
    assert [q.position for q in new] == list(range(1, 7))
    assert [(q.stem, q.options, q.correct, q.card_id) for q in new] == [
        (q.stem, q.options, q.correct, q.card_id) for q in asked
    ]
    assert all(q.chosen == [] and not q.flagged for q in new)
    assert new[0].option_explanations == asked[0].option_explanations
    # A double click lands on the same retake; htmx gets a redirect header.
    again = client.post(f"/exams/{attempt.pk}/retake/", HTTP_HX_REQUEST="true")
    assert again["HX-Redirect"] == f"/exams/{retake.pk}/"
    assert ExamAttempt.objects.filter(user=user).count() == 2


def test_retake_is_the_owners_and_only_after_submission() -> None:
    user, bank = make_user(), make_exam_bank()
    attempt = sat(user, bank)
    assert logged_in(make_user("mallory")).post(f"/exams/{attempt.pk}/retake/").status_code == 404
    open_attempt = exams.start_attempt(user=user, deck=bank.deck, now=NOW, count=3, seed=2)
    with pytest.raises(exams.RetakeError, match="Submit the attempt"):
        exams.start_retake(attempt=open_attempt, now=NOW)
    assert Client().post(f"/exams/{attempt.pk}/retake/").status_code == 302  # to log in
    assert ExamAttempt.objects.filter(retake_of__isnull=False).count() == 0


def test_practice_feedback_says_why_each_other_option_is_wrong_only_once_answered() -> None:
    user, bank = make_user(), make_exam_bank()
    attempt = exams.start_attempt(
        user=user, deck=bank.deck, now=NOW, count=3, seed=2, mode=ExamAttempt.Mode.PRACTICE
    )
    q = attempt.questions.get(position=1)
    client = logged_in(user)
    before = client.get(f"/exams/{attempt.pk}/q/1/").text
    assert "Why the others are wrong" not in before
    assert not any(w["text"][:30] in before for w in q.option_explanations if not w["right"])
    client.post(f"/exams/{attempt.pk}/q/1/answer/", {"choice": wrong(q), "go": "stay"})
    after = client.get(f"/exams/{attempt.pk}/q/1/").text
    assert "Why the others are wrong" in after
    assert after.count('<li><span class="letter">') == len(q.options) - len(q.correct)


def test_reviewed_options_are_escaped_and_marked() -> None:
    from quiz.models import ExamQuestion
    from quiz.views.exams import _options_html

    question = ExamQuestion(
        options=["<script>x</script>", "B & co"],
        correct=[1],
        chosen=[0],
        option_explanations=[
            {"lead": "This describes ", "title": "<b>t</b>", "detail": " <i>d</i>", "topic": 7},
            {"lead": "Right: ", "title": "", "detail": "yes", "topic": None},
        ],
    )
    html = _options_html(question, lambda topic: f"/topics/{topic}/" if topic else None)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert (
        '<li class="is-wrong"><span class="option-text">1. &lt;script&gt;x&lt;/script&gt;' in html
    )
    assert 'This describes <em><a href="/topics/7/">&lt;b&gt;t&lt;/b&gt;</a></em> &lt;i&gt;' in html
    assert '<li class="is-right"><span class="option-text">2. B &amp; co</span>' in html
    assert html.count('class="verdict"') == 2 and html.count('class="why small"') == 2
