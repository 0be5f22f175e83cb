"""Benchmark `jineng fraud scan` over the synthetic city, on PostgreSQL and SQLite, against the
same rules' joins run in DuckDB over the same rows.

    .venv/bin/python bench/fraud_scan.py [--people 20000] [--years 3] [--runs 3]
                                         [--backends pg,sqlite]

Each database gets the synthetic city once (``jineng synth --people N --years Y``: people,
then Y years of classes, sessions, enrolments and check-ins with planted fraud; its time is
printed but not part of the benchmark). Then every run times the full scan (``engine.run()``:
every registered rule, alerts opened on the first run and refreshed on the later ones) and
each rule within it. The attendance tables are then exported (not timed in the ratio) into an
in-memory DuckDB, where equivalent SQL of the attendance rules (R15 R16 R17 R18 R23) runs
``--runs`` times; the ratio is those rules' median seconds in the scan over DuckDB's, and
each rule's hit count on both sides is printed to show the two found the same.

PostgreSQL gets a fresh database (``jineng_bench_fraud``, or BENCH_PG_DATABASE, on
BENCH_PG_URL, default the local server); SQLite a temporary file. Each database runs in its
own child process, because Django settings are fixed per process. The load average
(``os.getloadavg``) is printed before and after, as the machine may be shared.

Seen (2 cores, shared with other engineers' tests; load average in the report):
    see the figures at the end of this docstring, filled in by the last measured run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_people import PG_SERVER, child_environment  # noqa: E402

PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "jineng_bench_fraud")
SEED = 20240501
DUCK_RULES = ("R15", "R16", "R17", "R18", "R23")

# The tables (and columns) the attendance rules read, exported to DuckDB as they are.
TABLES: dict[str, tuple[str, ...]] = {
    "attendance_attendance": (
        "id",
        "enrolment_id",
        "session_id",
        "checked_in_at",
        "method",
        "device_id",
        "latitude",
        "longitude",
        "review",
    ),
    "training_enrolment": ("id", "training_class_id", "person_id", "status"),
    "training_classsession": (
        "id",
        "training_class_id",
        "starts_at",
        "ends_at",
        "venue_id",
        "teacher_id",
    ),
    "training_trainingclass": ("id", "programme_id", "code"),
    "training_programme": ("id", "organization_id"),
    "training_venue": ("id", "latitude", "longitude", "capacity"),
    "training_teacher": ("id", "organization_id"),
}
TYPES = {
    "checked_in_at": "TIMESTAMPTZ",
    "starts_at": "TIMESTAMPTZ",
    "ends_at": "TIMESTAMPTZ",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "method": "VARCHAR",
    "device_id": "VARCHAR",
    "review": "VARCHAR",
    "status": "VARCHAR",
    "code": "VARCHAR",
}

# Each rule's hits in DuckDB SQL, one row per hit key, as the rule's check groups them.
_CHECK_INS = """
    SELECT a.*, e.person_id, e.training_class_id AS class_id
    FROM attendance_attendance a JOIN training_enrolment e ON e.id = a.enrolment_id
    WHERE coalesce(a.review, '') <> 'rejected'
"""
_DIST = """
    sqrt(power(radians({lng2} - {lng1}) * cos(radians(({lat1} + {lat2}) / 2)), 2)
         + power(radians({lat2} - {lat1}), 2)) * 6371008.8
"""
DUCK_SQL: dict[str, str] = {
    "R15": f"""
        WITH c AS ({_CHECK_INS}),
        s AS (SELECT c.*, s.starts_at, s.ends_at, v.latitude AS vlat, v.longitude AS vlng
              FROM c JOIN training_classsession s ON s.id = c.session_id
              LEFT JOIN training_venue v ON v.id = s.venue_id),
        overlap AS (
            SELECT DISTINCT least(x.id, y.id) AS a, greatest(x.id, y.id) AS b
            FROM s x JOIN s y ON y.person_id = x.person_id AND y.session_id <> x.session_id
             AND y.starts_at < x.ends_at AND y.ends_at > x.starts_at),
        located AS (
            SELECT person_id, checked_in_at, id,
                   coalesce(latitude, vlat) AS lat, coalesce(longitude, vlng) AS lng
            FROM s),
        moves AS (
            SELECT *, lag(lat) OVER w AS plat, lag(lng) OVER w AS plng,
                   lag(checked_in_at) OVER w AS pat
            FROM located WINDOW w AS (PARTITION BY person_id ORDER BY checked_in_at, id)),
        travel AS (
            SELECT id FROM (
                SELECT id, {_DIST.format(lat1="plat", lng1="plng", lat2="lat", lng2="lng")}
                       AS metres, epoch(checked_in_at) - epoch(pat) AS seconds
                FROM moves WHERE pat IS NOT NULL) m
            WHERE metres >= 5000 AND metres > seconds * (100 / 3.6))
        SELECT 'overlap' FROM overlap UNION ALL SELECT 'travel' FROM travel
    """,
    "R16": f"""
        WITH c AS ({_CHECK_INS}),
        far AS (
            SELECT DISTINCT c.session_id FROM c
            JOIN training_classsession s ON s.id = c.session_id
            JOIN training_venue v ON v.id = s.venue_id
            WHERE c.latitude IS NOT NULL AND v.latitude IS NOT NULL
              AND {
        _DIST.format(lat1="v.latitude", lng1="v.longitude", lat2="c.latitude", lng2="c.longitude")
    } > 500),
        same AS (
            SELECT session_id, latitude, longitude FROM c
            WHERE latitude IS NOT NULL AND longitude IS NOT NULL
            GROUP BY ALL HAVING count(DISTINCT enrolment_id) >= 3)
        SELECT session_id FROM far UNION ALL SELECT session_id FROM same
    """,
    "R17": f"""
        SELECT session_id, device_id FROM ({_CHECK_INS}) c
        WHERE method = 'qr' AND device_id <> ''
        GROUP BY ALL HAVING count(DISTINCT enrolment_id) > 3
    """,
    "R18": f"""
        WITH per AS (
            SELECT class_id, count(*) AS total,
                   count(*) FILTER (WHERE method = 'manual') AS manual
            FROM ({_CHECK_INS}) c GROUP BY class_id HAVING count(*) >= 20),
        m AS (SELECT median(manual / total) AS median FROM per)
        SELECT class_id FROM per, m
        WHERE manual / total > 0.15 AND manual / total >= m.median * 3 - 1e-9
    """,
    "R23": """
        WITH seated AS (
            SELECT training_class_id, count(*) AS n FROM training_enrolment
            WHERE status IN ('enrolled', 'completed', 'not_completed') GROUP BY ALL),
        capacity AS (
            SELECT DISTINCT s.training_class_id, s.venue_id
            FROM training_classsession s JOIN training_venue v ON v.id = s.venue_id
            JOIN seated ON seated.training_class_id = s.training_class_id
            WHERE seated.n > v.capacity),
        teacher AS (
            SELECT DISTINCT least(x.id, y.id), greatest(x.id, y.id)
            FROM training_classsession x JOIN training_classsession y
              ON y.teacher_id = x.teacher_id AND y.id <> x.id
             AND y.training_class_id <> x.training_class_id
             AND y.starts_at < x.ends_at AND y.ends_at > x.starts_at),
        venue AS (
            SELECT DISTINCT least(x.id, y.id), greatest(x.id, y.id)
            FROM training_classsession x JOIN training_classsession y
              ON y.venue_id = x.venue_id AND y.id <> x.id
             AND y.training_class_id <> x.training_class_id
             AND y.starts_at < x.ends_at AND y.ends_at > x.starts_at),
        faculty AS (
            SELECT DISTINCT s.training_class_id, s.teacher_id
            FROM training_classsession s JOIN training_teacher t ON t.id = s.teacher_id
            JOIN training_trainingclass k ON k.id = s.training_class_id
            JOIN training_programme p ON p.id = k.programme_id
            WHERE t.organization_id <> p.organization_id)
        SELECT 1 FROM capacity UNION ALL SELECT 1 FROM teacher UNION ALL SELECT 1 FROM venue
        UNION ALL SELECT 1 FROM faculty
    """,
}


def recreate_pg_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')


# ---------------------------------------------------------------- child: one database


def build_city(people: int, years: int) -> dict[str, Any]:
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from jineng.composition.synth.city import CityPlan, write_city
    from jineng.occupations.loaders import load_occupations, load_skill_levels
    from jineng.people.loaders import load_target_groups
    from jineng.people.synth import write_synthetic_people
    from jineng.regions.loaders import load_regions

    load_regions(settings.JINENG_CITY_REGION_CODE)
    load_occupations(None)
    load_skill_levels()
    load_target_groups()
    started = time.perf_counter()
    write_synthetic_people(people, seed=SEED)
    made_people = time.perf_counter()
    totals = write_city(CityPlan(years=years, seed=SEED))
    done = time.perf_counter()
    print(
        f"  city: {people} people in {made_people - started:.0f}s, "
        f"{totals.classes} classes, {totals.sessions} sessions, {totals.enrolments} "
        f"enrolments, {totals.check_ins} check-ins in {done - made_people:.0f}s",
        file=sys.stderr,
    )
    return {
        **totals.counts(),
        "people": people,
        "people_seconds": made_people - started,
        "city_seconds": done - made_people,
    }


def time_scan() -> dict[str, Any]:
    from jineng.fraud import engine

    rules: dict[str, dict[str, float]] = {}
    mark = [time.perf_counter()]

    def progress(step: Any) -> None:
        now = time.perf_counter()
        rules[step.code] = {"seconds": now - mark[0], "hits": step.hits}
        mark[0] = now

    start = time.perf_counter()
    summary = engine.run(progress=progress)
    return {"seconds": time.perf_counter() - start, "hits": summary.hits, "rules": rules}


def export_to_duckdb() -> tuple[Any, float, int]:
    import duckdb
    from django.db import connection

    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")
    started = time.perf_counter()
    rows = 0
    with tempfile.TemporaryDirectory() as folder:
        for table, columns in TABLES.items():
            path = Path(folder) / f"{table}.csv"
            with path.open("w", newline="") as handle, connection.cursor() as cursor:
                writer = csv.writer(handle)
                cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608
                while batch := cursor.fetchmany(10_000):
                    for row in batch:
                        writer.writerow(
                            [v.isoformat() if hasattr(v, "isoformat") else v for v in row]
                        )
                    rows += len(batch)
            types = ", ".join(f"'{c}': '{TYPES.get(c, 'BIGINT')}'" for c in columns)
            duck.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header=false, "
                f"columns={{{types}}}, nullstr='')"
            )
    return duck, time.perf_counter() - started, rows


def time_duckdb(duck: Any) -> dict[str, dict[str, float]]:
    found = {}
    for code in DUCK_RULES:
        start = time.perf_counter()
        hits = len(duck.execute(DUCK_SQL[code]).fetchall())
        found[code] = {"seconds": time.perf_counter() - start, "hits": hits}
    return found


def run_child(args: argparse.Namespace) -> None:
    city = build_city(args.people, args.years)
    scans = []
    for number in range(args.runs):
        scan = time_scan()
        scans.append(scan)
        slowest = sorted(scan["rules"].items(), key=lambda kv: -kv[1]["seconds"])[:3]
        print(
            f"  scan {number + 1}: {scan['seconds']:.1f}s, {scan['hits']} hits; slowest "
            + ", ".join(f"{code} {r['seconds']:.1f}s" for code, r in slowest),
            file=sys.stderr,
        )
    duck, export_seconds, rows = export_to_duckdb()
    print(f"  exported {rows} rows to DuckDB in {export_seconds:.1f}s", file=sys.stderr)
    ducks = [time_duckdb(duck) for _ in range(args.runs)]
    print(
        json.dumps(
            {
                "city": city,
                "scans": scans,
                "duckdb": ducks,
                "export_seconds": export_seconds,
                "rows": rows,
            }
        )
    )


# ---------------------------------------------------------------- parent: both databases


def summarise(backend: str, result: dict[str, Any]) -> dict[str, Any]:
    scans, ducks = result["scans"], result["duckdb"]
    per_rule = {
        code: statistics.median(s["rules"][code]["seconds"] for s in scans)
        for code in scans[0]["rules"]
    }
    same_rules = sum(per_rule[code] for code in DUCK_RULES)
    duck = statistics.median(sum(d[code]["seconds"] for code in DUCK_RULES) for d in ducks)
    return {
        "backend": backend,
        "check_ins": result["city"]["check_ins"],
        "scan_seconds": statistics.median(s["seconds"] for s in scans),
        "same_rules_seconds": same_rules,
        "duckdb_seconds": duck,
        "ratio": same_rules / duck if duck else None,
        "hits": {
            code: (scans[-1]["rules"][code]["hits"], ducks[-1][code]["hits"]) for code in DUCK_RULES
        },
        "slowest": sorted(per_rule.items(), key=lambda kv: -kv[1])[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000, help="Synthetic people.")
    parser.add_argument("--years", type=int, default=3, help="Years of training.")
    parser.add_argument("--runs", type=int, default=3, help="Scans per database (median).")
    parser.add_argument("--backends", default="pg,sqlite", help="Comma-separated: pg, sqlite.")
    parser.add_argument("--child", choices=["pg", "sqlite"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    print(f"load average before: {os.getloadavg()}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        sqlite_path = Path(folder) / "bench.sqlite3"
        for backend in args.backends.split(","):
            print(f"{backend}:", file=sys.stderr)
            if backend == "pg":
                recreate_pg_database()
            env = child_environment(backend, sqlite_path)
            if backend == "pg":
                env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    backend,
                    "--people",
                    str(args.people),
                    "--years",
                    str(args.years),
                    "--runs",
                    str(args.runs),
                ],
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            summary = summarise(backend, json.loads(out.strip().splitlines()[-1]))
            hits = ", ".join(f"{c} {a}/{b}" for c, (a, b) in summary["hits"].items())
            slowest = ", ".join(f"{c} {s:.1f}s" for c, s in summary["slowest"])
            ratio = summary["ratio"]
            print(
                f"{backend}: {summary['check_ins']} check-ins; full scan median "
                f"{summary['scan_seconds']:.1f}s; R15-R18+R23 {summary['same_rules_seconds']:.2f}s "
                f"in the scan vs {summary['duckdb_seconds']:.3f}s in DuckDB (ratio "
                f"{ratio:.0f}×); hits scan/DuckDB: {hits}; slowest: {slowest}"
                if ratio
                else f"{backend}: {summary}"
            )
            if backend == "pg":
                recreate_pg_database()
    print(f"load average after: {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
