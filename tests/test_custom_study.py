"""Custom study: cram and again today (previews that change nothing), study ahead and chosen
cards (answered through the scheduler)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quiz import study
from quiz.models import CardState, Review, StudyProfile
from quiz.scheduling import AGAIN, GOOD, LEARNING, REVIEW
from quiz.study import custom as custom_study
from quiz.study.custom import PreviewPosition
from tests.factory import make_card, make_deck, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def topic():
    return make_topic(make_deck("Streaming"), "Kinesis")


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


def review_state(user, card, *, due_in_days: float, now=None) -> CardState:
    now = now or timezone.now()
    return CardState.objects.create(
        user=user,
        card=card,
        deck=card.deck,
        state=REVIEW,
        stability=20.0,
        difficulty=5.0,
        due=now + timedelta(days=due_in_days),
        last_review=now - timedelta(days=20),
        reps=3,
    )


def snapshot(user) -> list[tuple]:
    """Everything scheduling keeps for a learner."""
    states = list(
        CardState.objects.filter(user=user)
        .order_by("pk")
        .values_list("card_id", "state", "due", "stability", "version", "suspended")
    )
    return [*states, Review.objects.filter(user=user).count()]


def shown_card_id(response) -> int | None:
    """The card a study page (or its htmx partial) shows next."""
    found = re.search(r'name="card" value="(\d+)"', response.content.decode())
    return int(found[1]) if found else None


def shown_prompt(html: str) -> str:
    return re.search(r'<div class="prompt prose">(.*?)</div>', html, re.S)[1]


# --- the preview walk (pure) ------------------------------------------------------------------


def test_preview_walk_sends_failed_cards_to_the_end_until_known() -> None:
    cards = [10, 20, 30]
    position = PreviewPosition()
    seen = []
    answers = {10: [False, True], 20: [True], 30: [False, False, True]}
    while (card := position.current(len(cards), cards.__getitem__)) is not None:
        seen.append(card)
        knew = answers[card].pop(0)
        position = position.after(card, total=len(cards), knew=knew)
    assert seen == [10, 20, 30, 10, 30, 30]
    assert position.left(len(cards)) == 0


# --- cram -------------------------------------------------------------------------------------


def test_cram_walks_a_deck_regardless_of_due_dates_and_changes_nothing(client, user, topic):
    login(client, user)
    cards = [make_card(topic, f"Cram card {i}?", f"Answer {i}") for i in range(3)]
    review_state(user, cards[0], due_in_days=90)  # far from due: still crammed
    before = snapshot(user)
    url = f"/study/cram/?deck={topic.deck_id}"
    page = client.get(url)
    html = page.content.decode()
    assert "never changes your schedule" in html
    assert "Cram card 0?" in shown_prompt(html)
    seen = []
    for _ in range(10):
        html = client.get(url).content.decode()
        if 'data-testid="summary"' in html:
            break
        seen.append(shown_prompt(html))
        reveal = re.search(r'href="(\?[^"]*show=answer)"', html)[1].replace("&amp;", "&")
        answer_html = client.get("/study/cram/" + reveal).content.decode()
        assert "Answer" in answer_html
        # "Again" for the first card once, "Got it" otherwise.
        which = "Again" if len(seen) == 1 else "Got it"
        link = re.search(r'href="(\?[^"]*)"[^>]*>' + which, answer_html)[1]
        url = "/study/cram/" + link.replace("&amp;", "&")
    assert [re.sub(r"<.*?>", "", p) for p in seen] == [
        "Cram card 0?",
        "Cram card 1?",
        "Cram card 2?",
        "Cram card 0?",
    ]
    assert snapshot(user) == before


def test_cram_a_topic_a_search_and_chosen_cards(client, user, topic) -> None:
    login(client, user)
    sub = make_topic(topic.deck, "Shards", topic)
    a = make_card(topic, "Retention period?", "24 hours by default")
    b = make_card(sub, "Shard write limit?", "1 MB per second")
    c = make_card(make_topic(make_deck("Other"), "S3"), "S3 durability?", "Eleven nines")
    assert client.get(f"/study/cram/?topic={sub.pk}").context["total"] == 1
    assert client.get(f"/study/cram/?topic={topic.pk}").context["total"] == 2
    assert client.get("/study/cram/?q=second").context["card"] == b
    response = client.get(f"/study/cram/?cards={c.pk}.{a.pk}")
    # Decks in the order they were imported, then notes order.
    assert response.context["total"] == 2 and response.context["card"] == a
    assert client.get("/study/cram/?cards=1.x").status_code == 404
    assert client.get("/study/cram/?lapses=-3").status_code == 400


def test_again_today_previews_the_cards_failed_today(client, user, topic) -> None:
    login(client, user)
    failed, passed, earlier = (make_card(topic, f"Card {i}?") for i in range(3))
    now = timezone.now()
    study.answer_card(user=user, card=failed, rating=AGAIN, version=0, now=now)
    study.answer_card(user=user, card=passed, rating=GOOD, version=0, now=now)
    study.answer_card(user=user, card=earlier, rating=AGAIN, version=0, now=now - timedelta(days=2))
    profile = study.profile_for(user)
    assert custom_study.failed_today(user=user, now=now, profile=profile) == [failed.pk]
    before = snapshot(user)
    response = client.get("/study/again-today/")
    assert response.context["card"] == failed and response.context["total"] == 1
    assert "never changes your schedule" in response.content.decode()
    assert snapshot(user) == before
    # From a deck's page: only that deck's failures.
    other = make_card(make_topic(make_deck("Other"), "S3"), "Other deck?")
    study.answer_card(user=user, card=other, rating=AGAIN, version=0, now=now)
    assert client.get("/study/again-today/").context["total"] == 2
    response = client.get(f"/study/again-today/?deck={topic.deck.slug}")
    assert response.context["total"] == 1 and response.context["card"] == failed


# --- study ahead ------------------------------------------------------------------------------


def test_study_ahead_offers_reviews_due_within_n_days_and_schedules_answers(
    client, user, topic
) -> None:
    login(client, user)
    StudyProfile.objects.create(user=user, max_reviews_per_day=0)  # the daily limit is spent
    soon, later, far = (make_card(topic, f"Ahead {i}?") for i in range(3))
    review_state(user, soon, due_in_days=2)
    review_state(user, later, due_in_days=5)
    review_state(user, far, due_in_days=30)
    assert client.get("/study/").context["queue"].shown is None  # nothing due today
    response = client.get(f"/study/ahead/?days=7&deck={topic.deck.slug}")
    queue = response.context["queue"]
    assert queue.shown.card == soon and queue.reviews == 2 and queue.new == 0
    html = response.content.decode()
    assert 'name="scope" value="ahead:7:deck:' in html
    # Answer through the usual answer endpoint: it is scheduled and the next ahead card follows.
    scope = re.search(r'name="scope" value="([^"]+)"', html)[1]
    version = CardState.objects.get(user=user, card=soon).version
    response = client.post(
        "/study/answer/",
        {"card": soon.pk, "rating": GOOD, "version": version, "scope": scope},
        HTTP_HX_REQUEST="true",
    )
    assert shown_card_id(response) == later.pk
    state = CardState.objects.get(user=user, card=soon)
    assert state.reps == 4 and state.due > timezone.now() + timedelta(days=2)
    assert Review.objects.filter(user=user, card=soon).count() == 1
    # Without htmx, the answer redirects back to the same custom session.
    version = CardState.objects.get(user=user, card=later).version
    response = client.post(
        "/study/answer/", {"card": later.pk, "rating": GOOD, "version": version, "scope": scope}
    )
    assert response.status_code == 302 and response["Location"].startswith("/study/ahead/?")
    assert client.get(response["Location"]).context["queue"].shown is None
    for bad in ("0", "366", "soon"):
        assert client.get(f"/study/ahead/?days={bad}").status_code == 400


# --- chosen cards ("study these now") ---------------------------------------------------------


def test_study_these_now_shows_each_chosen_card_once_through_the_scheduler(
    client, user, topic
) -> None:
    login(client, user)
    new, not_due, other = (make_card(topic, f"Chosen {i}?") for i in range(3))
    review_state(user, not_due, due_in_days=40)
    response = client.post("/cards/action/", {"action": "study", "card": [not_due.pk, new.pk]})
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith("/study/chosen/?cards=")
    page = client.get(url)
    queue = page.context["queue"]
    assert queue.shown.card == not_due and (queue.reviews, queue.new) == (1, 1)
    scope = re.search(r'name="scope" value="([^"]+)"', page.content.decode())[1]
    state = CardState.objects.get(user=user, card=not_due)
    response = client.post(
        "/study/answer/",
        {"card": not_due.pk, "rating": GOOD, "version": state.version, "scope": scope},
        HTTP_HX_REQUEST="true",
    )
    # Answered once: not shown again this session however its due date moved.
    assert shown_card_id(response) == new.pk
    response = client.post(
        "/study/answer/",
        {"card": new.pk, "rating": AGAIN, "version": 0, "scope": scope},
        HTTP_HX_REQUEST="true",
    )
    # The failed new card is in learning: it comes back at its step (within the learn-ahead).
    assert CardState.objects.get(user=user, card=new).state == LEARNING
    assert shown_card_id(response) == new.pk
    assert "1 learning" in response.content.decode()
    assert not CardState.objects.filter(user=user, card=other).exists()
    assert Review.objects.filter(user=user).count() == 2


def test_custom_scope_keys_round_trip_and_reject_junk(topic) -> None:
    now = timezone.now().replace(microsecond=0)
    chosen = custom_study.selection_scope([3, 1, 3], started=now)
    assert chosen.card_ids == (3, 1)
    assert study.scope_from_key(chosen.key) == chosen
    ahead = custom_study.ahead_scope(study.scope_for(topic=topic), 3)
    assert study.scope_from_key(ahead.key).key == ahead.key == f"ahead:3:topic:{topic.pk}"
    for junk in ("cards:0:", "cards:x:1", "ahead:0:all", "ahead:9999:all", "ahead:x:all"):
        with pytest.raises(ValueError):
            study.scope_from_key(junk)


def test_custom_study_buttons_on_deck_topic_and_browser_pages(client, user, topic) -> None:
    login(client, user)
    make_card(topic, "Anything?")
    for url in (f"/decks/{topic.deck.slug}/", f"/topics/{topic.pk}/", "/cards/"):
        html = client.get(url).content.decode()
        assert 'href="/study/cram/' in html, url
        assert 'href="/study/again-today/' in html, url
        assert 'action="/study/ahead/"' in html, url


# --- tags -------------------------------------------------------------------------------------


def test_study_by_tag_keeps_to_the_tagged_cards_and_the_daily_limits(client, user, topic):
    login(client, user)
    StudyProfile.objects.create(user=user, new_per_day=2)
    tagged = [make_card(topic, f"Tagged {i}?", tags=["exam", "aws"]) for i in range(3)]
    make_card(topic, "Untagged?")
    due = make_card(topic, "Tagged and due?", tags=["exam"])
    review_state(user, due, due_in_days=-1)
    not_due = make_card(topic, "Tagged, not due?", tags=["exam"])
    review_state(user, not_due, due_in_days=9)
    page = client.get(f"/study/tag/exam/?deck={topic.deck.slug}")
    queue = page.context["queue"]
    assert (queue.reviews, queue.new) == (1, 2)  # two new cards a day
    assert "#exam" in page.content.decode()
    scope = re.search(r'name="scope" value="([^"]+)"', page.content.decode())[1]
    assert scope.startswith("tag:exam:deck:")
    seen = []
    for _ in range(6):
        card_id = shown_card_id(page)
        if card_id is None:
            break
        seen.append(card_id)
        state = CardState.objects.filter(user=user, card_id=card_id).first()
        page = client.post(
            "/study/answer/",
            {
                "card": card_id,
                "rating": 4,
                "version": state.version if state else 0,
                "scope": scope,
            },
            HTTP_HX_REQUEST="true",
        )
    assert set(seen) == {due.pk, tagged[0].pk, tagged[1].pk}
    assert client.get("/study/tag/exam/").context["queue"].shown is None
    assert client.get("/study/tag/a:b/").status_code == 400


def test_exams_can_be_drawn_from_a_tag(client, user) -> None:
    from tests.factory import make_exam_bank

    login(client, user)
    bank = make_exam_bank()
    for card in bank.cards[:4]:
        card.tags = ["windows"]
        card.save()
    response = client.post(
        "/exams/start/",
        {
            "deck": bank.deck.slug,
            "mode": "practice",
            "count": 4,
            "pass_mark": 72,
            "tag": "#Windows",
        },
    )
    assert response.status_code == 302
    attempt = user.exam_attempts.get()
    assert {q.card_id for q in attempt.questions.all()} == {c.pk for c in bank.cards[:4]}
    response = client.post(
        "/exams/start/",
        {"deck": bank.deck.slug, "mode": "exam", "count": 5, "pass_mark": 72, "tag": "windows"},
    )
    assert response.status_code == 400
    assert "tagged #windows" in response.content.decode()


def test_a_chosen_sessions_summary_says_when_its_own_cards_come_due(user, topic) -> None:
    """Not when the learner's whole queue has work: other cards due now are not this
    session's, and it is not "tomorrow" because of them."""
    now = timezone.now()
    chosen, elsewhere = make_card(topic, "Chosen?"), make_card(topic, "Elsewhere?")
    review_state(user, chosen, due_in_days=11, now=now)
    review_state(user, elsewhere, due_in_days=-1, now=now)
    scope = custom_study.selection_scope([chosen.pk], started=now)
    summary = study.session_summary(user=user, scope=scope, since=now, now=now)
    assert summary.next_due == now + timedelta(days=11)
    everything = study.session_summary(user=user, scope=study.scope_for(), since=now, now=now)
    assert everything.next_due is not None and everything.next_due < now + timedelta(days=2)
