"""Log-in rate limiting against password guessing, on every log-in path.

django-axes does the work: its authentication backend comes first in
`AUTHENTICATION_BACKENDS`, so every `authenticate()` call made with a request is checked and
every failure recorded, whichever form made it (the app's log-in page, the admin's, any path
added later). Failures are rows in the database (`axes.AccessAttempt`), so the limits hold
across every app process and host.

The policy: at most `MAX_PER_USERNAME` failures for one username and `MAX_PER_IP` from one
client address, counting failures no older than `WINDOW`; past either, log-in is refused with
HTTP 429 until those failures age out. A refused attempt is not counted (a guesser who keeps
trying cannot keep a learner locked out for ever). A successful log-in clears that username's
failures, not the address's: one learner getting in says nothing about the rest of a network,
and a guesser with one account of their own must not be able to reset their address's count.

What this module adds to axes: the two limits (axes compares one number), the client address
behind trusted proxies, case-insensitive usernames, and the 429 page.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

WINDOW = timedelta(minutes=15)
MAX_PER_USERNAME = 5
MAX_PER_IP = 20


def normalise_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username failures are counted under: as typed, trimmed and lower-cased, so
    "Grace" and "grace " share one count (`AXES_USERNAME_CALLABLE`)."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "POST", {}).get("username")
    if raw is None:
        return None
    return str(raw).strip().lower()[:150]


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str:
    """The address to count failures against (`AXES_CLIENT_IP_CALLABLE`).

    REMOTE_ADDR unless the deployment says how many proxies it trusts (`TRUSTED_PROXY_COUNT`):
    then the address that many hops from the right of X-Forwarded-For, which the client cannot
    forge (entries to its left are whatever the client sent). Anything that is not an address
    falls back to REMOTE_ADDR rather than becoming a count of its own."""
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if hops <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if len(forwarded) >= hops and _is_ip(forwarded[-hops]):
        return forwarded[-hops]
    return remote


def _limits(request: HttpRequest, credentials: dict[str, Any] | None) -> list[tuple[str, Any, int]]:
    """Each limit: its name, the AccessAttempt filter it counts, and the bound."""
    out: list[tuple[str, Any, int]] = [("ip", {"ip_address": request.axes_ip_address}, MAX_PER_IP)]
    username = get_client_username(request, credentials)
    if username is not None:
        out.insert(0, ("username", {"username": username}, MAX_PER_USERNAME))
    return out


def _recent(now: datetime, filters: dict[str, Any]) -> list[tuple[datetime, int]]:
    """(last failure, failures) of the matching rows still inside the window, newest first.

    axes keeps one row per username, address and browser, with its failure count and the time
    of its latest failure; a row counts whole until its latest failure is `WINDOW` old."""
    rows = AccessAttempt.objects.filter(attempt_time__gte=now - WINDOW, **filters)
    return list(rows.order_by("-attempt_time").values_list("attempt_time", "failures_since_start"))


def blocked(
    request: HttpRequest, credentials: dict[str, Any] | None
) -> tuple[str, timedelta] | None:
    """Which limit holds ("username" or "ip") and for how long, or None."""
    now = timezone.now()
    for reason, filters, limit in _limits(request, credentials):
        total = 0
        for at, failures in _recent(now, filters):
            total += failures
            if total >= limit:
                # This row's ageing out brings the count below the limit again.
                return reason, max(timedelta(0), at + WINDOW - now)
    return None


class LoginLimitHandler(AxesDatabaseHandler):
    """axes' database handler with a separate bound per lock-out parameter."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """axes locks out when this reaches `AXES_FAILURE_LIMIT` (`MAX_PER_USERNAME`).

        It compares one number, so each parameter's count is scaled onto the username limit:
        floor(count × MAX_PER_USERNAME / limit) reaches MAX_PER_USERNAME exactly when the
        count reaches its own limit."""
        now = timezone.now()
        scaled = 0
        for _reason, filters, limit in _limits(request, credentials):
            count = sum(failures for _at, failures in _recent(now, filters))
            scaled = max(scaled, count * MAX_PER_USERNAME // limit)
        return scaled

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a successful log-in: that username's failures only, never the address's."""
        username = get_client_username(request, credentials)
        if username is None:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The 429 answer (`AXES_LOCKOUT_CALLABLE`): the same log-in page that was asked for (the
    app's or the admin's), with a blank form, the reason, and Retry-After."""
    reason, wait = blocked(request, credentials) or ("username", WINDOW)
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    who = "this account" if reason == "username" else "your network"
    refusal = (
        f"Too many failed log-ins for {who}. Please wait {minutes} minute"
        f"{'s' if minutes != 1 else ''} and try again."
    )
    context = getattr(original_response, "context_data", None)
    template = getattr(original_response, "template_name", None)
    if isinstance(context, dict) and template:
        context = dict(context)
        form = context.get("form")
        if form is not None:
            # A fresh form: the bound one would say "wrong password" about a refused attempt.
            typed = str(request.POST.get("username", ""))[:150]
            context["form"] = type(form)(request, initial={"username": typed})
        context["refusal"] = refusal
        response: HttpResponse = TemplateResponse(request, template, context, status=429)
        response.render()
    else:
        response = HttpResponse(refusal, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(math.ceil(wait.total_seconds()) or 1)
    return response
