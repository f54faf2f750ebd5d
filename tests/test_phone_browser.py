"""Notebank on a phone (390×844) and on touch screens, in a real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from quiz.importing import import_notes
from quiz.models import Card
from quiz.sims.kinds import SIM_KINDS as LABS
from tests.conftest import CONTENT_DIR
from tests.factory import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def content(media_root) -> None:
    report = import_notes(paths=[CONTENT_DIR])
    assert report.ok, report.errors
    make_user()


def open_page(browser: Browser, base: str, *, viewport: dict, touch: bool = False) -> Page:
    context = browser.new_context(viewport=viewport, has_touch=touch, is_mobile=touch)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()
    return page


def kpl_card() -> Card:
    cards = [c for c in Card.objects.filter(sim__isnull=False) if c.sim.get("kind") == "kpl"]
    assert cards, "the project's notes embed the KPL simulation in a card"
    return cards[0]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_rating_buttons_stay_on_screen_above_a_simulation(
    browser: Browser, live_server, content, viewport: dict
) -> None:
    page = open_page(browser, live_server.url, viewport=viewport)
    page.goto(f"{live_server.url}/study/?card={kpl_card().pk}")
    page.keyboard.press("Space")
    ratings = page.locator(".ratings")
    expect(ratings).to_be_visible()
    sim = page.locator("details.card-sim")
    if viewport is PHONE:
        expect(sim).not_to_have_attribute("open", "")  # folded on a phone
        sim.locator("summary").click()
    expect(page.locator(".card-sim .sim-figure").first).to_be_visible()
    # However long the simulation, the buttons are on screen: first at rest, then scrolled.
    for scroll in (0, 1500, 4000):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        box = ratings.bounding_box()
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 1, (scroll, box)
    # Room below the page, as a long next card gives: the browser then keeps the scroll
    # position across the swap, and only the page itself can bring the new card's top back.
    page.evaluate("document.body.style.paddingBottom = '4000px'")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.keyboard.press("3")
    expect(page.locator(".ratings")).to_have_count(0)  # answered: the next question is up
    # The next card starts at its top, not as far down as the last one's buttons were.
    session = page.locator("#study-session")
    expect(session).to_be_visible()
    top = page.evaluate("document.getElementById('study-session').getBoundingClientRect().top")
    assert top >= 0, top
    page.context.close()


# Every element past the right edge must sit in a box that scrolls sideways and can be focused
# (so it is reachable by touch and by keyboard); nothing may widen the page itself.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  if (document.documentElement.scrollWidth > width) bad.push('page scrolls sideways');
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 0.5) continue;
    let box = el.parentElement, ok = false;
    while (box && box !== document.body) {
      const style = getComputedStyle(box);
      if (['auto', 'scroll'].includes(style.overflowX)) {
        ok = box.getBoundingClientRect().right <= width + 0.5 && box.tabIndex >= 0;
        break;
      }
      box = box.parentElement;
    }
    if (!ok) bad.push(el.tagName + '.' + el.className + ' right=' + Math.round(r.right));
  }
  return bad.slice(0, 10);
}"""


def test_nothing_is_cut_off_at_phone_width(browser: Browser, live_server, content) -> None:
    page = open_page(browser, live_server.url, viewport=PHONE)
    urls = ["/", "/exams/", "/labs/", "/stats/", "/study/settings/"]
    urls += [f"/labs/{kind}/" for kind in LABS]
    urls.append("/labs/kpl/?records=20000")
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        page.wait_for_load_state("networkidle")
        assert page.evaluate(OVERFLOW_JS) == [], url
    # The KPL funnel's labels fit inside its drawing, even for the largest counts.
    inside = page.eval_on_selector_all(
        "svg.sim-pipeline text",
        """els => els.map(t => {
            const b = t.getBBox(), w = t.ownerSVGElement.viewBox.baseVal.width;
            return b.x >= 0 && b.x + b.width <= w;
        })""",
    )
    assert inside and all(inside)
    page.context.close()


def test_the_main_links_share_one_line_on_a_phone(browser: Browser, live_server, content) -> None:
    page = open_page(browser, live_server.url, viewport=PHONE)
    tops = page.eval_on_selector_all(
        "header.site nav a:not(.brand)",
        "els => els.map(a => [a.textContent.trim(), a.getBoundingClientRect().top])",
    )
    links = {
        name: top for name, top in tops if name in ("Decks", "Study", "Exams", "Labs", "Stats")
    }
    assert len(links) == 5
    assert len(set(round(top) for top in links.values())) == 1, links
    page.context.close()


def test_keyboard_hints_show_with_a_keyboard_and_not_on_a_touch_screen(
    browser: Browser, live_server, content
) -> None:
    for touch in (False, True):
        page = open_page(
            browser, live_server.url, viewport=PHONE if touch else DESKTOP, touch=touch
        )
        page.goto(f"{live_server.url}/study/")
        page.get_by_role("link", name="Show answer").click()
        expect(page.locator(".ratings")).to_be_visible()
        hints = page.locator(".ratings kbd, .toolbar kbd, .keys-hint")
        assert hints.count() > 0
        visible = [hints.nth(i).is_visible() for i in range(hints.count())]
        assert all(visible) if not touch else not any(visible), (touch, visible)
        page.context.close()


def test_links_and_checkboxes_are_big_enough_for_a_finger(
    browser: Browser, live_server, content
) -> None:
    page = open_page(browser, live_server.url, viewport=PHONE, touch=True)
    sizes = page.eval_on_selector_all(
        "header.site nav a:not(.brand), header.site nav button, .legend a",
        "els => els.map(e => [e.textContent.trim(), e.getBoundingClientRect().height])",
    )
    assert len(sizes) >= 7
    small = [(name, round(h)) for name, h in sizes if h < 40]
    assert not small, small
    page.goto(f"{live_server.url}/cards/")
    box = page.locator("tbody input[type=checkbox]").first.bounding_box()
    assert box is not None and box["width"] >= 20 and box["height"] >= 20, box
    page.context.close()


def test_a_labs_figure_is_on_the_first_screen_of_a_phone(
    browser: Browser, live_server, content
) -> None:
    page = open_page(browser, live_server.url, viewport=PHONE, touch=True)
    page.goto(f"{live_server.url}/labs/tumbling/")
    expect(page.locator("details.lab-fold")).not_to_have_attribute("open", "")
    expect(page.locator(".sim-figure").first).to_be_in_viewport()
    # Opened, the parameters work as before, and Run brings the redrawn result into view.
    page.locator("details.lab-fold summary").click()
    page.fill("#id_size", "2m")
    page.locator("button[type=submit]", has_text="Run").click()
    expect(page).to_have_url(re.compile(r"size=2m"))
    expect(page.locator("#lab-result")).to_be_in_viewport()
    page.context.close()


def test_the_card_browser_on_a_phone_shows_results_under_the_search_box(
    browser: Browser, live_server, content
) -> None:
    page = open_page(browser, live_server.url, viewport=PHONE, touch=True)
    page.goto(f"{live_server.url}/cards/")
    # No on-screen keyboard thrown up on arrival, and the filters folded under one line.
    assert page.evaluate("document.activeElement.id") != "id_q"
    expect(page.locator("details.filters")).not_to_have_attribute("open", "")
    page.fill("#id_q", "shard")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=shard"))
    expect(page.locator("#results tbody tr").first).to_be_in_viewport()
    page.context.close()


def test_revealing_a_short_card_on_a_phone_shows_the_whole_card(
    browser: Browser, live_server, content
) -> None:
    page = open_page(browser, live_server.url, viewport=PHONE, touch=True)
    page.goto(f"{live_server.url}/study/")
    card = page.locator(".study-card")
    expect(card).to_be_visible()
    # Scrolled a little way down, as a thumb leaves a page, then the answer is revealed.
    page.evaluate("document.body.style.paddingBottom = '2000px'")
    page.evaluate("window.scrollTo(0, document.querySelector('.study-card').offsetTop + 40)")
    page.get_by_role("link", name="Show answer").click()
    expect(page.locator(".ratings")).to_be_visible()
    box = page.evaluate(
        "(() => { const r = document.querySelector('.study-card')"
        ".getBoundingClientRect(); return [r.top, r.height]; })()"
    )
    assert box[1] <= PHONE["height"], box  # the shipped notes' first card fits a phone
    assert box[0] >= 0, box
    page.context.close()
