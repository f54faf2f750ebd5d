from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quiz.importing import ImportProgress, ImportReport, import_notes
from quiz.notes.coverage import Coverage, measure_bytes

BAR_WIDTH = 24


class ProgressBar:
    """One line on a terminal, redrawn in place: files parsed, cards, time left.

    Redrawn at most ten times a second (a folder of small files would otherwise spend its time
    printing), and cleared at the end so the summary starts on a clean line."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.drawn = 0.0

    def __call__(self, state: ImportProgress) -> None:
        now = time.monotonic()
        if state.finished:
            self.out.write("\r\033[K", style_func=_plain, ending="")
            self.out.flush()
            return
        if now - self.drawn < 0.1 and state.files_done not in (0, state.files_total):
            return
        self.drawn = now
        share = state.bytes_done / state.bytes_total if state.bytes_total else 1.0
        filled = round(share * BAR_WIDTH)
        left = state.seconds_left
        eta = "estimating" if left is None else f"about {_duration(left)} left"
        self.out.write(
            f"\r\033[K[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            f"{state.files_done}/{state.files_total} files parsed · {state.cards:,} cards · {eta}",
            style_func=_plain,  # not the red that Django gives standard error on a terminal
            ending="",
        )
        self.out.flush()


def _plain(text: str) -> str:
    return text


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 90 else f"{seconds // 60} min {seconds % 60:02d} s"


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
        # A progress bar only for a person watching a terminal: never inside --json output,
        # nor in a log file or a pipe.
        show_progress = not options["json"] and self.stderr.isatty()
        report = import_notes(
            paths=options["paths"],
            dry_run=options["dry_run"],
            show_cards=options["show_cards"],
            progress=ProgressBar(self.stderr) if show_progress else None,
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
            where = f":{w['line']}" if w.get("line") else ""
            out.write(f"warning {w['file']}{where}: {w['message']}")
        if show_cards:
            for c in report.card_list:
                out.write(f"{c['change']:>9} {c['kind']:<10} {c['topic']} · {c['prompt'][:70]}")
        counts = report.as_dict()["cards"]
        kinds = ", ".join(f"{n} {k}" for k, n in report.as_dict()["by_kind"].items())
        topics = report.topics_changed
        prefix = "Dry run, nothing written: would import" if report.dry_run else "Imported"
        out.write(
            f"{prefix} {len(report.files)} file(s): {report.decks} deck(s) "
            f"({report.decks_created} new), {report.topics} topic(s) ({topics['created']} new, "
            f"{topics['updated']} updated, {topics['retired']} retired); cards "
            f"{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['retired']} retired, "
            f"{counts['conflicts']} conflicts ({kinds}); {len(report.warnings)} warning(s)."
        )
        if not report.changed:
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
