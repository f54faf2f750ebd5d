"""The card browser and custom study in a real browser: search as you type, actions on a
selection, cram with the keyboard, and E for staff in study."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from quiz.models import CardState, Review
from tests.factory import PASSWORD, make_card, make_deck, make_topic, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set NOTEBANK_SCREENSHOTS=/some/dir to keep screenshots of the pages for a look.
SHOTS = os.environ.get("NOTEBANK_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()


def bank() -> list:
    deck = make_deck("Streaming data")
    kinesis = make_topic(deck, "Kinesis")
    windows = make_topic(deck, "Windows", parent=kinesis)
    return [
        make_card(kinesis, "What is a shard?", "A unit of capacity: 1 MB/s in, 2 MB/s out"),
        make_card(windows, "What is a tumbling window?", "Fixed size, never overlapping"),
        make_card(windows, "What is a sliding window?", "Fixed size, overlapping", tags=["exam"]),
        make_card(kinesis, "What does Firehose deliver to?", "S3, Redshift, OpenSearch, HTTP"),
    ]


def test_search_as_you_type_and_act_on_a_selection(page: Page, live_server) -> None:
    cards = bank()
    learner = make_user("browser")
    log_in(page, live_server.url, "browser")
    page.get_by_role("link", name="Cards", exact=True).click()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(4)
    # Typing before htmx has read the form would go unseen (its `changed` trigger starts
    # from the value it finds): wait for the page's load, after which htmx is set up.
    page.wait_for_load_state("load")
    page.evaluate("window.__marker = 1")

    # Typing narrows the results in place (htmx), and the URL follows for back and sharing.
    page.get_by_label("Search cards").fill("window")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/cards/\?(.*&)?q=window"))
    page.get_by_label("Tag").fill("exam")
    page.get_by_label("Tag").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("sliding window")
    assert page.evaluate("window.__marker") == 1, "searching reloaded the page"
    shot(page, "cards-search")
    page.emulate_media(color_scheme="dark")
    shot(page, "cards-search-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "cards-search-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Select every card on the page with one box, then suspend them.
    page.goto(f"{live_server.url}/cards/?q=window")
    expect(rows).to_have_count(2)
    page.get_by_label("Select every card on this page").check()
    page.get_by_role("button", name="Suspend", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("2 of 2 cards suspended")
    suspended = set(
        CardState.objects.filter(user=learner, suspended=True).values_list("card_id", flat=True)
    )
    assert suspended == {cards[1].pk, cards[2].pk}
    # The state filter finds them; the card page opens from the result.
    page.get_by_label("State").select_option("suspended")
    # The URL is pushed once the new results are in.
    expect(page).to_have_url(re.compile(r"state=suspended"))
    expect(rows).to_have_count(2)
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("link", name="Read the notes")).to_be_visible()
    expect(page.get_by_test_id("memory")).to_contain_text("Suspended")
    shot(page, "card-detail")


def test_cram_with_the_keyboard_changes_nothing(page: Page, live_server) -> None:
    cards = bank()
    make_user("crammer")
    log_in(page, live_server.url, "crammer")
    page.goto(f"{live_server.url}/decks/{cards[0].deck.slug}/")
    page.get_by_text("Custom study").click()
    shot(page, "deck-custom-study")
    page.get_by_role("link", name="Cram (preview)").click()
    expect(page.get_by_test_id("preview-note")).to_contain_text("never changes your schedule")
    prompt = page.locator(".prompt")
    expect(prompt).to_have_text("What is a shard?")
    page.evaluate("window.__marker = 1")
    page.keyboard.press("Space")
    expect(page.locator(".answer")).to_contain_text("A unit of capacity")
    shot(page, "cram")
    page.keyboard.press("1")  # again: it comes back at the end
    expect(prompt).to_have_text("What is a tumbling window?")
    answer = page.locator(".answer")

    def got_it() -> None:
        page.keyboard.press("Space")  # show
        expect(answer).to_be_visible()
        page.keyboard.press("Space")  # got it
        expect(answer).to_have_count(0)

    for expected in ("What is a sliding window?", "What does Firehose deliver to?"):
        got_it()
        expect(prompt).to_have_text(expected)
    got_it()
    expect(prompt).to_have_text("What is a shard?")
    expect(page.get_by_test_id("left")).to_have_text("1")
    page.keyboard.press("Space")
    expect(answer).to_be_visible()
    page.keyboard.press("Space")
    expect(page.get_by_test_id("summary")).to_contain_text("Preview complete")
    assert page.evaluate("window.__marker") == 1, "cramming reloaded the page"
    assert not CardState.objects.exists() and not Review.objects.exists()


def test_e_opens_the_cards_admin_page_for_staff(page: Page, live_server) -> None:
    cards = bank()
    make_user("editor", is_staff=True, is_superuser=True)
    log_in(page, live_server.url, "editor")
    page.goto(f"{live_server.url}/study/deck/{cards[0].deck.slug}/")
    expect(page.locator(".prompt")).to_have_text("What is a shard?")
    with page.context.expect_page() as opened:
        page.keyboard.press("e")
    admin = opened.value
    admin.wait_for_load_state()
    assert admin.url.endswith(f"/admin/quiz/card/{cards[0].pk}/change/")
    expect(admin.locator("textarea[name=prompt_md]")).to_have_value("What is a shard?")


def test_a_full_page_of_results_reads_with_the_page_not_in_a_box(page: Page, live_server) -> None:
    # Fifty rows in a box a few rows tall, inside a scrolling page, hides most of a search.
    deck = make_deck("Many cards")
    topic = make_topic(deck, "All")
    for n in range(50):
        make_card(topic, f"Question number {n}?", f"Answer {n}")
    make_user("reader")
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server.url, "reader")
    page.goto(f"{live_server.url}/cards/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(50)
    box = page.locator("#results .table-scroll")
    assert box.evaluate("e => e.scrollHeight - e.clientHeight") == 0
    rows.last.scroll_into_view_if_needed()
    expect(rows.last).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollHeight") > 800
