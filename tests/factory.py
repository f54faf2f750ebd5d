"""Small helpers that build test data through the real code paths (no JSON fixtures)."""

from __future__ import annotations

import itertools
import textwrap
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils.html import escape
from django.utils.text import slugify

from quiz.models import TOPIC_SEPARATOR, Card, Deck, Topic

if TYPE_CHECKING:
    from quiz.importing import ImportReport

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str = "learner", **extra: object) -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def write_notes(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def import_text(folder: Path, text: str, name: str = "notes.md", **options: bool) -> ImportReport:
    """Write notes to a file and import it; raises if the import reported errors."""
    # Imported here, not at the top: the ORM helpers below must work on branches where the
    # notes parser is not merged yet.
    from quiz.importing import import_notes

    path = write_notes(folder, name, text)
    report = import_notes(paths=[path], **options)
    assert report.ok, report.errors
    return report


# ORM helpers: content built directly, without the notes parser.
_order = itertools.count(1)


def make_deck(title: str = "Deck") -> Deck:
    slug = slugify(title) or "deck"
    if Deck.objects.filter(slug=slug).exists():
        slug = f"{slug}-{uuid.uuid4().hex[:6]}"
    return Deck.objects.create(title=title, slug=slug, source_path=f"/notes/{slug}.md")


def make_topic(deck: Deck, title: str, parent: Topic | None = None) -> Topic:
    path = f"{parent.path}{TOPIC_SEPARATOR}{title}" if parent else title
    return Topic.objects.create(
        deck=deck,
        parent=parent,
        title=title,
        path=path,
        level=(parent.level + 1) if parent else 1,
        order=next(_order),
    )


def make_card(
    topic: Topic,
    kind: str = "qa",
    prompt: str = "What is it?",
    answer: str = "It is.",
    items: list[str] | None = None,
    term: str = "",
) -> Card:
    return Card.objects.create(
        deck=topic.deck,
        topic=topic,
        kind=kind,
        key=uuid.uuid4().hex,
        match_text=prompt.lower(),
        prompt_md=prompt,
        prompt_html=f"<p>{escape(prompt)}</p>",
        answer_md=answer,
        answer_html=f"<p>{escape(answer)}</p>",
        items=items or [],
        term=term,
        order=next(_order),
    )
