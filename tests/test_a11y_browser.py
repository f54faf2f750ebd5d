"""Accessibility in a real browser: axe-core on every page a learner sees, in light and dark mode
and at phone width, and every page usable by keyboard with a visible focus ring.

axe-core comes from the `axe-playwright-python` package (requirements-dev.txt), which ships
its `axe.min.js`; it is injected into each page, so the check runs offline.
"""

from __future__ import annotations

import re
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import Browser, Page, expect

from quiz.importing import import_notes
from quiz.models import Card, Deck, Topic
from quiz.sims.lab import LABS
from tests.conftest import CONTENT_DIR
from tests.factory import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")
# axe's impacts are minor, moderate, serious and critical: everything from moderate up fails.
BLOCKING = {"moderate", "serious", "critical"}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def axe_violations(page: Page) -> list[str]:
    """Moderate-or-worse axe violations on the page as it is now, one line per element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            found.append(
                f"{violation['id']} ({violation['impact']}): {' '.join(node['target'])}"
                f" — {node.get('failureSummary', '').splitlines()[-1].strip()}"
            )
    return found


@pytest.fixture
def bank(media_root) -> dict:
    report = import_notes(paths=[CONTENT_DIR])
    assert report.ok, report.errors
    sim_card = Card.objects.filter(sim__isnull=False, status=Card.Status.ACTIVE).first()
    assert sim_card is not None, "the project's notes embed simulations in cards"
    deck = Deck.objects.order_by("title").first()
    topic = Topic.objects.filter(deck=deck, parent__isnull=False).first() or deck.topics.first()
    return {"deck": deck, "topic": topic, "sim_card": sim_card}


def learner_pages(page: Page, base: str, bank: dict):
    """Walk every page a learner sees, yielding (name, page) once each is ready to check."""
    page.goto(f"{base}/")
    yield "landing"
    page.goto(f"{base}/accounts/login/")
    yield "login"
    page.goto(f"{base}/accounts/signup/")
    page.fill("#id_username", "someone")
    page.fill("#id_password1", "short")
    page.fill("#id_password2", "short")
    page.click("main button[type=submit]")
    expect(page.locator(".errorlist").first).to_be_visible()
    yield "sign-up with errors"

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()
    yield "dashboard"
    page.goto(f"{base}/decks/{bank['deck'].slug}/")
    yield "deck"
    page.goto(f"{base}/topics/{bank['topic'].pk}/")
    yield "topic"

    page.goto(f"{base}/study/deck/{bank['deck'].slug}/")
    expect(page.locator(".prompt")).to_be_visible()
    yield "study: question"
    page.keyboard.press("Space")
    expect(page.locator(".ratings")).to_be_visible()
    yield "study: answer"
    page.keyboard.press("s")
    expect(page.locator("#source > *").first).to_be_visible()
    yield "study: source"
    page.goto(f"{base}/study/?card={bank['sim_card'].pk}&show=answer")
    sim = page.locator("details.card-sim")
    expect(sim).to_have_count(1)
    if sim.get_attribute("open") is None:  # folded on a phone
        sim.locator("summary").click()
    sim.scroll_into_view_if_needed()
    expect(page.locator(".card-sim .sim-figure").first).to_be_visible()
    yield "study: answer with a simulation"
    while page.locator(".ratings").count():
        page.keyboard.press("4")
        page.wait_for_load_state("networkidle")
        if page.get_by_test_id("summary").count():
            break
        page.keyboard.press("Space")
        page.wait_for_load_state("networkidle")
        if page.locator(".ratings").count() == 0:
            break
    page.goto(f"{base}/study/settings/")
    yield "settings"
    page.goto(f"{base}/study/leeches/")
    yield "leeches"

    page.goto(f"{base}/exams/")
    yield "exams"
    page.fill("input[name=count]", "5")
    page.locator("main button[type=submit]").filter(has_text="Start").first.click()
    expect(page).to_have_url(re.compile(r"/exams/\d+/q/1/$"))
    yield "exam: question"
    page.locator(".option").first.click()
    attempt_url = re.sub(r"q/1/$", "", page.url)
    page.goto(f"{attempt_url}review/")
    yield "exam: review"
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='submit/'] button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/results/$"))
    yield "exam: results"

    page.goto(f"{base}/labs/")
    yield "labs"
    for kind in LABS:
        page.goto(f"{base}/labs/{kind}/")
        expect(page.locator(".sim-figure, .lab-errors").first).to_be_visible()
        yield f"lab: {kind}"
    page.goto(f"{base}/stats/")
    yield "stats"


@pytest.mark.parametrize(
    "scheme, viewport",
    [("light", DESKTOP), ("dark", DESKTOP), ("light", PHONE), ("dark", PHONE)],
    ids=["light-desktop", "dark-desktop", "light-phone", "dark-phone"],
)
def test_no_axe_violations_on_any_learner_page(
    browser: Browser, live_server, bank, scheme: str, viewport: dict
) -> None:
    make_user()
    context = browser.new_context(color_scheme=scheme, viewport=viewport)
    page = context.new_page()
    problems: list[str] = []
    seen = []
    for name in learner_pages(page, live_server.url, bank):
        seen.append(name)
        problems += [f"{name}: {line}" for line in axe_violations(page)]
    context.close()
    assert len(seen) == 18 + len(LABS), seen
    assert not problems, "\n".join(problems)
