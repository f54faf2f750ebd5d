"""Taking exams in a real Chromium: mouse, keyboard shortcuts, htmx swaps, the timer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from quiz.models import ExamAttempt
from tests.factory import PASSWORD, make_exam_bank, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_take_a_five_question_timed_exam_with_mouse_and_keyboard(live_server, page: Page) -> None:
    user = make_user()
    make_exam_bank()
    log_in(page, live_server.url, user.username)

    page.goto(f"{live_server.url}/exams/")
    page.fill("input[name=count]", "5")
    page.click("button:has-text('Start')")
    expect(page).to_have_url(re.compile(r"/exams/\d+/q/1/$"))
    timer = page.locator(".timer .clock")
    expect(timer).to_have_text(re.compile(r"^1[34]:\d\d$"))  # 14 minutes for 5 questions

    # 1: the mouse, scrolled down to the buttons as on a long question (room below the page
    # keeps the browser from resetting the scroll): the next question starts at its top, and
    # the time left stays in sight while scrolled.
    page.evaluate("document.body.style.paddingBottom = '4000px'")
    page.evaluate("document.querySelector('#qform .question').style.paddingBottom = '3000px'")
    page.locator(".option").nth(0).click()
    # The choice is saved as it is made, and the progress counts follow it at once.
    expect(page.locator(".count-answered")).to_have_text("1 answered")
    expect(page.locator(".count-unanswered")).to_have_text("4 unanswered")
    page.locator("button.next").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 1000
    expect(timer).to_be_in_viewport()
    page.click("button.next")
    expect(page.locator(".exam-bar strong").first).to_have_text("Question 2 of 5")
    assert page.evaluate("document.getElementById('exam').getBoundingClientRect().top") >= 0
    expect(page).to_have_url(re.compile(r"/q/2/$"))  # htmx pushed the URL
    expect(page.locator(".count-answered")).to_have_text("1 answered")

    # 2: the keyboard only.
    page.keyboard.press("2")
    expect(page.locator(".option input").nth(1)).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".exam-bar strong").first).to_have_text("Question 3 of 5")

    # 3: answer, flag it, move on.
    page.keyboard.press("3")
    page.keyboard.press("f")
    expect(page.locator(".count-flagged")).to_have_text("1 flagged")
    expect(page.locator(".palette button.flagged")).to_have_count(1)
    page.keyboard.press("ArrowRight")
    expect(page.locator(".exam-bar strong").first).to_have_text("Question 4 of 5")

    # 4: go back with the keyboard, then jump with the palette.
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".exam-bar strong").first).to_have_text("Question 3 of 5")
    expect(page.locator(".option input").nth(2)).to_be_checked()  # kept
    page.locator(".palette button", has_text=re.compile(r"^4$")).click()
    expect(page.locator(".exam-bar strong").first).to_have_text("Question 4 of 5")
    page.keyboard.press("1")
    page.keyboard.press("n")
    expect(page.locator(".exam-bar strong").first).to_have_text("Question 5 of 5")

    # A reload resumes the same attempt where it was.
    page.reload()
    expect(page.locator(".exam-bar strong").first).to_have_text("Question 5 of 5")
    expect(page.locator(".count-answered")).to_have_text("4 answered")
    page.locator(".option").nth(3).click()
    page.click("button.next:has-text('Review')")

    expect(page.locator("h1")).to_have_text("Review before you submit")
    expect(page.locator(".count-flagged")).to_have_text("1 flagged")
    expect(page.locator(".count-unanswered")).to_have_text("0 unanswered")
    page.keyboard.press("s")

    expect(page).to_have_url(re.compile(r"/results/$"))
    expect(page.locator(".score")).to_have_text(re.compile(r"^\d+%$"))
    expect(page.locator(".badge").first).to_have_text(re.compile("Pass|Fail"))
    rows = page.locator("table.breakdown tbody tr")
    expect(rows.first).to_be_visible()
    domains = {t.strip() for t in rows.locator("td:first-child").all_inner_texts()}
    assert domains and domains <= {"Streaming", "Storage"}
    expect(page.locator(".review-item")).to_have_count(5)
    expect(page.locator(".review-item", has_text="⚑ flagged")).to_have_count(1)
    expect(page.locator(".options-review .is-right")).to_have_count(5)
    page.locator(".review-item details summary").first.click()
    expect(page.locator(".review-item details a").first).to_have_attribute(
        "href", re.compile(r"^/topics/\d+/$")
    )
    attempt = ExamAttempt.objects.get(user=user)
    assert attempt.is_submitted and attempt.count == 5


def test_practice_gives_feedback_in_place(live_server, page: Page) -> None:
    user = make_user()
    make_exam_bank()
    log_in(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/exams/")
    page.fill("input[name=count]", "3")
    page.check("input[name=mode][value=practice]")
    page.click("button:has-text('Start')")
    expect(page.locator(".timer")).to_have_count(0)
    expect(page.locator(".is-right")).to_have_count(0)
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(page.locator(".feedback")).to_be_visible()
    expect(page.locator(".option.is-right")).to_have_count(1)
    page.keyboard.press("ArrowRight")
    expect(page.locator(".exam-bar strong").first).to_have_text("Question 2 of 3")
    expect(page.locator(".feedback")).to_have_count(0)


def test_the_palette_tells_answered_from_unanswered_and_has_a_legend(
    live_server, page: Page
) -> None:
    user = make_user()
    make_exam_bank()
    log_in(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/exams/")
    page.fill("input[name=count]", "5")
    page.click("button:has-text('Start')")
    page.locator(".option").nth(0).click()
    page.click("button.next")
    expect(page.locator(".count-answered")).to_have_text("1 answered")
    style = """el => { const s = getComputedStyle(el);
        return [s.borderTopStyle, s.backgroundColor, s.fontWeight]; }"""
    answered = page.locator(".palette button.answered").first.evaluate(style)
    unanswered = page.locator(".palette button:not(.answered):not(.review-link)").last.evaluate(
        style
    )
    # Different in outline style (not colour alone), in fill and in weight.
    assert answered[0] == "solid" and unanswered[0] == "dashed"
    assert answered[1] != unanswered[1] and answered[2] != unanswered[2]
    legend = page.locator(".palette-legend")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("answered")
    expect(legend).to_contain_text("unanswered")
    expect(legend).to_contain_text("flagged")
