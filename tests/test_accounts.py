"""Accounts: sign up, log in, and every page behind the login."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import Client

from tests.factory import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_pages_need_login(client: Client) -> None:
    for url in ("/study/", "/stats/", "/exams/", "/labs/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_a_visitor_sees_what_notebank_does_and_how_to_start(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Learn from your own notes" in html
    assert 'href="/accounts/signup/"' in html and 'href="/accounts/login/"' in html
    assert "Your decks" not in html


def test_password_rule_errors_sit_under_the_password(client: Client) -> None:
    response = client.post(
        "/accounts/signup/", {"username": "ada", "password1": "12345", "password2": "12345"}
    )
    form = response.context["form"]
    assert (
        "This password is too short. It must contain at least 8 characters."
        in (form.errors["password1"])
    )
    assert "password2" not in form.errors
    html = response.content.decode()
    # Rendered in the password's own block, before the confirmation field.
    assert html.index("too short") < html.index('name="password2"')
    assert html.index("too short") > html.index('name="password1"') - 400


def test_a_favicon_is_served(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    icon = finders.find("quiz/favicon.svg")
    assert icon and Path(icon).read_text().startswith("<svg")
    assert 'rel="icon"' in client.get("/accounts/login/").content.decode()


def test_signup_creates_account_and_logs_in(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {"username": "ada", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert get_user_model().objects.filter(username="ada").exists()
    assert client.get("/").status_code == 200


def test_signup_rejects_mismatched_passwords(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {"username": "ada", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert response.status_code == 200
    assert "password fields didn" in response.content.decode()
    assert not get_user_model().objects.filter(username="ada").exists()


def test_login_and_logout(client: Client) -> None:
    make_user("grace")
    response = client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert "Your decks" not in client.get("/").content.decode()


def test_post_without_csrf_token_is_refused() -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/accounts/signup/", {"username": "eve", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="eve").exists()


def test_signup_keeps_the_browsers_time_zone_and_refuses_an_unknown_one(client: Client) -> None:
    from quiz.models import StudyProfile

    client.post(
        "/accounts/signup/",
        {"username": "ada", "password1": PASSWORD, "password2": PASSWORD,
         "timezone": "Australia/Sydney"},
    )  # fmt: skip
    profile = StudyProfile.objects.get(user__username="ada")
    assert (profile.timezone, profile.day_tally_zone) == ("Australia/Sydney", "Australia/Sydney")
    other = Client()
    other.post(
        "/accounts/signup/",
        {"username": "bob", "password1": PASSWORD, "password2": PASSWORD,
         "timezone": "Mars/Olympus_Mons"},
    )  # fmt: skip
    assert StudyProfile.objects.get(user__username="bob").timezone == "UTC"
