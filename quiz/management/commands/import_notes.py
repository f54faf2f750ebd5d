from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.importing import ImportReport, import_notes
from quiz.notes.coverage import Coverage, measure_bytes


class Command(BaseCommand):
    help = (
        "Import Markdown notes (files, or every .md below a folder) into decks, topics and "
        "cards. All-or-nothing: if any file has an error, nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change; write nothing"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--show-cards", action="store_true", help="list every card and its change"
        )
        parser.add_argument(
            "--coverage",
            action="store_true",
            help="per file, the share of content lines some card holds, and the lines none does",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = import_notes(
            paths=options["paths"], dry_run=options["dry_run"], show_cards=options["show_cards"]
        )
        coverage = _coverage(report) if options["coverage"] and report.ok else {}
        if options["json"]:
            data = report.as_dict(show_cards=options["show_cards"])
            if options["coverage"]:
                data["coverage"] = {f: round(c.share, 4) for f, c in coverage.items()}
                data["uncovered"] = [
                    {"file": f, "line": line, "text": text}
                    for f, c in coverage.items()
                    for line, text in c.uncovered
                ]
            self.stdout.write(json.dumps(data))
        else:
            self._summary(report, show_cards=options["show_cards"])
            for file, result in coverage.items():
                self.stdout.write(
                    f"coverage {file}: {result.share:.0%} of {result.content_lines} content "
                    f"line(s) are in a card; {len(result.uncovered)} are not"
                )
                for line, text in result.uncovered:
                    self.stdout.write(f"  {file}:{line}: {text}")
        if report.errors:
            first = report.errors[0]
            where = f":{first['line']}" if first.get("line") else ""
            more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
            raise CommandError(
                f"{first['file']}{where}: {first['message']}{more}; nothing was imported"
            )

    def _summary(self, report: ImportReport, *, show_cards: bool) -> None:
        out = self.stdout
        for e in report.errors:
            where = f":{e['line']}" if e.get("line") else ""
            out.write(f"error   {e['file']}{where}: {e['message']}")
        if report.errors:
            return
        for w in report.warnings:
            out.write(f"warning {w['file']}:{w['line']}: {w['message']}")
        if show_cards:
            for c in report.card_list:
                out.write(f"{c['change']:>9} {c['kind']:<10} {c['topic']} · {c['prompt'][:70]}")
        counts = report.as_dict()["cards"]
        kinds = ", ".join(f"{n} {k}" for k, n in report.as_dict()["by_kind"].items())
        prefix = "Dry run, nothing written: would import" if report.dry_run else "Imported"
        out.write(
            f"{prefix} {len(report.files)} file(s): {report.decks} deck(s), "
            f"{report.topics} topic(s); cards {counts['created']} created, "
            f"{counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['retired']} retired, {counts['conflicts']} conflicts ({kinds}); "
            f"{len(report.warnings)} warning(s)."
        )
        if not any(counts[k] for k in ("created", "updated", "retired", "conflicts")):
            out.write("Nothing changed.")


def _coverage(report: ImportReport) -> dict[str, Coverage]:
    """Each imported file's coverage, read again from disk (only asked for, never on import)."""
    found: dict[str, Coverage] = {}
    for file in report.files:
        try:
            data = Path(file).read_bytes()
        except OSError:
            continue
        result = measure_bytes(data, name=Path(file).name)
        if result is not None:
            found[file] = result
    return found
