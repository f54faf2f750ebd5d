"""The card browser: full-text search in the database, filters, sorting, paging, the card page,
actions on a selection, and who may see and change what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quiz import browser, search_index, study
from quiz.models import Card, CardState, ExamAttempt, ExamQuestion, Review, StudyProfile
from quiz.scheduling import AGAIN, GOOD, NEW, REVIEW
from tests.factory import make_card, make_deck, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def bank():
    deck = make_deck("Streaming")
    kinesis = make_topic(deck, "Kinesis")
    windows = make_topic(deck, "Windows", kinesis)
    storage = make_topic(make_deck("Storage"), "S3")
    cards = {
        "shard": make_card(kinesis, "What limits a Kinesis shard?", "1 MB per second of writes"),
        "sliding": make_card(
            windows, "What is a sliding window?", "A window over a fixed interval", kind="cloze"
        ),
        "tumbling": make_card(windows, "Tumbling windows overlap?", "No: they never overlap"),
        "glacier": make_card(storage, "Glacier expedited retrieval?", "1 to 5 minutes"),
        "durability": make_card(storage, "S3 durability?", "Eleven nines", tags=["Exam"]),
    }
    return cards


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def result_ids(response) -> list[int]:
    """The card ids listed in a browser page, in order."""
    return [int(pk) for pk in re.findall(r'name="card" value="(\d+)"', response.content.decode())]


def answer(user, card, rating=GOOD, now=None):
    now = now or timezone.now()
    state = CardState.objects.filter(user=user, card=card).first()
    return study.answer_card(
        user=user, card=card, rating=rating, version=state.version if state else 0, now=now
    )


def test_search_uses_the_databases_full_text_index(client, user, bank) -> None:
    login(client, user)
    response = client.get("/cards/", {"q": "window"})
    assert set(result_ids(response)) == {bank["sliding"].pk, bank["tumbling"].pk}
    # Stemming and prefixes: "overlapping" finds "overlap"; "kine" finds "Kinesis".
    assert result_ids(client.get("/cards/", {"q": "overlapping"})) == [bank["tumbling"].pk]
    assert result_ids(client.get("/cards/", {"q": "kine"})) == [bank["shard"].pk]
    # Both words, a phrase, and a word left out.
    assert result_ids(client.get("/cards/", {"q": "fixed interval"})) == [bank["sliding"].pk]
    assert result_ids(client.get("/cards/", {"q": '"interval fixed"'})) == []
    assert result_ids(client.get("/cards/", {"q": "window -tumbling"})) == [bank["sliding"].pk]
    # A word left out and nothing else: every card but those with it.
    every = set(result_ids(client.get("/cards/")))
    assert set(result_ids(client.get("/cards/", {"q": "-window"}))) == every - {
        bank["sliding"].pk,
        bank["tumbling"].pk,
    }
    # The answer is searched too.
    assert result_ids(client.get("/cards/", {"q": "eleven nines"})) == [bank["durability"].pk]
    # Syntax the engines would choke on is plain text here.
    for hostile in ['"', "AND OR NOT", "a*b:c(", "NEAR(", "'; drop table", "&|!"]:
        assert client.get("/cards/", {"q": hostile}).status_code == 200


def test_the_index_follows_inserts_edits_and_deletes(user, bank) -> None:
    profile = StudyProfile.objects.create(user=user)
    now = timezone.now()

    def found(q: str) -> list[int]:
        filters = browser.CardFilters(q=q)
        cards = browser.search_cards(user=user, filters=filters, now=now, profile=profile)
        return list(cards.values_list("pk", flat=True))

    card = bank["glacier"]
    assert found("expedited") == [card.pk]
    card.answer_md = "Between one and five minutes, at a premium"
    card.save()  # as the admin saves it
    assert found("premium") == [card.pk]
    Card.objects.filter(pk=card.pk).update(prompt_md="Deep Archive restore time?")  # bulk update
    assert found("expedited") == []
    assert found("archive") == [card.pk]
    new = make_card(card.topic, "Snowball capacity?", "80 TB")
    assert found("snowball") == [new.pk]
    new.delete()
    assert found("snowball") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops triggers on table rebuild")
def test_a_table_rebuild_that_drops_the_triggers_is_repaired_after_migrate(bank) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER quiz_card_fts_update")
        cursor.execute("DROP TRIGGER quiz_card_fts_insert")
    Card.objects.filter(pk=bank["glacier"].pk).update(answer_md="quietly changed")
    assert search_index.ensure(connection) is True
    assert search_index.ensure(connection) is False  # nothing left to repair
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM quiz_card_fts WHERE quiz_card_fts MATCH %s", ['"quietly"']
        )
        assert cursor.fetchall() == [(bank["glacier"].pk,)]


def test_search_plans_use_the_full_text_index(user, bank) -> None:
    profile = StudyProfile.objects.create(user=user)
    topic = bank["glacier"].topic
    # Enough other cards that a planner would rather use an index than read them all.
    Card.objects.bulk_create(
        Card(
            deck=topic.deck, topic=topic, kind="qa", key=f"filler-{i}", match_text="",
            prompt_md=f"Filler question {i}", prompt_html="", answer_md="Filler", answer_html="",
        )
        for i in range(3000)
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    cards = browser.search_cards(
        user=user, filters=browser.CardFilters(q="window"), now=timezone.now(), profile=profile
    )
    sql, params = cards.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan and "quiz_card_fts" in plan
        else:
            # A few thousand rows still fit in a page or two: keep PostgreSQL off the cheap
            # sequential read so the plan shows which index it would use at scale.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "quiz_card_search" in plan


def test_filters_deck_topic_subtree_kind_and_tag(client, user, bank) -> None:
    login(client, user)
    storage = bank["glacier"].deck
    assert set(result_ids(client.get("/cards/", {"deck": storage.pk}))) == {
        bank["glacier"].pk,
        bank["durability"].pk,
    }
    kinesis = bank["shard"].topic
    # A topic includes its subtopics.
    assert set(result_ids(client.get("/cards/", {"topic": kinesis.pk}))) == {
        bank["shard"].pk,
        bank["sliding"].pk,
        bank["tumbling"].pk,
    }
    assert result_ids(client.get("/cards/", {"kind": "cloze"})) == [bank["sliding"].pk]
    # Tags match in any case, with or without the #.
    assert result_ids(client.get("/cards/", {"tag": "#exam"})) == [bank["durability"].pk]
    assert result_ids(client.get("/cards/", {"tag": "exa"})) == []


def test_state_filters(client, user, bank) -> None:
    login(client, user)
    now = timezone.now()
    answer(user, bank["shard"], GOOD, now=now)  # learning
    for _ in range(3):  # graduated to review, then lapsed: relearning
        answer(user, bank["sliding"], GOOD, now=now)
        now += timedelta(days=1)
    answer(user, bank["sliding"], AGAIN, now=now)
    browser.apply_action(
        user=user,
        action="suspend",
        card_ids=[bank["glacier"].pk],
        now=now,
        profile=study.profile_for(user),
    )
    browser.apply_action(
        user=user,
        action="bury",
        card_ids=[bank["durability"].pk],
        now=timezone.now(),
        profile=study.profile_for(user),
    )
    CardState.objects.filter(user=user, card=bank["shard"]).update(is_leech=True)
    Card.objects.filter(pk=bank["tumbling"].pk).update(status=Card.Status.RETIRED)

    def ids(state: str) -> set[int]:
        return set(result_ids(client.get("/cards/", {"state": state})))

    assert ids("learning") == {bank["shard"].pk}
    assert ids("relearning") == {bank["sliding"].pk}
    assert ids("suspended") == {bank["glacier"].pk}
    assert ids("buried") == {bank["durability"].pk}
    assert ids("leech") == {bank["shard"].pk}
    assert ids("retired") == {bank["tumbling"].pk}
    # New: never answered (no state) or a state still new (suspended or buried before study).
    assert ids("new") == {bank["glacier"].pk, bank["durability"].pk}
    # Retired cards are not among the cards one can study.
    assert bank["tumbling"].pk not in ids("")


def test_review_state_due_dates_lapses_and_answered_today(client, user, bank) -> None:
    login(client, user)
    profile = StudyProfile.objects.create(user=user, timezone="Europe/Paris")
    now = timezone.now()
    for key, days, lapses in (("shard", 2, 0), ("sliding", 10, 3), ("tumbling", 30, 5)):
        CardState.objects.create(
            user=user,
            card=bank[key],
            deck=bank[key].deck,
            state=REVIEW,
            stability=days,
            difficulty=5,
            due=now + timedelta(days=days),
            last_review=now - timedelta(days=days),
            lapses=lapses,
            reps=4,
        )
    assert set(result_ids(client.get("/cards/", {"state": "review"}))) == {
        bank["shard"].pk,
        bank["sliding"].pk,
        bank["tumbling"].pk,
    }
    local = now.astimezone(study.zone(profile.timezone)).date()
    until = (local + timedelta(days=10)).isoformat()
    after = (local + timedelta(days=10)).isoformat()
    assert set(result_ids(client.get("/cards/", {"due_until": until}))) == {
        bank["shard"].pk,
        bank["sliding"].pk,
    }
    assert set(result_ids(client.get("/cards/", {"due_from": after}))) == {
        bank["sliding"].pk,
        bank["tumbling"].pk,
    }
    assert set(result_ids(client.get("/cards/", {"lapses": 3}))) == {
        bank["sliding"].pk,
        bank["tumbling"].pk,
    }
    answer(user, bank["glacier"], AGAIN)
    assert result_ids(client.get("/cards/", {"today": "on"})) == [bank["glacier"].pk]
    response = client.get("/cards/", {"due_from": "2026-05-02", "due_until": "2026-05-01"})
    assert response.status_code == 400
    assert "nothing can match" in response.content.decode()


def test_sorting_by_each_column_puts_unstudied_cards_last(client, user, bank) -> None:
    login(client, user)
    now = timezone.now()
    rows = {"shard": (3, 2, 4.0, 40.0), "sliding": (1, 5, 8.0, 10.0), "tumbling": (2, 0, 2.0, 90.0)}
    for key, (due_days, lapses, difficulty, stability) in rows.items():
        CardState.objects.create(
            user=user,
            card=bank[key],
            deck=bank[key].deck,
            state=REVIEW,
            stability=stability,
            difficulty=difficulty,
            due=now + timedelta(days=due_days),
            last_review=now - timedelta(days=due_days * 2),
            lapses=lapses,
        )
    shard, sliding, tumbling = bank["shard"].pk, bank["sliding"].pk, bank["tumbling"].pk

    def order(sort: str, direction: str = "asc") -> list[int]:
        ids = result_ids(client.get("/cards/", {"sort": sort, "dir": direction}))
        return [pk for pk in ids if pk in (shard, sliding, tumbling)] + (
            [None] if ids[-1] not in (shard, sliding, tumbling) else []
        )

    assert order("due") == [sliding, tumbling, shard, None]
    assert order("due", "desc") == [shard, tumbling, sliding, None]
    assert order("lapses", "desc") == [sliding, shard, tumbling, None]
    assert order("difficulty") == [tumbling, shard, sliding, None]
    assert order("stability", "desc") == [tumbling, shard, sliding, None]
    assert order("last", "desc") == [sliding, tumbling, shard, None]


def test_results_are_paginated_with_a_count(client, user, bank, settings) -> None:
    login(client, user)
    topic = bank["shard"].topic
    for i in range(browser.PAGE_SIZE + 5):
        make_card(topic, f"Partition key number {i}?", "hash")
    first = client.get("/cards/", {"q": "partition"})
    assert len(result_ids(first)) == browser.PAGE_SIZE
    page = first.context["page"]
    assert page.count == browser.PAGE_SIZE + 5 and page.has_next
    html = first.content.decode()
    assert 'rel="next"' in html and "q=partition" in html
    second = client.get("/cards/", {"q": "partition", "page": 2})
    assert len(result_ids(second)) == 5
    assert not set(result_ids(first)) & set(result_ids(second))
    assert client.get("/cards/", {"page": "0"}).status_code == 400


def test_each_row_shows_the_learners_state_in_their_time_zone(client, user, bank) -> None:
    from datetime import UTC, datetime

    login(client, user)
    StudyProfile.objects.create(user=user, timezone="Pacific/Auckland")
    now = timezone.now()
    # 23:30 UTC is already the next day in Auckland (UTC+12 or +13).
    due = datetime(2030, 3, 4, 23, 30, tzinfo=UTC)
    last = datetime(2025, 6, 1, 23, 30, tzinfo=UTC)
    shard, sliding = bank["shard"], bank["sliding"]
    Card.objects.filter(pk=shard.pk).update(tags=["aws", "<b>"], prompt_md="What **limits** it?")
    CardState.objects.create(
        user=user, card=shard, deck=shard.deck, topic=shard.topic, state=REVIEW, due=due,
        last_review=last, stability=12.345, difficulty=6.78, lapses=3, is_leech=True,
    )  # fmt: skip
    CardState.objects.create(
        user=user, card=sliding, deck=sliding.deck, topic=sliding.topic, state=REVIEW, due=due,
        buried_until=now + timedelta(hours=3),
    )  # fmt: skip
    html = client.get("/cards/", {"deck": shard.deck_id}).content.decode()
    rows = {
        int(pk): row for pk, row in re.findall(r'<tr><td><input[^>]*value="(\d+)"(.*?)</tr>', html)
    }
    assert "What limits it?</a>" in rows[shard.pk]
    assert "Kinesis · Question / answer" in rows[shard.pk]
    assert '<span class="tag">#aws</span> <span class="tag">#&lt;b&gt;</span>' in rows[shard.pk]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[shard.pk])[1:]
    assert cells == [
        'Review <span class="tag leech">leech</span>', "2030-03-05", "3", "6.8", "12.3 d",
        "2025-06-02",
    ]  # fmt: skip
    assert re.findall(r"<td[^>]*>(.*?)</td>", rows[sliding.pk])[1] == "Buried"
    never = re.findall(r"<td[^>]*>(.*?)</td>", rows[bank["tumbling"].pk])[1:]
    assert never == ["New", "—", "—", "—", "—", "—"]


def test_the_count_stops_at_its_cap_and_a_page_past_the_end_still_counts(
    client, user, bank, monkeypatch
) -> None:
    login(client, user)
    monkeypatch.setattr(browser, "COUNT_CAP", 7)
    monkeypatch.setattr(browser, "PAGE_SIZE", 3)
    topic = bank["shard"].topic
    cards = [make_card(topic, f"Zyxwv key number {i}?", "hash") for i in range(12)]
    first = client.get("/cards/", {"q": "zyxwv"})
    page = first.context["page"]
    assert (page.count, page.capped, page.count_text) == (7, True, "7+")
    assert "<strong>7+</strong> cards · showing 1–3" in first.content.decode()
    assert result_ids(first) == [card.pk for card in cards[:3]]
    # The last page counts exactly what it and the pages before it hold.
    last = client.get("/cards/", {"q": "zyxwv", "page": 4}).context["page"]
    assert (last.count, last.capped, last.first_index, last.last_index) == (12, False, 10, 12)
    assert not last.has_next
    past = client.get("/cards/", {"q": "zyxwv", "page": 9})
    assert result_ids(past) == [] and past.context["page"].count_text == "7+"
    assert "Page 9 is past the last one" in past.content.decode()

    # Counting queries: none for a text search (its one sorted query reads the ids to count)
    # or for results that fit on one page; a bounded one when an index gives a full page.
    def counts(params: dict) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/cards/", params).status_code == 200
        return len([q for q in queries.captured_queries if "COUNT(" in q["sql"]])

    assert counts({"q": "zyxwv"}) == 0
    assert counts({"q": "zyxwv", "deck": topic.deck_id, "kind": "definition"}) == 0
    assert counts({"deck": topic.deck_id}) == 1
    assert counts({"deck": bank["glacier"].deck_id}) == 0  # two cards: one page


def test_htmx_gets_only_the_results_and_the_full_page_works_without_it(client, user, bank):
    login(client, user)
    partial = client.get("/cards/", {"q": "window"}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert html.lstrip().startswith('<section id="results"') and "<html" not in html
    full = client.get("/cards/", {"q": "window"}).content.decode()
    assert "<html" in full and 'id="results"' in full and 'name="q"' in full


def test_card_page_shows_rendering_memory_history_and_exam_questions(client, user, bank):
    login(client, user)
    card = bank["sliding"]
    start = timezone.now() - timedelta(days=20)
    answer(user, card, GOOD, now=start)
    answer(user, card, GOOD, now=start + timedelta(minutes=10))
    answer(user, card, AGAIN, now=start + timedelta(days=5))
    attempt = ExamAttempt.objects.create(
        user=user, seed=1, count=1, started_at=timezone.now(), deck=card.deck
    )
    ExamQuestion.objects.create(
        attempt=attempt,
        position=1,
        card=card,
        kind="term",
        stem="Which window slides over a fixed interval?",
        options=["Sliding", "Tumbling"],
        correct=[0],
        is_correct=True,
    )
    other = make_user("other")
    other_attempt = ExamAttempt.objects.create(
        user=other, seed=2, count=1, started_at=timezone.now()
    )
    ExamQuestion.objects.create(
        attempt=other_attempt, position=1, card=card, kind="term", stem="SECRET STEM",
        options=["a", "b"], correct=[0],
    )  # fmt: skip
    response = client.get(f"/cards/{card.pk}/")
    html = response.content.decode()
    assert card.prompt_html in html and card.answer_html in html
    assert "Streaming › Kinesis › Windows" in html
    assert f'href="/topics/{card.topic_id}/">Read the notes' in html
    memory = response.context["memory"]
    state = CardState.objects.get(user=user, card=card)
    assert memory.state == state and 0 < memory.retrievability < 1
    assert f"{memory.retrievability_percent}%" in html
    history = response.context["history"]
    assert [row.review.rating for row in history] == [AGAIN, GOOD, GOOD]
    assert history[0].interval == state.due - history[0].review.reviewed_at
    assert "Which window slides over a fixed interval?" in html
    assert "SECRET STEM" not in html
    assert "/admin/" not in html.split("<main")[1]  # no Edit link for a learner


def test_staff_get_an_edit_link_on_the_card_page_and_in_study(client, bank) -> None:
    staff = make_user("editor", is_staff=True, is_superuser=True)
    login(client, staff)
    card = bank["shard"]
    edit = f'href="/admin/quiz/card/{card.pk}/change/"'
    assert edit in client.get(f"/cards/{card.pk}/").content.decode()
    study_page = client.get(f"/study/deck/{card.deck.slug}/").content.decode()
    assert 'data-shortcut="e"' in study_page and "/admin/quiz/card/" in study_page
    learner = make_user("plain")
    login(client, learner)
    assert 'data-shortcut="e"' not in client.get(f"/study/deck/{card.deck.slug}/").content.decode()


def test_actions_on_a_selection(client, user, bank) -> None:
    login(client, user)
    shard, sliding = bank["shard"], bank["sliding"]
    answer(user, sliding, GOOD)
    ids = [shard.pk, sliding.pk]
    response = client.post(
        "/cards/action/", {"action": "suspend", "card": ids, "next": "/cards/?q=x"}
    )
    assert response.status_code == 302 and response["Location"] == "/cards/?q=x"
    assert set(
        CardState.objects.filter(user=user, suspended=True).values_list("card_id", flat=True)
    ) == set(ids)
    client.post("/cards/action/", {"action": "unsuspend", "card": ids})
    assert not CardState.objects.filter(user=user, suspended=True).exists()
    client.post("/cards/action/", {"action": "bury", "card": [shard.pk]})
    assert CardState.objects.get(user=user, card=shard).buried_until > timezone.now()
    # Reset: back to new, with the log intact.
    reviews_before = Review.objects.filter(user=user).count()
    client.post("/cards/action/", {"action": "reset", "card": [sliding.pk]})
    state = CardState.objects.get(user=user, card=sliding)
    assert (state.state, state.reps, state.stability, state.last_review) == (NEW, 0, None, None)
    assert Review.objects.filter(user=user).count() == reviews_before
    assert client.post("/cards/action/", {"action": "explode", "card": ids}).status_code == 400
    # An open redirect is refused.
    response = client.post(
        "/cards/action/", {"action": "bury", "card": ids, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/cards/"


def test_a_reset_card_is_offered_again_as_new(user, bank) -> None:
    profile = StudyProfile.objects.create(user=user, new_per_day=50)
    card = bank["shard"]
    now = timezone.now()
    answer(user, card, GOOD, now=now)
    for other in Card.objects.exclude(pk=card.pk):
        answer(user, other, GOOD, now=now)
    scope = study.scope_for(deck=card.deck)
    assert study.next_card(user=user, scope=scope, now=now, profile=profile).new == 0
    browser.apply_action(user=user, action="reset", card_ids=[card.pk], now=now, profile=profile)
    profile.refresh_from_db()
    queue = study.next_card(user=user, scope=scope, now=now, profile=profile)
    assert queue.new == 1


def test_one_learner_never_sees_or_changes_anothers_state(client, user, bank) -> None:
    other = make_user("other")
    answer(other, bank["shard"], AGAIN)
    login(client, user)
    assert result_ids(client.get("/cards/", {"state": "learning"})) == []
    assert result_ids(client.get("/cards/", {"today": "on"})) == []
    page = client.get(f"/cards/{bank['shard'].pk}/")
    assert page.context["history"] == [] and page.context["memory"].state is None
    client.post("/cards/action/", {"action": "reset", "card": [bank["shard"].pk]})
    client.post("/cards/action/", {"action": "unsuspend", "card": [bank["shard"].pk]})
    assert CardState.objects.get(user=other, card=bank["shard"]).reps == 1


def test_browser_needs_login_and_actions_need_csrf(user, bank) -> None:
    anonymous = Client()
    assert anonymous.get("/cards/").status_code == 302
    assert anonymous.get(f"/cards/{bank['shard'].pk}/").status_code == 302
    strict = login(Client(enforce_csrf_checks=True), user)
    response = strict.post("/cards/action/", {"action": "suspend", "card": [bank["shard"].pk]})
    assert response.status_code == 403
    assert not CardState.objects.filter(user=user).exists()
    assert strict.get("/cards/999999/").status_code == 404


def test_browser_page_is_a_bounded_number_of_queries(
    client, user, bank, django_assert_max_num_queries
) -> None:
    login(client, user)
    for card in list(bank.values())[:3]:
        answer(user, card, GOOD)
    with django_assert_max_num_queries(8):
        response = client.get("/cards/", {"q": "window", "sort": "due"})
    assert response.status_code == 200


def test_tags_are_listed_on_the_deck_page_with_study_and_browse_links(client, user, bank) -> None:
    login(client, user)
    make_card(bank["durability"].topic, "Another?", "Yes", tags=["exam", "s3"])
    storage = bank["durability"].deck
    # "Exam" and "exam" are one tag.
    assert browser.tag_counts(deck_id=storage.pk) == [("Exam", 2), ("s3", 1)]
    assert browser.tag_counts(deck_id=bank["shard"].deck_id) == []
    html = client.get(f"/decks/{storage.slug}/").content.decode()
    assert f'href="/study/tag/Exam/?deck={storage.slug}"' in html
    assert f'href="/cards/?deck={storage.pk}&amp;tag=s3"' in html
    browse = client.get("/cards/", {"tag": "exam"}).content.decode()
    assert 'href="/study/tag/exam/"' in browse


def test_card_text_and_tags_are_escaped_in_the_results(client, user, bank) -> None:
    login(client, user)
    topic = bank["shard"].topic
    make_card(topic, "<script>alert(1)</script> evil?", "x", tags=['"><img src=x onerror=1>'])
    html = client.get("/cards/", {"q": "evil"}).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html


def test_tags_from_imported_notes_filter_the_browser_study_and_exams(client, user, tmp_path):
    from tests.factory import import_text

    login(client, user)
    import_text(
        tmp_path,
        """
        ---
        tags: [AWS]
        ---
        # Streaming

        ## Kinesis #Exam

        - What is a shard? :: A unit of capacity
        - How long are records kept by default? :: 24 hours

        ## Glue

        - What does a crawler do? :: Infers schemas into the Data Catalog
        """,
    )
    # The heading's tag tags its section's cards; the front matter's tags every card.
    kinesis = set(Card.objects.filter(topic__title="Kinesis").values_list("pk", flat=True))
    assert len(kinesis) >= 2 and Card.objects.filter(topic__title="Glue").exists()
    assert set(result_ids(client.get("/cards/", {"tag": "exam"}))) == kinesis
    assert len(result_ids(client.get("/cards/", {"tag": "aws"}))) == Card.objects.count()
    page = client.get("/study/tag/exam/")
    assert page.context["queue"].shown.card.pk in kinesis
    assert page.context["queue"].new == len(kinesis)
