"""`manage.py start`: a fresh database gets the shipped decks; a second run changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from quiz.management.commands import start as start_module
from quiz.models import Card, Deck

pytestmark = pytest.mark.django_db(transaction=True)


def test_start_imports_shipped_content_and_prints_url(media_root: Path) -> None:
    out = StringIO()
    call_command("start", "--no-serve", stdout=out)

    text = out.getvalue()
    assert "First run: importing" in text
    assert "open http://127.0.0.1:8000/" in text
    assert Deck.objects.count() == len(list(settings.CONTENT_DIR.glob("*.md")))
    assert Card.objects.count() > 100

    again = StringIO()
    call_command("start", "--no-serve", stdout=again)
    assert "Nothing changed." in again.getvalue()


def test_start_serves_with_the_task_worker_beside_it_and_stops_it_after(
    media_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker is a real process: give it a database of its own, migrated, to poll.
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True
    )
    monkeypatch.setenv("DATABASE_URL", url)
    seen: dict[str, object] = {}

    def fake_call_command(name: str, *args: object, **kwargs: object) -> None:
        if name != "runserver":
            return call_command(name, *args, **kwargs)
        # While the server would run: the worker is up and is manage.py db_worker.
        (worker,) = [p for p in child_command_lines() if "db_worker" in p]
        seen["worker"] = worker
        time.sleep(1.0)
        assert [p for p in child_command_lines() if "db_worker" in p] == [worker], "worker died"

    monkeypatch.setattr(start_module, "call_command", fake_call_command)
    out = StringIO()
    call_command("start", stdout=out)

    assert "Task worker started (manage.py db_worker" in out.getvalue()
    assert seen["worker"]
    assert not [p for p in child_command_lines() if "db_worker" in p]  # stopped with the server


def child_command_lines() -> list[str]:
    """Command lines of this process's live children (from /proc: no extra dependency)."""
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[1] == me and fields[0] != "Z":
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found.append(cmdline.decode(errors="replace"))
        except (OSError, IndexError):
            continue
    return found
