"""In a real Chromium: the optimizer's htmx-polled status, the workload chart loaded after the
settings page, and the exam results' filters, explanations and retake."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from quiz import exams
from quiz.models import ExamAttempt, StudyProfile
from tests.factory import make_exam_bank, make_user, store_review_log
from tests.reviewlog import generate_log
from tests.test_exams_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_optimize_in_the_background_and_watch_the_status(live_server, page: Page) -> None:
    user = make_user()
    store_review_log(user, generate_log())
    log_in(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/study/settings/")
    expect(page.locator("#fsrs-parameters")).to_contain_text("default parameters")
    page.click("#optimize-button")
    status = page.locator("#optimizer-status")
    # The request only queued the fit; the page polls while the worker is away.
    expect(status).to_contain_text("Waiting for the worker")
    expect(status).to_contain_text("manage.py db_worker")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    # The next poll shows the figures, without a reload.
    expect(status.locator(".optimizer-figures")).to_be_visible(timeout=10_000)
    expect(status).to_contain_text("now in use")
    before = float(status.locator(".before-log-loss").inner_text())
    after = float(status.locator(".after-log-loss").inner_text())
    assert after < before
    assert status.get_attribute("hx-trigger") is None  # the polling stopped
    page.reload()
    expect(page.locator("#fsrs-parameters")).to_contain_text("fitted to your own reviews")
    assert StudyProfile.objects.get(user=user).fsrs_parameters


def test_too_few_reviews_disables_the_button(live_server, page: Page) -> None:
    user = make_user()
    log_in(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/study/settings/")
    expect(page.locator("button:has-text('Optimize my parameters')")).to_be_disabled()
    expect(page.locator("#too-few")).to_contain_text("you have 0")


def test_the_workload_chart_loads_after_the_page(live_server, page: Page) -> None:
    user = make_user()
    make_exam_bank()
    StudyProfile.objects.create(user=user, desired_retention=0.9)
    log_in(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/study/settings/")
    charts = page.locator("#workload-charts")
    expect(charts.locator("svg")).to_have_count(4)
    expect(charts).to_contain_text("Your desired retention is 0.90")
    page.locator("#workload-charts summary").click()
    expect(page.locator(".workload-table tbody tr")).to_have_count(30)
    expect(page.locator(".workload-table tr.is-current")).to_contain_text("0.90 (yours)")


def test_results_filters_explanations_and_retake(live_server, page: Page) -> None:
    user = make_user()
    bank = make_exam_bank()
    now = timezone.now()
    attempt = exams.start_attempt(user=user, deck=bank.deck, now=now, count=6, seed=8)
    questions = list(attempt.questions.all())
    for q in questions[:3]:
        exams.answer_question(question=q, chosen=q.correct, now=now)
    wrong = questions[3]
    exams.answer_question(
        question=wrong, chosen=[next(i for i in range(4) if i not in wrong.correct)], now=now
    )
    exams.set_flag(question=questions[0], flagged=True, now=now)
    exams.submit_attempt(attempt=attempt, now=now + timedelta(minutes=3))

    log_in(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/exams/{attempt.pk}/results/")
    items = page.locator(".review-item")
    expect(items).to_have_count(6)
    page.click("a[data-filter=incorrect]")
    expect(items).to_have_count(1)
    expect(page).to_have_url(re.compile(r"\?show=incorrect$"))
    expect(page.locator("a[data-filter=incorrect]")).to_have_attribute("aria-current", "true")
    # Every option says why it is right or wrong; a distractor's says which card it is from.
    expect(items.first.locator(".why")).to_have_count(4)
    expect(items.first.locator(".is-right .why")).to_contain_text("Right")
    page.click("a[data-filter=unanswered]")
    expect(items).to_have_count(2)
    page.click("a[data-filter=flagged]")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("⚑ flagged")
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?show=unanswered$"))

    page.click("button:has-text('Retake the 4 missed or flagged questions')")
    expect(page).to_have_url(re.compile(r"/exams/\d+/q/1/$"))
    expect(page.locator(".exam-bar strong").first).to_have_text("Question 1 of 4")
    expect(page.locator(".timer")).to_have_count(0)  # practice: untimed
    retake = ExamAttempt.objects.get(retake_of=attempt)
    assert retake.mode == "practice" and retake.count == 4


def test_results_review_pages_through_questions(live_server, page: Page, monkeypatch) -> None:
    from quiz.views import exams as exam_views

    monkeypatch.setattr(exam_views, "REVIEW_PAGE", 4)
    user = make_user()
    bank = make_exam_bank()
    now = timezone.now()
    attempt = exams.start_attempt(user=user, deck=bank.deck, now=now, count=6, seed=8)
    exams.submit_attempt(attempt=attempt, now=now + timedelta(minutes=3))

    log_in(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/exams/{attempt.pk}/results/")
    items = page.locator(".review-item")
    expect(items).to_have_count(4)
    expect(page.locator(".review-pages")).to_contain_text("Page 1 of 2")
    page.click("a[rel=next]")
    expect(items).to_have_count(2)
    expect(items.first).to_have_attribute("value", "5")
    expect(page).to_have_url(re.compile(r"\?show=all&page=2$"))
    page.click("a[rel=prev]")
    expect(items).to_have_count(4)
    # Switching filter starts at its first page.
    page.click("a[data-filter=unanswered]")
    expect(items).to_have_count(4)
    expect(items.first).to_have_attribute("value", "1")
