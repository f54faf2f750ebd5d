"""/healthz: 200 only when the app can serve (database reachable, migrations applied), 503
otherwise, never a 500, with or without a session cookie."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh process, so the app meets the database as a new worker would.
PROBE = """
import json, os
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "quiz.settings"
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
if os.environ.get("PROBE_COOKIE"):
    client.cookies["sessionid"] = "a" * 32  # any session cookie makes the log line look it up
response = client.get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.content.decode()[:500]}))
"""


def probe(database_url: str, *, cookie: bool) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "PROBE_COOKIE": "1" if cookie else ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _server_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    return f"postgres://{user}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}"


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A database that exists and is empty (nothing migrated), of the kind the suite runs on."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_empty"
    with psycopg.connect(f"{_server_url()}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{_server_url()}/{name}"
    finally:
        with psycopg.connect(f"{_server_url()}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def gone_database(tmp_path: Path) -> str:
    """A database the app cannot reach: its file's folder or its PostgreSQL database is gone."""
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    return f"{_server_url()}/{connection.settings_dict['NAME']}_dropped_long_ago"


@pytest.mark.parametrize("cookie", [False, True], ids=["no-cookie", "session-cookie"])
def test_a_database_that_is_gone_gives_503_not_500(gone_database: str, cookie: bool) -> None:
    result = probe(gone_database, cookie=cookie)
    assert result["status"] == 503, result
    assert json.loads(result["body"])["status"] == "error"


def test_an_empty_unmigrated_database_gives_503(empty_database: str) -> None:
    result = probe(empty_database, cookie=True)
    assert result["status"] == 503, result
    body = json.loads(result["body"])
    assert body["database"] == "ok" and "not applied" in body["migrations"]


@pytest.mark.django_db
def test_a_migrated_database_gives_200_and_a_missing_migration_503(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}

    MigrationRecorder(connection).migration_qs.filter(app="quiz").order_by("-id")[:1].get().delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["first"].startswith("quiz.")
