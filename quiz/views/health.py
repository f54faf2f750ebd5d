from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

Key = tuple[str, str]


@cache
def _migrations_on_disk() -> tuple[frozenset[Key], dict[Key, frozenset[Key]]]:
    """Every migration this code expects applied, and what each squashed one replaces.

    Read once per process: the files do not change under a running process."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    replaces = {
        key: frozenset(m.replaces) for key, m in loader.disk_migrations.items() if m.replaces
    }
    return frozenset(loader.graph.nodes), replaces


def pending_migrations() -> list[Key]:
    """Migrations this code needs that the database has not applied (one query)."""
    expected, replaces = _migrations_on_disk()
    applied = set(MigrationRecorder(connection).applied_migrations())
    return sorted(
        key
        for key in expected - applied
        # A squashed migration counts as applied when everything it replaces is.
        if not (key in replaces and replaces[key] <= applied)
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 only when this process can serve pages, that is when it can
    query the database and every migration the code needs is applied; 503 otherwise (an
    unreachable database, or an empty or out-of-date schema, where every page would fail)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        pending = pending_migrations()
    except Exception as exc:  # any failure to reach the data means "do not send me traffic"
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    if pending:
        return JsonResponse(
            {
                "status": "error",
                "database": "ok",
                "migrations": f"{len(pending)} not applied",
                "first": ".".join(pending[0]),
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "migrations": "ok"})
