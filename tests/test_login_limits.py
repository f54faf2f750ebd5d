"""Log-in rate limiting: failures per username and per address, 429 until the window passes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from quiz import login_limits
from quiz.models import LoginFailure
from tests.factory import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def attempt(client: Client, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_five_failures_for_a_username_lock_it_with_429_even_for_the_right_password(
    client: Client,
) -> None:
    make_user("grace")
    for _ in range(login_limits.MAX_PER_USERNAME):
        assert attempt(client, "grace", "wrong").status_code == 200

    refused = attempt(client, "Grace", PASSWORD)  # case does not dodge the count

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many failed log-ins for this account" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Other accounts from other addresses are not affected.
    make_user("ada")
    assert attempt(client, "ada", PASSWORD, ip="198.51.100.1").status_code == 302


def test_lock_lifts_when_the_window_passes(client: Client) -> None:
    make_user("grace")
    old = timezone.now() - login_limits.WINDOW - timedelta(seconds=1)
    LoginFailure.objects.bulk_create(
        LoginFailure(username="grace", ip="203.0.113.7", at=old) for _ in range(10)
    )
    assert attempt(client, "grace", PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(client: Client) -> None:
    make_user("grace")
    for n in range(login_limits.MAX_PER_IP):
        attempt(client, f"guess{n}", "wrong")

    refused = attempt(client, "grace", PASSWORD)
    assert refused.status_code == 429
    assert "your network" in refused.content.decode()
    assert attempt(client, "grace", PASSWORD, ip="198.51.100.1").status_code == 302


def test_success_clears_that_usernames_failures(client: Client) -> None:
    make_user("grace")
    for _ in range(login_limits.MAX_PER_USERNAME - 1):
        attempt(client, "grace", "wrong")
    assert attempt(client, "grace", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="grace").exists()
    client.logout()
    for _ in range(login_limits.MAX_PER_USERNAME - 1):
        assert attempt(client, "grace", "wrong").status_code == 200
    assert attempt(client, "grace", PASSWORD).status_code == 302


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


def test_old_failures_are_purged(client: Client) -> None:
    old = timezone.now() - login_limits.WINDOW - timedelta(minutes=1)
    LoginFailure.objects.create(username="x", ip="203.0.113.7", at=old)
    attempt(client, "nobody", "wrong")
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["nobody"]


def test_staff_can_lift_a_lock_out_in_the_admin(client: Client) -> None:
    make_user("grace")
    for _ in range(login_limits.MAX_PER_USERNAME):
        attempt(client, "grace", "wrong")
    editor = make_user("editor", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(editor)
    listing = staff.get("/admin/quiz/loginfailure/?q=grace")
    assert listing.status_code == 200 and "203.0.113.7" in listing.content.decode()
    ids = list(LoginFailure.objects.values_list("pk", flat=True))
    staff.post(
        "/admin/quiz/loginfailure/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert not LoginFailure.objects.exists()
    assert attempt(client, "grace", PASSWORD).status_code == 302
