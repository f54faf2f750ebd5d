"""The study loop in a real browser: keyboard only, htmx swaps, no full page loads."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from quiz.models import Review
from tests.factory import make_card, make_deck, make_topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set NOTEBANK_SCREENSHOTS=/some/dir to keep screenshots of the pages for a look.
SHOTS = os.environ.get("NOTEBANK_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def sign_up(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=username]", "keyboarder")
    page.fill("input[name=password1]", "a-long-study-passphrase")
    page.fill("input[name=password2]", "a-long-study-passphrase")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()


def test_study_a_deck_with_the_keyboard_only(page: Page, live_server) -> None:
    deck = make_deck("Streaming data")
    kinesis = make_topic(deck, "Kinesis")
    shards = make_topic(deck, "Shards", parent=kinesis)
    make_card(kinesis, "What is a shard?", "A unit of capacity: 1 MB/s in, 2 MB/s out")
    make_card(shards, "How long are records kept by default?", "24 hours")
    make_card(kinesis, "What does Firehose deliver to?", "S3, Redshift, OpenSearch, HTTP")

    sign_up(page, live_server.url)
    shot(page, "dashboard")
    page.get_by_role("link", name="Study this deck").click()
    prompt = page.locator(".prompt")
    expect(prompt).to_have_text("What is a shard?")
    page.evaluate("window.__marker = 1")

    # Space reveals the answer in place, with each rating's interval from the scheduler.
    page.keyboard.press("Space")
    expect(page.locator(".answer")).to_contain_text("A unit of capacity")
    intervals = page.locator(".ratings .interval").all_inner_texts()
    assert len(intervals) == 4 and all(
        re.fullmatch(r"\d+(\.\d)?(s|m|h|d|mo|y)", i) for i in intervals
    )
    assert intervals[0] == "1m"
    shot(page, "study-light")
    page.emulate_media(color_scheme="dark")
    shot(page, "study-dark")
    page.emulate_media(color_scheme="light")

    assert page.evaluate("window.__marker") == 1, "reveal reloaded"
    # 3 = Good: the next card swaps in.
    page.keyboard.press("3")
    expect(prompt).to_have_text("How long are records kept by default?")
    expect(page.get_by_test_id("reviewed-today")).to_have_text("1")

    assert page.evaluate("window.__marker") == 1, "answer reloaded"
    # U undoes it: the first card is back, the review stays in the log marked undone.
    page.keyboard.press("u")
    expect(prompt).to_have_text("What is a shard?")
    expect(page.get_by_test_id("reviewed-today")).to_have_text("0")
    assert Review.objects.get().undone

    assert page.evaluate("window.__marker") == 1, "undo reloaded"
    # Easy on every card until the session ends.
    show = page.get_by_role("link", name="Show answer")
    for _ in range(3):
        expect(show).to_be_visible()
        page.keyboard.press("Space")
        expect(page.locator(".ratings")).to_be_visible()
        page.keyboard.press("4")
    summary = page.get_by_test_id("summary")
    expect(summary).to_contain_text("Session complete")
    expect(summary).to_contain_text("Answers this session")
    expect(summary.locator("dd").first).to_have_text("3")
    shot(page, "summary")

    # All of it happened in one page: htmx swaps, no reload.
    assert page.evaluate("window.__marker") == 1
    assert Review.objects.filter(undone=False).count() == 3
