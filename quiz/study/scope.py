"""What is being studied: everything, one deck, or one topic with its subtopics."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from quiz.models import Deck, Topic
from quiz.study import fastsql


@dataclass(frozen=True)
class Scope:
    deck: Deck | None = None
    topic: Topic | None = None
    topic_ids: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        if self.topic is not None:
            return f"topic:{self.topic.pk}"
        if self.deck is not None:
            return f"deck:{self.deck.pk}"
        return "all"

    @property
    def title(self) -> str:
        if self.topic is not None:
            return self.topic.title
        if self.deck is not None:
            return self.deck.title
        return "Everything due"


def scope_for(*, deck: Deck | None = None, topic: Topic | None = None) -> Scope:
    if topic is not None:
        prefix = topic.path + " › "
        ids = Topic.objects.filter(deck_id=topic.deck_id).filter(
            Q(pk=topic.pk) | Q(path__startswith=prefix)
        )
        return Scope(
            deck=topic.deck, topic=topic, topic_ids=tuple(ids.values_list("pk", flat=True))
        )
    return Scope(deck=deck)


def scope_from_key(key: str) -> Scope:
    """ "all", "deck:ID" or "topic:ID" → Scope. Raises Deck/Topic.DoesNotExist or ValueError."""
    if not key or key == "all":
        return Scope()
    kind, _, raw_id = key.partition(":")
    if kind == "deck":
        deck = fastsql.load_deck(int(raw_id))
        if deck is None:
            raise Deck.DoesNotExist(f"Deck {raw_id} does not exist")
        return scope_for(deck=deck)
    if kind == "topic":
        return scope_for(topic=Topic.objects.select_related("deck").get(pk=int(raw_id)))
    raise ValueError(f"unknown scope {key!r}")
