"""Pages stay small as the bank grows: folded topic trees, paged leeches, a compact zone menu."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from quiz import study
from quiz.models import CardState, StudyProfile
from quiz.views.decks import INLINE_TREES
from quiz.views.study import LEECHES_PER_PAGE
from tests.factory import make_cards, make_deck, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(client: Client):
    user = make_user()
    client.force_login(user)
    return user


def test_many_decks_fold_their_topic_trees_and_the_deck_page_serves_each(client, learner) -> None:
    decks = [make_deck(f"Deck {i}") for i in range(INLINE_TREES + 1)]
    topics = {deck.pk: make_topic(deck, f"Topic of {deck.title}") for deck in decks}
    sub = make_topic(decks[0], "Sub", parent=topics[decks[0].pk])
    make_cards(sub, 3)
    html = client.get("/").content.decode()
    # No topic rows on the dashboard itself: each deck's tree is fetched when opened.
    assert "/study/topic/" not in html
    for deck in decks:
        assert f'hx-get="/decks/{deck.slug}/"' in html and f'href="/decks/{deck.slug}/"' in html
    # The fragment the dashboard fetches: the tree with the learner's counts, parents summed.
    part = client.get(f"/decks/{decks[0].slug}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part
    row = re.search(rf'href="/topics/{topics[decks[0].pk].pk}/".*?</li>', part, re.S)[0]
    assert re.findall(r'title="(?:New|Learning|Due today)">(\d+)<', row) == ["3", "0", "0"]
    # The same tree is a full page without JavaScript, with card counts.
    full = client.get(f"/decks/{decks[0].slug}/").content.decode()
    assert "<html" in full and f"/study/topic/{sub.pk}/" in full and "3 cards" in full


def test_leeches_come_a_page_at_a_time(client, learner) -> None:
    topic = make_topic(make_deck())
    cards = make_cards(topic, LEECHES_PER_PAGE + 5)
    CardState.objects.bulk_create(
        CardState(user=learner, card=c, deck=c.deck, due=c.created_at, suspended=True, lapses=i)
        for i, c in enumerate(cards)
    )
    first = client.get("/study/leeches/").content.decode()
    second = client.get("/study/leeches/?page=2").content.decode()
    assert first.count("Unsuspend</button>") == LEECHES_PER_PAGE
    assert second.count("Unsuspend</button>") == 5
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    # Worst first: the most lapses on page one.
    assert cards[-1].prompt_md in first and cards[0].prompt_md in second


def test_time_zone_menu_is_grouped_compact_and_keeps_the_learners_choice(client, learner) -> None:
    StudyProfile.objects.create(user=learner, timezone="US/Eastern")
    html = client.get("/study/settings/").content.decode()
    assert len(html) < 30_000
    assert '<optgroup label="Europe">' in html
    assert '<option value="Europe/Berlin">Berlin</option>' in html
    # An old alias is still shown (and kept) when it is what the learner chose.
    assert '<option value="US/Eastern" selected>' in html
    data = {
        "desired_retention": "0.9",
        "new_per_day": "20",
        "max_reviews_per_day": "200",
        "learning_steps": "1m 10m",
        "relearning_steps": "10m",
        "timezone": "Asia/Tokyo",
    }
    assert client.post("/study/settings/", data).status_code == 302
    assert study.profile_for(learner).timezone == "Asia/Tokyo"
    html = client.get("/study/settings/").content.decode()
    assert '<option value="Asia/Tokyo" selected>Tokyo</option>' in html
    response = client.post("/study/settings/", {**data, "timezone": "Mars/Olympus"})
    assert response.status_code == 200 and "is not a time zone name" in response.content.decode()


def test_a_leeches_page_is_in_order_with_its_links_in_a_few_queries(
    client, learner, django_assert_max_num_queries
) -> None:
    from django.urls import reverse

    deck = make_deck("Leechy")
    topic = make_topic(deck)
    cards = make_cards(topic, 12)
    CardState.objects.bulk_create(
        CardState(user=learner, card=c, deck=c.deck, due=c.created_at, suspended=i % 2 == 0,
                  is_leech=i % 2 == 1, lapses=i % 4)
        for i, c in enumerate(cards)
    )  # fmt: skip
    with django_assert_max_num_queries(10):
        html = client.get("/study/leeches/").content.decode()
    expected = sorted(cards, key=lambda c: (-(cards.index(c) % 4), c.order))
    positions = [html.index(f">{c.prompt_md}<") for c in expected]
    assert positions == sorted(positions)
    assert html.count(f'href="{reverse("topic_detail", args=[topic.pk])}"') == 12
    for card in cards[::2]:
        assert f'action="{reverse("leech_unsuspend", args=[card.pk])}"' in html
    assert html.count("Unsuspend</button>") == 6 and html.count("Leechy") == 12
