"""One log line per request: method, path, status, duration and who asked."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("notebank.requests")


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
        start = time.perf_counter()
        response = get_response(request)
        logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            request.get_full_path()[:300],
            response.status_code,
            (time.perf_counter() - start) * 1000,
            _user_id(request),
        )
        return response

    return middleware
