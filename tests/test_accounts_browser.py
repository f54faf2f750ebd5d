"""Signing up and settings in a real Chromium: the browser's time zone is the study day's."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from quiz.models import StudyProfile
from tests.factory import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_learner_gets_the_browsers_time_zone(browser: Browser, live_server) -> None:
    context = browser.new_context(timezone_id="Australia/Sydney")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("#id_username", "ada")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Your decks")).to_be_visible()
    assert StudyProfile.objects.get(user__username="ada").timezone == "Australia/Sydney"
    context.close()


def test_settings_offer_the_browsers_zone_to_a_learner_still_on_utc(
    browser: Browser, live_server
) -> None:
    make_user()  # "learner", on the default UTC
    context = browser.new_context(timezone_id="Europe/Berlin")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/study/settings/")
    offer = page.locator("#zone-offer")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Use Europe/Berlin").click()
    expect(page.locator("select[name=timezone]")).to_have_value("Europe/Berlin")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("select[name=timezone]")).to_have_value("Europe/Berlin")
    assert StudyProfile.objects.get(user__username="learner").timezone == "Europe/Berlin"
    # Once the zone is chosen, nothing is offered.
    page.goto(f"{live_server.url}/study/settings/")
    expect(offer).to_be_hidden()
    context.close()
