"""Downloads: a deck or topic for Anki (.apkg or CSV), and a learner's own review log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from quiz.exporting import (
    anki_csv,
    anki_package,
    review_log_csv,
    select_cards,
    select_topics,
)
from quiz.models import Deck, Review, Topic

CONTENT_TYPES = {"apkg": "application/octet-stream", "csv": "text/csv; charset=utf-8"}


def _download(content: bytes | str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(deck: Deck, topic: Topic | None, fmt: str, filename: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("Export formats are apkg and csv.")
    cards = list(select_cards(deck=deck, topic=topic))
    if fmt == "csv":
        return _download(anki_csv(cards=cards), f"{filename}.csv", CONTENT_TYPES["csv"])
    content = anki_package(cards=cards, topics=select_topics(deck=deck, topic=topic))
    return _download(content, f"{filename}.apkg", CONTENT_TYPES["apkg"])


@require_GET
@login_required
def deck_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    deck = get_object_or_404(Deck, slug=slug)
    return _export(deck, None, fmt, deck.slug)


@require_GET
@login_required
def topic_export(request: HttpRequest, topic_id: int, fmt: str) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.select_related("deck"), pk=topic_id)
    return _export(topic.deck, topic, fmt, f"{topic.deck.slug}-topic-{topic.pk}")


@require_GET
@login_required
def my_review_log(request: HttpRequest) -> HttpResponse:
    """The learner's own reviews, every one (undone ones marked): their data is theirs."""
    reviews = (
        Review.objects.filter(user=request.user)
        .select_related("card__deck", "card__topic")
        .order_by("reviewed_at", "pk")
    )
    content = review_log_csv(reviews=reviews.iterator(chunk_size=2000))
    return _download(content, "my-review-log.csv", CONTENT_TYPES["csv"])
