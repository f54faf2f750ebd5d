"""One log line per request: method, path, status, duration, database time and who asked."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("notebank.requests")


class _DatabaseTime:
    """Time spent in database calls during one request, and how many there were: the split that
    says whether a slow request waited on PostgreSQL or on Python (bench/load.py reads it). On
    SQLite part of a query's time falls in fetching its rows, after the call: a lower bound."""

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


def _user_id(request: HttpRequest) -> object:
    """Who asked, for the log: the user's id, or "-".

    Looking at `request.user` after the view may be its first look (a view such as /healthz
    never asks), and then it queries the session and user tables. With the database gone that
    query fails; the log line must not turn the view's answer (a 503) into a 500."""
    user = getattr(request, "user", None)
    if user is None:
        return "-"
    try:
        return user.pk if user.is_authenticated else "-"
    except DatabaseError:
        return "?"


def request_log(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        if not logger.isEnabledFor(logging.INFO):
            return get_response(request)
        start = time.perf_counter()
        db = _DatabaseTime()
        with connection.execute_wrapper(db):
            response = get_response(request)
        logger.info(
            "%s %s %s %.1fms db=%.1fms q=%d user=%s",
            request.method,
            request.get_full_path()[:300],
            response.status_code,
            (time.perf_counter() - start) * 1000,
            db.ms,
            db.queries,
            _user_id(request),
        )
        return response

    return middleware
