"""What the Django benchmarks share: the set-up, a throwaway database, bulk inserts, an HTTPS
test client and the study form reader.

Importing this module sets Django up as deployed (DEBUG off, a bench-only SECRET_KEY, the
connection kept across requests, `DATABASE_URL` as given), so a bench script imports it before
any Django or app module; ruff's import sorting keeps `import common` ahead of `django` and
`quiz`. A script that sets `DATABASE_URL` itself (bench/sims.py) imports it after doing so.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quiz.settings")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use")
# Keep the database connection across requests, as a deployed app process does.
os.environ.setdefault("DB_CONN_MAX_AGE", "600")

django.setup()

FORM = "application/x-www-form-urlencoded"
_FIELD = re.compile(r'name="(card|version|scope|since)" value="([^"]*)"')
_STOPWATCH = re.compile(r"shown=([^&\"]+)")


@contextmanager
def throwaway_database(name: str, *, urlconf: str | None = None) -> Iterator[None]:
    """A test database of its own (a temporary SQLite file, or `test_<NAME>_<name>_bench` on
    PostgreSQL, so a test run on the same server is not clobbered), with static files collected
    and DEBUG off for the duration, as deployed."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        work = Path(tempfile.mkdtemp(prefix=f"notebank-bench-{name}-"))
        db.setdefault("TEST", {})["NAME"] = str(work / "bench.sqlite3")
    else:
        db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_{name}_bench"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        static_root = tempfile.mkdtemp(prefix="notebank-bench-static-")
        overrides: dict[str, Any] = {"DEBUG": False, "STATIC_ROOT": static_root}
        if urlconf:
            overrides["ROOT_URLCONF"] = urlconf
        with override_settings(**overrides):
            call_command("collectstatic", interactive=False, verbosity=0)
            yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def insert_many(table: str, columns: list[str], rows: list[tuple]) -> None:
    """One executemany INSERT of `rows` into `table` (the ORM's bulk_create is far slower at a
    million rows).

    Columns the caller leaves out get their model field's default, so a field added later with
    a default does not break the benches that predate it."""
    from django.apps import apps
    from django.db import connection

    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is not None:
        extra = [
            f
            for f in model._meta.concrete_fields
            if f.column not in columns and f.has_default() and not f.primary_key
        ]
        if extra:
            values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)
            columns = [*columns, *(f.column for f in extra)]
            rows = [(*row, *values) for row in rows]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def https_client() -> Any:
    """The test client over HTTPS, as the app is deployed: with DEBUG off, plain-HTTP requests
    are redirected (SECURE_SSL_REDIRECT), so the whole middleware stack runs as in production."""
    from django.test import Client

    class HttpsClient(Client):
        def generic(self, *args: Any, **kwargs: Any) -> Any:
            kwargs["secure"] = True
            return super().generic(*args, **kwargs)

    return HttpsClient()


def open_as_learner(client: Any) -> None:
    """Open the dashboard and the statistics page, as every learner has before answering:
    they store the learner's counts and stamps, which the database's triggers then update on
    every answer (a bench database without them would time answers that skip those writes)."""
    for url in ("/", "/stats/"):
        assert client.get(url).status_code == 200, url


def answer_fields(html: str) -> dict[str, str] | None:
    """The study page's answer form as the browser would post it (rated Good, with the stopwatch
    token the revealed answer carries), or None when no card is shown."""
    fields = dict(_FIELD.findall(html))
    if "card" not in fields:
        return None
    token = _STOPWATCH.search(html)
    fields["shown"] = token[1].replace("%3A", ":") if token else ""
    fields["rating"] = "3"
    return fields
