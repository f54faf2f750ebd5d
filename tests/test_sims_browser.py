"""The lab widgets in a real browser: htmx redraws the result without a page load."""

from __future__ import annotations

import re

import pytest

from tests.factory import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logged_in(live_server, page):
    make_user("browser")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "browser")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return page


def test_changing_the_window_size_redraws_the_svg_in_place(live_server, logged_in):
    page = logged_in
    page.goto(f"{live_server.url}/labs/tumbling/")
    title = page.locator(".sim-timeline > title")
    assert "windows of 1m" in title.text_content()
    before = page.locator(".sim-timeline").inner_html()
    page.evaluate("window.__marker = 1")  # survives only if the page is not reloaded

    size = page.locator("#id_size")
    size.fill("")
    size.press_sequentially("10s")  # keyup: redraw after a short delay
    page.wait_for_function(
        "document.querySelector('.sim-timeline > title').textContent.includes('windows of 10s')"
    )
    assert page.locator(".sim-timeline").inner_html() != before
    assert page.evaluate("window.__marker") == 1
    assert "size=10s" in page.url  # hx-push-url: the URL is shareable


def test_step_control_walks_through_events(live_server, logged_in):
    page = logged_in
    page.goto(f"{live_server.url}/labs/stagger/")
    page.evaluate("window.__marker = 1")
    page.get_by_text("Step through time, event by event").click()
    page.wait_for_selector("output[for=id_upto]")
    assert page.locator("output[for=id_upto]").text_content() == "1"
    page.get_by_text("Next event ▶").click()
    page.wait_for_function("document.querySelector('output[for=id_upto]').textContent === '2'")
    assert page.locator(".sim-timeline .event.future").count() == 10
    # Let htmx finish processing the swapped-in links before a shortcut clicks one.
    page.wait_for_function(
        "!document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request') && "
        "document.querySelector('[data-shortcut=ArrowRight]')['htmx-internal-data']"
    )
    page.keyboard.press("ArrowRight")  # keys.js: the data-shortcut on "Next event"
    page.wait_for_function("document.querySelector('output[for=id_upto]').textContent === '3'")
    assert page.evaluate("window.__marker") == 1
    assert "upto=3" in page.url
