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
    # A word of a card's prompt, to search the browser for.
    word = max(re.findall(r"[A-Za-z]{5,}", sim_card.prompt_md), key=len)
    return {"deck": deck, "topic": topic, "sim_card": sim_card, "word": word}


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

    page.goto(f"{base}/cards/")
    yield "card browser"
    page.fill("#id_q", bank["word"])  # htmx swaps the results in as one types
    expect(page.get_by_role("status")).to_contain_text("cards")
    expect(page).to_have_url(re.compile(r"/cards/\?q="))
    yield "card browser: search results"
    page.locator(".card-link").first.click()
    expect(page).to_have_url(re.compile(r"/cards/\d+/$"))
    yield "card page"
    page.goto(f"{base}/study/cram/?deck={bank['deck'].pk}")
    expect(page.locator(".prompt")).to_be_visible()
    yield "cram"
    page.keyboard.press("Space")
    expect(page.locator(".preview-answers")).to_be_visible()
    yield "cram: answer"
    page.goto(f"{base}/study/again-today/")
    expect(page.get_by_test_id("summary")).to_be_visible()
    yield "again today"
    page.goto(f"{base}/study/ahead/?deck={bank['deck'].slug}&days=365")
    yield "study ahead"
    page.goto(f"{base}/study/chosen/?cards={bank['sim_card'].pk}")
    expect(page.locator(".prompt")).to_be_visible()
    yield "study chosen cards"

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
    page.locator("a[data-filter=unanswered]").click()  # the review's filters swap the list
    expect(page).to_have_url(re.compile(r"\?show=unanswered$"))
    yield "exam: results, one filter"

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
    assert len(seen) == 27 + len(LABS), seen
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
        f"/cards/?q={bank['word']}",
        f"/cards/{bank['sim_card'].pk}/",
        f"/study/cram/?deck={bank['deck'].pk}",
        f"/study/chosen/?cards={bank['sim_card'].pk}",
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


def focused_name(page: Page) -> str:
    focused = page.evaluate(FOCUS_JS)
    return focused["name"] if focused else ""


def test_the_card_browser_by_keyboard_with_a_screen_reader_in_mind(
    browser: Browser, live_server, bank
) -> None:
    make_user()
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/cards/")
    # The search box has focus; typing updates the results and says so in one live region
    # that htmx never replaces (a replaced live region is not announced).
    assert page.evaluate("document.activeElement.id") == "id_q"
    status = page.get_by_role("status")
    expect(status).to_have_count(1)
    page.evaluate("document.querySelector('[role=status]').dataset.kept = 'yes'")
    page.keyboard.type(bank["word"])
    expect(status).to_contain_text(re.compile(r"\d+ cards?"))
    assert status.get_attribute("data-kept") == "yes"
    assert page.locator("#results").get_attribute("aria-live") is None  # not the whole table
    # Tab order: the search button, the filters, then the results.
    page.keyboard.press("Tab")
    assert focused_name(page).startswith("BUTTON Search")
    names = []
    for _ in range(40):
        page.keyboard.press("Tab")
        names.append(focused_name(page))
        if names[-1].startswith("A Due"):
            break
    assert names[-1].startswith("A Due"), names
    # The filters' fold (open on a wide screen) first, then its fields.
    assert names[0].startswith("SUMMARY Filters"), names
    rest = names[1:]
    filters = rest[: rest.index(next(n for n in rest if n.startswith("SUMMARY")))]
    # Five drop-downs, then the tag, two dates (a stop per part), the lapses and "today".
    assert [n.split(" ")[0] for n in filters[:6]] == ["SELECT"] * 5 + ["INPUT"], filters
    assert len(filters) >= 10 and all(n.startswith("INPUT") for n in filters[5:]), filters
    # A sort header by Enter: the results come back sorted and focus stays on the header.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=due"))
    expect(page.locator("th[aria-sort=descending], th[aria-sort=ascending]")).to_have_count(1)
    expect(page.locator("th[aria-sort=ascending] a")).to_have_text("Due")
    assert focused_name(page).startswith("A Due")
    assert page.evaluate(FOCUS_JS)["ring"]
    # Each row's box is named by its card, and Space ticks it.
    box = page.locator("input[name=card]").first
    box.focus()
    name = box.evaluate("el => el.labels.length ? '' : el.getAttribute('aria-labelledby')")
    label = page.evaluate(
        "ids => ids.split(' ').map(id => document.getElementById(id).textContent).join(' ')", name
    )
    assert label.startswith("Select ") and len(label) > len("Select ") + 5, label
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.context.close()


def test_a_preview_goes_on_by_enter_alone(browser: Browser, live_server, bank) -> None:
    make_user()
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/study/cram/?deck={bank['deck'].pk}")
    for _ in range(30):
        page.keyboard.press("Tab")
        if focused_name(page).startswith("A Show answer"):
            break
    assert focused_name(page).startswith("A Show answer")
    # Each step swaps the card; focus moves to the next step's button, not the top of the page.
    page.keyboard.press("Enter")
    expect(page.locator(".preview-answers")).to_be_visible()
    assert focused_name(page).startswith("A Got it")
    assert page.evaluate(FOCUS_JS)["ring"]
    left = page.get_by_test_id("left").inner_text()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("left")).not_to_have_text(left)
    assert focused_name(page).startswith("A Show answer")
    page.context.close()


def test_no_axe_violations_in_the_optimizer_as_it_runs(browser: Browser, live_server) -> None:
    from django.core.management import call_command

    from tests.factory import make_exam_bank, store_review_log
    from tests.reviewlog import generate_log

    user = make_user()
    make_exam_bank()
    store_review_log(user, generate_log())
    problems: list[str] = []
    for scheme, viewport in [("light", DESKTOP), ("dark", PHONE)]:
        context = browser.new_context(color_scheme=scheme, viewport=viewport)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "learner")
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.goto(f"{live_server.url}/study/settings/")
        expect(page.locator("#workload-charts svg")).to_have_count(4)
        problems += [f"{scheme} settings: {line}" for line in axe_violations(page)]
        status = page.get_by_role("status")
        expect(status).to_have_count(1)
        page.evaluate("document.querySelector('[role=status]').dataset.kept = 'yes'")
        page.click("#optimize-button")
        expect(status).to_contain_text("Waiting for the worker")
        problems += [f"{scheme} optimizer queued: {line}" for line in axe_violations(page)]
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        expect(status.locator(".optimizer-figures")).to_be_visible(timeout=10_000)
        # The polled status was swapped in place: the live region is the same element.
        assert status.get_attribute("data-kept") == "yes"
        problems += [f"{scheme} optimizer done: {line}" for line in axe_violations(page)]
        context.close()
    assert not problems, "\n".join(problems)


def test_the_exam_review_filters_by_keyboard_keep_focus(browser: Browser, live_server) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from quiz import exams
    from tests.factory import make_exam_bank

    user = make_user()
    bank = make_exam_bank()
    now = timezone.now()
    attempt = exams.start_attempt(user=user, deck=bank.deck, now=now, count=4, seed=3)
    first = attempt.questions.order_by("position").first()
    exams.answer_question(question=first, chosen=first.correct, now=now)
    exams.submit_attempt(attempt=attempt, now=now + timedelta(minutes=1))
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/exams/{attempt.pk}/results/")
    page.focus("a[data-filter=unanswered]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?show=unanswered$"))
    expect(page.locator(".review-item")).to_have_count(3)
    # The list was swapped with its filters; focus is back on the one chosen, now current.
    expect(page.locator("a[data-filter=unanswered]")).to_have_attribute("aria-current", "true")
    assert focused_name(page).startswith("A Unanswered")
    assert page.evaluate(FOCUS_JS)["ring"]
    page.context.close()
