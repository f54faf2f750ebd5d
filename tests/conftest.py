from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test import Client

from tests.factory import make_deck, make_topic, make_user

# live_server runs in a thread while sync Playwright drives the page from this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _close_own_connections(self: ThreadedWSGIServer) -> None:
    """A live server's request thread closes only its own connections. The in-memory SQLite
    connection it borrows belongs to the test thread; a browser's keep-alive request can end
    after the live server stopped sharing it, and closing it then raised in that thread."""
    shared = self.connections_override or {}
    for conn in connections.all(initialized_only=True):
        if shared.get(conn.alias) is not conn:
            conn.close()


ThreadedWSGIServer._close_connections = _close_own_connections  # type: ignore[method-assign]

# The learner's sample notes live beside the checkout (shared/), not in it.
SAMPLE_NOTES = (
    Path(__file__).resolve().parents[2] / "shared" / "notes" / "aws-big-data-specialty.md"
)
CONTENT_DIR = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture
def sample_notes() -> Path:
    if not SAMPLE_NOTES.is_file():
        pytest.skip("the sample notes (../shared/notes) are not present")
    return SAMPLE_NOTES


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def forget_queue_counts():
    """Each test's database starts its ids afresh, so a review count remembered in an earlier
    test (`quiz.study.queue_memo`) could match a fingerprint that only looks the same, and an
    answer's remembered inputs (`quiz.study.answer_memo`) a card that only has the same id."""
    from quiz.study import answer_memo, queue_memo

    queue_memo.clear()
    answer_memo.clear()
    yield
    queue_memo.clear()
    answer_memo.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Tests log users in often; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """Imported images go to a per-test folder, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- shared test data: a learner, a deck with a topic, a logged-in client -----------------------


@pytest.fixture
def user():
    return make_user()


@pytest.fixture
def deck():
    return make_deck("Streaming")


@pytest.fixture
def topic(deck):
    return make_topic(deck, "Kinesis")


@pytest.fixture
def login(client: Client):
    """`login(user)` logs `user` in on the test's client (or on the client given) and returns it."""

    def log_in(user, on: Client | None = None) -> Client:
        target = on if on is not None else client
        # force_login: Client.login() authenticates without a request, which the log-in rate
        # limiting backend refuses (it counts per request); tests of logging in post the forms.
        target.force_login(user)
        return target

    return log_in
