"""Deployment: production settings, static files through whitenoise, gunicorn, /healthz."""

from __future__ import annotations

import json
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]
SECRET = "test-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP"


def production_env(**extra: str) -> dict[str, str]:
    """The documented production environment (docs/README-deploy.md), minus a real database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="notebank.example.com,127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_documented_environment() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_keeps_database_connections_unless_told_otherwise() -> None:
    code = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"

    def conn_max_age(env: dict[str, str]) -> str:
        result = manage("shell", "--no-imports", "-c", code, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert conn_max_age(production_env()) == "60"
    assert conn_max_age(production_env(DB_CONN_MAX_AGE="0")) == "0"
    assert conn_max_age({**production_env(), "DEBUG": "1"}) == "0"


def test_missing_secret_key_stops_start_up_with_a_clear_error() -> None:
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """`collectstatic` as a release runs it: DEBUG off, so whitenoise's compressed manifest."""
    root = tmp_path_factory.mktemp("static")
    # The admin's own files are skipped: compressing them takes most of the ten seconds a full
    # run needs, and they go through the same storage as ours.
    result = manage(
        "collectstatic",
        "--noinput",
        "--ignore=admin",
        env=production_env(STATIC_ROOT=str(root)),
    )
    assert result.returncode == 0, result.stderr
    return root


def test_collectstatic_writes_hashed_and_compressed_files(collected: Path) -> None:
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    hashed = manifest["quiz/notebank.css"]
    assert hashed != "quiz/notebank.css" and hashed.startswith("quiz/notebank.")
    assert (collected / hashed).is_file()
    assert (collected / f"{hashed}.gz").is_file()
    assert (collected / manifest["quiz/keys.js"]).is_file()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        # Generous: a busy machine may take seconds, and a timeout here proves nothing.
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def first_answer(
    url: str, *, server: subprocess.Popen, log: Path, within_s: float = 120
) -> tuple[int, dict[str, str], bytes]:
    """The first answer of a server that is starting, from exactly one request that reaches it.

    Only refused connections are tried again: the master has not bound the port yet, so the
    request never reached the app. Once the port is bound, the request waits in the accept queue
    until a worker has loaded the app, however long a busy machine takes, and is never sent a
    second time (a timed-out poll, sent again, would be answered and logged twice)."""
    deadline = time.monotonic() + within_s
    while True:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited ({server.returncode}): {log.read_text()}")
        request = urllib.request.Request(url)
        try:
            with urllib.request.urlopen(request, timeout=within_s) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionRefusedError):
                pytest.fail(f"{url}: {error.reason}: {log.read_text()}")
        except ConnectionRefusedError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"gunicorn did not bind its port in {within_s} s: {log.read_text()}")
        time.sleep(0.05)


def test_gunicorn_serves_health_and_hashed_static_files_logging_one_line_each(
    collected: Path, tmp_path: Path
) -> None:
    """The real thing: gunicorn with gunicorn.conf.py, DEBUG off, whitenoise, a database."""
    port = free_port()
    env = production_env(
        STATIC_ROOT=str(collected),
        PORT=str(port),
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        # Plain HTTP on loopback, as a load balancer's probe would come.
        DATABASE_URL=f"sqlite:///{tmp_path / 'health.sqlite3'}",
        SECURE_SSL_REDIRECT="0",
    )
    # /healthz is 200 only on a migrated database (an empty one answers 503).
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        status, _, body = first_answer(f"{base}/healthz", server=server, log=log)
        assert status == 200 and json.loads(body)["status"] == "ok"

        hashed = json.loads((collected / "staticfiles.json").read_text())["paths"]
        url = f"{base}/static/{hashed['quiz/notebank.css']}"
        status, headers, _ = fetch(url, **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip"
        assert "max-age=315360000" in headers.get("Cache-Control", "")
    finally:
        server.terminate()
        server.wait(timeout=10)
    lines = [line for line in log.read_text().splitlines() if "GET /healthz" in line]
    assert len(lines) == 1, log.read_text()  # the app's line; no gunicorn access line on top


def test_gunicorn_config_reads_port_and_workers_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["bind"].endswith(":9123")
    assert config["workers"] == 2
    assert config["accesslog"] is None
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 5


@pytest.mark.django_db
def test_healthz_is_200_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unavailable(client: Client) -> None:
    down = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", side_effect=down):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "OperationalError"}


@pytest.mark.django_db
def test_sessions_live_in_the_database_so_any_process_can_serve_a_user(settings) -> None:
    from django.contrib.sessions.models import Session

    from tests.factory import PASSWORD, make_user

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    make_user("grace")
    first = Client()
    assert first.post("/accounts/login/", {"username": "grace", "password": PASSWORD}).status_code
    key = first.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    # Another "process": a fresh client that only carries the cookie.
    second = Client()
    second.cookies["sessionid"] = key
    assert second.get("/").status_code == 200
