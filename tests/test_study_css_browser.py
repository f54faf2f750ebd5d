"""The study page loads only the core stylesheet: no rule of the second one (pages.css) matches
anything on it, in any of its states, in a real Chromium; the other pages load both."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.templatetags.static import static
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from quiz import exams
from quiz.exercise_cards import make_exercise_cards
from quiz.importing import import_notes
from quiz.models import Card, Deck, ExamAttempt, Topic
from tests.conftest import CONTENT_DIR
from tests.factory import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORE = static("quiz/notebank.css")
PAGES = static("quiz/pages.css")

# Parses the stylesheet's text as the browser does and lists the selectors of its style rules,
# inside @media blocks too, that match an element of the page. States the learner brings about
# (hover, focus, a checked box) are taken as met: the rule must not match even then. Pseudo-
# elements are dropped: `a::after` styles the page wherever `a` matches.
MATCHING_RULES = """async (url) => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(await (await fetch(url)).text());
  const dynamic = /:(hover|focus-visible|focus-within|focus|active|visited|checked|disabled)\\b/g;
  const pseudo = /::?(before|after|marker|placeholder)\\b/g;
  const found = {rules: 0, matching: []};
  const walk = (rules) => {
    for (const rule of rules) {
      if (rule instanceof CSSStyleRule) {
        found.rules += 1;
        const selector = rule.selectorText.replace(pseudo, "").replace(dynamic, "");
        if (document.querySelector(selector)) found.matching.push(rule.selectorText);
      } else if (rule.cssRules) {
        walk(rule.cssRules);
      }
    }
  };
  walk(sheet.cssRules);
  return found;
}"""

LINKED = """() => Array.from(document.querySelectorAll('link[rel=stylesheet]'),
                        (link) => link.getAttribute('href'))"""


@pytest.fixture
def content(media_root) -> None:
    report = import_notes(paths=[CONTENT_DIR])
    assert report.ok, report.errors
    make_exercise_cards(count=1)
    make_user()


def log_in(browser: Browser, base: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()
    return page


def assert_nothing_from_pages_css(page: Page, state: str) -> None:
    assert page.evaluate(LINKED) == [CORE], state
    found = page.evaluate(MATCHING_RULES, PAGES)
    assert found["rules"] > 100, "the second stylesheet was not read"
    assert found["matching"] == [], f"{state}: pages.css rules match the study page"


def reveal(page: Page) -> None:
    page.keyboard.press("Space")
    expect(page.locator("#reveal .ratings")).to_be_visible()


def test_no_rule_of_the_second_stylesheet_matches_the_study_page(
    browser: Browser, live_server, content
) -> None:
    base = live_server.url
    page = log_in(browser, base)

    page.goto(f"{base}/study/")
    expect(page.locator(".study-card .prompt")).to_be_visible()
    assert_nothing_from_pages_css(page, "a card's front")
    reveal(page)
    assert_nothing_from_pages_css(page, "its answer")
    page.keyboard.press("s")
    expect(page.locator(".source-notes")).to_be_visible()
    assert_nothing_from_pages_css(page, "its source notes")
    page.keyboard.press("3")
    expect(page.get_by_test_id("reviewed-today")).to_have_text("1")
    assert_nothing_from_pages_css(page, "the next card, swapped in by htmx")

    # A multiple-choice exercise, a cloze and a list card, front and answer.
    for kind in ("exercise", "cloze", "list"):
        card = Card.objects.filter(kind=kind).order_by("pk").first()
        assert card is not None, kind
        page.goto(f"{base}/study/?card={card.pk}")
        expect(page.locator(".study-card .prompt")).to_be_visible()
        assert_nothing_from_pages_css(page, f"a {kind} card's front")
        reveal(page)
        assert_nothing_from_pages_css(page, f"a {kind} card's answer")

    # A card whose answer embeds a simulation, loaded by htmx as it scrolls into view.
    sims = Card.objects.filter(sim__isnull=False).order_by("pk")
    sim_card = next(c for c in sims if isinstance(c.sim, dict) and c.sim.get("kind"))
    page.goto(f"{base}/study/?card={sim_card.pk}")
    reveal(page)
    expect(page.locator(".card-sim .sim-figure").first).to_be_visible()
    expect(page.locator(".card-sim .sim-table").first).to_be_attached()
    assert_nothing_from_pages_css(page, "an embedded simulation")

    # The end of a session: a topic with one card, answered.
    topic = next(t for t in Topic.objects.order_by("pk") if t.cards.count() == 1)
    page.goto(f"{base}/study/topic/{topic.pk}/")
    reveal(page)
    page.keyboard.press("4")
    expect(page.get_by_test_id("summary")).to_contain_text("Session complete")
    assert_nothing_from_pages_css(page, "the session summary")


def finished_exam() -> ExamAttempt:
    user, deck = make_user("examinee"), Deck.objects.order_by("pk").first()
    at = timezone.now() - timedelta(hours=1)
    attempt = exams.start_attempt(user=user, deck=deck, now=at, count=6, seed=2)
    for question in attempt.questions.all():
        exams.answer_question(question=question, chosen=question.correct, now=at)
    return exams.submit_attempt(attempt=attempt, now=at + timedelta(minutes=5))


def test_other_pages_load_both_stylesheets_and_are_styled_by_the_second(
    browser: Browser, live_server, media_root
) -> None:
    report = import_notes(paths=[CONTENT_DIR])
    assert report.ok, report.errors
    attempt = finished_exam()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "examinee")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()
    assert page.evaluate(LINKED) == [CORE, PAGES]

    page.goto(f"{live_server.url}/exams/{attempt.pk}/results/")
    assert page.evaluate(LINKED) == [CORE, PAGES]
    score = page.locator(".score-line .score")
    expect(score).to_have_css("font-size", "38.4px")  # .score: 2.4rem, from pages.css

    page.goto(f"{live_server.url}/stats/")
    assert page.evaluate(LINKED) == [CORE, PAGES]
    expect(page.locator(".stat h2").first).to_have_css("font-size", "18.4px")  # 1.15rem
    expect(page.locator("svg.chart").first).to_have_css("display", "block")
