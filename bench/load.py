"""Load bench: gunicorn on the local PostgreSQL, learners from locust, no lost or doubled
reviews, and where the slow requests' time goes.

    python bench/load.py [--learners 20] [--seconds 30] [--workers 2] [--conn-max-age 60]
                         [--database nb_load]

Creates a throwaway database, migrates it, imports content/, makes the learners, collects static
files and starts gunicorn with gunicorn.conf.py on 127.0.0.1 with production settings (DEBUG
off, whitenoise, DB_CONN_MAX_AGE=60 unless --conn-max-age says otherwise). Then locust
(headless, loopback only, bounded in time) runs bench/locustfile.py: each learner logs in and
studies as the browser does, with double clicks mixed in. Afterwards gunicorn is stopped and the
Review rows the run added are counted. gunicorn is killed and the database dropped on the way
out, whatever happened.

Where p99 goes, from three sources measured in the same run:
- the client's view (locust): the answer request alone, p50 and p99;
- the server's view: the app's one log line per request carries its time inside Django and
  the time in database calls, so "server" minus "db" is Python, and client minus server is
  waiting for a free worker (gunicorn's accept queue) plus locust's own scheduling;
- the CPU: core-seconds used by gunicorn, locust and this database's PostgreSQL backends, and by
  everything else on the machine (other users' work), against the 2 cores' capacity. When
  the machine is saturated, the p99 is a queue for CPU, not slow code.

Prints a table to stderr and, last, one JSON line: rps, p50_ms, p99_ms (all requests),
answer_p50_ms, answer_p99_ms, errors, reviews_sent, reviews_logged, and the breakdown.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
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
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SERVER_URL = os.environ.get("LOAD_PG_URL", "postgres://postgres@127.0.0.1:5432")
TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def admin_sql(statement: str) -> list[tuple]:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


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


def app_env(database_url: str, work: Path, **extra: str) -> dict[str, str]:
    """Production settings for a gunicorn on loopback (plain HTTP: no TLS proxy here)."""
    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        "DB_CONN_MAX_AGE": "60",
        "HOST": "127.0.0.1",
        **extra,
    }


def make_env(
    *, work: Path, database_url: str, port: int, workers: int, conn_max_age: int = 60
) -> dict[str, str]:
    """Production settings for one gunicorn on loopback, against the throwaway database."""
    return app_env(
        database_url,
        work,
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        DB_CONN_MAX_AGE=str(conn_max_age),
    )


def prepare_database(database: str, env: dict[str, str], *, learners: int, password: str) -> None:
    """A fresh database: migrated, content/ imported, the learners made; static files collected."""
    log(f"database {database}")
    admin_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {database}")
    manage = [sys.executable, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v0"], env)
    run([*manage, "import_notes", str(ROOT / "content")], env)
    run([*manage, "shell", "-c", MAKE_LEARNERS.format(password=password, count=learners)], env)
    run([*manage, "collectstatic", "--noinput", "-v0", "--ignore=admin"], env)


def drop_database(database: str) -> None:
    try:
        admin_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    except psycopg.Error as exc:
        log(f"could not drop {database}: {exc}")


def start_gunicorn(
    env: dict[str, str], work: Path, *, port: int | None = None, name: str = "gunicorn"
) -> subprocess.Popen[bytes]:
    """gunicorn with gunicorn.conf.py (env's PORT and WEB_CONCURRENCY, or `port`), once its
    /healthz answers 200; its log in work/<name>.log."""
    env = {**env, "PORT": str(port)} if port else env
    log(f"{name}: {env['WEB_CONCURRENCY']} worker(s) on 127.0.0.1:{env['PORT']}")
    log_path = work / f"{name}.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{env['PORT']}", log_path)
    except SystemExit:
        server.kill()
        raise
    return server


def wait_healthy(base: str, log_path: Path | None = None) -> None:
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    text = log_path.read_text() if log_path else ""
    raise SystemExit(f"{base} did not come up:\n{text}")


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def review_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM quiz_review").fetchone()[0]


# --- CPU: who used the two cores during the run --------------------------------------------


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all cores since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _process_ticks(pid: int) -> int:
    """utime + stime of a process and of its children it has waited for."""
    try:
        parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # Fields 14-17 of stat (utime, stime, cutime, cstime), counted after the ")".
    return sum(int(v) for v in parts[11:15])


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def gunicorn_pids(master: int) -> list[int]:
    return [master, *_children(master)]


def postgres_pids(database: str) -> list[int]:
    rows = admin_sql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'")
    return [pid for (pid,) in rows]


@dataclass
class CpuMeter:
    """Core-seconds used between start() and stop(), for the machine and for named processes."""

    started: float = 0.0
    machine: tuple[int, int] = (0, 0)
    processes: dict[str, dict[int, int]] = field(default_factory=dict)

    def start(self, groups: dict[str, list[int]]) -> None:
        self.started = time.monotonic()
        self.machine = _machine_ticks()
        self.processes = {g: {p: _process_ticks(p) for p in pids} for g, pids in groups.items()}

    def sample(self, groups: dict[str, list[int]]) -> None:
        """Meet processes that appeared since start (new workers, new database backends)."""
        for group, pids in groups.items():
            known = self.processes.setdefault(group, {})
            for pid in pids:
                known.setdefault(pid, 0)  # started during the run: all its time counts

    def stop(self, groups: dict[str, list[int]], extra: dict[str, float]) -> dict[str, Any]:
        busy0, total0 = self.machine
        busy1, total1 = _machine_ticks()
        wall = time.monotonic() - self.started
        used: dict[str, float] = {}
        for group, pids in groups.items():
            before = self.processes.get(group, {})
            used[group] = (
                sum(max(0, _process_ticks(p) - before.get(p, 0)) for p in set(pids) | set(before))
                / TICKS
            )
        used.update(extra)
        machine_busy = (busy1 - busy0) / TICKS
        cores = os.cpu_count() or 1
        ours = sum(used.values())
        return {
            "seconds": round(wall, 1),
            "cores": cores,
            "machine_busy_share": round(machine_busy / max(1e-9, wall * cores), 2),
            "core_seconds": {k: round(v, 1) for k, v in used.items()}
            | {"everything else on the machine": round(max(0.0, machine_busy - ours), 1)},
        }


# --- the app's request log: server time and database time ---------------------------------

LINE = re.compile(r"notebank\.requests (\w+) (\S+) (\d{3}) ([\d.]+)ms db=([\d.]+)ms q=(\d+)")


def server_times(log_paths: list[Path]) -> dict[str, Any]:
    """Per kind of request: p50 and p99 of the time inside Django and of its database part."""
    rows: dict[str, list[tuple[float, float]]] = {}
    for path in log_paths:
        for line in path.read_text().splitlines():
            match = LINE.search(line)
            if match:
                kind = "answer" if match[2].startswith("/study/answer/") else "other"
                rows.setdefault(kind, []).append((float(match[4]), float(match[5])))
    result: dict[str, Any] = {}
    for kind, values in rows.items():
        total = [t for t, _db in values]
        db = [d for _t, d in values]
        result[kind] = {
            "requests": len(values),
            "server_p50_ms": round(percentile(total, 50), 1),
            "server_p99_ms": round(percentile(total, 99), 1),
            "db_p50_ms": round(percentile(db, 50), 1),
            "db_p99_ms": round(percentile(db, 99), 1),
            "server_ms_total": sum(total),
        }
    return result


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def locust_rows(stats_csv: Path) -> dict[str, dict[str, str]]:
    with stats_csv.open() as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


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
        # Figures from the moment every learner is started: the log-ins (a deliberately slow
        # password hash each, twenty within five seconds) hold the workers at the start, and
        # the answers queued behind them would say more about that burst than about answering.
        "--reset-stats",
        *(item for pair in options.items() for item in pair),
    ]


def locust_env(*, password: str, learners: int, tally_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LOAD_PASSWORD": password,
        "LOAD_USERNAMES": ",".join(f"learner{i}" for i in range(learners)),
        "LOAD_RESULT": str(tally_path),
    }


def percentile_row(stats_csv: Path) -> dict[str, str]:
    """locust's Aggregated row (all requests)."""
    return locust_rows(stats_csv)["Aggregated"]


def run_locust(
    base: str, work: Path, *, learners: int, seconds: int, password: str, processes: list
) -> tuple[dict[str, dict[str, str]], dict[str, int], float]:
    """Run the learners against `base`; (the CSV rows by name, the tally, locust's CPU s)."""
    tally_path = work / "tally.json"
    children_before = _children_cpu()
    locust = subprocess.Popen(
        locust_command(base=base, learners=learners, seconds=seconds, work=work),
        cwd=ROOT,
        env=locust_env(password=password, learners=learners, tally_path=tally_path),
        stdout=subprocess.DEVNULL,
        stderr=(work / "locust.log").open("w"),
    )
    processes.append(locust)
    try:
        locust.wait(timeout=seconds + 120)
    except subprocess.TimeoutExpired:
        locust.kill()
        locust.wait()
    # Reaped children's CPU grows by exactly locust's (gunicorn is still running).
    cpu = _children_cpu() - children_before
    sys.stderr.write((work / "locust.log").read_text()[-3000:])
    if not tally_path.exists():
        raise SystemExit(f"locust wrote no tally (exit {locust.returncode})")
    return locust_rows(work / "run_stats.csv"), json.loads(tally_path.read_text()), cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summarise(
    *,
    rows: dict[str, dict[str, str]],
    tally: dict[str, int],
    logged: int,
    servers: dict[str, Any],
    cpu: dict[str, Any],
    workers: int,
    seconds: int,
) -> dict[str, Any]:
    total = rows["Aggregated"]
    answer = rows.get("answer", {})
    failures = int(total["Failure Count"])
    errors = failures + tally["double_click_both_recorded"] + abs(logged - tally["reviews_sent"])
    server_ms = sum(v["server_ms_total"] for v in servers.values())
    result = {
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p99_ms": float(total["99%"]),
        "answer_p50_ms": float(answer.get("50%", 0)),
        "answer_p99_ms": float(answer.get("99%", 0)),
        "errors": errors,
        "reviews_sent": tally["reviews_sent"],
        "reviews_logged": logged,
        "requests": int(total["Request Count"]),
        "failed_requests": failures,
        "answers_posted": tally["answers_posted"],
        "refused_as_already_recorded": tally["refused_as_stale"],
        "double_clicks": tally["double_clicks"],
        "double_clicks_recorded_twice": tally["double_click_both_recorded"],
        "server": {
            k: {n: v for n, v in d.items() if n != "server_ms_total"} for k, d in servers.items()
        },
        # The share of the workers' time spent inside Django: near 1 means requests queued.
        "worker_busy_share": round(server_ms / 1000 / max(1e-9, workers * cpu["seconds"]), 2),
        "cpu": cpu,
        "seconds": seconds,
        "workers": workers,
    }
    return result


def explain(result: dict[str, Any]) -> None:
    """Where the answer request's p99 went, in words, on stderr."""
    answer = result["server"].get("answer", {})
    client_p99 = result["answer_p99_ms"]
    server_p99 = answer.get("server_p99_ms", 0.0)
    db_p99 = answer.get("db_p99_ms", 0.0)
    cpu = result["cpu"]
    log(f"answer request: client p50 {result['answer_p50_ms']} ms, p99 {client_p99} ms")
    log(
        f"  inside Django p50 {answer.get('server_p50_ms')} ms, p99 {server_p99} ms "
        f"(database calls p50 {answer.get('db_p50_ms')} ms, p99 {db_p99} ms)"
    )
    log(f"  waiting outside Django (queue for a worker, locust): ~{client_p99 - server_p99:.0f} ms")
    log(f"  workers busy {result['worker_busy_share']:.0%} of the run")
    log(
        f"  machine busy {cpu['machine_busy_share']:.0%} of {cpu['cores']} cores; core-seconds "
        + ", ".join(f"{k} {v}" for k, v in cpu["core_seconds"].items())
    )


@contextmanager
def throwaway_database(name: str):
    try:
        yield f"{SERVER_URL}/{name}"
    finally:
        drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DB_CONN_MAX_AGE for the app (0: connect per request)",
    )
    parser.add_argument("--database", default="notebank_load")
    options = parser.parse_args()
    if not options.database.replace("_", "").isalnum():
        raise SystemExit("--database: letters, digits and _ only")

    work = Path(tempfile.mkdtemp(prefix="notebank-load-"))
    password = secrets.token_urlsafe(12)
    processes: list[subprocess.Popen] = []
    try:
        with throwaway_database(options.database) as database_url:
            port = free_port()
            env = make_env(
                work=work,
                database_url=database_url,
                port=port,
                workers=options.workers,
                conn_max_age=options.conn_max_age,
            )
            prepare_database(options.database, env, learners=options.learners, password=password)
            server = start_gunicorn(env, work)
            processes.append(server)
            before = review_count(database_url)

            def groups() -> dict[str, list[int]]:
                return {
                    "gunicorn": gunicorn_pids(server.pid),
                    "postgres (this database)": postgres_pids(options.database),
                }

            meter = CpuMeter()
            meter.start(groups())
            log(f"locust: {options.learners} learners for {options.seconds} s")
            rows, tally, locust_cpu_s = run_locust(
                f"http://127.0.0.1:{port}",
                work,
                learners=options.learners,
                seconds=options.seconds,
                password=password,
                processes=processes,
            )
            meter.sample(groups())
            cpu = meter.stop(groups(), {"locust": locust_cpu_s})
            # Stop gunicorn before counting: every acknowledged answer has been written by then.
            stop(server)
            logged = review_count(database_url) - before
            result = summarise(
                rows=rows,
                tally=tally,
                logged=logged,
                servers=server_times([work / "gunicorn.log"]),
                cpu=cpu,
                workers=options.workers,
                seconds=options.seconds,
            )
            result["learners"] = options.learners
            result["conn_max_age"] = options.conn_max_age
            explain(result)
            print(json.dumps(result))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
