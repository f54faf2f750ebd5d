from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.exporting import anki_csv, anki_package, select_cards, select_topics
from quiz.models import Deck


class Command(BaseCommand):
    help = (
        "Export a deck (or one topic and its subtopics) for Anki: an .apkg package with media, "
        "or Anki's CSV import format. Note GUIDs come from the cards' stable keys, so "
        "importing a newer export into Anki updates the notes instead of duplicating them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("deck", metavar="DECK", help="the deck's slug")
        parser.add_argument("--format", choices=["apkg", "csv"], default="apkg")
        parser.add_argument("-o", "--output", required=True, metavar="FILE")
        parser.add_argument("--topic", type=int, metavar="ID", help="only this topic's cards")

    def handle(self, *args: Any, **options: Any) -> None:
        deck = Deck.objects.filter(slug=options["deck"]).first()
        if deck is None:
            raise CommandError(f"no deck with slug {options['deck']!r}")
        topic = None
        if options["topic"] is not None:
            topic = deck.topics.filter(pk=options["topic"]).select_related("deck").first()
            if topic is None:
                raise CommandError(f"deck {deck.slug!r} has no topic {options['topic']}")
        cards = list(select_cards(deck=deck, topic=topic))
        if options["format"] == "csv":
            content: bytes = anki_csv(cards=cards).encode()
        else:
            content = anki_package(cards=cards, topics=select_topics(deck=deck, topic=topic))
        output = Path(options["output"])
        try:
            output.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from None
        self.stdout.write(f"Wrote {len(cards)} card(s) from {deck.title!r} to {output}.")
