"""The README's "Backup and restore", run for real on PostgreSQL: dump a live database with the
documented pg_dump command, drop it, restore it with the documented commands (into a new
database, and over an existing one), and find every review and every learner's state again.

Uses databases of its own (named after the test database), never a deployment's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs PostgreSQL's client tools"),
]

MAKE_HISTORY = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from quiz import study
from quiz.models import Card
from quiz.scheduling import AGAIN, GOOD
now = timezone.now() - timedelta(days=3)
cards = list(Card.objects.order_by("pk")[:40])
for n in range(3):
    user = get_user_model().objects.create_user(f"learner{n}", password="x" * 12)
    for i, card in enumerate(cards):
        study.answer_card(user=user, card=card, rating=GOOD, version=0, now=now)
        if i % 3 == n:  # a second answer for some: the log has more rows than states
            study.answer_card(user=user, card=card, rating=AGAIN, version=1, now=now)
"""

# What must survive: every review (who, which card, when, how) and every learner's card state.
FINGERPRINT = """
SELECT 'reviews', count(*), md5(string_agg(
    concat_ws('|', u.username, c.key, r.rating, r.reviewed_at, r.undone), ',' ORDER BY r.id))
FROM quiz_review r JOIN auth_user u ON u.id = r.user_id JOIN quiz_card c ON c.id = r.card_id
UNION ALL
SELECT 'states', count(*), md5(string_agg(
    concat_ws('|', u.username, c.key, s.due, s.stability, s.version), ',' ORDER BY s.id))
FROM quiz_cardstate s JOIN auth_user u ON u.id = s.user_id JOIN quiz_card c ON c.id = s.card_id
"""


def server_url() -> str:
    s = connection.settings_dict
    user, host = s.get("USER") or "postgres", s.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{s.get('PORT') or 5432}"


def admin_sql(statement: str) -> None:
    with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def fingerprint(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(FINGERPRINT).fetchall()


def manage(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": "/nonexistent-media"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]


def sh(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, f"{args[0]}: {done.stderr[-2000:]}"


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore are PostgreSQL's (run the suite with DATABASE_URL)")
    base = connection.settings_dict["NAME"]
    live, restored = f"{base}_backup_live", f"{base}_backup_restored"
    for name in (live, restored):
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{live}"')
    try:
        yield live, restored
    finally:
        for name in (live, restored):
            admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_dump_drop_and_restore_finds_every_review(names: tuple[str, str], tmp_path: Path) -> None:
    live, restored = names
    live_url, restored_url = f"{server_url()}/{live}", f"{server_url()}/{restored}"
    manage(live_url, "migrate", "--noinput", "-v0")
    manage(live_url, "import_notes", str(ROOT / "content"))
    manage(live_url, "shell", "-c", MAKE_HISTORY)
    before = fingerprint(live_url)
    assert before[0][1] > 120 and before[1][1] == 120  # 3 learners × 40 cards, extra answers

    # The documented backup, taken while the database is live.
    dump = tmp_path / "notebank.dump"
    sh("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", live_url)
    admin_sql(f'DROP DATABASE "{live}" WITH (FORCE)')

    # Restore into a new, empty database.
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", restored)
    sh("pg_restore", "--no-owner", "--jobs=4", f"--dbname={restored_url}", str(dump))
    assert fingerprint(restored_url) == before
    manage(restored_url, "migrate", "--noinput", "-v0")  # a no-op for a dump of this release

    # Restore over the existing database after it has moved on: it is as it was at the dump.
    with psycopg.connect(restored_url, autocommit=True) as conn:
        conn.execute("DELETE FROM quiz_review WHERE id IN (SELECT id FROM quiz_review LIMIT 5)")
    assert fingerprint(restored_url) != before
    sh("pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={restored_url}", str(dump))
    assert fingerprint(restored_url) == before
