"""Statistics: exact figures on small hand-built histories, time zones, isolation, the page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from quiz import browser, charts, stats, study, tally
from quiz.models import (
    Card,
    CardState,
    ExamAttempt,
    Review,
    ReviewDay,
    ReviewTally,
    StudyProfile,
)
from quiz.scheduling import AGAIN, EASY, GOOD, HARD, LEARNING, NEW, RELEARNING, REVIEW, Memory
from quiz.scheduling import retrievability as fsrs_retrievability
from quiz.study.timing import local_midnight
from tests.factory import make_card, make_cards, make_topic, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def log_review(
    user,
    card: Card,
    *,
    at: datetime,
    rating: int = GOOD,
    state: int = REVIEW,
    stability: float | None = 10.0,
    **extra: Any,
) -> Review:
    """A review-log row as study.answer_card writes it (only what stats read matters), with the
    learner's quarter-hour tally it keeps beside the log: a study answer counts there unless it
    was undone (undo takes it back out)."""
    before = {**Memory(state=state, stability=stability).as_json(), "reps": 3, "lapses": 0}
    row = Review.objects.create(
        user=user,
        card=card,
        rating=rating,
        reviewed_at=at,
        state_before=before,
        state_after=before,
        **extra,
    )
    if row.source == "study" and not row.undone:
        tally.record(user_id=user.pk, at=at, rating=rating, before=before)
    return row


def make_state(user, card: Card, *, state: int = REVIEW, due: datetime = NOW, **extra: Any):
    fields: dict[str, Any] = {"stability": 10.0, "difficulty": 5.0, "last_review": due}
    fields.update(extra)
    return CardState.objects.create(
        user=user, card=card, deck=card.deck, state=state, due=due, **fields
    )


# --- local days --------------------------------------------------------------------------------


def test_a_review_at_2330_utc_is_the_next_day_in_berlin_and_the_same_day_in_new_york(
    user, topic
) -> None:
    card = make_card(topic)
    log_review(user, card, at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    log_review(user, card, at=datetime(2026, 3, 1, 22, 59, tzinfo=UTC))  # 23:59 in Berlin
    today = date(2026, 3, 2)

    berlin = stats.review_heatmap(user=user, today=today, tz=BERLIN)
    new_york = stats.review_heatmap(user=user, today=today, tz=NEW_YORK)

    assert berlin.counts == {date(2026, 3, 1): 1, date(2026, 3, 2): 1}
    assert new_york.counts == {date(2026, 3, 1): 2}
    assert berlin.start == date(2025, 3, 3) and berlin.end == today
    assert berlin.total == 2 and berlin.active_days == 2


def test_heatmap_days_follow_daylight_saving_changes(user, topic) -> None:
    card = make_card(topic)
    # Berlin moves from +1 to +2 at 01:00 UTC on 29 March 2026, and back on 25 October.
    for at in (
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # 00:30 CET on 29 March
        datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # 00:30 CEST on 30 March
        datetime(2026, 3, 29, 21, 30, tzinfo=UTC),  # 23:30 CEST on 29 March
        datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 00:30 CET on 26 October
        datetime(2026, 10, 25, 22, 30, tzinfo=UTC),  # 23:30 CET on 25 October
    ):
        log_review(user, card, at=at)

    heatmap = stats.review_heatmap(user=user, today=date(2026, 11, 1), tz=BERLIN)

    assert heatmap.counts == {
        date(2026, 3, 29): 2,
        date(2026, 3, 30): 1,
        date(2026, 10, 25): 1,
        date(2026, 10, 26): 1,
    }


def test_heatmap_covers_a_year_and_skips_undone_exam_and_other_users_reviews(user, topic) -> None:
    card = make_card(topic)
    other = make_user("other")
    today = date(2026, 3, 2)
    log_review(user, card, at=datetime(2025, 3, 3, 12, tzinfo=UTC))  # first day shown
    log_review(user, card, at=datetime(2025, 3, 2, 12, tzinfo=UTC))  # a year and a day ago
    log_review(user, card, at=NOW, undone=True)
    log_review(user, card, at=NOW, source="exam", rating=AGAIN)
    log_review(other, card, at=NOW)
    log_review(user, card, at=NOW + timedelta(days=2))  # the clock of another machine

    heatmap = stats.review_heatmap(user=user, today=today, tz=ZoneInfo("UTC"))

    assert heatmap.counts == {date(2025, 3, 3): 1}


def test_day_starts_are_local_midnights_in_utc_across_a_dst_change() -> None:
    starts = stats.day_starts(first=date(2026, 3, 28), days=3, tz=BERLIN)
    assert starts == [
        datetime(2026, 3, 27, 23, tzinfo=UTC),
        datetime(2026, 3, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 29, 22, tzinfo=UTC),  # the 29th has 23 hours
        datetime(2026, 3, 30, 22, tzinfo=UTC),
    ]
    kolkata = stats.day_starts(first=date(2026, 3, 2), days=1, tz=ZoneInfo("Asia/Kolkata"))
    assert kolkata[0] == datetime(2026, 3, 1, 18, 30, tzinfo=UTC)


def test_counts_between_refuses_a_join(user) -> None:
    with pytest.raises(ValueError):
        stats.counts_between(
            Review.objects.filter(card__status="active"), field="reviewed_at", bounds=[NOW, NOW]
        )


# --- forecast ----------------------------------------------------------------------------------


def test_forecast_counts_due_cards_per_local_day_with_overdue_on_today(user, topic) -> None:
    cards = make_cards(topic, 10)
    today = date(2026, 3, 2)
    make_state(user, cards[0], due=datetime(2026, 2, 20, 9, tzinfo=UTC))  # overdue
    make_state(user, cards[1], due=datetime(2026, 3, 2, 22, 30, tzinfo=UTC))  # 23:30 Berlin
    make_state(user, cards[2], due=datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # 00:30 tomorrow
    make_state(user, cards[3], state=LEARNING, due=datetime(2026, 3, 3, 8, tzinfo=UTC))
    make_state(user, cards[4], due=datetime(2026, 3, 31, 21, tzinfo=UTC))  # day 30: last shown
    make_state(user, cards[5], due=datetime(2026, 3, 31, 23, tzinfo=UTC))  # 1 April: not shown
    make_state(user, cards[6], due=NOW, suspended=True)
    make_state(user, cards[7], state=NEW, due=NOW)  # new after an undo: not a due review
    retired = make_card(topic, status=Card.Status.RETIRED)
    make_state(user, retired, due=NOW)
    make_state(make_user("other"), cards[8], due=NOW)

    forecast = stats.due_forecast(user=user, today=today, tz=BERLIN)

    assert len(forecast) == 30
    assert forecast[0] == (today, 2)
    assert forecast[1] == (date(2026, 3, 3), 2)
    assert forecast[29] == (date(2026, 3, 31), 1)
    assert sum(n for _day, n in forecast) == 5


# --- retention and buttons ---------------------------------------------------------------------


def test_true_retention_splits_young_and_mature_reviews_of_review_cards(user, topic) -> None:
    card = make_card(topic)
    since = datetime(2026, 2, 1, tzinfo=UTC)
    day = datetime(2026, 2, 20, tzinfo=UTC)
    # Young (stability < 21 days before the answer): 3 passed of 4.
    for rating in (AGAIN, HARD, GOOD, EASY):
        log_review(user, card, at=day, rating=rating, stability=20.9)
    # Mature: 1 passed of 3 (21 days counts as mature).
    log_review(user, card, at=day, rating=GOOD, stability=21.0)
    log_review(user, card, at=day, rating=AGAIN, stability=40.0)
    log_review(user, card, at=day, rating=AGAIN, stability=400.0)
    # Not counted: learning, relearning and new cards, undone, exam, too old, another learner.
    log_review(user, card, at=day, rating=AGAIN, state=LEARNING, stability=1.0)
    log_review(user, card, at=day, rating=GOOD, state=RELEARNING, stability=30.0)
    log_review(user, card, at=day, rating=GOOD, state=NEW, stability=None)
    log_review(user, card, at=day, rating=GOOD, undone=True)
    log_review(user, card, at=day, rating=AGAIN, source="exam")
    log_review(user, card, at=since - timedelta(seconds=1), rating=AGAIN)
    log_review(make_user("other"), card, at=day, rating=AGAIN)

    retention = stats.true_retention(user=user, since=since)

    assert retention == stats.Retention(
        young_passed=3, young_total=4, mature_passed=1, mature_total=3
    )
    assert retention.young == 0.75
    assert retention.mature == pytest.approx(1 / 3)
    assert retention.all == pytest.approx(4 / 7)


def test_true_retention_with_no_reviews_is_unknown(user) -> None:
    retention = stats.true_retention(user=user, since=NOW - timedelta(days=30))
    assert retention.young is None and retention.mature is None and retention.all is None


def test_answer_buttons_count_each_rating_for_learning_and_review_cards(user, topic) -> None:
    card = make_card(topic)
    since = datetime(2026, 2, 1, tzinfo=UTC)
    at = datetime(2026, 2, 10, tzinfo=UTC)
    for rating in (AGAIN, GOOD, GOOD, GOOD, EASY):
        log_review(user, card, at=at, rating=rating, state=REVIEW)
    for rating, state in ((AGAIN, NEW), (AGAIN, LEARNING), (GOOD, LEARNING), (HARD, RELEARNING)):
        log_review(user, card, at=at, rating=rating, state=state)
    log_review(user, card, at=at, rating=EASY, undone=True)
    log_review(user, card, at=at, rating=AGAIN, source="exam")
    log_review(user, card, at=since - timedelta(days=1), rating=EASY)
    log_review(make_user("other"), card, at=at, rating=HARD)

    buttons = stats.answer_buttons(user=user, since=since)

    assert buttons.review == {AGAIN: 1, HARD: 0, GOOD: 3, EASY: 1}
    assert buttons.learning == {AGAIN: 2, HARD: 1, GOOD: 1, EASY: 0}
    assert buttons.total == 9


# --- counts and mastery ------------------------------------------------------------------------


def test_card_counts_by_state(user, topic) -> None:
    cards = make_cards(topic, 12)
    make_card(topic, status=Card.Status.RETIRED)  # never counted
    make_state(user, cards[0], state=LEARNING)
    make_state(user, cards[1], state=REVIEW)
    make_state(user, cards[2], state=REVIEW)
    make_state(user, cards[3], state=RELEARNING)
    make_state(user, cards[4], state=REVIEW, suspended=True, is_leech=True)
    make_state(user, cards[5], state=NEW, suspended=True)  # suspended before study
    make_state(user, cards[6], state=NEW)  # new again after an undo
    make_state(user, cards[7], state=REVIEW, is_leech=True)  # unsuspended leech
    make_state(make_user("other"), cards[8], state=REVIEW)

    counts = stats.card_counts(user=user)

    assert counts == stats.StateCounts(
        new=5, learning=1, review=3, relearning=1, suspended=2, leeches=2
    )
    assert counts.total == 12


def test_mastery_is_mean_retrievability_with_unstudied_cards_as_zero_weakest_first(
    user, topic
) -> None:
    deck = topic.deck
    strong, weak, untouched = (make_topic(deck, t) for t in ("Strong", "Weak", "Untouched"))
    profile = study.profile_for(user)
    scheduler = study.scheduler_for(profile)
    fresh = make_card(strong)
    make_state(user, fresh, stability=30.0, last_review=NOW - timedelta(days=1))
    old = make_card(weak)
    make_state(user, old, stability=2.0, last_review=NOW - timedelta(days=10, hours=5))
    make_card(weak)  # never studied: counts 0
    make_card(untouched)
    make_state(make_user("other"), make_card(untouched), stability=50.0)

    mastery = stats.topic_mastery(user=user, now=NOW, profile=profile)

    def r(stability: float, last_review: datetime) -> float:
        memory = Memory(state=REVIEW, stability=stability, last_review=last_review, due=NOW)
        return fsrs_retrievability(memory, now=NOW, scheduler=scheduler)

    assert [t.title for t in mastery.weakest] == ["Weak", "Strong"]
    assert mastery.studied_topics == 2
    weakest, strongest = mastery.weakest
    assert (weakest.cards, weakest.studied) == (2, 1)
    # The SQL formula agrees with fsrs itself (whole days elapsed: 10, not 10.2).
    assert weakest.mastery == pytest.approx(r(2.0, NOW - timedelta(days=10, hours=5)) / 2)
    assert strongest.mastery == pytest.approx(r(30.0, NOW - timedelta(days=1)))
    assert 0.9 < strongest.mastery < 1 and weakest.mastery < 0.4


def test_mastery_respects_the_learners_desired_retention(user, topic) -> None:
    make_state(user, make_card(topic), stability=5.0, last_review=NOW - timedelta(days=5))
    profile = study.profile_for(user)
    at_90 = stats.topic_mastery(user=user, now=NOW, profile=profile).weakest[0].mastery
    # FSRS-6's curve does not depend on desired retention: R(t = S) is 0.9 whatever it is.
    profile.desired_retention = 0.8
    assert stats.topic_mastery(user=user, now=NOW, profile=profile).weakest[0].mastery == (
        pytest.approx(at_90)
    )
    assert at_90 == pytest.approx(0.9)


# --- exams -------------------------------------------------------------------------------------


def make_attempt(user, *, submitted_at: datetime | None, score: float | None, **extra: Any):
    return ExamAttempt.objects.create(
        user=user,
        seed=1,
        count=10,
        started_at=(submitted_at or NOW) - timedelta(minutes=20),
        submitted_at=submitted_at,
        score=score,
        correct_count=round((score or 0) * 10),
        **extra,
    )


def test_exam_trend_lists_submitted_mock_exam_scores_oldest_first(user) -> None:
    make_attempt(user, submitted_at=NOW - timedelta(days=1), score=0.8)
    make_attempt(user, submitted_at=NOW - timedelta(days=9), score=0.5)
    make_attempt(user, submitted_at=NOW - timedelta(days=3), score=0.7, mode="practice")
    make_attempt(user, submitted_at=None, score=None)  # still running
    make_attempt(make_user("other"), submitted_at=NOW, score=1.0)

    trend = stats.exam_trend(user=user)

    # Practice runs are not exams: left out, as the exam history leaves them out.
    assert [(a.score, a.mode) for a in trend] == [(0.5, "exam"), (0.8, "exam")]
    assert [a.score for a in stats.exam_trend(user=user, limit=1)] == [0.8]


def test_mastery_labels_keep_the_end_of_long_topic_paths() -> None:
    """Topic paths share their start; cutting the end made four bars read alike."""
    paths = [
        f"Kinesis Data Analytics: Windowed Queries › Window types › {name} windows"
        for name in ("Tumbling", "Sliding", "Stagger", "Continuous")
    ]
    shown = [charts.short_label(path, 56) for path in paths]
    assert len(set(shown)) == 4
    assert all(len(label) <= 56 for label in shown)
    assert shown[2] == "… › Window types › Stagger windows"
    svg = charts.hbar_chart(chart_id="m", title="t", rows=[(p, 0.5) for p in paths])
    assert "Stagger windows</text>" in svg


# --- the page ----------------------------------------------------------------------------------


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_stats_page_needs_login() -> None:
    response = Client().get("/stats/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_stats_page_only_answers_get(user) -> None:
    assert logged_in(user).post("/stats/").status_code == 405


def test_stats_page_shows_every_chart_with_a_title_and_data(
    user, topic, django_assert_max_num_queries
) -> None:
    StudyProfile.objects.create(user=user, timezone="Europe/Berlin", day_tally_zone="Europe/Berlin")
    cards = make_cards(topic, 4)
    now = datetime.now(UTC)
    for i, card in enumerate(cards[:3]):
        make_state(user, card, due=now + timedelta(days=i), last_review=now - timedelta(days=2))
        log_review(user, card, at=now - timedelta(days=i), rating=GOOD if i else AGAIN)
    make_attempt(user, submitted_at=now - timedelta(days=1), score=0.6)
    other = make_user("other")
    make_state(other, cards[3])
    for _ in range(7):
        log_review(other, cards[3], at=now, rating=EASY)
    client = logged_in(user)

    # The first visit computes the deck's card figures and stores them: a fixed number of
    # queries whatever the history's size.
    with django_assert_max_num_queries(25):
        first = client.get("/stats/")
    # Later ones read them. Session, user, profile; days 2 (the heatmap, the window's answers);
    # the decks with their stored figures 1; the shown topics' titles 1; exams 1.
    with django_assert_max_num_queries(8):
        response = client.get("/stats/")

    # Identical but for the CSRF token, which is masked afresh on every response.
    def unmasked(html: bytes) -> str:
        return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html.decode())

    assert unmasked(first.content) == unmasked(response.content)

    html = response.content.decode()
    assert response.status_code == 200
    # Six charts; mastery is a table whose rows carry their own bars (meters).
    assert html.count('role="img"') == 6
    assert html.count("<title id=") == 6
    assert html.count("<summary>Data</summary>") == 6
    assert html.count("<meter ") == 1  # one topic studied
    assert "<th>Busiest day</th>" in html  # the heatmap's month table, not a row a day
    assert "3 answers on 3 days" in html  # the other learner's 7 are not here
    assert f'href="/study/topic/{topic.pk}/"' in html
    assert "Europe/Berlin" in html


def test_stats_page_for_a_new_learner(user) -> None:
    html = logged_in(user).get("/stats/").content.decode()
    assert "0 answers on 0 days" in html
    assert "No exams submitted yet" in html
    assert "Study some cards" in html


def test_stats_page_escapes_topic_titles(user, topic) -> None:
    evil = make_topic(topic.deck, "<script>alert(1)</script>")
    make_state(user, make_card(evil), last_review=datetime.now(UTC))
    html = logged_in(user).get("/stats/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- the SVG builders (pure) -------------------------------------------------------------------


def test_charts_are_images_with_escaped_titles() -> None:
    svg = charts.hbar_chart(chart_id="x", title='A "title" <b>', rows=[("<i>t</i> & co", 0.5)])
    assert svg.startswith('<svg class="chart hbars" role="img" aria-labelledby="x-title"')
    assert '<title id="x-title">A &quot;title&quot; &lt;b&gt;</title>' in svg
    assert "<i>" not in svg and "&lt;i&gt;t&lt;/i&gt; &amp; co" in svg


def test_heatmap_draws_one_square_per_day() -> None:
    start, end = date(2025, 3, 3), date(2026, 3, 2)
    svg = charts.calendar_heatmap(
        chart_id="h", title="t", start=start, end=end, counts={date(2026, 3, 1): 4}
    )
    # One square, drawn 365 times; only days with answers carry a tooltip.
    assert svg.count("<rect") == 1
    assert svg.count("<use ") == 365
    assert svg.count('class="h4"') == 1
    assert svg.count("<title") == 2  # the chart's and the one day's
    assert "<title>1 Mar: 4</title>" in svg
    # A column per week (53 here), each day in its weekday's row.
    assert svg.count("<g transform=") == 53
    assert '<g transform="translate(30 16)"><use href="#h-d" class="h0"/>' in svg


def test_month_summaries_are_the_heatmaps_text() -> None:
    start, end = date(2025, 3, 3), date(2026, 3, 2)
    counts = {date(2025, 3, 3): 2, date(2025, 3, 9): 5, date(2025, 3, 10): 5, date(2026, 3, 1): 4}
    months = charts.month_summaries(start=start, end=end, counts=counts)
    assert [m.month for m in months][:2] == [date(2025, 3, 1), date(2025, 4, 1)]
    assert len(months) == 13 and months[-1].month == date(2026, 3, 1)
    march = months[0]
    assert (march.answers, march.active_days, march.busiest_day, march.busiest) == (
        12,
        3,
        date(2025, 3, 9),  # the first of the busiest days
        5,
    )
    assert (months[1].answers, months[1].busiest_day) == (0, None)
    assert sum(m.answers for m in months) == sum(counts.values())


def test_heat_levels() -> None:
    assert [charts.heat_level(n, 8) for n in (0, 1, 2, 3, 4, 5, 8, 9)] == [0, 1, 1, 2, 2, 3, 4, 4]


def test_bar_and_line_charts_draw_each_value() -> None:
    bars = charts.bar_chart(
        chart_id="b",
        title="t",
        labels=["a", "b"],
        series=[charts.Series("S", "chart-bar", [1, 3]), charts.Series("T", "x", [0, 2])],
    )
    assert bars.count('class="chart-bar"') == 3  # two bars and the legend swatch
    line = charts.line_chart(chart_id="l", title="t", points=[("1 Mar", 0.5), ("2 Mar", 0.9)])
    assert line.count("<circle") == 2 and "2 Mar: 90%" in line


# --- the summaries kept on write (quiz.tally, CardState.topic) ---------------------------------


def _log_figures(user, *, since: datetime, today: date, tz: ZoneInfo):
    """The heatmap and the window's answers counted from the review log itself."""
    bounds = stats.day_starts(first=today - timedelta(days=364), days=365, tz=tz)
    heat = stats.counts_between(stats._study_reviews(user), field="reviewed_at", bounds=bounds)
    found = {k: dict.fromkeys((AGAIN, HARD, GOOD, EASY), 0) for k in tally.PHASES}
    for kind, rating, n in stats._answers_from_log(user=user, since=since):
        found[kind][rating] += n
    return [n for n in heat if n], stats.Answers(**found)


def test_tallies_kept_by_answers_and_undo_match_the_review_log(user, topic) -> None:
    cards = make_cards(topic, 6)
    young = make_state(user, cards[0], stability=5.0, last_review=NOW - timedelta(days=5))
    make_state(user, cards[1], stability=30.0, last_review=NOW - timedelta(days=30))
    make_state(user, cards[2], state=LEARNING, stability=0.5, last_review=NOW)
    moments = [NOW + timedelta(minutes=m) for m in (0, 7, 14, 15, 60 * 9, 60 * 24 * 3)]
    for card, rating, at in zip(
        cards[:3] * 2, (GOOD, AGAIN, HARD, EASY, GOOD, AGAIN), moments, strict=True
    ):
        state = CardState.objects.get(user=user, card=card)
        study.answer_card(user=user, card=card, rating=rating, version=state.version, now=at)
    # A new card's first answer, an exam answer (not counted), and an undone study answer.
    study.answer_card(user=user, card=cards[3], rating=GOOD, version=0, now=moments[-1])
    study.answer_card(
        user=user, card=cards[4], rating=AGAIN, version=0, now=moments[-1], source="exam"
    )
    young.refresh_from_db()
    study.answer_card(user=user, card=cards[0], rating=EASY, version=young.version, now=moments[-1])
    assert study.undo_last(user=user) is not None

    tz = BERLIN
    today = (NOW + timedelta(days=4)).astimezone(tz).date()
    since = local_midnight(today - timedelta(days=29), tz)
    heat, answers = _log_figures(user, since=since, today=today, tz=tz)
    heatmap = stats.review_heatmap(user=user, today=today, tz=tz)
    assert [n for _day, n in sorted(heatmap.counts.items())] == heat
    assert heatmap.total == 7
    assert stats.answers_since(user=user, since=since) == answers
    assert answers.buttons.total == 7 and sum(answers.learning.values()) > 0
    # Rebuilding from the log (what migration 0005 does) gives the same rows.
    fields = ["quarter", "answers", *tally.COUNTERS]
    kept = sorted(ReviewTally.objects.filter(user=user).exclude(answers=0).values_list(*fields))
    tally.rebuild(user_ids=[user.pk])
    assert sorted(ReviewTally.objects.filter(user=user).values_list(*fields)) == kept


def _days_match_the_log(user, *, today: date) -> stats.Heatmap:
    """The page's day rows (recut first if the zone moved) against the log counted afresh."""
    profile = StudyProfile.objects.get(user=user)
    tz = study.zone(profile.timezone)
    heatmap, answers = stats.days_overview(user=user, today=today, profile=profile, tz=tz)
    since = local_midnight(today - timedelta(days=29), tz)
    heat, from_log = _log_figures(user, since=since, today=today, tz=tz)
    assert [n for _day, n in sorted(heatmap.counts.items())] == heat
    assert heatmap == stats.review_heatmap(user=user, today=today, tz=tz)
    assert answers == from_log
    assert StudyProfile.objects.get(user=user).day_tally_zone == profile.timezone
    return heatmap


def test_day_tallies_follow_answers_undo_resets_and_time_zone_changes(user, topic) -> None:
    StudyProfile.objects.create(user=user, timezone="Europe/Berlin", day_tally_zone="Europe/Berlin")
    cards = make_cards(topic, 4)
    make_state(user, cards[0], stability=5.0, last_review=NOW - timedelta(days=5))
    make_state(user, cards[1], stability=30.0, last_review=NOW - timedelta(days=30))
    # Around Berlin's midnight (23:00 UTC in winter) and New York's (05:00 UTC), a day apart.
    moments = [
        datetime(2026, 3, 1, 22, 50, tzinfo=UTC),
        datetime(2026, 3, 1, 23, 10, tzinfo=UTC),
        datetime(2026, 3, 2, 4, 55, tzinfo=UTC),
        datetime(2026, 3, 2, 5, 5, tzinfo=UTC),
    ]
    for card, rating, at in zip(cards[:2] * 2, (GOOD, AGAIN, HARD, EASY), moments, strict=True):
        state = CardState.objects.get(user=user, card=card)
        study.answer_card(user=user, card=card, rating=rating, version=state.version, now=at)
    study.answer_card(user=user, card=cards[2], rating=GOOD, version=0, now=moments[-1])
    today = date(2026, 3, 3)
    heatmap = _days_match_the_log(user, today=today)
    assert heatmap.counts == {date(2026, 3, 1): 1, date(2026, 3, 2): 4}

    # Undo takes the latest answer back out of its day.
    assert study.undo_last(user=user) is not None
    assert _days_match_the_log(user, today=today).total == 4
    # Resetting a card forgets its schedule, never its answers.
    states = CardState.objects.filter(user=user, card=cards[0])
    assert browser.reset_to_new(user=user, states=states, now=moments[-1]) == 1
    assert _days_match_the_log(user, today=today).total == 4

    # The learner moves to New York in the settings: the days are recut at once.
    client = Client()
    client.force_login(user)
    form = {
        "desired_retention": "0.9",
        "new_per_day": "20",
        "max_reviews_per_day": "200",
        "learning_steps": "1m 10m",
        "relearning_steps": "10m",
        "timezone": "America/New_York",
    }
    assert client.post("/study/settings/", form).status_code == 302
    assert StudyProfile.objects.get(user=user).day_tally_zone == "America/New_York"
    heatmap = _days_match_the_log(user, today=today)
    assert heatmap.counts == {date(2026, 3, 1): 3, date(2026, 3, 2): 1}
    # Answers after the move land on New York's days.
    state = CardState.objects.get(user=user, card=cards[1])
    study.answer_card(user=user, card=cards[1], rating=GOOD, version=state.version, now=moments[-1])
    assert _days_match_the_log(user, today=today).counts[date(2026, 3, 2)] == 2

    # A zone changed behind the settings form's back (the admin, a script) is caught by the
    # statistics page, which recuts the days before reading them.
    StudyProfile.objects.filter(user=user).update(timezone="Asia/Kathmandu")  # UTC+5:45
    heatmap = _days_match_the_log(user, today=today)
    assert heatmap.total == 5
    # And the whole rebuild from the log gives the very rows kept by answering.
    fields = ["day", "answers", *tally.COUNTERS]
    kept = sorted(ReviewDay.objects.filter(user=user).exclude(answers=0).values_list(*fields))
    tally.rebuild(user_ids=[user.pk])
    assert sorted(ReviewDay.objects.filter(user=user).values_list(*fields)) == kept


def test_a_window_not_on_a_quarter_hour_is_counted_from_the_log(user, topic) -> None:
    card = make_card(topic)
    log_review(user, card, at=datetime(2026, 2, 20, 10, 5, tzinfo=UTC), rating=AGAIN)
    log_review(user, card, at=datetime(2026, 2, 20, 10, 10, tzinfo=UTC), rating=GOOD)
    assert stats.quarters([datetime(2026, 2, 20, 10, 7, tzinfo=UTC)]) is None
    assert stats.quarters([datetime(2026, 2, 20, 10, 15, tzinfo=UTC)]) == [
        int(datetime(2026, 2, 20, 10, 15, tzinfo=UTC).timestamp()) // 900
    ]
    late = stats.answers_since(user=user, since=datetime(2026, 2, 20, 10, 7, tzinfo=UTC))
    assert late.young == {AGAIN: 0, HARD: 0, GOOD: 1, EASY: 0}
    whole = stats.answers_since(user=user, since=datetime(2026, 2, 20, 10, tzinfo=UTC))
    assert whole.young == {AGAIN: 1, HARD: 0, GOOD: 1, EASY: 0}


def test_states_carry_their_cards_topic_and_follow_a_move(user, topic) -> None:
    other = make_topic(topic.deck, "Firehose")
    card = make_card(topic)
    study.answer_card(user=user, card=card, rating=GOOD, version=0, now=NOW)
    state = CardState.objects.get(user=user, card=card)
    assert state.topic_id == topic.pk
    Card.objects.filter(pk=card.pk).update(topic=other)
    assert CardState.sync_topics([card.pk]) == 1
    state.refresh_from_db()
    assert state.topic_id == other.pk
    profile = study.profile_for(user)
    assert [t.title for t in stats.topic_mastery(user=user, now=NOW, profile=profile).weakest] == [
        "Firehose"
    ]


def test_mastery_and_counts_with_a_missing_state_topic_and_retired_cards(user, topic) -> None:
    cards = make_cards(topic, 4)
    make_state(user, cards[0], stability=30.0, last_review=NOW - timedelta(days=1))
    make_state(user, cards[1], stability=30.0, last_review=NOW - timedelta(days=1))
    make_state(user, cards[2], state=LEARNING)
    retired = make_card(topic, status=Card.Status.RETIRED)
    make_state(user, retired, stability=1.0, last_review=NOW - timedelta(days=20), is_leech=True)
    profile = study.profile_for(user)
    before = stats.cards_overview(user=user, now=NOW, profile=profile)
    # A state written around both the model and the study code: its card's topic is used.
    CardState.objects.filter(user=user, card=cards[1]).update(topic=None)

    after = stats.cards_overview(user=user, now=NOW, profile=profile)

    assert (
        after.counts
        == before.counts
        == stats.StateCounts(new=1, learning=1, review=2, relearning=0, suspended=0, leeches=0)
    )
    (mastery,) = after.mastery.weakest
    assert (mastery.cards, mastery.studied) == (4, 3)
    assert mastery.mastery == pytest.approx(before.mastery.weakest[0].mastery)


def test_stats_page_counts_agree_with_their_nouns(user, topic) -> None:
    card = make_cards(topic, 1)[0]
    now = datetime.now(UTC)
    make_state(user, card, due=now + timedelta(days=1), last_review=now)
    log_review(user, card, at=now, rating=GOOD)
    html = logged_in(user).get("/stats/").content.decode()
    assert "1 answer on 1 day." in html
