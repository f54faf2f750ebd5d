"""The dashboard in a real Chromium, light and dark, desktop and phone: the stored counts shown,
a folded deck's topic tree fetched when opened, nothing wider than the screen, a screenshot."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from quiz.models import CardState
from quiz.scheduling import LEARNING, REVIEW
from tests.factory import PASSWORD, make_cards, make_deck, make_topic, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_bank(user, decks: int) -> None:
    """`decks` decks of two topics with a subtopic; per deck 3 due, 1 learning, 4 new cards."""
    now = timezone.now()
    for d in range(decks):
        deck = make_deck(f"Deck {d + 1}: Streaming and storage")
        root = make_topic(deck, "Kinesis")
        sub = make_topic(deck, "Shards and partition keys", parent=root)
        other = make_topic(deck, "S3 & Glacier")
        cards = make_cards(sub, 5) + make_cards(other, 3)
        for i, card in enumerate(cards[:4]):
            CardState.objects.create(
                user=user, card=card, deck=deck, topic=card.topic,
                state=LEARNING if i == 0 else REVIEW, step=0 if i == 0 else None,
                stability=3.0, difficulty=5.0, due=now - timedelta(hours=1 + i),
                last_review=now - timedelta(days=3), reps=2,
            )  # fmt: skip


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.mark.parametrize(
    ("scheme", "width", "decks"),
    [("light", 1100, 2), ("dark", 1100, 2), ("light", 390, 5), ("dark", 390, 5)],
    ids=str,
)
def test_dashboard_shows_the_counts_and_folded_trees(
    live_server, page: Page, tmp_path: Path, scheme: str, width: int, decks: int
) -> None:
    user = make_user()
    make_bank(user, decks)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url, user.username)

    page.goto(f"{live_server.url}/")

    expect(page.locator("h1")).to_have_text("Your decks")
    boxes = page.locator("article.deck")
    expect(boxes).to_have_count(decks)
    first = boxes.first
    expect(first.locator(".counts .count-new").first).to_have_text("4")
    expect(first.locator(".counts .count-learning").first).to_have_text("1")
    expect(first.locator(".counts .count-due").first).to_have_text("3")
    expect(page.get_by_test_id("existing")).to_contain_text(f"{4 * decks} new cards")
    if decks > 3:
        # Folded: the tree comes when the deck's topics are opened.
        expect(first.locator(".topic-row")).to_have_count(0)
        first.locator("summary").click()
    rows = first.locator(".topic-row")
    expect(rows).to_have_count(3)
    # The parent topic counts its subtopic's cards.
    expect(rows.first.locator(".count-due")).to_have_text("3")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shots = Path(os.environ.get("DASHBOARD_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / f"dashboard-{scheme}-{width}.png"), full_page=True)
    assert errors == []
