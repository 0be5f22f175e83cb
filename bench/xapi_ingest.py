"""Benchmark xAPI statement ingestion over HTTP against a bare INSERT of the same JSON rows.

    .venv/bin/python bench/xapi_ingest.py [--batches 20] [--batch-size 1000] [--runs 5]
                                          [--workers 1]

Everything runs on PostgreSQL, in a fresh database (``jineng_bench_xapi`` on BENCH_PG_URL,
default the local server). The record store is served by **gunicorn** (sync workers,
production settings: ``JINENG_DEBUG=0``) on 127.0.0.1; one client posts batches of statements
to ``/xapi/statements`` over one keep-alive HTTP connection with Basic auth, exactly as a
learning platform would. Every statement is validated, linked (person and class lookups) and
stored with its indexed columns.

In the same run the same statements, serialised the same way, are written raw into a bare
table ``(data jsonb)``: once with ``executemany`` INSERT in one transaction per batch and once
with ``COPY``. Each run starts from empty tables; the script prints each run and the median
statements/s of each method, plus the ratios.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

from benchserver import (
    PG_SERVER,
    ROOT,
    free_port,
    recreate_database,
    server_environment,
    start_server,
)

PG_DATABASE = "jineng_bench_xapi"
HOME = "https://jineng.local"
VERBS = (
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/progressed",
    "http://adlnet.gov/expapi/verbs/experienced",
)


def jineng(env: dict[str, str], *args: str) -> str:
    """Run a `jineng` management command against the bench database; return its stdout."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "jineng"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def make_statement(n: int) -> dict[str, Any]:
    """Return one realistic statement: this site's account, a class code, a lesson, a time."""
    lesson = n % 40
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "name": f"学员{n % 5000}",
            "account": {"homePage": HOME, "name": str(1_000_000 + n % 5000)},
        },
        "verb": {"id": VERBS[n % 3], "display": {"zh-CN": "完成"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://mooc.example.com/courses/electrician/lessons/{lesson}",
            "definition": {
                "name": {"zh-CN": f"电工第{lesson}课", "en-US": f"Electrician lesson {lesson}"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
            },
        },
        "result": {"completion": True, "duration": f"PT{10 + n % 50}M{n % 60}S"},
        "context": {
            "registration": str(uuid.uuid4()),
            "platform": "bench",
            "extensions": {f"{HOME}/xapi/class": f"C{n % 20:05d}"},
        },
        "timestamp": "2026-03-02T10:00:00+08:00",
    }


def make_batches(batches: int, size: int) -> list[list[dict[str, Any]]]:
    return [[make_statement(b * size + i) for i in range(size)] for b in range(batches)]


def time_http(port: int, pair: str, batches: list[bytes]) -> float:
    """POST each batch over one keep-alive connection; return the seconds taken."""
    headers = {
        "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    for body in batches:
        conn.request("POST", "/xapi/statements", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"POST failed: {response.status} {payload[:300]!r}")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def time_raw(rows: list[list[str]], *, copy: bool) -> float:
    """Insert the same JSON rows into a bare table; return the seconds taken."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}") as conn:
        conn.execute("DROP TABLE IF EXISTS bench_xapi_raw")
        conn.execute("CREATE TABLE bench_xapi_raw (data jsonb NOT NULL)")
        conn.commit()
        started = time.perf_counter()
        for batch in rows:
            with conn.cursor() as cursor:
                if copy:
                    with cursor.copy("COPY bench_xapi_raw (data) FROM STDIN") as stream:
                        for text in batch:
                            stream.write_row((text,))
                else:
                    cursor.executemany(
                        "INSERT INTO bench_xapi_raw (data) VALUES (%s::jsonb)",
                        [(text,) for text in batch],
                    )
            conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_xapi_raw")
        conn.commit()
    return elapsed


def empty_statements() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}", autocommit=True) as conn:
        conn.execute("TRUNCATE learning_statement")
        conn.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers")
    args = parser.parse_args()

    recreate_database(PG_DATABASE)
    env = server_environment(PG_DATABASE)
    jineng(env, "migrate", "--verbosity", "0")
    jineng(env, "xapi", "platform", "create", "bench platform")
    pair = jineng(env, "xapi", "credential", "create", "bench platform")
    port = free_port()
    server = start_server(env, port, args.workers, ready_path="/xapi/about", timeout=300)
    total = args.batches * args.batch_size
    results: dict[str, list[float]] = {"http": [], "executemany": [], "copy": []}
    try:
        for run in range(1, args.runs + 1):
            batches = make_batches(args.batches, args.batch_size)
            bodies = [json.dumps(batch, ensure_ascii=False).encode() for batch in batches]
            rows = [[json.dumps(s, ensure_ascii=False) for s in batch] for batch in batches]
            empty_statements()
            seconds = {
                "http": time_http(port, pair, bodies),
                "executemany": time_raw(rows, copy=False),
                "copy": time_raw(rows, copy=True),
            }
            for name, value in seconds.items():
                results[name].append(total / value)
            print(
                f"run {run}: "
                + ", ".join(f"{name} {total / value:,.0f}/s" for name, value in seconds.items()),
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    medians = {name: statistics.median(values) for name, values in results.items()}
    print(
        f"\n{args.runs} runs of {args.batches} x {args.batch_size} statements, "
        f"gunicorn --workers {args.workers}, PostgreSQL {PG_DATABASE}"
    )
    print(f"  HTTP POST /xapi/statements : {medians['http']:>10,.0f} statements/s (median)")
    print(f"  bare INSERT executemany    : {medians['executemany']:>10,.0f} rows/s (median)")
    print(f"  bare COPY                  : {medians['copy']:>10,.0f} rows/s (median)")
    print(
        f"  LRS / executemany = {medians['http'] / medians['executemany']:.2f}, "
        f"LRS / COPY = {medians['http'] / medians['copy']:.2f}"
    )


if __name__ == "__main__":
    sys.exit(main())
