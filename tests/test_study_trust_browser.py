"""The record of what was answered, in a real browser: stale pages record nothing, and an answer
in flight cannot be sent twice."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from quiz.models import Card, CardState, Review
from quiz.scheduling import REVIEW
from tests.factory import PASSWORD, import_text, make_card, make_deck, make_topic, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str = "learner") -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()


@pytest.fixture
def deck():
    deck = make_deck("Streaming data")
    topic = make_topic(deck, "Kinesis")
    for n in range(1, 5):
        make_card(topic, f"Question {n}?", f"Answer {n}")
    return deck


def test_a_second_tab_cannot_answer_a_card_answered_in_the_first(
    browser: Browser, live_server, deck
) -> None:
    make_user()
    tab_a = browser.new_context().new_page()
    tab_b = browser.new_context().new_page()
    for tab in (tab_a, tab_b):
        log_in(tab, live_server.url)
        tab.goto(f"{live_server.url}/study/deck/{deck.slug}/")
        expect(tab.locator(".prompt")).to_have_text("Question 1?")

    # Tab A: Easy. The card graduates to a review card days away.
    tab_a.keyboard.press("Space")
    expect(tab_a.locator(".ratings")).to_be_visible()
    tab_a.keyboard.press("4")
    expect(tab_a.locator(".prompt")).to_have_text("Question 2?")
    state = CardState.objects.get(card__prompt_md="Question 1?")
    assert state.state == REVIEW

    # Tab B still shows the card as new. Revealing it must not offer buttons for its new state.
    tab_b.keyboard.press("Space")
    notice = tab_b.locator(".notice")
    expect(notice).to_contain_text("already answered")
    expect(tab_b.locator(".prompt")).to_have_text("Question 2?")
    expect(tab_b.locator(".ratings")).to_have_count(0)
    # Pressing 1 now does nothing to the first card: it stays as tab A left it.
    tab_b.keyboard.press("1")
    assert Review.objects.filter(card=state.card).count() == 1
    state.refresh_from_db()
    assert state.state == REVIEW and state.lapses == 0


def test_a_revealed_stale_tab_records_nothing(browser: Browser, live_server, deck) -> None:
    make_user()
    tab_a = browser.new_context().new_page()
    tab_b = browser.new_context().new_page()
    for tab in (tab_a, tab_b):
        log_in(tab, live_server.url)
        tab.goto(f"{live_server.url}/study/deck/{deck.slug}/")
        tab.keyboard.press("Space")
        expect(tab.locator(".ratings")).to_be_visible()
    tab_a.keyboard.press("4")
    expect(tab_a.locator(".prompt")).to_have_text("Question 2?")
    tab_b.keyboard.press("1")
    expect(tab_b.locator(".notice")).to_contain_text("already answered")
    expect(tab_b.locator(".prompt")).to_have_text("Question 2?")
    assert Review.objects.count() == 1
    assert Review.objects.get().rating == 4


def test_back_then_forward_does_not_answer_a_card_twice(page: Page, live_server, deck) -> None:
    make_user()
    log_in(page, live_server.url)
    page.get_by_role("link", name="Study this deck").click()
    prompt = page.locator(".prompt")
    expect(prompt).to_have_text("Question 1?")
    for n in (1, 2):
        expect(prompt).to_have_text(f"Question {n}?")
        page.keyboard.press("Space")
        expect(page.locator(".ratings")).to_be_visible()
        page.keyboard.press("3")
    expect(prompt).to_have_text("Question 3?")

    page.go_back()
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()
    page.go_forward()
    expect(prompt).to_be_visible()
    page.keyboard.press("Space")
    page.wait_for_load_state("networkidle")
    if page.locator(".ratings").count():
        page.keyboard.press("1")
        expect(page.locator(".ratings")).to_have_count(0)  # the answer (or refusal) is in
    # Whatever the browser restored, no card has two answers.
    assert Review.objects.count() == len({r.card_id for r in Review.objects.all()})
    assert Review.objects.count() in (2, 3)


def test_rating_buttons_are_disabled_while_the_answer_is_sent(
    page: Page, live_server, deck
) -> None:
    make_user()
    log_in(page, live_server.url)
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text))
    held = []
    page.route("**/study/answer/", lambda route: held.append(route))
    page.goto(f"{live_server.url}/study/deck/{deck.slug}/")
    page.keyboard.press("Space")
    buttons = page.locator(".ratings button")
    expect(buttons).to_have_count(4)
    page.keyboard.press("3")
    page.wait_for_function("() => document.querySelectorAll('.ratings button:disabled').length")
    # The route handler runs when Playwright next serves its event loop, which may come after
    # the buttons were disabled: give it that turn (on a loaded machine it came late).
    for _ in range(40):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    for i in range(4):
        expect(buttons.nth(i)).to_be_disabled()
    # A second key press while the first is in flight sends nothing more.
    page.keyboard.press("4")
    page.wait_for_timeout(200)
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator(".prompt")).to_have_text("Question 2?")
    assert Review.objects.count() == 1
    assert not [w for w in warnings if "hx-disabled-elt" in w]


NOTES = """
# Windows

## Stagger

- A stagger window opens when **the first row for its key** arrives.
- What is the default partition key limit?::256 characters, and the processing time shows here
- Other notes that are not the answer.
"""


def test_show_source_hides_what_the_answer_hides_until_revealed(
    page: Page, live_server, tmp_path, media_root
) -> None:
    import_text(tmp_path, NOTES)
    make_user()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/study/")
    source = page.locator("#source")
    notes = source.locator(".source-notes")
    kinds = set()
    for n in range(Card.objects.count()):
        expect(page.locator("#reveal.reveal")).to_be_visible()
        card = Card.objects.get(pk=page.locator("input[name=card]").first.get_attribute("value"))
        if n == 0:
            # A long card: the notes open below the fold, and are brought into view.
            page.evaluate("document.getElementById('source').style.marginTop = '3000px'")
        page.keyboard.press("s")
        expect(notes).to_be_visible()
        if n == 0:
            expect(notes).to_be_in_viewport()
            page.evaluate("document.getElementById('source').style.marginTop = ''")
        text = notes.inner_text()
        assert "::" not in text  # never raw card syntax
        if card.kind == "cloze":
            assert "the first row for its key" not in text and "[…]" in text
        elif card.source_line == card.topic.line:  # a heading card: the section is its answer
            assert "answer: reveal it" in text and "256 characters" not in text
        else:
            assert "256 characters" not in text and "processing time" not in text
            assert "What is the default partition key limit? — […]" in text
        kinds.add(card.kind)
        # After the reveal the source shows everything, the syntax read as text.
        page.keyboard.press("Space")
        expect(page.locator(".ratings")).to_be_visible()
        expect(source).to_be_empty()
        page.keyboard.press("s")
        expect(notes).to_contain_text("Other notes")
        text = notes.inner_text()
        assert "::" not in text
        assert "the first row for its key" in text
        assert "What is the default partition key limit? — 256 characters" in text
        page.keyboard.press("4")
        # The answer is in when the question (no buttons) is back; the test's database must
        # not be emptied under a request still running.
        expect(page.locator(".ratings")).to_have_count(0)
    assert {"cloze", "qa"} <= kinds
    expect(page.get_by_test_id("summary")).to_be_visible()


def test_unsuspend_on_the_leeches_page_lets_that_card_alone_back(page: Page, live_server) -> None:
    """Every row's button posts to its own card (one form, each button its own formaction)."""
    user = make_user()
    topic = make_topic(make_deck("Leechy"), "Hard bits")
    cards = [make_card(topic, f"Stubborn {n}?") for n in range(3)]
    for n, card in enumerate(cards):
        CardState.objects.create(
            user=user, card=card, deck=card.deck, state=REVIEW, due=card.deck.imported_at,
            stability=1.0, difficulty=9.0, lapses=8 + n, suspended=True, is_leech=True,
        )  # fmt: skip
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/study/leeches/")
    row = page.get_by_role("row").filter(has_text="Stubborn 1?")
    row.get_by_role("button", name="Unsuspend").click()
    expect(page.get_by_text("Card unsuspended")).to_be_visible()
    suspended = dict(CardState.objects.values_list("card__prompt_md", "suspended"))
    assert suspended == {"Stubborn 0?": True, "Stubborn 1?": False, "Stubborn 2?": True}
    expect(page.get_by_role("button", name="Unsuspend")).to_have_count(2)
