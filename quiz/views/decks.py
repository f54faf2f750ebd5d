"""Browsing the shared content: decks, their topic trees, and a topic's notes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from quiz.models import Card, Deck, Topic


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    decks = Deck.objects.annotate(
        card_count=Count("cards", filter=Q(cards__status=Card.Status.ACTIVE))
    )
    return render(request, "quiz/dashboard.html", {"decks": decks})


@require_GET
@login_required
def deck_detail(request: HttpRequest, slug: str) -> HttpResponse:
    deck = get_object_or_404(Deck, slug=slug)
    topics = list(
        deck.topics.filter(is_active=True).annotate(
            card_count=Count("cards", filter=Q(cards__status=Card.Status.ACTIVE))
        )
    )
    return render(request, "quiz/deck_detail.html", {"deck": deck, "topics": topics})


@require_GET
@login_required
def topic_detail(request: HttpRequest, topic_id: int) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.select_related("deck"), pk=topic_id)
    cards = topic.cards.filter(status=Card.Status.ACTIVE).order_by("order")
    return render(request, "quiz/topic_detail.html", {"topic": topic, "cards": cards})
