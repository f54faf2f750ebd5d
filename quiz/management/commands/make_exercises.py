from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.exercise_cards import make_exercise_cards


class Command(BaseCommand):
    help = (
        "Create exercise cards (questions whose answers the simulation engines compute) under "
        "every topic that carries a simulation. Idempotent per seed: the same --seed and "
        "--count create nothing new; a new --seed adds fresh questions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=3, help="exercises per kind and topic")
        parser.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
        parser.add_argument("--dry-run", action="store_true", help="report; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["count"] <= 100:
            raise CommandError("--count must be between 1 and 100")
        if options["seed"] < 0:
            raise CommandError("--seed must be >= 0")
        report = make_exercise_cards(
            count=options["count"], seed=options["seed"], dry_run=options["dry_run"]
        )
        verb = "Would create" if options["dry_run"] else "Created"
        self.stdout.write(
            f"{verb} {len(report.created)} exercise card(s) in {report.topics} topic(s); "
            f"{report.existing} already existed."
        )
