"""Studying: the queue, answering, limits, the day boundary, undo, leeches, isolation, speed."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from quiz import study
from quiz.models import Card, CardState, Review, StudyProfile
from quiz.scheduling import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    LEARNING,
    NEW,
    RATINGS,
    REVIEW,
    Memory,
    format_interval,
    review,
)
from tests.factory import make_card, make_cards, make_deck, make_topic, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def deck():
    return make_deck("Streaming")


@pytest.fixture
def topic(deck):
    return make_topic(deck, "Kinesis")


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def answer(user, card, rating=GOOD, now=NOW, **extra: Any) -> study.AnswerResult:
    state = CardState.objects.filter(user=user, card=card).first()
    version = state.version if state else 0
    return study.answer_card(user=user, card=card, rating=rating, version=version, now=now, **extra)


def make_review_card(user, card, *, due: datetime, stability: float = 10.0, lapses: int = 0):
    """A card this learner already knows, due at `due`."""
    return CardState.objects.create(
        user=user,
        card=card,
        deck=card.deck,
        state=REVIEW,
        stability=stability,
        difficulty=5.0,
        due=due,
        last_review=due - timedelta(days=stability),
        reps=3,
        lapses=lapses,
    )


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))


def reveal(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    link = re.search(r'hx-get="([^"]*show=answer[^"]*)"', page)[1].replace("&amp;", "&")
    return client.get(link, HTTP_HX_REQUEST="true").content.decode()


# --- scheduling follows fsrs -------------------------------------------------------------------


@pytest.mark.parametrize("rating", RATINGS)
def test_ratings_move_due_dates_exactly_as_fsrs_computes(user, topic, rating) -> None:
    card = make_card(topic)
    profile = study.profile_for(user)
    scheduler = study.scheduler_for(profile)

    first = answer(user, card, rating)
    expected = review(Memory(), rating, now=NOW, scheduler=scheduler, fuzz_seed=card.pk * 1000)
    assert first.recorded
    assert first.state.due == expected.due
    assert first.state.state == expected.state
    assert first.state.stability == pytest.approx(expected.stability)

    later = NOW + timedelta(days=3)
    second = answer(user, card, rating, now=later)
    expected2 = review(
        expected, rating, now=later, scheduler=scheduler, fuzz_seed=card.pk * 1000 + 1
    )
    assert second.state.due == expected2.due
    assert second.review.state_before["due"] == expected.due.isoformat()
    assert second.review.state_after["reps"] == 2


def test_review_card_intervals_previewed_on_the_page_are_what_answering_gives(
    client, user, deck, topic
) -> None:
    card = make_card(topic)
    due = datetime.now(UTC) - timedelta(hours=1)
    make_review_card(user, card, due=due, stability=40)
    html = reveal(login(client, user), f"/study/deck/{deck.slug}/")
    shown = re.findall(r'class="interval">([^<]+)<', html)
    assert len(shown) == 4
    fields = form_fields(html)
    client.post("/study/answer/", {**fields, "rating": EASY}, HTTP_HX_REQUEST="true")
    state = CardState.objects.get(user=user, card=card)
    review_row = Review.objects.get()
    assert format_interval(state.due - review_row.reviewed_at) == shown[EASY - 1]


# --- the queue ---------------------------------------------------------------------------------


def test_new_cards_come_in_notes_order_across_topics(user, deck, topic) -> None:
    later = make_topic(deck, "Firehose")
    first, second = make_card(topic, order=1), make_card(later, order=2)
    zeroth = make_card(later, order=0)
    seen = []
    now = NOW
    for _ in range(3):
        shown = study.next_card(user=user, scope=study.Scope(), now=now).shown
        seen.append(shown.card.pk)
        answer(user, shown.card, EASY, now=now)
        now += timedelta(seconds=5)
    assert seen == [zeroth.pk, first.pk, second.pk]


def test_new_cards_are_interleaved_with_due_reviews(user, topic) -> None:
    StudyProfile.objects.create(user=user, new_per_day=2, max_reviews_per_day=100)
    new_cards = make_cards(topic, 2)
    for card in make_cards(topic, 4):
        make_review_card(user, card, due=NOW - timedelta(hours=2))
    kinds = []
    now = NOW
    while (shown := study.next_card(user=user, scope=study.Scope(), now=now).shown) is not None:
        kinds.append("new" if shown.is_new else "review")
        answer(user, shown.card, EASY, now=now)
        now += timedelta(seconds=10)
    assert kinds.count("new") == 2 and kinds.count("review") == 4
    assert kinds[0] == "new" and kinds[-1] == "review"
    assert kinds != ["new", "new", "review", "review", "review", "review"]
    assert {c.pk for c in new_cards} <= set(CardState.objects.values_list("card_id", flat=True))


def test_learning_cards_due_within_the_session_come_back(user, topic) -> None:
    card = make_card(topic)
    answer(user, card, AGAIN)
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(seconds=30))
    # Due in a minute: nothing else to do, so it is shown early (learn-ahead).
    assert queue.shown.card == card and queue.learning == 1
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(hours=1))
    assert queue.shown.card == card


def test_daily_new_limit(user, topic) -> None:
    StudyProfile.objects.create(user=user, new_per_day=3)
    make_cards(topic, 5)
    answered = 0
    now = NOW
    while (queue := study.next_card(user=user, scope=study.Scope(), now=now)).shown:
        answer(user, queue.shown.card, EASY, now=now)
        answered += 1
        now += timedelta(seconds=1)
    assert answered == 3
    tomorrow = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(days=1))
    assert tomorrow.new == 2


def test_daily_review_limit_counts_only_review_cards(user, topic) -> None:
    StudyProfile.objects.create(user=user, new_per_day=0, max_reviews_per_day=2)
    for card in make_cards(topic, 4):
        make_review_card(user, card, due=NOW - timedelta(days=1))
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW)
    assert queue.reviews == 2
    answer(user, queue.shown.card, AGAIN)  # relearning: still shown though the limit is near
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW)
    assert queue.reviews == 1
    answer(user, queue.shown.card, EASY)
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(minutes=15))
    assert queue.reviews == 0
    assert queue.shown is not None and queue.shown.memory.state != REVIEW  # the relearning card


def test_day_boundary_is_4am_in_the_learners_time_zone(user, topic) -> None:
    StudyProfile.objects.create(user=user, new_per_day=1, timezone="America/New_York")
    make_cards(topic, 3)
    # 03:30 in New York (UTC-5 in March before DST) is still "yesterday" there.
    late = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    start, end = study.day_bounds(now=late, timezone="America/New_York")
    assert start == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

    shown = study.next_card(user=user, scope=study.Scope(), now=late).shown
    answer(user, shown.card, EASY, now=late)
    assert study.next_card(user=user, scope=study.Scope(), now=late).new == 0
    # At 04:00 New York time the new day starts and one more new card is offered.
    after = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert study.next_card(user=user, scope=study.Scope(), now=after).new == 1
    # In UTC the same instants fall on one day boundary at 04:00 UTC instead.
    assert study.day_bounds(now=late, timezone="UTC")[0] == datetime(2026, 3, 3, 4, tzinfo=UTC)


def test_topic_scope_includes_subtopics_only(user, deck, topic) -> None:
    sub = make_topic(deck, "Shards", parent=topic)
    other = make_topic(deck, "Firehose")
    inside = {make_card(topic).pk, make_card(sub).pk}
    make_card(other)
    scope = study.scope_for(topic=topic)
    seen = set()
    now = NOW
    while (shown := study.next_card(user=user, scope=scope, now=now).shown) is not None:
        seen.add(shown.card.pk)
        answer(user, shown.card, EASY, now=now)
    assert seen == inside


def test_retired_cards_leave_the_queue_and_keep_their_history(user, topic) -> None:
    card, other = make_cards(topic, 2)
    answer(user, card, AGAIN)
    Card.objects.filter(pk=card.pk).update(status=Card.Status.RETIRED)
    card.refresh_from_db()
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(hours=1))
    assert queue.shown.card == other and queue.learning == 0
    assert Review.objects.filter(card=card).count() == 1
    assert not answer(user, card, GOOD).recorded


def test_reimport_inserting_a_card_before_the_cursor_is_still_offered(user, deck, topic) -> None:
    cards = make_cards(topic, 3)
    for card in cards:
        answer(user, card, EASY)
    assert study.next_card(user=user, scope=study.scope_for(deck=deck), now=NOW).new == 0
    inserted = make_card(topic, order=0)
    Card.objects.filter(pk__in=[c.pk for c in cards]).update(order=10)
    # The importer stamps imported_at on every applied import: the cursor is reset.
    deck.imported_at = NOW
    deck.save()
    queue = study.next_card(user=user, scope=study.scope_for(deck=deck), now=NOW)
    assert queue.shown.card == inserted


# --- double submit, undo -----------------------------------------------------------------------


def test_stale_token_replay_records_nothing_and_shows_the_current_card(
    client, user, deck, topic
) -> None:
    make_cards(topic, 2)
    html = reveal(login(client, user), f"/study/deck/{deck.slug}/")
    fields = {**form_fields(html), "rating": GOOD}
    first = client.post("/study/answer/", fields, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and Review.objects.count() == 1
    again = client.post("/study/answer/", fields, HTTP_HX_REQUEST="true")
    assert Review.objects.count() == 1
    assert "already recorded" in again.content.decode()
    # Without htmx (back button and resubmit) it redirects to the study page, still once.
    plain = client.post("/study/answer/", fields)
    assert plain.status_code == 302 and Review.objects.count() == 1


def test_stale_version_in_the_service_records_nothing(user, topic) -> None:
    card = make_card(topic)
    assert answer(user, card, GOOD).recorded
    stale = study.answer_card(user=user, card=card, rating=EASY, version=0, now=NOW)
    assert not stale.recorded
    assert Review.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_processes_answering_the_same_card_at_once_record_one_review(topic) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a server database")
    user = make_user("racer")
    card = make_card(topic)
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def race() -> None:
        try:
            barrier.wait()
            results.append(
                study.answer_card(user=user, card=card, rating=GOOD, version=0, now=NOW).recorded
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert Review.objects.filter(card=card).count() == 1
    assert CardState.objects.get(card=card).version == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("studied_before", [False, True], ids=["new card", "studied card"])
def test_two_tabs_in_two_processes_posting_the_same_answer_at_once_record_one_review(
    deck, topic, studied_before
) -> None:
    """The answer view, not just the service: several clients, each in its own thread with its
    own database connection (as separate gunicorn workers have), post the same answer form at
    the same instant. PostgreSQL runs them truly in parallel; exactly one may be recorded."""
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers need a server database; SQLite serialises every write")
    user = make_user("racer")
    card = make_card(topic)
    if studied_before:
        answer(user, card, GOOD)
    client = login(Client(), user)
    html = reveal(client, f"/study/deck/{deck.slug}/")
    fields = {**form_fields(html), "rating": str(GOOD)}
    assert fields["card"] == str(card.pk)
    session = client.cookies["sessionid"].value
    reviews_before = Review.objects.filter(card=card).count()
    racers = 4
    barrier = threading.Barrier(racers)
    outcomes: list[tuple[int, bool, int]] = []

    def race() -> None:
        tab = Client()
        tab.cookies["sessionid"] = session
        try:
            with connection.cursor() as cursor:  # this thread's own connection
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            barrier.wait(timeout=10)
            response = tab.post("/study/answer/", fields, HTTP_HX_REQUEST="true")
            body = response.content.decode()
            outcomes.append((response.status_code, "already recorded" not in body, pid))
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({pid for _, _, pid in outcomes}) == racers  # really separate connections
    assert [status for status, _, _ in outcomes] == [200] * racers
    assert sorted(recorded for _, recorded, _ in outcomes) == [False] * (racers - 1) + [True]
    assert Review.objects.filter(card=card).count() == reviews_before + 1
    assert CardState.objects.get(card=card).version == int(fields["version"]) + 1


def test_undo_restores_the_previous_state_exactly_and_marks_the_review(user, topic) -> None:
    card = make_card(topic)
    answer(user, card, GOOD)
    before = study.snapshot(CardState.objects.get(card=card))
    second = answer(user, card, AGAIN, now=NOW + timedelta(minutes=11))
    undone = study.undo_last(user=user)
    assert undone.pk == second.review.pk
    state = CardState.objects.get(card=card)
    restored = study.snapshot(state)
    assert {k: v for k, v in restored.items() if k != "version"} == {
        k: v for k, v in before.items() if k != "version"
    }
    assert state.version > second.state.version  # an old answer form stays stale
    assert Review.objects.get(pk=second.review.pk).undone
    assert Review.objects.count() == 2  # never deleted


def test_undoing_a_first_answer_makes_the_card_new_again_and_first_in_line(user, topic) -> None:
    first, _second = make_cards(topic, 2)
    answer(user, first, EASY)
    study.undo_last(user=user)
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW)
    assert queue.shown.card == first and queue.shown.is_new and queue.new == 2
    assert study.today_counts(user=user, start=NOW - timedelta(hours=1)).new == 0
    assert answer(user, first, GOOD).recorded


def test_undo_view_shows_the_undone_card_again(client, user, deck, topic) -> None:
    card, _other = make_cards(topic, 2)
    html = reveal(login(client, user), f"/study/deck/{deck.slug}/")
    client.post("/study/answer/", {**form_fields(html), "rating": EASY}, HTTP_HX_REQUEST="true")
    review_row = Review.objects.get()
    response = client.post(
        "/study/undo/",
        {"review": review_row.pk, "scope": f"deck:{deck.pk}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f"<p>{card.prompt_md}</p>" in response.content.decode()
    assert Review.objects.get().undone
    # Undoing twice does nothing more.
    client.post("/study/undo/", {"review": review_row.pk}, HTTP_HX_REQUEST="true")
    assert CardState.objects.get(card=card).state == NEW


# --- suspend, bury, leeches --------------------------------------------------------------------


def test_suspend_and_bury_take_cards_out_of_the_queue(user, topic) -> None:
    profile = StudyProfile.objects.create(user=user, timezone="UTC")
    a, b, c = make_cards(topic, 3)
    assert study.suspend_card(user=user, card=a, version=0, now=NOW)
    assert study.bury_card(user=user, card=b, version=0, now=NOW, profile=profile)
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW)
    assert queue.shown.card == c and queue.new == 1
    # Buried until the next 4 am; then it is back, the suspended card is not.
    tomorrow = study.next_card(
        user=user, scope=study.Scope(), now=datetime(2026, 3, 3, 4, 1, tzinfo=UTC)
    )
    assert tomorrow.shown.card == b
    assert not study.suspend_card(user=user, card=a, version=0, now=NOW)  # stale version


def test_eight_lapses_make_a_suspended_leech_listed_and_unsuspendable(client, user, topic) -> None:
    card = make_card(topic)
    make_review_card(user, card, due=NOW, lapses=7)
    result = answer(user, card, AGAIN)
    assert result.became_leech
    state = CardState.objects.get(card=card)
    assert state.suspended and state.is_leech and state.lapses == 8
    assert (
        study.next_card(user=user, scope=study.Scope(), now=NOW + timedelta(days=1)).shown is None
    )

    page = login(client, user).get("/study/leeches/")
    assert card.prompt_md in page.content.decode()
    response = client.post(f"/study/leeches/{card.pk}/unsuspend/")
    assert response.status_code == 302
    state.refresh_from_db()
    assert not state.suspended and state.is_leech


def test_suspend_and_bury_views(client, user, deck, topic) -> None:
    a, b = make_cards(topic, 2)
    login(client, user)
    scope = f"deck:{deck.pk}"
    client.post("/study/suspend/", {"card": a.pk, "version": 0, "scope": scope})
    response = client.post(
        "/study/bury/", {"card": b.pk, "version": 0, "scope": scope}, HTTP_HX_REQUEST="true"
    )
    assert CardState.objects.get(card=a).suspended
    assert CardState.objects.get(card=b).buried_until is not None
    assert 'data-testid="summary"' in response.content.decode()


# --- isolation ---------------------------------------------------------------------------------


def test_one_learner_never_sees_or_changes_anothers_progress(client, user, topic) -> None:
    other = make_user("other")
    card = make_card(topic)
    theirs = answer(other, card, AGAIN)
    make_review_card(other, make_card(topic), due=NOW)
    make_review_card(other, leech := make_card(topic), due=NOW)
    CardState.objects.filter(card=leech).update(suspended=True, is_leech=True)
    login(client, user)

    assert client.post("/study/undo/", {"review": theirs.review.pk}).status_code == 404
    assert client.post(f"/study/leeches/{leech.pk}/unsuspend/").status_code == 404
    assert leech.prompt_md not in client.get("/study/leeches/").content.decode()
    assert not Review.objects.get(pk=theirs.review.pk).undone

    # My queue starts fresh on the same shared cards; my answer leaves theirs untouched.
    queue = study.next_card(user=user, scope=study.Scope(), now=NOW)
    assert queue.shown.card == card and queue.shown.version == 0 and queue.reviews == 0
    assert answer(user, card, EASY).recorded
    assert CardState.objects.get(user=other, card=card).version == theirs.state.version
    assert study.undo_last(user=user).user_id == user.pk
    assert not Review.objects.get(pk=theirs.review.pk).undone


def test_study_pages_need_login_and_posts_need_csrf(user, deck, topic) -> None:
    card = make_card(topic)
    anonymous = Client()
    assert anonymous.get("/study/").status_code == 302
    assert anonymous.post("/study/answer/", {"card": card.pk}).status_code == 302
    strict = login(Client(enforce_csrf_checks=True), user)
    fields = {"card": card.pk, "version": 0, "rating": GOOD, "scope": "all"}
    assert strict.post("/study/answer/", fields).status_code == 403
    assert not Review.objects.exists()


def test_bad_input_is_rejected(client, user, topic) -> None:
    card = make_card(topic)
    login(client, user)
    base = {"card": card.pk, "version": 0, "scope": "all"}
    assert client.post("/study/answer/", {**base, "rating": 7}).status_code == 400
    assert (
        client.post("/study/answer/", {**base, "rating": 3, "scope": "deck:999"}).status_code == 404
    )
    assert client.post("/study/answer/", {**base, "rating": 3, "card": 999}).status_code == 404
    assert client.get("/study/topic/999/").status_code == 404


# --- duration, settings, dashboard -------------------------------------------------------------


def test_duration_comes_from_the_signed_shown_time_and_is_capped(user, topic) -> None:
    card = make_card(topic)
    token = study.shown_token(card_id=card.pk, now=NOW)
    assert study.duration_from_token(token, card_id=card.pk, now=NOW + timedelta(seconds=7)) == 7000
    assert (
        study.duration_from_token(token, card_id=card.pk, now=NOW + timedelta(minutes=5)) == 60000
    )
    assert study.duration_from_token(token, card_id=card.pk + 1, now=NOW) is None
    assert study.duration_from_token(token + "x", card_id=card.pk, now=NOW) is None
    result = answer(
        user,
        card,
        GOOD,
        duration_ms=study.duration_from_token(
            token, card_id=card.pk, now=NOW + timedelta(seconds=4)
        ),
    )
    assert result.review.duration_ms == 4000


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("desired_retention", "0.85", True),
        ("desired_retention", "0.5", False),
        ("desired_retention", "1.0", False),
        ("learning_steps", "30s 5m 1h", True),
        ("learning_steps", "1 minute", False),
        ("relearning_steps", "10x", False),
        ("timezone", "Europe/Berlin", True),
        ("timezone", "Mars/Olympus", False),
        ("new_per_day", "-1", False),
    ],
)
def test_settings_are_validated(client, user, field, value, ok) -> None:
    login(client, user)
    data = {
        "desired_retention": "0.9",
        "new_per_day": "20",
        "max_reviews_per_day": "200",
        "learning_steps": "1m 10m",
        "relearning_steps": "10m",
        "timezone": "UTC",
        field: value,
    }
    response = client.post("/study/settings/", data)
    profile = StudyProfile.objects.get(user=user)
    if ok:
        assert response.status_code == 302
        assert str(getattr(profile, field)) == value
    else:
        assert response.status_code == 200
        assert getattr(profile, field) == StudyProfile._meta.get_field(field).default


def test_dashboard_counts_new_learning_and_due_per_deck_and_topic(
    client, user, deck, topic
) -> None:
    sub = make_topic(deck, "Shards", parent=topic)
    learning_card, due_card, *_new = make_cards(sub, 4)
    study.answer_card(user=user, card=learning_card, rating=AGAIN, version=0, now=datetime.now(UTC))
    make_review_card(user, due_card, due=datetime.now(UTC) - timedelta(hours=1))
    make_deck("Empty deck")
    counts = study.counts_by(
        user=user, now=datetime.now(UTC), field="deck", profile=study.profile_for(user)
    )
    assert counts[deck.pk] == study.Counts(new=2, learning=1, due=1)
    html = login(client, user).get("/").content.decode()
    assert f'href="/study/deck/{deck.slug}/"' in html
    assert f'href="/study/topic/{topic.pk}/"' in html and 'href="/study/"' in html
    # The parent topic's counts include its subtopic's.
    row = re.search(rf'/study/topic/{topic.pk}/".*?</li>', html, re.S)[0]
    assert re.findall(r'title="(?:New|Learning|Due today)">(\d+)<', row) == ["2", "1", "1"]


def test_show_source_loads_the_topics_notes_as_a_partial(client, user, topic) -> None:
    login(client, user)
    response = client.get(f"/topics/{topic.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<p>Notes about Kinesis.</p>" in html and "<html" not in html


def test_plain_html_flow_works_without_javascript(client, user, deck, topic) -> None:
    make_cards(topic, 1)
    login(client, user)
    page = client.get(f"/study/deck/{deck.slug}/").content.decode()
    link = re.search(r'href="([^"]*show=answer[^"]*)"', page)[1].replace("&amp;", "&")
    full = client.get(link).content.decode()
    assert "<html" in full and 'name="rating"' in full
    response = client.post("/study/answer/", {**form_fields(full), "rating": EASY}, follow=True)
    assert response.redirect_chain and 'data-testid="summary"' in response.content.decode()


# --- speed -------------------------------------------------------------------------------------


def test_answer_and_next_is_a_bounded_number_of_queries(
    client, user, deck, topic, django_assert_max_num_queries
) -> None:
    cards = make_cards(topic, 30)
    for card in cards[:10]:
        make_review_card(user, card, due=datetime.now(UTC) - timedelta(hours=1))
    CardState.objects.filter(user=user).update(version=4)  # answered before, as in real life
    html = reveal(login(client, user), f"/study/deck/{deck.slug}/")
    fields = {**form_fields(html), "rating": GOOD}
    # A new card's first answer: its state row is inserted, and the new-card cursor moves.
    # (One of them the statistics' tally of the answer, quiz.tally.record.)
    with django_assert_max_num_queries(18):
        response = client.post("/study/answer/", fields, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and Review.objects.count() == 1
    link = re.search(r'hx-get="([^"]*show=answer[^"]*)"', response.content.decode())[1]
    with django_assert_max_num_queries(6):
        html = client.get(link.replace("&amp;", "&"), HTTP_HX_REQUEST="true").content.decode()
    # The common case, a review card: session and user, 11 reads and writes for the study (one
    # of them the statistics' tally), and the transaction's savepoint and release (BEGIN and
    # COMMIT outside a test).
    fields = {**form_fields(html), "rating": GOOD}
    assert CardState.objects.get(user=user, card_id=fields["card"]).state == REVIEW
    with django_assert_max_num_queries(15):
        response = client.post("/study/answer/", fields, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and Review.objects.count() == 2
    # Ids no card can have are a 404, as they were through the ORM.
    for bad in ("0", str(2**63), "-1", "x"):
        assert client.post("/study/answer/", {**fields, "card": bad}).status_code == 404
        assert client.get(f"/study/?card={bad}").status_code == 404
    assert client.post("/study/answer/", {**fields, "scope": f"deck:{2**64}"}).status_code == 404


def test_rows_loaded_by_the_hot_path_equal_the_orm_instances(user, deck, topic) -> None:
    card = make_card(topic)
    Card.objects.filter(pk=card.pk).update(sim={"kind": "kpl", "n": [1, 2]})
    state = make_review_card(user, card, due=NOW, stability=12.5)
    CardState.objects.filter(pk=state.pk).update(buried_until=NOW, suspended=True)
    loaded = study._load_state(pk=state.pk)
    orm = CardState.objects.select_related("card__topic", "card__deck").get(pk=state.pk)
    for a, b in ((loaded, orm), (loaded.card, orm.card), (loaded.card.topic, orm.card.topic),
                 (loaded.card.deck, orm.card.deck)):  # fmt: skip
        assert type(a) is type(b) and a.pk == b.pk and not a._state.adding
        for field in type(a)._meta.concrete_fields:
            value, expected = getattr(a, field.attname), getattr(b, field.attname)
            assert value == expected and type(value) is type(expected), field.name
    assert loaded.suspended is True and loaded.buried_until == NOW
    assert study.load_card(card.pk).sim == {"kind": "kpl", "n": [1, 2]}
    assert study.load_card(10**9) is None


def test_no_missing_migrations() -> None:
    call_command("makemigrations", "quiz", "--check", "--dry-run", verbosity=0)


def test_hard_is_between_again_and_good_for_a_review_card(user, topic) -> None:
    card = make_card(topic)
    make_review_card(user, card, due=NOW, stability=20)
    intervals = study.shown_for(user=user, card=card).intervals(
        now=NOW, scheduler=study.scheduler_for(study.profile_for(user))
    )
    assert intervals[AGAIN] < intervals[HARD] <= intervals[GOOD] < intervals[EASY]
    assert CardState.objects.get(card=card).state == REVIEW != LEARNING


# --- the notes-order walk for new cards ----------------------------------------------------------


def test_new_cards_are_found_past_many_studied_cards_and_the_cursor_remembers(
    user, deck, topic, django_assert_max_num_queries
) -> None:
    cards = make_cards(topic, 300)
    studied = cards[:250] + cards[260:270]  # a prefix, and a run studied out of order
    CardState.objects.bulk_create(
        CardState(user=user, card=c, deck=deck, state=REVIEW, stability=30, difficulty=5,
                  due=NOW + timedelta(days=30), last_review=NOW, reps=1)
        for c in studied
    )  # fmt: skip
    scope = study.scope_for(deck=deck)
    queue = study.next_card(user=user, scope=scope, now=NOW)
    assert queue.shown.card == cards[250] and queue.new == 20
    profile = StudyProfile.objects.get(user=user)
    assert profile.new_cursors[str(deck.pk)][0] == cards[250].order
    # From the cursor it is a short walk: the same few queries however much was studied.
    with django_assert_max_num_queries(5):
        again = study.next_card(user=user, scope=scope, now=NOW, profile=profile)
    assert again.shown.card == cards[250]
    new_ids = [c.pk for c in cards[250:260] + cards[270:280]]
    assert study._first_new_cards(user=user, scope=scope, profile=profile, now=NOW, limit=20) == [
        (pk, 0) for pk in new_ids
    ]


def test_a_suspended_new_card_comes_back_in_order_when_unsuspended(client, user, deck, topic):
    first, *rest = make_cards(topic, 3)
    assert study.suspend_card(user=user, card=first, version=0, now=NOW)
    shown = study.next_card(user=user, scope=study.Scope(), now=NOW).shown
    assert shown.card == rest[0]
    answer(user, rest[0], EASY)
    assert study.next_card(user=user, scope=study.Scope(), now=NOW).shown.card == rest[1]
    login(client, user)
    assert rest[0].prompt_md not in client.get("/study/leeches/").content.decode()
    assert first.prompt_md in client.get("/study/leeches/").content.decode()
    client.post(f"/study/leeches/{first.pk}/unsuspend/")
    assert study.next_card(user=user, scope=study.Scope(), now=NOW).shown.card == first


def test_a_buried_new_card_comes_back_the_next_day_in_order(user, topic) -> None:
    first, second = make_cards(topic, 2)
    assert study.bury_card(user=user, card=first, version=0, now=NOW)
    assert study.next_card(user=user, scope=study.Scope(), now=NOW).shown.card == second
    answer(user, second, EASY)
    tomorrow = NOW + timedelta(days=1)
    assert study.next_card(user=user, scope=study.Scope(), now=tomorrow).shown.card == first


def test_a_card_with_a_simulation_renders_through_the_sim_hook(client, user, deck, topic) -> None:
    with_sim = make_card(topic, sim={"engine": "window", "size": 5})
    plain = make_card(topic)
    login(client, user)
    for card, included in ((with_sim, True), (plain, False)):
        response = client.get(
            f"/study/deck/{deck.slug}/?card={card.pk}&show=answer", HTTP_HX_REQUEST="true"
        )
        names = [template.name for template in response.templates]
        assert ("quiz/_card_sim.html" in names) is included
        assert 'name="rating"' in response.content.decode()
