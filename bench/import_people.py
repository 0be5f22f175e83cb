"""Benchmark the people importer against loading the same rows raw, on PostgreSQL and SQLite.

    .venv/bin/python bench/import_people.py [--rows 350000] [--runs 3] [--backends pg,sqlite]
                                            [--workers N] [--format csv|xlsx]

A csv of synthetic workers (jineng.people.synth, the city's workforce by default) is written
once; then, for each database, every run imports it with the real importer (read, validate
with people.services, encrypt, COPY / executemany, one audit event) into empty tables, and
loads the same file raw: csv parsing plus ``COPY`` into a bare table of text columns
(PostgreSQL) or one ``executemany`` transaction into a bare table (SQLite). It prints the
median rows/s of each and their ratio, plus the importer's split between its first reading
of the file (validation, in ``--workers`` processes as on the command line) and its second
(encryption, in those processes, and the writes), the ceiling: the ratio the importer would
reach if its first reading cost nothing, and the importer's peak memory (resident set): of
the importing process, measured from just before the import (Linux: its high-water mark is
reset first), and of the largest worker.
``--format xlsx`` gives the importer the same rows as an xlsx workbook (its sheet streamed
row by row, as uploads are read); the raw load still reads the csv.

PostgreSQL gets a fresh database (``jineng_bench``, or BENCH_PG_DATABASE, on BENCH_PG_URL, default
the local server);
SQLite a temporary file. Each database runs in its own child process, because Django settings
are fixed per process. Nothing outside those two databases is touched.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# Another database name (BENCH_PG_DATABASE) lets two runs share one server.
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "jineng_bench")
SEED = 350_000
RAW_COLUMNS = 8


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def child_environment(backend: str, sqlite_path: Path) -> dict[str, str]:
    """Environment of a child: its database, production-like settings, throwaway keys."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="jineng.settings",
        JINENG_DEBUG="0",
        JINENG_SECRET_KEY=_key(),
        JINENG_PII_KEY=_key(),
        JINENG_AUDIT_KEY=_key(),
        JINENG_AUDIT_SIGNING_KEY=_key(),
        PYTHONPATH=str(ROOT),
    )
    if backend == "pg":
        env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
    else:
        env.pop("DATABASE_URL", None)
        env["JINENG_SQLITE_PATH"] = str(sqlite_path)
    return env


def recreate_pg_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')


# ---------------------------------------------------------------- child: one database


def setup_database() -> None:
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from jineng.people.loaders import load_target_groups
    from jineng.regions.loaders import load_regions

    load_regions(settings.JINENG_CITY_REGION_CODE)
    load_target_groups()


def empty_people_tables() -> None:
    from django.db import connection

    tables = ["people_affiliation", "people_targetgroupmembership", "people_person"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(tables) + " CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")


def reset_peak_rss() -> None:
    """Start this process's resident-set high-water mark afresh (Linux 4.0 and later)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mib() -> float:
    """This process's peak resident set since reset_peak_rss (or since it started), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_import(path: Path, workers: int) -> dict[str, float]:
    import gc

    from jineng.people.importers import import_people

    marks: dict[str, float] = {}
    gc.collect()
    reset_peak_rss()
    before = peak_rss_mib()

    def on_progress(done: int, total: int) -> None:
        if done == total:
            marks["prepared"] = time.perf_counter()

    start = time.perf_counter()
    result = import_people(path, actor=None, on_progress=on_progress, workers=workers)
    end = time.perf_counter()
    if result.errors or not result.committed:
        raise SystemExit(f"import failed: {result.errors[:3]}")
    return {
        "seconds": end - start,
        "prepare": marks["prepared"] - start,
        "write": end - marks["prepared"],
        "rows": result.created,
        "workers": workers,
        "rss_before_mib": before,
        "peak_rss_mib": peak_rss_mib(),
        # The largest worker process so far (workers are waited for when the pool closes).
        "worker_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def time_raw(path: Path) -> dict[str, float]:
    """Parse the csv and load its rows as text into a bare table, the database's fast path."""
    import csv

    from django.db import connection, transaction

    columns = ", ".join(f"c{i} text" for i in range(RAW_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute(f"CREATE TABLE bench_raw ({columns})")
    start = time.perf_counter()
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as handle, transaction.atomic():
        reader = csv.reader(handle)
        next(reader)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy("COPY bench_raw FROM STDIN") as copy:
                    for row in reader:
                        copy.write_row(row)
                        count += 1
            else:
                rows = list(reader)
                count = len(rows)
                marks = ", ".join(["?"] * RAW_COLUMNS)
                raw = connection.connection
                raw.executemany(f"INSERT INTO bench_raw VALUES ({marks})", rows)  # noqa: S608
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw")
    return {"seconds": seconds, "rows": count}


def xlsx_copy(path: Path) -> Path:
    """Write the csv's rows once as an xlsx workbook beside it (text cells, as a clerk's)."""
    import csv

    from openpyxl import Workbook

    target = path.with_suffix(".xlsx")
    if target.exists():
        return target
    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("people")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(target)
    print(f"  wrote {target.name} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return target


def run_child(args: argparse.Namespace) -> None:
    setup_database()
    if not args.workers:
        from jineng.people.importers import default_workers

        args.workers = default_workers()
    path = Path(args.csv)
    if not path.exists():
        from jineng.people.synth import write_people_csv

        started = time.perf_counter()
        write_people_csv(path, args.rows, seed=SEED)
        print(
            f"  wrote {args.rows} rows to {path.name} in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
    source = xlsx_copy(path) if args.format == "xlsx" else path
    runs = []
    for number in range(args.runs):
        empty_people_tables()
        # Alternate the order so drift on a shared machine hits both sides alike.
        if number % 2:
            imported, raw = time_import(source, args.workers), time_raw(path)
        else:
            raw, imported = time_raw(path), time_import(source, args.workers)
        runs.append({"import": imported, "raw": raw})
        rate = imported["rows"] / imported["seconds"]
        print(
            f"  run {number + 1}: importer {rate:,.0f} rows/s, "
            f"raw {raw['rows'] / raw['seconds']:,.0f} rows/s, "
            f"importer peak RSS {imported['peak_rss_mib']:,.0f} MiB "
            f"(from {imported['rss_before_mib']:,.0f}), "
            f"largest worker {imported['worker_peak_rss_mib']:,.0f} MiB",
            file=sys.stderr,
        )
    print(json.dumps(runs))


# ---------------------------------------------------------------- parent: both databases


def summarise(backend: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    rows = runs[0]["import"]["rows"]
    imported = statistics.median(r["import"]["seconds"] for r in runs)
    raw = statistics.median(r["raw"]["seconds"] for r in runs)
    summary = {
        "backend": backend,
        "rows": rows,
        "runs": len(runs),
        "workers": runs[0]["import"]["workers"],
        "import_rows_per_s": rows / imported,
        "raw_rows_per_s": runs[0]["raw"]["rows"] / raw,
        "ratio": (rows / imported) / (runs[0]["raw"]["rows"] / raw),
        "prepare_us_per_row": statistics.median(r["import"]["prepare"] for r in runs) / rows * 1e6,
        "write_us_per_row": statistics.median(r["import"]["write"] for r in runs) / rows * 1e6,
        "peak_rss_mib": max(r["import"]["peak_rss_mib"] for r in runs),
        "worker_peak_rss_mib": max(r["import"]["worker_peak_rss_mib"] for r in runs),
    }
    # The best ratio any validation and encryption could reach: writing alone, free of them.
    summary["ceiling"] = 1e6 / summary["raw_rows_per_s"] / summary["write_us_per_row"]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=350_000, help="Rows in the csv.")
    parser.add_argument("--runs", type=int, default=3, help="Runs per database (median).")
    parser.add_argument("--backends", default="pg,sqlite", help="Comma-separated: pg, sqlite.")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="Processes reading the file, as `jineng import people --workers` (default: "
        "the command's default, one per CPU).",
    )
    parser.add_argument(
        "--format", choices=["csv", "xlsx"], default="csv", help="The file the importer reads."
    )
    parser.add_argument("--child", choices=["pg", "sqlite"], help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="jineng-bench-") as folder:
        csv_path = Path(folder) / f"people-{args.rows}.csv"
        for backend in args.backends.split(","):
            print(f"{backend}: {args.rows} rows × {args.runs} runs", file=sys.stderr)
            if backend == "pg":
                recreate_pg_database()
            env = child_environment(backend, Path(folder) / "bench.sqlite3")
            command = [sys.executable, __file__, "--child", backend, "--csv", str(csv_path)]
            command += ["--rows", str(args.rows), "--runs", str(args.runs)]
            command += ["--workers", str(args.workers), "--format", args.format]
            output = subprocess.run(
                command,
                env=env,
                check=True,
                capture_output=False,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            results.append(summarise(backend, json.loads(output.strip().splitlines()[-1])))
    print()
    print(
        f"{'database':10} {'rows':>8} {'runs':>4} {'workers':>7} {'importer rows/s':>16} "
        f"{'raw rows/s':>12} "
        f"{'ratio':>6} {'prepare µs/row':>15} {'write µs/row':>13} {'ceiling':>8} "
        f"{'peak RSS MiB':>13} {'worker MiB':>11}"
    )
    for r in results:
        print(
            f"{r['backend']:10} {r['rows']:>8} {r['runs']:>4} {r['workers']:>7} "
            f"{r['import_rows_per_s']:>16,.0f} "
            f"{r['raw_rows_per_s']:>12,.0f} {r['ratio']:>6.3f} "
            f"{r['prepare_us_per_row']:>15.1f} {r['write_us_per_row']:>13.1f} "
            f"{r['ceiling']:>8.3f} {r['peak_rss_mib']:>13,.0f} {r['worker_peak_rss_mib']:>11,.0f}"
        )
    print(
        "\nraw = csv parsing + COPY (PostgreSQL) / one executemany (SQLite) into a bare "
        "table of text columns; importer = the real import_people() reading the file in "
        "`workers` processes, medians of the runs; prepare = the first reading of the file, "
        "validating the rows; write = the second reading, encrypting the rows, existing-ID "
        "check, COPY / executemany into the people tables with their indexes and foreign "
        "keys, audit event, commit; "
        "ceiling = the ratio the importer would reach if its first reading cost nothing; "
        "peak RSS = the importing process's highest resident memory during the import (the "
        "largest of the runs), worker = the largest worker process's."
    )


if __name__ == "__main__":
    main()
