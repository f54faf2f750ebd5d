from __future__ import annotations

import json
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.exams import DEFAULT_COUNT, ExamError, draw_questions, resolve_deck
from quiz.models import Topic
from quiz.questions import KIND_LABELS


class Command(BaseCommand):
    help = (
        "Print the questions a mock exam on a deck would hold (for authors to preview and for "
        "scripting). Same seed, same exam. Writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("deck", metavar="DECK_OR_PATH", help="deck slug or notes file path")
        parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
        parser.add_argument("--seed", type=int, default=None, help="default: a random seed")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1:
            raise CommandError("--count must be at least 1")
        seed = options["seed"] if options["seed"] is not None else secrets.randbelow(2**31)
        try:
            deck = resolve_deck(options["deck"])
            questions = draw_questions(deck=deck, count=options["count"], seed=seed)
        except ExamError as error:
            raise CommandError(str(error)) from error
        topics = Topic.objects.in_bulk({q.topic_id for q in questions})
        rows = [
            {
                "card": q.card_id,
                "topic": topics[q.topic_id].path,
                "topic_url": topics[q.topic_id].get_absolute_url(),
                "kind": q.kind,
                "stem": q.stem,
                "options": list(q.options),
                "correct": list(q.correct),
                "explanation": q.explanation,
                # One entry per option, in option order: why it is right or wrong.
                "option_explanations": [e.text for e in q.option_explanations],
            }
            for q in questions
        ]
        if options["json"]:
            self.stdout.write(json.dumps({"deck": deck.slug, "seed": seed, "questions": rows}))
            return
        for n, row in enumerate(rows, start=1):
            self.stdout.write(f"{n}. [{KIND_LABELS[row['kind']]}] {row['stem']}")
            for i, option in enumerate(row["options"]):
                mark = "*" if i in row["correct"] else " "
                self.stdout.write(f"   {mark} {chr(65 + i)}. {option}")
                self.stdout.write(f"        {row['option_explanations'][i]}")
            self.stdout.write(f"   → {row['topic']} ({row['topic_url']})")
        self.stdout.write(f"{len(rows)} question(s) from {deck.slug}, seed {seed}")
