"""Measure how many PostgreSQL connections a 50-client burst opens, served three ways.

    .venv/bin/python bench/connection_burst.py [--clients 50] [--requests 10]

Each way gets a fresh database (``jineng_burst`` on BENCH_PG_URL, default the local server)
in production mode, and 50 clients start at once, each asking for the public catalog page
(one database read) ten times. It prints the answers by status and the most connections
the database had at once:

* gunicorn with deploy/gunicorn.conf.py (the production set-up, docs/adr/0009): bounded by
  workers × threads;
* the development server with JINENG_CONN_MAX_AGE=60 (the old default): each request
  thread keeps its connection, so a burst piles them up until PostgreSQL answers "too
  many clients" and pages fail;
* the development server with a connection per request (today's default).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchserver import (  # noqa: E402
    PG_SERVER,
    ROOT,
    free_port,
    recreate_database,
    server_environment,
)

DATABASE = "jineng_burst"
JINENG = str(ROOT / ".venv" / "bin" / "jineng")


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not start")


def _burst(port: int, clients: int, requests: int) -> tuple[collections.Counter, int]:
    """Run the burst; return the answers by status and the peak connections seen."""
    import psycopg

    statuses: collections.Counter = collections.Counter()
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            while not done.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (DATABASE,)
                ).fetchone()
                peak[0] = max(peak[0], row[0])
                time.sleep(0.02)

    barrier = threading.Barrier(clients)

    def client() -> None:
        barrier.wait()
        for _ in range(requests):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/catalogs/")
                response = conn.getresponse()
                response.read()
                statuses[response.status] += 1
            except OSError as exc:
                statuses[type(exc).__name__] += 1

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.5)
    done.set()
    watcher.join()
    return statuses, peak[0]


def run(
    label: str, command: list[str], extra_env: dict[str, str], args: argparse.Namespace
) -> None:
    env = {**server_environment(DATABASE), **extra_env}
    recreate_database(DATABASE)
    for step in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([JINENG, *step], env=env, cwd=ROOT, check=True)
    port = free_port()
    server = subprocess.Popen(
        [*command, f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(port)
        started = time.monotonic()
        statuses, peak = _burst(port, args.clients, args.requests)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait()
    answers = ", ".join(
        f"{count} × {status}" for status, count in sorted(statuses.items(), key=str)
    )
    print(f"{label:<48} {answers:<22} peak {peak:>3} connections  ({elapsed:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    print(f"{args.clients} clients × {args.requests} GET /catalogs/ at once")
    gunicorn = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind"]
    runserver = [JINENG, "runserver", "--noreload", "--skip-checks"]
    run("gunicorn, deploy/gunicorn.conf.py", gunicorn, {}, args)
    run(
        "runserver, JINENG_CONN_MAX_AGE=60 (old default)",
        runserver,
        {"JINENG_CONN_MAX_AGE": "60"},
        args,
    )
    run("runserver, a connection per request", runserver, {}, args)
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
