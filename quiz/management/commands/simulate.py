from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.sims.errors import SpecError
from quiz.sims.spec import run_spec

# Far above any real spec (200,000 events of a few columns is about 20 MB); a bigger file is
# refused before it is read whole.
MAX_SPEC_BYTES = 64 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Run one simulation spec (the JSON contract of docs/simulations.md: a windows spec or a "
        "kpl spec) and print its result as one JSON object. SPEC is a file, or - for standard "
        "input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("spec", metavar="SPEC", help="a JSON file, or - to read stdin")
        parser.add_argument("--indent", type=int, default=None, help="pretty-print the JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["spec"]
        try:
            if source == "-":
                text = sys.stdin.read(MAX_SPEC_BYTES + 1)
            else:
                with open(source, encoding="utf-8") as f:
                    text = f.read(MAX_SPEC_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"{source}: cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"{source}: not UTF-8 (byte offset {exc.start})") from None
        if len(text) > MAX_SPEC_BYTES:
            raise CommandError(f"{source}: larger than {MAX_SPEC_BYTES // 1024 // 1024} MiB")
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{source}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
        except RecursionError:
            # Python's JSON parser recurses once per level; no spec nests more than a few.
            raise CommandError(f"{source}: not a simulation spec: JSON nested too deeply") from None
        try:
            result = run_spec(spec)
        except SpecError as exc:
            # One line naming the field, e.g. "bad spec: events[2].rowtime: missing".
            raise CommandError(f"bad spec: {exc}") from None
        self.stdout.write(json.dumps(result, indent=options["indent"], ensure_ascii=False))
