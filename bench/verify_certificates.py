"""Benchmark public certificate verification over HTTP: requests/s, p50 and p99.

    .venv/bin/python bench/verify_certificates.py [--clients 50] [--requests 2000]
                                                  [--rounds 3] [--workers 4]

Everything runs on PostgreSQL, in a fresh database (``jineng_bench_verify``, or
BENCH_VERIFY_DATABASE, on BENCH_PG_URL, default the local server), served by **gunicorn**
(sync workers, ``JINENG_DEBUG=0``, persistent connections ``JINENG_CONN_MAX_AGE=60``) on
127.0.0.1. One certificate is issued through the services (signed, in the status lists);
then ``--clients`` threads, each with its own session and no credentials, send
``--requests`` requests per scenario and round:

* **page**: ``GET /verify/<number>``, the page a scanned QR code opens (HTML, Chinese);
* **API**: ``GET /api/v1/certificates/{number}/verify`` (JSON);
* **one row**: ``GET /bench/one-row/<pk>``, a minimal Django view reading one row of the
  same table, served by the same server and settings (bench/verify_urls.py): the cost of
  HTTP, the middleware and one query on this machine now, against which the two are shown
  as ratios, so runs on a busy or a quiet machine compare.

Each round runs the three scenarios in turn (the order rotates); the script prints every
round and the medians over ``--rounds`` of requests/s, p50 and p99 (milliseconds), and the
ratios page/one row and API/one row (aim: ≥ 0.5). Only 200 answers count; any other answer
is printed and fails the run. Bounded: ``--requests`` per scenario, 30 s per request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from benchserver import ROOT, free_port, recreate_database, server_environment, start_server

sys.path.insert(0, str(ROOT))

PG_DATABASE = os.environ.get("BENCH_VERIFY_DATABASE", "jineng_bench_verify")
BENCH_DIR = str(Path(__file__).resolve().parent)


def setup() -> dict[str, Any]:
    """Migrate, and issue one certificate through the services (in-process)."""
    import datetime

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from jineng.accounts.models import User
    from jineng.accounts.roles import Role
    from jineng.accreditations import services as accreditations
    from jineng.accreditations.choices import AccreditationKind
    from jineng.certificates import services
    from jineng.certificates.models import CertificateKind
    from jineng.occupations.loaders import load_skill_levels
    from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel
    from jineng.organizations.models import Organization, OrganizationKind
    from jineng.people.services import PersonInput, register_person
    from jineng.regions.models import Region, RegionLevel

    call_command("migrate", verbosity=0)
    # Production mode serves pages with the hashed static-file names collectstatic writes.
    call_command("collectstatic", "--noinput", verbosity=0)
    county = Region.objects.create(code="220581", name="梅河口市", level=RegionLevel.COUNTY)
    Region.objects.create(code="220581001", name="新华街道", level=RegionLevel.TOWN, parent=county)
    load_skill_levels()
    parent = None
    for code, level in [
        ("6-00-00-00", OccupationLevel.MAJOR),
        ("6-31-00-00", OccupationLevel.MIDDLE),
        ("6-31-01-00", OccupationLevel.SMALL),
        ("6-31-01-03", OccupationLevel.OCCUPATION),
    ]:
        parent = Occupation.objects.create(code=code, name="电工", level=level, parent=parent)
    bureau = User.objects.create_user(username="bench_bureau", role=Role.BUREAU_ADMIN)
    issuer = Organization.objects.create(
        credit_code="12220581MB0000001X",
        name="梅河口市职业技能鉴定中心",
        kind=OrganizationKind.EVALUATION_BODY,
        region=county,
    )
    staff = User.objects.create_user(
        username="bench_evaluator", role=Role.EVALUATOR, organization=issuer
    )
    today = timezone.localdate()
    application = accreditations.apply_for_accreditation(
        accreditations.ApplicationInput(
            kind=AccreditationKind.EVALUATION,
            occupation_code="6-31-01-03",
            max_level_code="level3",
            evaluation_kind=CertificateKind.SKILL_LEVEL,
            statement="",
        ),
        actor=staff,
    )
    accreditations.approve_application(
        application.pk,
        accreditations.ApprovalInput(
            licence_number="JN-E-00001",
            valid_from=today - datetime.timedelta(days=365),
            valid_until=today + datetime.timedelta(days=3650),
            max_level_code="",
        ),
        actor=bureau,
    )
    holder = register_person(
        PersonInput(id_number="220581199001011236", name="张三明", region_code="220581001"),
        actor=bureau,
    )
    certificate = services.issue_certificate(
        bureau,
        services.IssueRequest(
            kind=CertificateKind.SKILL_LEVEL,
            holder=holder,
            issuer=issuer,
            issued_on=today,
            basis="bench:1",
            occupation=Occupation.objects.get(code="6-31-01-03"),
            level=SkillLevel.objects.get(code="level3"),
        ),
    )
    return {"number": certificate.number, "pk": certificate.pk}


def load(port: int, path: str, clients: int, count: int) -> dict[str, Any]:
    """Send `count` GETs of `path` from `clients` threads; return rate and latencies."""
    local = threading.local()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    guard = threading.Lock()
    url = f"http://127.0.0.1:{port}{path}"

    def one(_n: int) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.perf_counter()
        response = local.session.get(url, timeout=30)
        elapsed = time.perf_counter() - started
        with guard:
            latencies.append(elapsed)
            statuses[response.status_code] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(count)))
    seconds = time.perf_counter() - started
    if set(statuses) != {200}:
        raise SystemExit(f"{path}: answers {dict(statuses)}")
    latencies.sort()
    return {
        "rate": count / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()

    env = server_environment(PG_DATABASE)
    env.update(
        DJANGO_SETTINGS_MODULE="verify_settings",
        PYTHONPATH=f"{BENCH_DIR}{os.pathsep}{ROOT}",
        JINENG_CONN_MAX_AGE="60",
    )
    os.environ.update(env)
    sys.path.insert(0, BENCH_DIR)
    recreate_database(PG_DATABASE)
    data = setup()
    port = free_port()
    server = start_server(env, port, args.workers, ready_path="/readyz", timeout=120)
    scenarios = {
        "page": f"/verify/{data['number']}",
        "API": f"/api/v1/certificates/{data['number']}/verify",
        "one row": f"/bench/one-row/{data['pk']}",
    }
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in scenarios}
    try:
        print(
            f"PostgreSQL, gunicorn {args.workers} sync workers (persistent connections), "
            f"{args.clients} clients, {args.requests} requests per scenario and round, "
            f"{os.cpu_count()} CPUs"
        )
        for path in scenarios.values():
            load(port, path, args.clients, min(200, args.requests))  # warm up
        names = list(scenarios)
        for round_ in range(1, args.rounds + 1):
            order = names[round_ - 1 :] + names[: round_ - 1]
            for name in order:
                result = load(port, scenarios[name], args.clients, args.requests)
                results[name].append(result)
                print(
                    f"  round {round_} {name}: {result['rate']:.0f} req/s, "
                    f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms"
                )
        medians = {
            name: {k: statistics.median(r[k] for r in runs) for k in ("rate", "p50", "p99")}
            for name, runs in results.items()
        }
        for name, m in medians.items():
            print(
                f"{name}: median {m['rate']:.0f} req/s, p50 {m['p50']:.1f} ms, "
                f"p99 {m['p99']:.1f} ms over {args.rounds} rounds"
            )
        base = medians["one row"]["rate"]
        print(
            f"ratio to the one-row view: page {medians['page']['rate'] / base:.2f}, "
            f"API {medians['API']['rate'] / base:.2f} (aim >= 0.5)"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
