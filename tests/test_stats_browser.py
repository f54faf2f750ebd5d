"""The statistics page in a real Chromium: every chart drawn, no console errors, a screenshot."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from quiz import tally
from quiz.models import CardState, ExamAttempt, Review
from quiz.scheduling import AGAIN, GOOD, HARD, LEARNING, REVIEW, Memory
from tests.factory import PASSWORD, make_cards, make_deck, make_topic, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_history(user) -> None:
    """A few weeks of answers, states due over the month, two exams."""
    now = timezone.now()
    deck = make_deck("AWS Big Data")
    topics = [make_topic(deck, title) for title in ("Kinesis", "Redshift", "S3 & Glacier")]
    for t, topic in enumerate(topics):
        for i, card in enumerate(make_cards(topic, 6)):
            stability = 2.0 + 9 * i + 7 * t
            CardState.objects.create(
                user=user,
                card=card,
                deck=deck,
                state=LEARNING if i == 0 else REVIEW,
                step=0 if i == 0 else None,
                stability=stability,
                difficulty=5.0,
                due=now + timedelta(days=i * 3 + t - 2),
                last_review=now - timedelta(days=i + t),
                reps=3,
            )
            for day in range(0, 60, 3 + i):
                before = {**Memory(state=REVIEW, stability=stability).as_json(), "reps": 2}
                Review.objects.create(
                    user=user,
                    card=card,
                    rating=(AGAIN, HARD, GOOD, GOOD, GOOD)[(day + i) % 5],
                    reviewed_at=now - timedelta(days=day, hours=i),
                    state_before=before,
                    state_after=before,
                )
    for days_ago, score in ((20, 0.55), (9, 0.68), (2, 0.8)):
        ExamAttempt.objects.create(
            user=user,
            seed=1,
            count=20,
            started_at=now - timedelta(days=days_ago, minutes=30),
            submitted_at=now - timedelta(days=days_ago),
            score=score,
            correct_count=round(score * 20),
        )


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.mark.parametrize(
    ("scheme", "width"), [("light", 1100), ("dark", 1100), ("light", 390)], ids=str
)
def test_stats_page_draws_every_chart(
    live_server, page: Page, tmp_path: Path, scheme: str, width: int
) -> None:
    user = make_user()
    make_history(user)
    tally.rebuild()  # the history was written straight to the log
    errors: list[str] = []
    # The site has no favicon; Chromium's own request for one is not an error of this page.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url, user.username)

    page.goto(f"{live_server.url}/stats/")

    expect(page.locator("h1")).to_have_text("Your progress")
    charts = page.locator("svg.chart[role=img]")
    expect(charts).to_have_count(6)
    for i in range(6):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 40, (i, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1 or i == 0, (i, box)
    # The heatmap may scroll sideways on a phone, inside its own box only.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Every day of the year is a square drawn from the one defined square, today's last; days
    # with answers are filled by their level.
    squares = page.locator("svg.heatmap use")
    expect(squares).to_have_count(365)
    today = squares.last.bounding_box()
    assert today is not None and 5 < today["width"] < 30
    assert abs(today["height"] - today["width"]) < 0.5
    fills = page.evaluate(
        "[...document.querySelectorAll('svg.heatmap use')].map(u => getComputedStyle(u).fill)"
    )
    assert len(set(fills)) >= 3, set(fills)  # empty days and at least two levels differ
    meters = page.locator("table.mastery meter")
    expect(meters).to_have_count(3)
    assert all(m.bounding_box()["width"] > 20 for m in meters.all())
    page.locator("#h-mastery ~ table a").first.click()
    expect(page).to_have_url(re.compile(r"/study/topic/\d+/$"))
    page.go_back()
    shots = Path(os.environ.get("STATS_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / f"stats-{scheme}-{width}.png"), full_page=True)
    assert errors == []
