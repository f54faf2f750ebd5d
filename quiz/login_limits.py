"""Log-in rate limiting against password guessing.

At most `MAX_PER_USERNAME` failed log-ins for one username and `MAX_PER_IP` from one client
address within `WINDOW`; past either, log-in is refused (HTTP 429) until the oldest failure in
the window ages out. Failures are rows in the database (`LoginFailure`), so the limit holds
across every app process and host of a deployment. A successful log-in clears that username's
failures (not the address's: one learner getting in says nothing about the rest of a network).

Two guesses racing in two processes may both pass the check, so the bound can be overshot by
the number of processes; it still caps guessing at a handful an hour per account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest

from quiz.models import LoginFailure

WINDOW = timedelta(minutes=15)
MAX_PER_USERNAME = 5
MAX_PER_IP = 20


@dataclass(frozen=True)
class Block:
    """Why log-in is refused and for how long."""

    reason: str  # "username" or "ip"
    retry_after: timedelta


def normalise_username(username: str) -> str:
    return username.strip().lower()[:150]


def client_ip(request: HttpRequest) -> str:
    """The address to count failures against.

    REMOTE_ADDR unless the deployment says how many proxies it trusts (`TRUSTED_PROXY_COUNT`):
    then the address that many hops from the right of X-Forwarded-For, which the client cannot
    forge (entries to its left can be anything the client sent)."""
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if hops <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return remote


def check(*, username: str, ip: str, now: datetime) -> Block | None:
    """None when a log-in attempt may go ahead; otherwise which limit holds and until when."""
    since = now - WINDOW
    recent = LoginFailure.objects.filter(at__gt=since)
    for reason, rows, limit in (
        ("username", recent.filter(username=normalise_username(username)), MAX_PER_USERNAME),
        ("ip", recent.filter(ip=ip), MAX_PER_IP),
    ):
        # The limit-th newest failure is the one whose ageing out lets the next attempt in.
        times = list(rows.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            return Block(reason=reason, retry_after=max(timedelta(0), times[-1] + WINDOW - now))
    return None


def record_failure(*, username: str, ip: str, now: datetime) -> None:
    LoginFailure.objects.create(username=normalise_username(username), ip=ip, at=now)
    # Rows past the window count for nothing; dropping them here keeps the table small.
    LoginFailure.objects.filter(at__lte=now - WINDOW).delete()


def clear_failures(*, username: str) -> None:
    LoginFailure.objects.filter(username=normalise_username(username)).delete()
