"""One log line per request: method, path, status, duration and who asked."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("notebank.requests")


def request_log(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = get_response(request)
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            request.get_full_path()[:300],
            response.status_code,
            (time.perf_counter() - start) * 1000,
            user.pk if user is not None and user.is_authenticated else "-",
        )
        return response

    return middleware
