"""What is being studied: everything, one deck, or one topic with its subtopics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from quiz.models import Deck, Topic
from quiz.study import fastsql


@dataclass(frozen=True)
class Scope:
    """Everything, a deck, or a topic with its subtopics; and, for custom study
    (`quiz.study.custom`), reviews due up to `ahead_days` ahead, a chosen set of cards
    (`card_ids`, each shown once since `started`), or only the cards tagged `tag`."""

    deck: Deck | None = None
    topic: Topic | None = None
    topic_ids: tuple[int, ...] = ()
    ahead_days: int = 0
    card_ids: tuple[int, ...] = ()
    started: datetime | None = None
    tag: str = ""

    @property
    def is_custom(self) -> bool:
        return bool(self.ahead_days or self.card_ids or self.tag)

    @property
    def base_key(self) -> str:
        if self.topic is not None:
            return f"topic:{self.topic.pk}"
        if self.deck is not None:
            return f"deck:{self.deck.pk}"
        return "all"

    @property
    def key(self) -> str:
        if self.is_custom:
            from quiz.study import custom  # custom builds on Scope: imported when needed

            return custom.scope_key(self)
        return self.base_key

    @property
    def title(self) -> str:
        if self.is_custom:
            from quiz.study import custom

            return custom.scope_title(self)
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
    """ "all", "deck:ID", "topic:ID" or a custom key (`custom.scope_key`) → Scope.

    Raises Deck/Topic.DoesNotExist or ValueError."""
    if not key or key == "all":
        return Scope()
    if key.startswith(("ahead:", "cards:", "tag:")):
        from quiz.study import custom

        return custom.scope_from_key(key)
    kind, _, raw_id = key.partition(":")
    if kind == "deck":
        deck = fastsql.load_deck(int(raw_id))
        if deck is None:
            raise Deck.DoesNotExist(f"Deck {raw_id} does not exist")
        return scope_for(deck=deck)
    if kind == "topic":
        return scope_for(topic=Topic.objects.select_related("deck").get(pk=int(raw_id)))
    raise ValueError(f"unknown scope {key!r}")
