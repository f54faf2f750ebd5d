from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from quiz.models import Deck


class Command(BaseCommand):
    help = (
        "Set up and serve Notebank: apply migrations, import the shipped notes in content/ "
        "(the first run creates the decks; later runs apply only what changed), print the "
        "URL and start the development server with the background task worker beside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-serve", action="store_true", help="set up only; do not start the server"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the task worker (big admin uploads then wait for one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        first = not Deck.objects.exists()
        self.stdout.write(
            f"{'First run: importing' if first else 'Checking'} the shipped notes in "
            f"{settings.CONTENT_DIR}"
        )
        call_command("import_notes", str(settings.CONTENT_DIR), stdout=self.stdout)
        # Engine-computed exercises for the topics that carry a simulation (idempotent).
        call_command("make_exercises", stdout=self.stdout)
        addrport = options["addrport"]
        host, _, port = addrport.rpartition(":")
        self.stdout.write(
            self.style.SUCCESS(f"Notebank is ready: open http://{host or '127.0.0.1'}:{port}/")
            + "  (sign up there; Ctrl+C stops the server)"
        )
        if options["no_serve"]:
            return
        worker = None if options["no_worker"] else self._start_worker()
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()  # db_worker finishes the task in hand, then exits
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_worker(self) -> subprocess.Popen[bytes]:
        """`manage.py db_worker` in its own process: it runs background tasks (big admin
        uploads) from the database queue; a deployment runs it as a service of its own."""
        worker = subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "db_worker"],
            cwd=settings.BASE_DIR,
        )
        self.stdout.write(f"Task worker started (manage.py db_worker, process {worker.pid}).")
        return worker
