"""Small helpers that build test data through the real code paths (no JSON fixtures)."""

from __future__ import annotations

import itertools
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.text import slugify

from quiz.models import TOPIC_SEPARATOR, Card, CardState, Deck, Topic
from quiz.scheduling import REVIEW

if TYPE_CHECKING:
    from quiz.importing import ImportReport

PASSWORD = "correct-horse-battery-staple"
_serial = itertools.count(1)


def make_user(username: str = "learner", **extra: object) -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def write_notes(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def import_text(folder: Path, text: str, name: str = "notes.md", **options: bool) -> ImportReport:
    """Write notes to a file and import it; raises if the import reported errors."""
    # Imported here so the ORM helpers below work without the notes parser.
    from quiz.importing import import_notes

    path = write_notes(folder, name, text)
    report = import_notes(paths=[path], **options)
    assert report.ok, report.errors
    return report


# Rows made directly through the ORM, for tests that need content but not the importer.


def make_deck(title: str = "Streaming", **extra: Any) -> Deck:
    n = next(_serial)
    fields: dict[str, Any] = {
        "slug": f"{slugify(title)}-{n}",
        "source_path": f"/notes/{slugify(title)}-{n}.md",
        "imported_at": timezone.now(),
    }
    fields.update(extra)
    return Deck.objects.create(title=title, **fields)


def make_topic(
    deck: Deck, title: str = "Kinesis", parent: Topic | None = None, **extra: Any
) -> Topic:
    path = f"{parent.path}{TOPIC_SEPARATOR}{title}" if parent else title
    fields: dict[str, Any] = {
        "level": (parent.level + 1) if parent else 1,
        "order": deck.topics.count(),
        "body_md": f"Notes about {title}.",
        "body_html": f"<p>Notes about {title}.</p>",
    }
    fields.update(extra)
    return Topic.objects.create(deck=deck, parent=parent, title=title, path=path, **fields)


def make_card(
    topic: Topic, prompt: str | None = None, answer: str = "An answer", **extra: Any
) -> Card:
    n = next(_serial)
    prompt = prompt or f"Question {n}?"
    fields: dict[str, Any] = {
        "kind": Card.Kind.QA,
        "key": f"card-{n}",
        "match_text": prompt.lower(),
        "order": topic.deck.cards.count(),
    }
    fields.update(extra)
    return Card.objects.create(
        deck=topic.deck,
        topic=topic,
        prompt_md=prompt,
        prompt_html=f"<p>{prompt}</p>",
        answer_md=answer,
        answer_html=f"<p>{answer}</p>",
        **fields,
    )


def make_cards(topic: Topic, count: int, **extra: Any) -> list[Card]:
    return [make_card(topic, **extra) for _ in range(count)]


@dataclass
class Bank:
    deck: Deck
    streaming: Topic
    storage: Topic
    cards: list[Card]


def make_exam_bank() -> Bank:
    """One title heading above two domains; 10 cards that can each give a question."""
    deck = make_deck("AWS Big Data")
    root = make_topic(deck, "My notes")
    streaming = make_topic(deck, "Streaming", root)
    windows = make_topic(deck, "Windows", streaming)
    storage = make_topic(deck, "Storage", root)
    definitions = [
        ("Tumbling", "Fixed size, non-overlapping"),
        ("Sliding", "Continuous over a fixed interval"),
        ("Stagger", "Keyed windows opened as data arrives"),
        ("Session", "Separated by a gap of inactivity"),
    ]
    cards = [
        *(make_card(windows, f"{t}?", d, kind="definition", term=t) for t, d in definitions),
        make_card(storage, "Largest S3 object?", "5 TB"),
        make_card(storage, "Glacier retrieval, expedited?", "1 to 5 minutes"),
        make_card(storage, "S3 durability?", "Eleven nines"),
        make_card(storage, "Redshift node slices hold?", "A share of node memory"),
        make_card(storage, "DynamoDB item size limit?", "400 KB"),
        make_card(streaming, "Shard write rate?", "1 MB per second"),
    ]
    return Bank(deck, streaming, storage, cards)


# Studying: a fixed clock, an answer at it, and a card the learner already knows.

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def answer(user: AbstractBaseUser, card: Card, rating: int = 3, now: datetime = NOW, **extra: Any):
    """`study.answer_card` at the card's current version (Good by default)."""
    from quiz import study

    state = CardState.objects.filter(user=user, card=card).first()
    version = state.version if state else 0
    return study.answer_card(user=user, card=card, rating=rating, version=version, now=now, **extra)


def make_review_card(
    user: AbstractBaseUser, card: Card, *, due: datetime, stability: float = 10.0, lapses: int = 0
) -> CardState:
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


def store_review_log(user: AbstractBaseUser, log: list[Any], topic: Topic | None = None) -> None:
    """Write a generated log (tests.reviewlog) as the learner's review log, one card per
    generated card, through bulk inserts (the study path would take minutes for thousands)."""
    from quiz.models import Review

    topic = topic or make_topic(make_deck("Generated"), "Generated")
    ids = sorted({answer.card for answer in log})
    n = next(_serial)
    cards = Card.objects.bulk_create(
        Card(
            deck=topic.deck,
            topic=topic,
            kind=Card.Kind.QA,
            key=f"gen-{n}-{i}",
            match_text=f"generated {n} {i}",
            prompt_md=f"Generated question {i}?",
            prompt_html=f"<p>Generated question {i}?</p>",
            answer_md="Generated answer",
            answer_html="<p>Generated answer</p>",
            order=i,
        )
        for i in ids
    )
    by_generated = dict(zip(ids, (c.pk for c in cards), strict=True))
    Review.objects.bulk_create(
        (
            Review(
                user=user,
                card_id=by_generated[answer.card],
                rating=answer.rating,
                reviewed_at=answer.at,
                state_before={"state": answer.state_before},
                state_after={},
            )
            for answer in log
        ),
        batch_size=1000,
    )
