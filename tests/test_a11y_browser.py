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
from quiz.sims.kinds import SIM_KINDS as LABS
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


FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el), r = el.getBoundingClientRect();
  return {
    name: el.tagName + ' '
      + (el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 30),
    ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
    visible: r.width > 0 && r.height > 0,
  };
}"""


def tab_through(page: Page, limit: int = 60) -> list[dict]:
    """Press Tab until focus has visited `limit` elements or wrapped; what each showed."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_JS)
        if focused is None:
            break
        seen.append(focused)
    return seen


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_is_usable_by_keyboard_with_a_visible_focus_ring(
    browser: Browser, live_server, bank, viewport: dict
) -> None:
    make_user()
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}/")
    assert all(f["ring"] and f["visible"] for f in tab_through(page)), tab_through(page)
    # Log in by keyboard alone.
    page.goto(f"{live_server.url}/accounts/login/")
    page.focus("#id_username")
    page.keyboard.type("learner")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()
    pages = [
        "/",
        f"/decks/{bank['deck'].slug}/",
        f"/topics/{bank['topic'].pk}/",
        f"/study/deck/{bank['deck'].slug}/",
        "/labs/kpl/",
        "/stats/",
        "/exams/",
        "/study/settings/",
    ]
    for url in pages:
        page.goto(f"{live_server.url}{url}")
        visited = tab_through(page)
        assert len(visited) >= 3, url
        missing = [f["name"] for f in visited if not (f["ring"] and f["visible"])]
        assert not missing, (url, missing)
    # The study loop by keyboard: Tab reaches "Show answer", Enter reveals, Tab reaches Again.
    page.goto(f"{live_server.url}/study/deck/{bank['deck'].slug}/")
    names = []
    for _ in range(30):
        page.keyboard.press("Tab")
        names.append(page.evaluate(FOCUS_JS)["name"])
        if names[-1].startswith("A Show answer"):
            break
    assert names[-1].startswith("A Show answer"), names
    page.keyboard.press("Enter")
    expect(page.locator(".ratings")).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUS_JS)["name"].startswith("BUTTON Again"):
            break
    assert page.evaluate(FOCUS_JS)["ring"]
    page.keyboard.press("Enter")
    expect(page.locator(".ratings")).to_have_count(0)  # answered: the next question is up
    page.context.close()
