"""Benchmark xAPI statement ingestion over HTTP against a bare INSERT of the same JSON rows.

    .venv/bin/python bench/xapi_ingest.py [--batches 20] [--batch-size 1000] [--runs 5]
                                          [--workers 1] [--attachment-bytes 10240]
                                          [--attachment-batches 20]
                                          [--attachment-batch-size 100]

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

Then the same with attachments: each statement declares one attachment of
``--attachment-bytes`` random bytes (10 kB by default), and each batch is POSTed as
``multipart/mixed`` (the statements part, then one raw part per attachment, matched by SHA-256)
as Part Three 1.5.2 describes. The raw baseline writes the same statement JSON and the same
bytes into a bare table ``(data jsonb, content bytea)``, again with ``executemany`` and ``COPY``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
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


BOUNDARY = "xapi-bench-boundary-7f3a9c"


def with_attachments(batch: list[dict[str, Any]], size: int) -> list[tuple[dict[str, Any], bytes]]:
    """Give each statement one attachment of ``size`` random bytes, declared by SHA-256."""
    paired = []
    for statement in batch:
        content = os.urandom(size)
        statement["attachments"] = [
            {
                "usageType": f"{HOME}/xapi/attachments/evidence",
                "display": {"zh-CN": "学习证明"},
                "contentType": "application/octet-stream",
                "length": size,
                "sha2": hashlib.sha256(content).hexdigest(),
            }
        ]
        paired.append((statement, content))
    return paired


def multipart_body(paired: list[tuple[dict[str, Any], bytes]]) -> bytes:
    """The multipart/mixed body of one batch: the statements, then each attachment's bytes."""
    delimiter = b"--" + BOUNDARY.encode()
    statements = json.dumps([s for s, _content in paired], ensure_ascii=False).encode()
    chunks = [delimiter + b"\r\nContent-Type: application/json\r\n\r\n" + statements]
    for statement, content in paired:
        chunks.append(
            b"\r\n"
            + delimiter
            + b"\r\nContent-Type: application/octet-stream\r\n"
            + b"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: "
            + statement["attachments"][0]["sha2"].encode()
            + b"\r\n\r\n"
            + content
        )
    return b"".join(chunks) + b"\r\n" + delimiter + b"--\r\n"


def time_http_multipart(port: int, pair: str, batches: list[bytes]) -> float:
    """POST each multipart/mixed batch over one keep-alive connection; return the seconds."""
    headers = {
        "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": f'multipart/mixed; boundary="{BOUNDARY}"',
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


def time_raw_attachments(rows: list[list[tuple[str, bytes]]], *, copy: bool) -> float:
    """Insert the same JSON and bytes into a bare (data jsonb, content bytea) table."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}") as conn:
        conn.execute("DROP TABLE IF EXISTS bench_xapi_raw_files")
        conn.execute("CREATE TABLE bench_xapi_raw_files (data jsonb NOT NULL, content bytea)")
        conn.commit()
        started = time.perf_counter()
        for batch in rows:
            with conn.cursor() as cursor:
                if copy:
                    sql = "COPY bench_xapi_raw_files (data, content) FROM STDIN"
                    with cursor.copy(sql) as stream:
                        for row in batch:
                            stream.write_row(row)
                else:
                    cursor.executemany(
                        "INSERT INTO bench_xapi_raw_files (data, content) VALUES (%s::jsonb, %s)",
                        batch,
                    )
            conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_xapi_raw_files")
        conn.commit()
    return elapsed


def empty_statements() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}", autocommit=True) as conn:
        conn.execute("TRUNCATE learning_statement, learning_attachment")
        conn.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers")
    parser.add_argument("--attachment-bytes", type=int, default=10 * 1024)
    parser.add_argument("--attachment-batches", type=int, default=20)
    parser.add_argument("--attachment-batch-size", type=int, default=100)
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
    files: dict[str, list[float]] = {"http": [], "executemany": [], "copy": []}
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
        for run in range(1, args.runs + 1):
            seconds = run_attachments(port, pair, args)
            with_files = args.attachment_batches * args.attachment_batch_size
            for name, value in seconds.items():
                files[name].append(with_files / value)
            print(
                f"run {run} with attachments: "
                + ", ".join(f"{name} {with_files / v:,.0f}/s" for name, v in seconds.items()),
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
    report_attachments(files, args)


def run_attachments(port: int, pair: str, args: argparse.Namespace) -> dict[str, float]:
    """Time one run of statements with attachments: over HTTP and raw; return the seconds."""
    paired = [
        with_attachments(batch, args.attachment_bytes)
        for batch in make_batches(args.attachment_batches, args.attachment_batch_size)
    ]
    bodies = [multipart_body(batch) for batch in paired]
    rows = [[(json.dumps(s, ensure_ascii=False), c) for s, c in batch] for batch in paired]
    empty_statements()
    return {
        "http": time_http_multipart(port, pair, bodies),
        "executemany": time_raw_attachments(rows, copy=False),
        "copy": time_raw_attachments(rows, copy=True),
    }


def report_attachments(files: dict[str, list[float]], args: argparse.Namespace) -> None:
    """Print the medians and ratios of the runs with attachments."""
    medians = {name: statistics.median(values) for name, values in files.items()}
    print(
        f"\n{args.runs} runs of {args.attachment_batches} x {args.attachment_batch_size} "
        f"statements with one {args.attachment_bytes:,}-byte attachment each (multipart/mixed)"
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
