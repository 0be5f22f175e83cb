"""Benchmark issuing certificates in batches against the signing cost alone, per database.

    .venv/bin/python bench/issue_certificates.py [--count 10000] [--batch 1000] [--runs 3]
                                                 [--backends pg,sqlite]

Each run issues ``--count`` 职业技能等级证书 through ``certificates.services.issue_certificates``
in batches of ``--batch`` (each batch one transaction: checks, one locked counter bump, status
indexes, an Open Badges 3.0 credential signed RS256 per certificate, bulk insert, audit
events), to synthetic workers, by one accredited evaluation organisation. Beside it, the
machine's own limit: signing the same number of such credentials with the same key, with no
database at all, timed after each batch so that both sides share the machine's load alike.
It prints the median certificates/s, signatures/s and their ratio (the share of the signing
ceiling that issuing reaches), and the share of issuing time spent signing. One certificate is
issued first, untimed, to load the key and the layouts.

PostgreSQL gets a fresh database (``jineng_bench_certificates``, or BENCH_PG_DATABASE, on
BENCH_PG_URL, default the local server); SQLite a temporary file. Each database runs in its own
child process, because Django settings are fixed per process.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
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
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "jineng_bench_certificates")


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
        JINENG_PUBLIC_BASE_URL="https://jineng.example",
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


def setup_world(count: int) -> dict[str, Any]:
    """Migrate; load regions and levels; one accredited evaluator; ``count`` workers."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from jineng.accounts.models import User
    from jineng.accounts.roles import Role
    from jineng.accreditations import services as accreditation
    from jineng.occupations.loaders import load_skill_levels
    from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel
    from jineng.organizations.models import Organization, OrganizationKind
    from jineng.people.loaders import load_target_groups
    from jineng.people.models import Person
    from jineng.people.synth import write_synthetic_people
    from jineng.regions.loaders import load_regions

    load_regions(settings.JINENG_CITY_REGION_CODE)
    load_target_groups()
    load_skill_levels()
    occupation = Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION
    )
    level = SkillLevel.objects.get(code="level3")
    issuer = Organization.objects.create(
        credit_code="52220581MJ0000009X",
        name="梅河口市技能评价中心",
        kind=OrganizationKind.SOCIAL_EVALUATION_ORG,
    )
    admin = User.objects.create_user(username="bench_admin", role=Role.BUREAU_ADMIN)
    evaluator = User.objects.create_user(
        username="bench_evaluator", role=Role.EVALUATOR, organization=issuer
    )
    application = accreditation.apply_for_accreditation(
        accreditation.ApplicationInput(
            kind="evaluation",
            occupation_code=occupation.code,
            max_level_code=level.code,
            evaluation_kind="skill_level",
        ),
        actor=evaluator,
    )
    today = datetime.date.today()
    accreditation.approve_application(
        application.pk,
        accreditation.ApprovalInput(
            licence_number="BENCH-0001",
            valid_from=today - datetime.timedelta(days=30),
            valid_until=today + datetime.timedelta(days=365),
        ),
        actor=admin,
    )
    write_synthetic_people(count)
    holders = list(Person.objects.order_by("pk")[:count])
    return {
        "occupation": occupation,
        "level": level,
        "issuer": issuer,
        "evaluator": evaluator,
        "holders": holders,
    }


def _requests(world: dict[str, Any], count: int, run: int) -> list[Any]:
    from jineng.certificates import services

    holders = world["holders"]
    today = datetime.date.today()
    return [
        services.IssueRequest(
            kind="skill_level",
            holder=holders[i % len(holders)],
            issuer=world["issuer"],
            issued_on=today,
            basis=f"bench:{run}:{i}",
            occupation=world["occupation"],
            level=world["level"],
        )
        for i in range(count)
    ]


def _sample_payloads(count: int) -> tuple[Any, list[dict[str, Any]]]:
    """The active key and ``count`` credentials shaped like an issued one (fresh ids)."""
    from jineng.certificates import credentials, services
    from jineng.certificates.models import Certificate

    signing_key = services.ensure_signing_key()
    sample = Certificate.objects.order_by("-pk").first()
    assert sample is not None
    template = credentials.build_credential(sample)
    credentials.sign(template, signing_key)  # decrypt and cache the key outside the timing
    return signing_key, [{**template, "id": credentials.new_credential_id()} for _ in range(count)]


def time_run(world: dict[str, Any], count: int, batch: int, run: int) -> dict[str, Any]:
    """Issue ``count`` certificates in batches and, after each batch, sign as many payloads
    with the same key and no database: both sides then share the machine's load alike."""
    from jineng.certificates import credentials, services

    requests = _requests(world, count, run)
    services.issue_certificates(world["evaluator"], requests[:1])  # warm: key, layouts
    signing_key, payloads = _sample_payloads(batch)
    issue_seconds = sign_seconds = 0.0
    issued = 0
    for first in range(1, count, batch):
        chunk = requests[first : first + batch]
        started = time.perf_counter()
        services.issue_certificates(world["evaluator"], chunk)
        issue_seconds += time.perf_counter() - started
        started = time.perf_counter()
        for payload in payloads[: len(chunk)]:
            credentials.sign(payload, signing_key)
        sign_seconds += time.perf_counter() - started
        issued += len(chunk)
    return {
        "issue": {"count": issued, "seconds": issue_seconds},
        "sign": {"count": issued, "seconds": sign_seconds},
    }


def run_child(args: argparse.Namespace) -> None:
    world = setup_world(args.count)
    runs = []
    for number in range(args.runs):
        timed = time_run(world, args.count, args.batch, number)
        issued, signed = timed["issue"], timed["sign"]
        runs.append(timed)
        print(
            f"  run {number + 1}: issuing {issued['count'] / issued['seconds']:,.0f} "
            f"certificates/s, signing alone {signed['count'] / signed['seconds']:,.0f}/s",
            file=sys.stderr,
        )
    print(json.dumps(runs))


# ---------------------------------------------------------------- parent: both databases


def summarise(backend: str, runs: list[dict[str, Any]], batch: int) -> dict[str, Any]:
    count = runs[0]["issue"]["count"]
    issue = statistics.median(r["issue"]["seconds"] for r in runs)
    sign = statistics.median(r["sign"]["seconds"] for r in runs)
    return {
        "backend": backend,
        "count": count,
        "batch": batch,
        "runs": len(runs),
        "issue_per_s": count / issue,
        "sign_per_s": count / sign,
        "ratio": (count / issue) / (count / sign),
        "signing_share": sign / issue,
        "issue_ms": issue / count * 1000,
        "sign_ms": sign / count * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="Certificates per run.")
    parser.add_argument("--batch", type=int, default=1000, help="Certificates per batch.")
    parser.add_argument("--runs", type=int, default=3, help="Runs per database (median).")
    parser.add_argument("--backends", default="pg,sqlite", help="Comma-separated: pg, sqlite.")
    parser.add_argument("--child", choices=["pg", "sqlite"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="jineng-bench-") as folder:
        for backend in args.backends.split(","):
            print(f"{backend}: {args.count} certificates × {args.runs} runs", file=sys.stderr)
            if backend == "pg":
                recreate_pg_database()
            env = child_environment(backend, Path(folder) / "bench.sqlite3")
            command = [sys.executable, __file__, "--child", backend]
            command += ["--count", str(args.count), "--batch", str(args.batch)]
            command += ["--runs", str(args.runs)]
            output = subprocess.run(
                command, env=env, check=True, stdout=subprocess.PIPE, text=True
            ).stdout
            runs = json.loads(output.strip().splitlines()[-1])
            results.append(summarise(backend, runs, args.batch))
    print()
    print(
        f"{'database':10} {'certificates':>12} {'batch':>6} {'runs':>4} {'issued/s':>9} "
        f"{'signed/s':>9} {'ratio':>6} {'signing share':>14} {'issue ms':>9} {'sign ms':>8}"
    )
    for r in results:
        print(
            f"{r['backend']:10} {r['count']:>12} {r['batch']:>6} {r['runs']:>4} "
            f"{r['issue_per_s']:>9,.0f} {r['sign_per_s']:>9,.0f} {r['ratio']:>6.3f} "
            f"{r['signing_share']:>14.1%} {r['issue_ms']:>9.3f} {r['sign_ms']:>8.3f}"
        )
    print(
        "\nissued/s = certificates issued through issue_certificates in batches (checks, "
        "numbers, status indexes, credential built and signed RS256 with a 3072-bit key, bulk "
        "insert, audit events, commit), median of the runs; signed/s = the same number of such "
        "credentials signed with the same key and no database (the machine's ceiling); ratio = "
        "issued/s ÷ signed/s; signing share = the part of issuing time that signing alone takes."
    )


if __name__ == "__main__":
    main()
