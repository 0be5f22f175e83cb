"""Benchmark an enrolment surge over HTTP: enrolments/s and oversell (must be zero).

    .venv/bin/python bench/enrolment_surge.py [--clients 50] [--attempts 1000] [--runs 3]
                                              [--classes 20] [--seats 50] [--workers 4]

Everything runs on PostgreSQL, in a fresh database (``jineng_bench_enrol``, or
BENCH_ENROL_DATABASE, on BENCH_PG_URL, default the local server), served by **gunicorn**
(sync workers, ``JINENG_DEBUG=0``) on 127.0.0.1. ``--clients`` threads, each with its own
keep-alive connection and an institution staff member's API token, POST
``/api/v1/training/classes/{id}/enrolments`` for distinct people (registered with the
institution, so in its staff's scope), exactly as staff consoles
would during a surge. Scenarios:

* **minimal POST**: the same endpoint refusing an empty body (400, no write): the cost of
  HTTP, authentication and routing on this machine now, against which the others are shown
  as a ratio so runs on a busy or a quiet machine compare;
* **one class**: every attempt targets one ``--seats``-seat class (all contention on one
  row lock);
* **many classes**: attempts spread round-robin over ``--classes`` classes of ``--seats``
  of one institution (one audit stream, docs/adr/0002-audit-chain.md);
* **many institutions**: the same number of classes, each of its own institution with its
  own staff token (one audit stream each), so only the audit trail's locking differs from
  the previous scenario;
* **workers enrol themselves**: each person's own worker account (no organisation, its own
  API token) enrols itself, round-robin over institution 0's ``--classes`` classes: their
  events go to the ``city-<n>`` streams by account (JINENG_AUDIT_CITY_STREAMS), as in a
  surge of workers on the 找培训 page.

Each run starts with no enrolments. The script prints each run, the median enrolments/s
(answered attempts, seated or waitlisted), and the oversell: seated people beyond capacity,
summed over classes, which must be 0. Bounded: at most ``--attempts`` requests per run and a
30-second timeout per request.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from benchserver import (
    ROOT,
    free_port,
    recreate_database,
    server_environment,
    start_server,
)

sys.path.insert(0, str(ROOT))

# Another database name (BENCH_ENROL_DATABASE) lets two runs share one server.
PG_DATABASE = os.environ.get("BENCH_ENROL_DATABASE", "jineng_bench_enrol")


def setup(classes: int, seats: int, people: int) -> dict[str, Any]:
    """Migrate and create institutions, staff tokens, classes and people (in-process).

    Institution 0 runs ``classes`` classes; institutions 1..classes-1 run one class each, so
    the institutions' scenario uses institution 0's first class and one of each other's.
    """
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from jineng.accounts.models import User
    from jineng.accounts.roles import Role
    from jineng.occupations.loaders import load_skill_levels
    from jineng.occupations.models import Occupation, OccupationLevel
    from jineng.regions.models import Region, RegionLevel

    call_command("migrate", verbosity=0)
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
        parent = Occupation.objects.create(code=code, name=code, level=level, parent=parent)
    bureau = User.objects.create_user(
        username="bench_bureau", password=secrets.token_urlsafe(32), role=Role.BUREAU_ADMIN
    )
    schools = [_school(n, classes if n == 0 else 1, seats, bureau) for n in range(classes)]
    with transaction.atomic():
        person_ids = _people(people)
    _register_with(person_ids, [school["organization_id"] for school in schools])
    worker_tokens = _workers(person_ids, bureau)
    return {
        "worker_tokens": worker_tokens,
        "token": schools[0]["token"],
        "class_ids": schools[0]["class_ids"],
        "spread": [(school["class_ids"][0], school["token"]) for school in schools],
        "person_ids": person_ids,
    }


def _school(n: int, classes: int, seats: int, bureau: Any) -> dict[str, Any]:
    """One accredited institution with a staff member's API token and `classes` approved
    classes."""
    from django.core.management import call_command
    from django.utils import timezone

    from jineng.accounts.models import User
    from jineng.accounts.roles import Role
    from jineng.accreditations import services as accreditations
    from jineng.accreditations.choices import AccreditationKind
    from jineng.organizations.models import Organization, OrganizationKind
    from jineng.training import services
    from jineng.training.choices import ClassStatus

    school = Organization.objects.create(
        credit_code=f"52220581MJ{n:08d}",
        name=f"梅河口市第{n + 1}职业培训学校",
        kind=OrganizationKind.PRIVATE_TRAINING,
    )
    staff = User.objects.create_user(
        username=f"bench_staff_{n}",
        password=secrets.token_urlsafe(32),
        role=Role.INSTITUTION_STAFF,
        organization=school,
    )
    today = timezone.localdate()
    application = accreditations.apply_for_accreditation(
        accreditations.ApplicationInput(
            kind=AccreditationKind.TRAINING,
            occupation_code="6-31-01-03",
            max_level_code="level5",
            evaluation_kind="",
            statement="",
        ),
        actor=staff,
    )
    accreditations.approve_application(
        application.pk,
        accreditations.ApprovalInput(
            licence_number=f"JN-T-{n:05d}",
            valid_from=today - timezone.timedelta(days=365),
            valid_until=today + timezone.timedelta(days=3650),
            max_level_code="",
        ),
        actor=bureau,
    )
    out = io.StringIO()
    call_command("token", "create", staff.username, stdout=out, stderr=io.StringIO())
    programme = services.create_programme(
        services.ProgrammeInput(
            name="电工培训",
            occupation_code="6-31-01-03",
            skill_level_code="level5",
            training_type="employment",
            theory_hours=40,
            practice_hours=50,
        ),
        actor=staff,
    )
    # Tomorrow: sessions are scheduled only ahead of time.
    day = today + timezone.timedelta(days=1)
    start = timezone.make_aware(
        timezone.datetime.combine(day, timezone.datetime.min.time()).replace(hour=8)
    )
    class_ids = []
    for k in range(classes):
        # A room of its own: a venue holds one session at a time.
        venue = services.create_venue(f"{k + 1}号教室", "新华街道1号", seats, actor=staff)
        c = services.create_class(
            programme.pk,
            services.ClassInput(
                code=f"BENCH-{n:03d}-{k:03d}",
                capacity=seats,
                starts_on=day,
                ends_on=day,
                region_code="220581001",
                sessions=[
                    services.SessionInput(
                        starts_at=start,
                        ends_at=start + timezone.timedelta(hours=1),
                        venue_id=venue.pk,
                    )
                ],
            ),
            actor=staff,
        )
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff)
        class_ids.append(c.pk)
    return {
        "organization_id": school.pk,
        "token": out.getvalue().strip(),
        "class_ids": class_ids,
    }


def _workers(person_ids: list[int], bureau: Any) -> list[str]:
    """A worker account with its own API token for each person (no organisation)."""
    from django.contrib.auth.hashers import make_password

    from jineng.accounts.models import User
    from jineng.accounts.roles import Role
    from jineng.api.services import create_token

    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"bench_worker_{pk}", password=unusable, role=Role.WORKER, person_id=pk)
        for pk in person_ids
    )
    return [create_token(user, actor=bureau, name="bench")[1] for user in users]


def _register_with(person_ids: list[int], organization_ids: list[int]) -> None:
    """Tie every person to every institution, as its own registration would."""
    import datetime

    from django.utils import timezone

    from jineng.people.choices import AffiliationKind
    from jineng.people.models import Affiliation

    since = timezone.localdate() - datetime.timedelta(days=30)
    Affiliation.objects.bulk_create(
        Affiliation(
            person_id=person, organization_id=org, kind=AffiliationKind.TRAINEE, started_on=since
        )
        for org in organization_ids
        for person in person_ids
    )


def _people(count: int) -> list[int]:
    """Register people through the importer's bulk writer."""
    from jineng.people.importers.bulk import (
        PreparedPerson,
        db_timestamp,
        person_values,
        write_people,
    )
    from jineng.people.models import Person
    from jineng.people.services import PersonInput, clean_person, person_fields
    from jineng.training.tests.helpers import citizen_id

    stamp = db_timestamp()
    prepared = []
    for n in range(count):
        fields = person_fields(
            clean_person(
                PersonInput(
                    id_number=citizen_id(n),
                    name="学员" + chr(0x4E00 + n % 20000),
                    region_code="220581001",
                )
            )
        )
        prepared.append(
            PreparedPerson(
                row=n,
                id_number_hash=fields["id_number_hash"],
                values=person_values(fields, stamp, is_synthetic=True),
            )
        )
    write_people(prepared, stamp=stamp)
    return list(Person.objects.order_by("pk").values_list("pk", flat=True)[:count])


def reset() -> None:
    """Remove every enrolment so each run starts from empty classes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM training_enrolment")


def oversell(class_ids: list[int]) -> tuple[int, int]:
    """Return (seats taken beyond capacity summed over classes, seated people in all)."""
    from django.db.models import Count, Q

    from jineng.training.models import TrainingClass

    rows = TrainingClass.objects.filter(pk__in=class_ids).annotate(
        seated=Count("enrolments", filter=Q(enrolments__status="enrolled"))
    )
    return sum(max(0, r.seated - r.capacity) for r in rows), sum(r.seated for r in rows)


def surge(
    port: int, targets: list[tuple[int, int, str]], clients: int, *, empty: bool = False
) -> tuple[float, Counter[str]]:
    """POST every (class, person, token) enrolment from `clients` threads.

    Return seconds and outcomes; with `empty` each POST sends an empty body instead.
    """
    local = threading.local()
    outcomes: Counter[str] = Counter()
    guard = threading.Lock()
    base = f"http://127.0.0.1:{port}/api/v1/training/classes"

    def one(target: tuple[int, int, str]) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        class_id, person_id, token = target
        response = local.session.post(
            f"{base}/{class_id}/enrolments",
            json={} if empty else {"person_id": person_id},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        if response.status_code == 201:
            key = response.json()["status"]
        else:
            key = f"{response.status_code} {response.json().get('code', '')}"
        with guard:
            outcomes[key] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, targets))
    return time.perf_counter() - started, outcomes


def run_scenario(
    name: str,
    args: argparse.Namespace,
    port: int,
    data: dict[str, Any],
    classes: list[tuple[int, str]],
    *,
    empty: bool = False,
    own_tokens: list[str] | None = None,
) -> float:
    """Run one scenario `--runs` times over (class, token) pairs; return the median rate.

    With ``own_tokens`` each person enrols themself with their own token instead.
    """
    rates = []
    people = data["person_ids"][: args.attempts]
    targets = [(*classes[i % len(classes)], pk) for i, pk in enumerate(people)]
    targets = [(class_id, pk, token) for class_id, token, pk in targets]
    if own_tokens is not None:
        targets = [(c, pk, own) for (c, pk, _), own in zip(targets, own_tokens, strict=False)]
    class_ids = [class_id for class_id, _ in classes]
    for run in range(1, args.runs + 1):
        reset()
        seconds, outcomes = surge(port, targets, args.clients, empty=empty)
        over, seated = oversell(class_ids)
        rate = len(targets) / seconds
        rates.append(rate)
        print(
            f"  {name} run {run}: {len(targets)} attempts in {seconds:.2f} s = {rate:.0f}/s; "
            f"seated {seated} of {len(class_ids) * args.seats} seats, oversell {over}; "
            f"{dict(outcomes)}"
        )
        if over:
            raise SystemExit(f"OVERSOLD by {over} in {name} run {run}")
    median = statistics.median(rates)
    print(f"{name}: median {median:.0f} enrolments/s over {args.runs} runs, oversell 0")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--classes", type=int, default=20)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()

    env = server_environment(PG_DATABASE)
    os.environ.update(env)
    recreate_database(PG_DATABASE)
    data = setup(args.classes, args.seats, args.attempts)
    port = free_port()
    server = start_server(env, port, args.workers, ready_path="/api/v1/openapi.json", timeout=120)
    try:
        print(
            f"PostgreSQL, gunicorn {args.workers} sync workers, {args.clients} clients, "
            f"{args.attempts} attempts per run, {args.seats} seats per class"
        )
        own = [(class_id, data["token"]) for class_id in data["class_ids"]]
        minimal = run_scenario("minimal POST", args, port, data, own[:1], empty=True)
        one = run_scenario("one class", args, port, data, own[:1])
        many = run_scenario(f"{args.classes} classes", args, port, data, own)
        spread = run_scenario(
            f"{args.classes} classes of {args.classes} institutions",
            args,
            port,
            data,
            data["spread"],
        )
        workers = run_scenario(
            f"workers enrolling themselves in {args.classes} classes",
            args,
            port,
            data,
            own,
            own_tokens=data["worker_tokens"],
        )
        print(f"many/one throughput ratio: {many / one:.2f}")
        print(
            f"enrolments/s: one class {one:.0f}, {args.classes} classes {many:.0f}, "
            f"{args.classes} institutions {spread:.0f}, workers themselves {workers:.0f}"
        )
        print(
            f"against the minimal POST: one class {one / minimal:.2f}, "
            f"{args.classes} classes {many / minimal:.2f}, "
            f"{args.classes} institutions {spread / minimal:.2f}, "
            f"workers themselves {workers / minimal:.2f}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
