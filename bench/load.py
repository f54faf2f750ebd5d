"""Load bench: gunicorn (2 workers) on the local PostgreSQL, learners from locust, no lost or
doubled reviews.

    python bench/load.py [--learners 20] [--seconds 30]

Creates a throwaway database (`notebank_load` by default), migrates it, imports content/, makes
the learners, collects static files and starts gunicorn with gunicorn.conf.py on 127.0.0.1
with production settings (DEBUG off, whitenoise). Then locust (headless, loopback only, bounded
in time) runs bench/locustfile.py: each learner logs in and studies as the browser does, with
double clicks mixed in. Afterwards gunicorn is stopped and the Review rows the run added are
counted. gunicorn is killed and the database dropped on the way out, whatever happened.

Prints, last, one JSON line: rps, p50_ms, p99_ms, errors (failed requests plus double clicks
recorded twice plus any difference between acknowledged and logged answers), reviews_sent (the
answers the server acknowledged as recorded), reviews_logged (rows added), and the tallies.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SERVER_URL = os.environ.get("LOAD_PG_URL", "postgres://postgres@127.0.0.1:5432")


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def admin_sql(statement: str) -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


MAKE_LEARNERS = """
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from quiz.models import StudyProfile
User = get_user_model()
password = make_password({password!r})
users = User.objects.bulk_create(
    User(username=f"learner{{i}}", password=password) for i in range({count})
)
# 50 new cards a day (a keen learner): enough that nobody runs out during a run. Much higher
# limits make each answer dearer, since the queue counts up to that many new cards left.
StudyProfile.objects.bulk_create(StudyProfile(user=u, new_per_day=50) for u in users)
"""


def percentile_row(stats_csv: Path) -> dict[str, str]:
    with stats_csv.open() as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return row
    raise SystemExit(f"no Aggregated row in {stats_csv}")


def server_times(log_path: Path) -> dict[str, float]:
    """Time spent inside Django per request, from the app's one log line per request."""
    times: dict[str, list[float]] = {"answer": [], "other": []}
    for line in log_path.read_text().splitlines():
        match = re.search(r"notebank\.requests (\w+) (\S+) \d{3} ([\d.]+)ms", line)
        if match:
            key = "answer" if match[2].startswith("/study/answer/") else "other"
            times[key].append(float(match[3]))
    result = {}
    for key, values in times.items():
        if values:
            result[f"server_{key}_p50_ms"] = round(statistics.median(values), 1)
    result["server_log_lines"] = sum(len(v) for v in times.values())
    return result


def review_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM quiz_review").fetchone()[0]


def make_env(*, work: Path, database_url: str, port: int, workers: int) -> dict[str, str]:
    """Production settings for gunicorn on loopback, against the throwaway database."""
    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no TLS proxy in front here.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(work / "static"),
        "DB_CONN_MAX_AGE": "60",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "MEDIA_ROOT": str(work / "media"),
    }


def prepare_database(database: str, env: dict[str, str], *, learners: int, password: str) -> None:
    """A fresh database: migrated, content/ imported, the learners made; static files collected."""
    log(f"database {database}")
    admin_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {database}")
    manage = [sys.executable, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v0"], env)
    run([*manage, "import_notes", str(ROOT / "content")], env)
    run(
        [*manage, "shell", "-c", MAKE_LEARNERS.format(password=password, count=learners)],
        env,
    )
    run([*manage, "collectstatic", "--noinput", "-v0", "--ignore=admin"], env)


def start_gunicorn(env: dict[str, str], work: Path) -> subprocess.Popen[bytes]:
    """gunicorn with gunicorn.conf.py, once /healthz answers 200; its log in work/."""
    log(f"gunicorn, {env['WEB_CONCURRENCY']} workers, on 127.0.0.1:{env['PORT']}")
    server_log = (work / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"gunicorn did not come up:\n{(work / 'gunicorn.log').read_text()}")


def locust_command(*, base: str, learners: int, seconds: int, work: Path) -> list[str]:
    """locust, headless and bounded in time, running bench/locustfile.py against `base`."""
    options = {
        "-f": str(ROOT / "bench" / "locustfile.py"),
        "--host": base,
        "--users": str(learners),
        # Learners arrive over about five seconds, not in one burst of log-ins (each log-in
        # hashes a password, slowly on purpose, and a burst would dominate the p99).
        "--spawn-rate": str(max(1, learners // 5)),
        "--run-time": f"{seconds}s",
        "--stop-timeout": "10",
        "--csv": str(work / "run"),
        "--loglevel": "WARNING",
    }
    return [
        sys.executable,
        "-m",
        "locust",
        "--headless",
        "--only-summary",
        *(item for pair in options.items() for item in pair),
    ]


def locust_env(*, password: str, learners: int, tally_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LOAD_PASSWORD": password,
        "LOAD_USERNAMES": ",".join(f"learner{i}" for i in range(learners)),
        "LOAD_RESULT": str(tally_path),
    }


def drop_database(database: str) -> None:
    try:
        admin_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    except psycopg.Error as exc:
        log(f"could not drop {database}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default="notebank_load")
    options = parser.parse_args()
    if not options.database.replace("_", "").isalnum():
        raise SystemExit("--database: letters, digits and _ only")

    work = Path(tempfile.mkdtemp(prefix="notebank-load-"))
    database_url = f"{SERVER_URL}/{options.database}"
    password = secrets.token_urlsafe(12)
    env = make_env(work=work, database_url=database_url, port=free_port(), workers=options.workers)
    server: subprocess.Popen[bytes] | None = None
    created = False
    try:
        created = True
        prepare_database(options.database, env, learners=options.learners, password=password)
        server = start_gunicorn(env, work)
        before = review_count(database_url)

        log(f"locust: {options.learners} learners for {options.seconds} s")
        tally_path = work / "tally.json"
        locust = subprocess.run(
            locust_command(
                base=f"http://127.0.0.1:{env['PORT']}",
                learners=options.learners,
                seconds=options.seconds,
                work=work,
            ),
            cwd=ROOT,
            env=locust_env(password=password, learners=options.learners, tally_path=tally_path),
            capture_output=True,
            text=True,
            timeout=options.seconds + 120,
            check=False,
        )
        sys.stderr.write(locust.stderr[-4000:])
        if not tally_path.exists():
            raise SystemExit(f"locust wrote no tally (exit {locust.returncode})")

        # Stop gunicorn before counting: every acknowledged answer has been written by then.
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server = None
        logged = review_count(database_url) - before

        tally = json.loads(tally_path.read_text())
        row = percentile_row(work / "run_stats.csv")
        failures = int(row["Failure Count"])
        errors = (
            failures + tally["double_click_both_recorded"] + abs(logged - tally["reviews_sent"])
        )
        result = {
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p99_ms": float(row["99%"]),
            "errors": errors,
            "reviews_sent": tally["reviews_sent"],
            "reviews_logged": logged,
            "requests": int(row["Request Count"]),
            "failed_requests": failures,
            "answers_posted": tally["answers_posted"],
            "refused_as_already_recorded": tally["refused_as_stale"],
            "double_clicks": tally["double_clicks"],
            "double_clicks_recorded_twice": tally["double_click_both_recorded"],
            "sessions_finished": tally["sessions_finished"],
            **server_times(work / "gunicorn.log"),
            "learners": options.learners,
            "seconds": options.seconds,
            "workers": options.workers,
        }
        print(json.dumps(result))
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        if created:
            drop_database(options.database)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
