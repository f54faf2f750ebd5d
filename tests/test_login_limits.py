"""Log-in rate limiting on every log-in path: failures per username and per address, 429 until
the window passes, the same count whichever door a guesser uses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from quiz import login_limits
from tests.factory import PASSWORD, make_user

pytestmark = pytest.mark.django_db

APP_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
LOGIN_PATHS = [APP_LOGIN, ADMIN_LOGIN]


def attempt(
    client: Client, username: str, password: str, ip: str = "203.0.113.7", path: str = APP_LOGIN
):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def login_routes(patterns: list, prefix: str = "", namespace: str = "") -> set[str]:
    """Every URL named "login" in any namespace: each one is a door to guess passwords at."""
    found: set[str] = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
            found |= login_routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name == "login":
            found.add("/" + prefix + str(entry.pattern))
    return found


def test_every_log_in_path_is_tested_here() -> None:
    """A new log-in URL must be added to LOGIN_PATHS, so the tests below cover it."""
    assert login_routes(get_resolver().url_patterns) == set(LOGIN_PATHS)


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_five_failures_for_a_username_lock_it_with_429_even_for_the_right_password(
    client: Client, path: str
) -> None:
    make_user("grace", is_staff=True)
    for _ in range(login_limits.MAX_PER_USERNAME - 1):
        assert attempt(client, "grace", "wrong", path=path).status_code == 200
    locking = attempt(client, "grace", "wrong", path=path)
    assert locking.status_code == 429

    refused = attempt(client, "Grace ", PASSWORD, path=path)  # case and spaces share the count

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    page = refused.content.decode()
    assert "Too many failed log-ins for this account. Please wait 15 minutes" in page
    assert 'name="password"' in page  # the same log-in page, to try again later
    assert not logged_in(client)
    # Other accounts from other addresses are not affected.
    make_user("ada", is_staff=True)
    assert attempt(client, "ada", PASSWORD, ip="198.51.100.1", path=path).status_code == 302


def test_fifty_admin_guesses_are_refused_and_the_right_password_then_too(client: Client) -> None:
    """The audit: 50 wrong passwords at /admin/login/ got 50 × 200 and the right one got in."""
    make_user("root", is_staff=True, is_superuser=True)
    statuses = [
        attempt(client, "root", f"guess{n}", path=ADMIN_LOGIN).status_code for n in range(50)
    ]

    assert statuses[: login_limits.MAX_PER_USERNAME - 1] == [200] * 4
    assert set(statuses[login_limits.MAX_PER_USERNAME - 1 :]) == {429}
    # Only the guesses before the lock-out were even tried and counted.
    counted = sum(AccessAttempt.objects.values_list("failures_since_start", flat=True))
    assert counted == login_limits.MAX_PER_USERNAME
    assert attempt(client, "root", PASSWORD, path=ADMIN_LOGIN).status_code == 429
    assert not logged_in(client)


@pytest.mark.parametrize(("first", "then"), [(APP_LOGIN, ADMIN_LOGIN), (ADMIN_LOGIN, APP_LOGIN)])
def test_a_lock_out_on_one_door_holds_on_the_other(client: Client, first: str, then: str) -> None:
    make_user("root", is_staff=True, is_superuser=True)
    for _ in range(login_limits.MAX_PER_USERNAME):
        attempt(client, "root", "wrong", path=first)

    assert attempt(Client(), "root", PASSWORD, ip="198.51.100.9", path=then).status_code == 429


def test_failures_on_both_doors_add_up(client: Client) -> None:
    make_user("root", is_staff=True, is_superuser=True)
    for n in range(login_limits.MAX_PER_USERNAME - 1):
        attempt(client, "root", "wrong", path=LOGIN_PATHS[n % 2])
    assert attempt(client, "root", "wrong", path=ADMIN_LOGIN).status_code == 429


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_twenty_failures_from_one_address_lock_that_address(client: Client, path: str) -> None:
    make_user("grace", is_staff=True)
    statuses = [
        attempt(client, f"guess{n}", "wrong", path=path).status_code
        for n in range(login_limits.MAX_PER_IP)
    ]
    assert statuses == [200] * (login_limits.MAX_PER_IP - 1) + [429]

    refused = attempt(client, "grace", PASSWORD, path=path)
    assert refused.status_code == 429
    assert "your network" in refused.content.decode()
    assert attempt(client, "grace", PASSWORD, ip="198.51.100.1", path=path).status_code == 302


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_spoofed_forwarded_for_does_not_dodge_the_address_limit(
    client: Client, settings, path: str
) -> None:
    """Behind one trusted proxy the proxy appends the real address; what the client sends to
    its left changes on every try and must not matter."""
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("grace", is_staff=True)
    for n in range(login_limits.MAX_PER_IP):
        client.post(
            path,
            {"username": f"guess{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7",
        )
    refused = client.post(
        path,
        {"username": "grace", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.7",
    )
    assert refused.status_code == 429
    # Another client behind the same proxy is still let in.
    other = Client().post(
        path,
        {"username": "grace", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert other.status_code == 302


def test_forwarded_for_is_ignored_when_no_proxy_is_trusted(client: Client, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    make_user("grace")
    for n in range(login_limits.MAX_PER_IP):
        attempt_with = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}
        client.post(
            APP_LOGIN,
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR="203.0.113.7",
            **attempt_with,
        )
    assert attempt(client, "grace", PASSWORD).status_code == 429


def age(**filters: str) -> None:
    """Make the matching failures older than the window."""
    old = timezone.now() - login_limits.WINDOW - timedelta(seconds=1)
    AccessAttempt.objects.filter(**filters).update(attempt_time=old)


def test_lock_lifts_when_the_window_passes(client: Client) -> None:
    make_user("grace")
    for _ in range(login_limits.MAX_PER_USERNAME):
        attempt(client, "grace", "wrong")
    assert attempt(client, "grace", PASSWORD).status_code == 429
    age(username="grace")
    assert attempt(client, "grace", PASSWORD).status_code == 302


def test_refused_attempts_are_not_counted_so_the_lock_out_ends(client: Client) -> None:
    make_user("grace")
    for _ in range(login_limits.MAX_PER_USERNAME + 10):
        attempt(client, "grace", "wrong")
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 5
    age(username="grace")
    assert attempt(client, "grace", PASSWORD).status_code == 302


def test_success_clears_that_usernames_failures_but_not_the_addresses(client: Client) -> None:
    make_user("grace")
    for n in range(login_limits.MAX_PER_IP - login_limits.MAX_PER_USERNAME):
        attempt(client, f"guess{n}", "wrong")
    for _ in range(login_limits.MAX_PER_USERNAME - 1):
        attempt(client, "grace", "wrong")
    assert attempt(client, "grace", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="grace").exists()
    # The address's other failures still count: one more failure from it locks it.
    client.logout()
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").exists()
    for _ in range(login_limits.MAX_PER_USERNAME - 1):
        assert attempt(client, "grace", "wrong").status_code == 200
    assert attempt(client, "grace", "wrong").status_code == 429


def test_limit_is_shared_by_every_app_process(client: Client) -> None:
    """The count lives in the database: failures seen by other clients (other processes) add up."""
    make_user("grace")
    for _ in range(login_limits.MAX_PER_USERNAME):
        attempt(Client(), "grace", "wrong")
    assert attempt(client, "grace", PASSWORD).status_code == 429


def test_client_ip_trusts_forwarded_for_only_behind_configured_proxies(settings, rf) -> None:
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert login_limits.client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert login_limits.client_ip(request) == "192.0.2.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert login_limits.client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer hops than proxies: the header is not trusted
    assert login_limits.client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    junk = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>, not-an-ip")
    assert login_limits.client_ip(junk) == "10.0.0.2"


def test_old_failures_are_purged(client: Client) -> None:
    attempt(client, "someone", "wrong")
    age(username="someone")
    attempt(client, "nobody", "wrong")
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["nobody"]


def test_staff_can_lift_a_lock_out_in_the_admin(client: Client) -> None:
    make_user("grace")
    for _ in range(login_limits.MAX_PER_USERNAME):
        attempt(client, "grace", "wrong")
    editor = make_user("editor", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(editor)
    listing = staff.get("/admin/axes/accessattempt/?q=grace")
    assert listing.status_code == 200 and "203.0.113.7" in listing.content.decode()
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    assert attempt(client, "grace", PASSWORD).status_code == 302
