"""One log line per request: method, path, status, duration, database time and who asked."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("notebank.requests")


class _DatabaseTime:
    """Time spent in database calls during one request, and how many there were: the split that
    says whether a slow request waited on PostgreSQL or on Python (bench/load.py reads it)."""

    __slots__ = ("ms", "queries")

    def __init__(self) -> None:
        self.ms = 0.0
        self.queries = 0

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - start) * 1000
            self.queries += 1


def request_log(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        if not logger.isEnabledFor(logging.INFO):
            return get_response(request)
        start = time.perf_counter()
        db = _DatabaseTime()
        with connection.execute_wrapper(db):
            response = get_response(request)
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s %.1fms db=%.1fms q=%d user=%s",
            request.method,
            request.get_full_path()[:300],
            response.status_code,
            (time.perf_counter() - start) * 1000,
            db.ms,
            db.queries,
            user.pk if user is not None and user.is_authenticated else "-",
        )
        return response

    return middleware
