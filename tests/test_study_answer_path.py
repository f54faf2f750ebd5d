"""The study answer's hot path: the session fragment written in Python, the rows it reads with
only the fields it needs, the first answer's inserted state and the statements PostgreSQL
prepares. Each is checked against what the slower, general way gives."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from quiz import study
from quiz.models import Card, CardState, Deck, Review
from quiz.scheduling import GOOD, NEW
from quiz.study import fastsql, queue_memo
from tests.factory import NOW, make_card, make_cards, make_deck, make_review_card, make_topic
from tests.test_study_views import form_fields, reveal

pytestmark = pytest.mark.django_db

SESSION = re.compile(r'<section id="study-session".*?</section>', re.S)


def _normalised(html: str) -> str:
    """Without what differs between two renders of one screen: the CSRF inputs (masked anew in
    each page; a fragment has none, htmx sends the page's token as a header) and the stopwatch
    token's time."""
    html = re.sub(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">', "", html)
    html = re.sub(r"shown=[^\"&]*", "shown=TOKEN", html)
    return html.strip()


def _counts(html: str) -> tuple[int, int, int, int, int]:
    def number(pattern: str) -> int:
        return int(re.search(pattern, html)[1])

    return (
        number(r'count-new">(\d+) new'),
        number(r'count-learning">(\d+) learning'),
        number(r'count-due">(\d+) due'),
        number(r'data-testid="reviewed-today">(\d+)<'),
        number(r'data-testid="left">(\d+)<'),
    )


@pytest.mark.parametrize("staff", [False, True])
def test_the_htmx_fragment_is_the_full_pages_session_section(
    login, client, user, deck, topic, staff
) -> None:
    user.is_staff = staff
    user.save()
    cards = make_cards(topic, 3)
    make_review_card(user, cards[0], due=datetime.now(UTC) - timedelta(hours=1))
    client = login(user)
    url = f"/study/deck/{deck.slug}/?since=1000"
    page = client.get(url).content.decode()
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in page and "<html" not in fragment
    assert _normalised(SESSION.search(page)[0]) == _normalised(fragment)
    # The Edit link (and its key) only for staff, in either.
    assert ("admin/quiz/card/" in fragment) is staff
    assert ("<kbd>E</kbd> edit" in fragment) is staff


def test_an_answer_returns_the_next_card_with_the_queues_counts_and_every_forms_fields(
    login, client, user, topic
) -> None:
    deck = Deck.objects.get(pk=topic.deck_id)
    deck.title = "<b>Q&A</b>"
    deck.save()
    cards = make_cards(topic, 5)
    for card in cards[:2]:
        make_review_card(user, card, due=datetime.now(UTC) - timedelta(hours=1))
    html = reveal(login(user), f"/study/deck/{deck.slug}/")
    fields = {**form_fields(html), "rating": GOOD}
    response = client.post("/study/answer/", fields, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    fragment = response.content.decode()
    assert "<html" not in fragment and "&lt;b&gt;Q&amp;A&lt;/b&gt;" in fragment
    assert "<b>Q&A</b>" not in fragment
    # The counts shown are the queue's, computed anew here.
    queue = study.next_card(user=user, scope=study.scope_for(deck=deck), now=datetime.now(UTC))
    assert _counts(fragment) == (
        queue.new, queue.learning, queue.reviews, queue.reviewed_today, queue.left
    )  # fmt: skip
    assert queue.reviewed_today == 1 and Review.objects.filter(user=user).count() == 1
    # The next card, with its reveal link; bury, suspend and undo post through htmx, which sends
    # the page's CSRF token as a header, so the fragment carries no token.
    assert f"card={queue.shown.card.pk}&amp;show=answer" in fragment
    assert queue.shown.card.prompt_html in fragment
    assert fragment.count("<form") == 3 and "csrfmiddlewaretoken" not in fragment
    logged = Review.objects.get(user=user)
    assert f'name="review" value="{logged.pk}"' in fragment
    assert f'name="scope" value="deck:{deck.pk}"' in fragment
    # Carried by the bury and suspend forms: the card shown and the version its action needs.
    following = form_fields(fragment)
    assert following["card"] == str(queue.shown.card.pk)
    assert following["version"] == str(queue.shown.version)


def test_a_fragments_forms_post_with_the_pages_csrf_header_and_not_without(user, topic) -> None:
    """The fragment's forms carry no CSRF token: htmx sends the one in the page's `hx-headers`,
    and Django's check still refuses a post with neither."""
    from django.test import Client

    deck = Deck.objects.get(pk=topic.deck_id)
    cards = make_cards(topic, 3)
    for card in cards:
        make_review_card(user, card, due=datetime.now(UTC) - timedelta(hours=1))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(f"/study/deck/{deck.slug}/?card={cards[0].pk}&show=answer").content.decode()
    token = re.search(r'"x-csrftoken": "([^"]+)"', page)[1]
    fields = {**form_fields(page), "rating": GOOD}
    # The full page's own forms carry a token; a fragment's post has only the header.
    del fields["csrfmiddlewaretoken"]
    refused = client.post("/study/answer/", fields, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403 and not Review.objects.exists()
    answered = client.post("/study/answer/", fields, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    fragment = answered.content.decode()
    assert answered.status_code == 200 and "csrfmiddlewaretoken" not in fragment
    # The next card's Bury form, posted as htmx posts it: with the header, and refused without.
    bury = {**form_fields(fragment)}
    assert client.post("/study/bury/", bury, HTTP_HX_REQUEST="true").status_code == 403
    done = client.post("/study/bury/", bury, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 200 and "Card buried until tomorrow." in done.content.decode()


def test_the_last_answer_ends_the_session_with_its_summary_in_the_fragment(
    login, client, user, deck, topic
) -> None:
    make_card(topic)
    html = reveal(login(user), f"/study/deck/{deck.slug}/")
    response = client.post(
        "/study/answer/", {**form_fields(html), "rating": 4}, HTTP_HX_REQUEST="true"
    )
    fragment = response.content.decode()
    assert 'data-testid="summary"' in fragment and "Session complete" in fragment
    assert 'data-testid="session-answers">1<' in fragment
    assert "Study everything due" in fragment  # a deck's session links to everything
    assert 'name="review"' in fragment and "csrfmiddlewaretoken" not in fragment


def test_an_answer_to_a_missing_deck_scope_is_a_404_and_records_nothing(
    login, client, user, deck, topic
) -> None:
    make_card(topic)
    html = reveal(login(user), f"/study/deck/{deck.slug}/")
    fields = {**form_fields(html), "rating": GOOD}
    for scope in ("deck:999999", "deck:0", "deck:x", "deck:"):
        response = client.post("/study/answer/", {**fields, "scope": scope})
        assert response.status_code == 404, scope
    assert not Review.objects.exists()


def test_the_rows_the_screen_shows_hold_what_it_reads_and_defer_the_rest(user, deck, topic) -> None:
    card = make_card(topic)
    Card.objects.filter(pk=card.pk).update(sim={"kind": "kpl", "n": [1, 2]})
    state = make_review_card(user, card, due=NOW, stability=12.5)
    loaded = fastsql.load_shown_state(state.pk)
    orm = CardState.objects.select_related("card__topic", "card__deck").get(pk=state.pk)
    for field in CardState._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(orm, field.attname), field.name
    for names, a, b in (
        (fastsql.SHOWN_CARD, loaded.card, orm.card),
        (fastsql.SHOWN_TOPIC, loaded.card.topic, orm.card.topic),
        (fastsql.SHOWN_DECK, loaded.card.deck, orm.card.deck),
    ):
        for name in names:
            assert getattr(a, name) == getattr(b, name), name
    assert loaded.card.breadcrumb == orm.card.breadcrumb
    assert "prompt_md" in loaded.card.get_deferred_fields()
    assert "body_html" in loaded.card.topic.get_deferred_fields()
    # Anything else asked for is still there, read when asked.
    assert loaded.card.prompt_md == orm.card.prompt_md
    assert loaded.card.topic.body_md == orm.card.topic.body_md
    shown = fastsql.load_shown_card(card.pk)
    assert shown.sim == {"kind": "kpl", "n": [1, 2]} and shown.deck.title == deck.title
    assert fastsql.load_shown_card(10**9) is None
    with pytest.raises(CardState.DoesNotExist):
        fastsql.load_shown_state(10**9)


def test_a_first_answer_keeps_the_row_it_inserted_or_answers_one_made_meanwhile(
    user, topic
) -> None:
    card, other = make_cards(topic, 2)
    result = study.answer_card(user=user, card=card, rating=GOOD, version=0, now=NOW)
    assert result.recorded
    stored = CardState.objects.get(user=user, card=card)
    for field in CardState._meta.concrete_fields:
        assert getattr(result.state, field.attname) == getattr(stored, field.attname), field.name
    assert result.review.state_before["state"] == NEW and stored.version == 1
    # The same first answer again (a double click) finds the row changed: nothing recorded.
    again = study.answer_card(user=user, card=card, rating=GOOD, version=0, now=NOW)
    assert not again.recorded and Review.objects.filter(card=card).count() == 1
    # A row created meanwhile (another tab's first answer, not yet applied) is answered.
    CardState.objects.create(user=user, card=other, deck_id=other.deck_id, due=NOW)
    assert study.answer_card(user=user, card=other, rating=GOOD, version=0, now=NOW).recorded
    assert CardState.objects.get(user=user, card=other).version == 1


def _next(user, scope) -> tuple:
    queue = study.next_card(user=user, scope=scope, now=NOW)
    return (queue.shown.card.pk, queue.shown.version, queue.new, queue.learning, queue.reviews)


def test_postgresql_prepares_the_hot_lookups_once_per_kept_connection(
    user, deck, topic, monkeypatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's driver keeps its compiled statements itself")
    # Every call reads afresh (nothing remembered between them), so each runs the same reads.
    monkeypatch.setattr(queue_memo, "recall", lambda key, now: None)
    cards = make_cards(topic, 8)
    for i, card in enumerate(cards[:4]):
        make_review_card(user, card, due=NOW - timedelta(hours=i + 1))
    scopes = [study.Scope(), study.scope_for(deck=deck), study.scope_for(topic=topic)]
    plain = [_next(user, scope) for scope in scopes]
    with CaptureQueriesContext(connection) as unprepared:
        _next(user, scopes[0])
    assert not any("PREPARE" in q["sql"] for q in unprepared.captured_queries)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    with CaptureQueriesContext(connection) as first:
        prepared = [_next(user, scope) for scope in scopes]
    with CaptureQueriesContext(connection) as second:
        again = [_next(user, scope) for scope in scopes]
    assert prepared == again == plain
    assert any(q["sql"].startswith("PREPARE") for q in first.captured_queries)
    assert not any(q["sql"].startswith("PREPARE") for q in second.captured_queries)
    assert any(q["sql"].startswith("EXECUTE") for q in second.captured_queries)
    # Once prepared, as many statements as the plain path: each EXECUTE replaces one.
    assert len(second.captured_queries) == len(unprepared.captured_queries) * len(scopes)


def test_an_answer_in_a_subtopic_scope_and_everything_keeps_counts_right(
    login, client, user, deck, topic
) -> None:
    sub = make_topic(deck, "Shards", parent=topic)
    make_cards(sub, 3)
    other = make_deck("Other")
    make_cards(make_topic(other, "Elsewhere"), 2)
    client = login(user)
    for url, scope in (
        (f"/study/topic/{topic.pk}/", study.scope_for(topic=topic)),
        ("/study/", study.Scope()),
    ):
        html = reveal(client, url)
        response = client.post(
            "/study/answer/", {**form_fields(html), "rating": GOOD}, HTTP_HX_REQUEST="true"
        )
        queue = study.next_card(user=user, scope=scope, now=datetime.now(UTC))
        assert _counts(response.content.decode()) == (
            queue.new, queue.learning, queue.reviews, queue.reviewed_today, queue.left
        )  # fmt: skip
    assert Review.objects.filter(user=user).count() == 2


def test_postgresql_prepared_answers_write_what_plain_ones_do(user, topic, monkeypatch) -> None:
    """The answer's one statement (and a first answer's INSERT), prepared: the same rows, the
    same refusals of a stale version, the tallies counted once."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's driver keeps its compiled statements itself")
    from quiz.models import ReviewTally

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    cards = make_cards(topic, 3)
    with CaptureQueriesContext(connection) as queries:
        for i, card in enumerate(cards):
            first = study.answer_card(user=user, card=card, rating=GOOD, version=0, now=NOW)
            later = NOW + timedelta(minutes=10 + i)
            second = study.answer_card(user=user, card=card, rating=GOOD, version=1, now=later)
            stale = study.answer_card(user=user, card=card, rating=GOOD, version=1, now=later)
            assert first.recorded and second.recorded and not stale.recorded
            row = CardState.objects.get(user=user, card=card)
            assert row.version == 2 and second.state.version == 2
            assert Review.objects.get(pk=second.review.pk).state_after == study.snapshot(row)
    executed = [q["sql"] for q in queries.captured_queries]
    assert any(sql.startswith("EXECUTE") for sql in executed)
    unprepared = ("WITH changed", 'INSERT INTO "quiz_cardstate"')
    assert not any(sql.startswith(unprepared) for sql in executed)
    assert Review.objects.filter(user=user).count() == 6
    assert sum(ReviewTally.objects.filter(user=user).values_list("answers", flat=True)) == 6


def test_postgresql_generic_plans_show_the_same_cards_and_counts(
    user, deck, topic, monkeypatch
) -> None:
    """Kept connections run the prepared statements with one generic plan each: the queue's
    statements, written for it, pick the same cards and count the same in every scope."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite plans each statement once itself")
    sub = make_topic(deck, "Shards", parent=topic)
    cards = make_cards(topic, 6) + make_cards(sub, 4)
    for i, card in enumerate(cards[:5]):
        make_review_card(user, card, due=NOW - timedelta(hours=i + 1))
    study.answer_card(user=user, card=cards[6], rating=GOOD, version=0, now=NOW)
    Card.objects.filter(pk=cards[1].pk).update(status=Card.Status.RETIRED)
    scopes = [study.Scope(), study.scope_for(deck=deck), study.scope_for(topic=sub)]
    scopes.append(study.scope_for(topic=topic))
    plain = [_next(user, scope) for scope in scopes]
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    with connection.cursor() as cursor:
        # Inside the test's transaction, as fetch_planned does outside one.
        cursor.execute("SET plan_cache_mode = force_generic_plan")
    _next(user, scopes[0])  # each statement prepared (on this test's connection) ...
    before = _plans()
    for _ in range(7):  # ... then past the five custom plans PostgreSQL would otherwise try
        assert [_next(user, scope) for scope in scopes] == plain
    generic, custom = (after - then for after, then in zip(_plans(), before, strict=True))
    assert generic > 0 and custom == 0


def _plans() -> tuple[int, int]:
    """Generic and custom plans made so far for this session's prepared study statements."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0)"
            " FROM pg_prepared_statements WHERE name LIKE 'notebank_study_%%'"
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_postgresql_a_kept_connection_is_set_to_generic_plans_outside_a_transaction(
    monkeypatch,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan cache only")

    def mode() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            return cursor.fetchone()[0]

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    connection.close()
    assert fastsql.fetch_planned("SELECT 1", []) == [(1,)]
    assert mode() == "auto"  # a connection per request prepares nothing
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    try:
        with transaction.atomic():
            assert fastsql.fetch_planned("SELECT 2", []) == [(2,)]
            assert mode() == "auto"  # not set where a rollback would undo it
        assert fastsql.fetch_planned("SELECT 3", []) == [(3,)]
        assert mode() == "force_generic_plan"
        with transaction.atomic():
            fastsql.fetch_planned("SELECT 4", [])
            transaction.set_rollback(True)
        assert mode() == "force_generic_plan"
    finally:
        connection.close()


@pytest.mark.parametrize("kept", [0, 60])
def test_postgresql_sends_the_next_screens_reads_with_the_answer(
    user, deck, topic, monkeypatch, kept
) -> None:
    """On PostgreSQL the answer's write and the next screen's reads (the queue's heads and the
    first new-card window) go out as one query: the screen is what reading afresh gives, in
    every scope, on kept connections (prepared) and new ones alike, and a stale answer writes
    nothing but still gets the screen as it stands."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's driver runs one statement per call")
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", kept)
    sub = make_topic(deck, "Shards", parent=topic)
    cards = make_cards(topic, 6) + make_cards(sub, 4)
    make_cards(make_topic(make_deck("Other"), "Elsewhere"), 3)
    for i, card in enumerate(cards[:4]):
        make_review_card(user, card, due=NOW - timedelta(hours=i + 1))
    scopes = {
        "all": study.Scope(),
        f"deck:{deck.pk}": study.scope_for(deck=deck),
        f"topic:{topic.pk}": study.scope_for(topic=topic),
    }
    for key, scope in scopes.items():
        for rating in (GOOD, 1, GOOD, 4):
            shown = study.next_card(user=user, scope=scope, now=NOW).shown
            with CaptureQueriesContext(connection) as queries:
                answered = study.answer_and_next(
                    user=user, scope_key=key, card_id=shown.card.pk, rating=rating,
                    version=shown.version, token="", since=NOW, now=NOW,
                )  # fmt: skip
            assert answered.result.recorded
            fresh = study.next_card(user=user, scope=scope, now=NOW)
            assert _queue(answered.screen.queue) == _queue(fresh), (key, rating)
            together = [q["sql"] for q in queries.captured_queries if "; " in q["sql"]]
            # One query holds the write (the review's snapshot is among its values) and reads.
            assert len(together) == 1 and '"stability"' in together[0], key
        stale = study.answer_and_next(
            user=user, scope_key=key, card_id=shown.card.pk, rating=GOOD,
            version=shown.version, token="", since=NOW, now=NOW,
        )  # fmt: skip
        assert not stale.result.recorded
        assert _queue(stale.screen.queue) == _queue(
            study.next_card(user=user, scope=scope, now=NOW)
        )
    assert Review.objects.filter(user=user).count() == 12


def _queue(queue: study.Queue) -> tuple:
    shown = queue.shown
    card = (shown.card.pk, shown.version, shown.is_new) if shown else None
    return (card, queue.new, queue.learning, queue.reviews, queue.reviewed_today)


def test_rows_become_the_instances_the_orm_builds_and_init_listeners_still_hear(
    user, deck, topic
) -> None:
    """`fastsql.instance` builds model instances without `Model.__init__`: the same field
    values (aware datetimes, booleans, JSON, None), the same deferred fields, a saved instance
    of the right database; and with an init signal listened to, `from_db` as the ORM does."""
    from django.db.models.signals import post_init

    from quiz.models import StudyProfile

    card = make_card(topic)
    state = make_review_card(user, card, due=NOW - timedelta(hours=2))
    CardState.objects.filter(pk=state.pk).update(buried_until=NOW, suspended=True)
    StudyProfile.objects.create(user=user, new_cursors={str(deck.pk): [3, None, False]})
    cases = [
        (CardState, CardState.objects.get(pk=state.pk), None),
        (StudyProfile, StudyProfile.objects.get(user=user), None),
        (Card, Card.objects.only(*fastsql.SHOWN_CARD).get(pk=card.pk), fastsql.SHOWN_CARD),
    ]
    for model, orm, only in cases:
        row = fastsql.fetch(
            f"SELECT {fastsql.columns(model, 'x', only)} FROM {model._meta.db_table} x"
            " WHERE x.id = %s",
            [orm.pk],
        )[0]
        ours = fastsql.instance(model, row, 0, only)
        assert type(ours) is model and not ours._state.adding and ours._state.db == "default"
        assert ours.get_deferred_fields() == orm.get_deferred_fields()
        for field in model._meta.concrete_fields:
            if field.attname not in orm.get_deferred_fields():
                assert getattr(ours, field.attname) == getattr(orm, field.attname), field.name
    ours = fastsql.instance(CardState, fastsql.fetch(
        f"SELECT {fastsql.columns(CardState, 's')} FROM quiz_cardstate s WHERE s.id = %s",
        [state.pk],
    )[0])  # fmt: skip
    assert ours.due.tzinfo is not None and ours.buried_until == NOW and ours.suspended is True
    assert ours.card == card  # a relation not read is fetched on first use, as deferred
    heard = []

    def listener(sender, instance, **kwargs) -> None:
        heard.append(instance)

    post_init.connect(listener, sender=CardState)
    try:
        row = fastsql.fetch(
            f"SELECT {fastsql.columns(CardState, 's')} FROM quiz_cardstate s WHERE s.id = %s",
            [state.pk],
        )[0]
        assert fastsql.instance(CardState, row) is heard[-1]
    finally:
        post_init.disconnect(listener, sender=CardState)


def test_a_new_review_is_the_instance_the_models_constructor_builds(user, topic) -> None:
    """`fastsql.unsaved` builds the answer's new Review without `Model.__init__`: every field's
    value or default, the related objects cached, unsaved; with an init listener, the
    constructor itself; and a name that is no field is refused as the constructor refuses it."""
    from django.db.models.signals import pre_init

    card = make_card(topic)
    values = {
        "user": user, "card": card, "rating": GOOD, "reviewed_at": NOW, "duration_ms": None,
        "state_before": {"state": NEW}, "state_after": {"state": 1}, "source": "study",
    }  # fmt: skip
    ours, theirs = fastsql.unsaved(Review, **values), Review(**values)
    assert type(ours) is Review and ours._state.adding and ours._state.db is None
    for field in Review._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(theirs, field.attname), field.name
    assert ours.undone is False and ours.pk is None
    with CaptureQueriesContext(connection) as queries:
        assert ours.card is card and ours.user is user
    assert not queries.captured_queries
    fastsql.insert(ours)
    assert Review.objects.get(pk=ours.pk).state_after == {"state": 1}
    with pytest.raises(TypeError):
        fastsql.unsaved(Review, rating=GOOD, colour="red")
    heard = []

    def listener(sender, **kwargs) -> None:
        heard.append(kwargs)

    pre_init.connect(listener, sender=Review)
    try:
        fastsql.unsaved(Review, **values)
        assert heard
    finally:
        pre_init.disconnect(listener, sender=Review)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL batch's literals")
def test_the_batchs_own_literals_are_the_drivers() -> None:
    """`fastsql._literal` writes plain ints, floats and aware datetimes itself: exactly as the
    driver's adapter does (which it uses for everything else)."""
    from zoneinfo import ZoneInfo

    from psycopg.adapt import Transformer
    from psycopg.types.json import Jsonb
    from psycopg.types.numeric import Int2

    values = [
        0, 7, -7, 2**62, -(2**62), 0.0, -0.0, 0.1, -1.5, 1e16, 2.5e-9, -2.5e-9, 1e300,
        float("nan"), float("inf"), -float("inf"), True, False, None, Int2(3), "it's", Jsonb({}),
        datetime(2026, 11, 30, 19, 29, 43, 386907, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, 5, 6, 7, tzinfo=ZoneInfo("Asia/Kolkata")), datetime(2026, 1, 1, 5, 6),
    ]  # fmt: skip
    with connection.cursor() as cursor:
        adapt = Transformer.from_context(cursor.cursor).as_literal
        for value in values:
            expected = "NULL" if value is None else adapt(value).decode()
            assert fastsql._literal(value, adapt) == expected, value
