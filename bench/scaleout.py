"""Scale-out on one machine: two app servers behind nginx, one PostgreSQL, under the load bench.

    python bench/scaleout.py [--learners 20] [--seconds 30] [--workers-per-server 1]

Sets up, on loopback only, what docs/deployment.md describes for more than one app host: a
throwaway PostgreSQL database (content imported, learners made), two separate gunicorn masters
on two ports with the same settings and SECRET_KEY, and Debian's nginx in front of both
(round-robin, no sticky sessions, X-Forwarded-For set; the app trusts one proxy hop). Then:

1. the load bench's learners (bench/locustfile.py) study through nginx: every answer the
   servers acknowledged must be logged once, with no failed request;
2. a session made on one server holds on the other: one learner logs in and keeps studying,
   and both servers' request logs show that learner;
3. the log-in limit holds across both: wrong passwords for one account, spread by nginx over the
   two servers, lock the account on both (the right password is then refused, 429).

Everything is stopped and the database dropped on the way out. Needs nginx
(`apt-get install nginx-light`). Prints, last, one JSON line.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (the load bench's set-up, locust run and summary)

NGINX_CONF = """
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream notebank {{
        # Round-robin, no stickiness: any request of a session may reach either server.
        server 127.0.0.1:{port_a};
        server 127.0.0.1:{port_b};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 32m;
        location / {{
            proxy_pass http://notebank;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def log(message: str) -> None:
    print(f"[scaleout] {message}", file=sys.stderr, flush=True)


class Browser:
    """A cookie-keeping client that posts forms with the CSRF token, as a browser would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def log_in(self, username: str, password: str) -> int:
        self.get("/accounts/login/")
        status, _ = self.post("/accounts/login/", {"username": username, "password": password})
        return status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def users_per_server(log_path: Path) -> dict[str, int]:
    """Requests per signed-in user in one server's request log."""
    counts: dict[str, int] = {}
    for match in re.finditer(r"notebank\.requests .* user=(\d+)", log_path.read_text()):
        counts[match[1]] = counts.get(match[1], 0) + 1
    return counts


def login_limit() -> int:
    """The app's failed log-ins allowed per account (read from its source, so this script needs
    no Django of its own)."""
    source = (load.ROOT / "quiz" / "login_limits.py").read_text()
    return int(re.search(r"^MAX_PER_USERNAME = (\d+)", source, re.M)[1])


def user_id(database_url: str, username: str) -> str:
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT id FROM auth_user WHERE username = %s", [username]).fetchone()
    return str(row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers-per-server", type=int, default=1)
    parser.add_argument("--database", default="notebank_scaleout")
    options = parser.parse_args()
    if not options.database.replace("_", "").isalnum():
        raise SystemExit("--database: letters, digits and _ only")
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx_bin).exists():
        raise SystemExit("nginx is not installed: apt-get install nginx-light")

    work = Path(tempfile.mkdtemp(prefix="notebank-scaleout-"))
    work.chmod(0o755)
    password = secrets.token_urlsafe(12)
    processes: list[subprocess.Popen] = []
    nginx: subprocess.Popen | None = None
    try:
        with load.throwaway_database(options.database) as database_url:
            # One SECRET_KEY for both servers: sessions and CSRF tokens signed by one are good on
            # the other. The app trusts the one proxy hop in front for the client's address.
            env = load.app_env(
                database_url,
                work,
                TRUSTED_PROXY_COUNT="1",
                WEB_CONCURRENCY=str(options.workers_per_server),
            )
            load.prepare_database(
                options.database, env, learners=options.learners, password=password
            )
            ports = [load.free_port(), load.free_port()]
            servers = []
            for name, port in zip("ab", ports, strict=True):
                server = load.start_gunicorn(env, work, port=port, name=f"server-{name}")
                processes.append(server)
                servers.append(server)
            front = load.free_port()
            for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (work / sub).mkdir()
                (work / sub).chmod(0o777)  # nginx's workers run as an unprivileged user
            (work / "nginx.conf").write_text(
                NGINX_CONF.format(work=work, port=front, port_a=ports[0], port_b=ports[1])
            )
            log(f"nginx on 127.0.0.1:{front} in front of both")
            nginx = subprocess.Popen(
                [nginx_bin, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=(work / "nginx.out").open("w"),
            )
            base = f"http://127.0.0.1:{front}"
            load.wait_healthy(base, work / "nginx-error.log")
            before = load.review_count(database_url)

            def groups() -> dict[str, list[int]]:
                return {
                    "gunicorn (both servers)": [
                        pid for s in servers for pid in load.gunicorn_pids(s.pid)
                    ],
                    "nginx": [nginx.pid, *load._children(nginx.pid)],
                    "postgres (this database)": load.postgres_pids(options.database),
                }

            meter = load.CpuMeter()
            meter.start(groups())
            log(f"locust: {options.learners} learners for {options.seconds} s through nginx")
            rows, tally, locust_cpu = load.run_locust(
                base,
                work,
                learners=options.learners,
                seconds=options.seconds,
                password=password,
                processes=processes,
            )
            meter.sample(groups())
            cpu = meter.stop(groups(), {"locust": locust_cpu})

            # 2. One session across both servers.
            browser = Browser(base)
            status = browser.log_in("learner0", password)
            pages = [browser.get("/study/")[0] for _ in range(6)]
            session_ok = status == 302 and all(code == 200 for code in pages)

            # 3. The log-in limit across both servers.
            guesser = Browser(base)
            wrong = []
            for attempt in range(login_limit()):
                if attempt % 2:
                    # nginx alternates per request and a log-in is a GET then a POST: one extra
                    # request puts the next POST on the other server.
                    guesser.get("/healthz")
                wrong.append(guesser.log_in("learner1", "wrong-password"))
            right = Browser(base).log_in("learner1", password)
            # The last wrong guess may itself be the one that locks (429), as axes counts it.
            limit_ok = all(code in (200, 429) for code in wrong) and right == 429

            for server in servers:
                load.stop(server)
            logged = load.review_count(database_url) - before
            logs = [work / "server-a.log", work / "server-b.log"]
            result = load.summarise(
                rows=rows,
                tally=tally,
                logged=logged,
                servers=load.server_times(logs),
                cpu=cpu,
                workers=2 * options.workers_per_server,
                seconds=options.seconds,
            )
            per_server = [users_per_server(path) for path in logs]
            learner0 = user_id(database_url, "learner0")
            logins = [
                len(re.findall(r"POST /accounts/login/ (?:200|429)", path.read_text()))
                for path in logs
            ]
            result.update(
                {
                    "servers": 2,
                    "requests_per_server": [sum(counts.values()) for counts in per_server],
                    "learners_served_by_both": len(set(per_server[0]) & set(per_server[1])),
                    "session_across_servers": session_ok
                    and all(learner0 in counts for counts in per_server),
                    "refused_logins_per_server": logins,
                    "login_limit_across_servers": limit_ok and all(n > 0 for n in logins),
                    "right_password_after_the_limit": right,
                    "learners": options.learners,
                }
            )
            load.explain(result)
            log(
                f"requests per server {result['requests_per_server']}; learners served by both "
                f"{result['learners_served_by_both']}/{options.learners}; session across "
                f"servers {result['session_across_servers']}; log-in limit across servers "
                f"{result['login_limit_across_servers']} (refused log-ins per server {logins})"
            )
            print(json.dumps(result))
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.terminate()
            nginx.wait(timeout=10)
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
