"""Soak: bench/load.py's learners for ten minutes while a gunicorn worker is killed every minute.

    python bench/soak.py [--minutes 10] [--learners 20] [--kill-every 60]

Everything stays on this machine: a throwaway PostgreSQL database (`notebank_soak`), gunicorn
with production settings on 127.0.0.1, and locust (headless, bounded in time) driving the
learners of bench/locustfile.py. Every `--kill-every` seconds one gunicorn worker (the two take
turns) gets SIGKILL, as an out-of-memory killer or a crash would; the master starts a new one.
The memory (RSS) of each worker is sampled every five seconds.

Afterwards gunicorn is stopped, the Review rows the run added are counted, and the database is
dropped, whatever happened. Prints, last, one JSON line:
- reviews_sent (answers the server acknowledged) and reviews_logged (rows added). A learner
  whose answer is cut off by a kill posts it again, as a browser would; if the server then says
  it is already recorded, it counts as acknowledged (cut_off_but_recorded). Answers whose fate
  stays unknown (both posts of a double click cut, say) are answers_cut_off, and
  lost_or_doubled is how far reviews_logged falls outside [sent, sent + answers_cut_off].
- errors: failed requests other than connections cut by a kill (any HTTP error), double clicks
  recorded twice, and lost_or_doubled; failed_requests and cut_by_kills separately.
- memory: the mean RSS of the live workers a minute in (start) and at the end, in MB, with the
  growth between; ok when every check holds and growth is at most 20 %.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import (  # noqa: E402
    ROOT,
    SERVER_URL,
    drop_database,
    free_port,
    locust_command,
    locust_env,
    log,
    make_env,
    percentile_row,
    prepare_database,
    review_count,
    start_gunicorn,
)

SAMPLE_EVERY = 5.0
MAX_GROWTH = 0.20


def workers_of(master: int) -> list[int]:
    """The live child processes of the gunicorn master (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(master) and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def failures_by_kind(path: Path) -> tuple[int, int]:
    """(connections cut, other failures) from locust's failures CSV."""
    cut = other = 0
    if not path.exists():
        return 0, 0
    with path.open() as handle:
        for row in csv.DictReader(handle):
            n = int(row["Occurrences"])
            error = row["Error"]
            if "status 0" in error or "Connection" in error or "RemoteDisconnected" in error:
                cut += n
            else:
                other += n
    return cut, other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=60)
    parser.add_argument("--database", default="notebank_soak")
    options = parser.parse_args()
    if not options.database.replace("_", "").isalnum():
        raise SystemExit("--database: letters, digits and _ only")
    if not 0 < options.minutes <= 60:
        raise SystemExit("--minutes: more than 0, at most 60")
    seconds = round(options.minutes * 60)

    work = Path(tempfile.mkdtemp(prefix="notebank-soak-"))
    database_url = f"{SERVER_URL}/{options.database}"
    password = secrets.token_urlsafe(12)
    env = make_env(work=work, database_url=database_url, port=free_port(), workers=options.workers)
    server: subprocess.Popen[bytes] | None = None
    locust: subprocess.Popen[str] | None = None
    try:
        prepare_database(options.database, env, learners=options.learners, password=password)
        server = start_gunicorn(env, work)
        before = review_count(database_url)
        tally_path = work / "tally.json"
        log(f"locust: {options.learners} learners for {seconds} s, a worker killed every "
            f"{options.kill_every:g} s")  # fmt: skip
        locust = subprocess.Popen(
            locust_command(
                base=f"http://127.0.0.1:{env['PORT']}",
                learners=options.learners,
                seconds=seconds,
                work=work,
            ),
            cwd=ROOT,
            env=locust_env(password=password, learners=options.learners, tally_path=tally_path),
            stdout=subprocess.DEVNULL,
            stderr=(work / "locust.log").open("w"),
            text=True,
        )
        started = time.monotonic()
        samples: list[tuple[float, dict[int, float]]] = []
        kills: list[dict[str, float | int]] = []
        next_kill = started + options.kill_every
        turn = 0
        deadline = started + seconds + 150  # locust's own bound, plus its stop timeout
        while locust.poll() is None:
            now = time.monotonic()
            if now > deadline:
                locust.kill()
                raise SystemExit("locust overran its time bound")
            pids = workers_of(server.pid)
            samples.append((now - started, {p: m for p in pids if (m := rss_mb(p)) is not None}))
            if now >= next_kill and now - started < seconds - 5 and pids:
                victim = pids[turn % len(pids)]
                turn += 1
                os.kill(victim, signal.SIGKILL)
                kills.append({"at_s": round(now - started, 1), "pid": victim})
                log(f"killed worker {victim} at {now - started:.0f} s")
                next_kill += options.kill_every
            time.sleep(min(SAMPLE_EVERY, max(0.2, next_kill - time.monotonic())))
        if not tally_path.exists():
            raise SystemExit(f"locust wrote no tally (exit {locust.returncode})")
        end_sample = {p: m for p in workers_of(server.pid) if (m := rss_mb(p)) is not None}

        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server = None
        logged = review_count(database_url) - before

        tally = json.loads(tally_path.read_text())
        row = percentile_row(work / "run_stats.csv")
        failed = int(row["Failure Count"])
        cut, other = failures_by_kind(work / "run_failures.csv")
        sent = tally["reviews_sent"]
        lost_or_doubled = max(0, sent - logged) + max(0, logged - sent - tally["answers_cut_off"])
        errors = other + tally["double_click_both_recorded"] + lost_or_doubled
        # "Start": the first sample a minute in, once the workers have served every page.
        start_sample = next((s for t, s in samples if t >= 60 and s), samples[-1][1])
        start_mb = statistics.mean(start_sample.values())
        end_mb = statistics.mean(end_sample.values()) if end_sample else start_mb
        growth = end_mb / start_mb - 1
        peak = max((m for _, s in samples for m in s.values()), default=0.0)
        result = {
            "ok": errors == 0 and growth <= MAX_GROWTH,
            "reviews_sent": sent,
            "reviews_logged": logged,
            "answers_cut_off": tally["answers_cut_off"],
            "cut_off_but_recorded": tally["cut_off_but_recorded"],
            "lost_or_doubled": lost_or_doubled,
            "errors": errors,
            "failed_requests": failed,
            "cut_by_kills": cut,
            "requests": int(row["Request Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p99_ms": float(row["99%"]),
            "double_clicks": tally["double_clicks"],
            "double_clicks_recorded_twice": tally["double_click_both_recorded"],
            "workers_killed": len(kills),
            "worker_rss_mb_start": {str(p): round(m, 1) for p, m in start_sample.items()},
            "worker_rss_mb_end": {str(p): round(m, 1) for p, m in end_sample.items()},
            "rss_mean_mb_start": round(start_mb, 1),
            "rss_mean_mb_end": round(end_mb, 1),
            "rss_growth": round(growth, 3),
            "rss_peak_mb": round(peak, 1),
            "learners": options.learners,
            "seconds": seconds,
            "workers": options.workers,
        }
        print(json.dumps(result))
    finally:
        if locust is not None and locust.poll() is None:
            locust.kill()
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        drop_database(options.database)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
