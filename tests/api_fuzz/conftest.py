"""Fixtures for fuzzing the REST API with schemathesis and checking its authorization.

Requests go in-process through Django's WSGI handler (the same middleware, auth and error
handling as production, without a socket), inside each test's rolled-back transaction: on
PostgreSQL this is many times faster than flushing the database after every live-server test.
Every test here is marked ``api_fuzz`` automatically.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

HERE = Path(__file__).resolve().parent
OPENAPI_PATH = "/api/v1/openapi.json"


# Operations whose fuzzing finds a defect already reported to their owner: expected to fail
# (strictly, so that the test fails as soon as the defect is fixed and the entry must go).
# The reason names the defect and who fixes it. Keep this list short and dated.
KNOWN_SCHEMA_DEFECTS: dict[str, str] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this package ``api_fuzz``; name schemathesis' tests by operation."""
    for item in items:
        if HERE not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.api_fuzz)
        label = getattr(item, "operation_label", None)
        node_id = getattr(item, "_id", None)
        # On pytest 9 schemathesis' items all share one node id; add the operation to it.
        if label and node_id is not None and getattr(node_id, "params", "") is None:
            item._id = node_id.with_params(label)
        if label in KNOWN_SCHEMA_DEFECTS:
            item.add_marker(pytest.mark.xfail(reason=KNOWN_SCHEMA_DEFECTS[label], strict=True))


@pytest.fixture(scope="session", autouse=True)
def _static_root() -> None:
    """Give WhiteNoise its STATIC_ROOT so the live server starts without a warning."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


# Path parameters that name an object some organisation owns, and the key of ``objects_of_a``
# holding such an object of institution A: the fuzzer points half its generated ids at them, so
# that successful answers get checked too. Who may reach which object is checked, for every
# operation and role, by the generated authorization matrix in tests/authz.
OBJECT_PARAMETERS: dict[str, str] = {
    "person_id": "person",
    "organization_id": "organization",
    "application_id": "application",
    "document_id": "document",
    "accreditation_id": "accreditation",
    "class_id": "training_class",
    "enrolment_id": "enrolment",
    "change_id": "catalog_change",
    "appeal_id": "catalog_appeal",
}
# A small PDF that the accreditation upload check accepts.
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def objects_of_a(
    staff_a: Any, bureau_admin: Any, city: Any, target_groups: Any, settings: Any, tmp_path: Path
) -> dict[str, Any]:
    """Objects that belong to institution A, each made through its service by A's staff."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from conftest import ID_B
    from jineng.accreditations import services as accreditation
    from jineng.occupations.loaders import load_skill_levels
    from jineng.occupations.models import Occupation, OccupationLevel
    from jineng.people.services import PersonInput, register_person

    settings.MEDIA_ROOT = tmp_path / "media"
    person = register_person(
        PersonInput(id_number=ID_B, name="李四", region_code="220581100201"), actor=staff_a
    )
    load_skill_levels()
    parent = None
    for code, level in [
        ("6-00-00-00", OccupationLevel.MAJOR),
        ("6-31-00-00", OccupationLevel.MIDDLE),
        ("6-31-01-00", OccupationLevel.SMALL),
    ]:
        parent = Occupation.objects.create(code=code, name=code, level=level, parent=parent)
    for code in ("6-31-01-03", "6-31-01-10"):
        Occupation.objects.create(
            code=code, name=code, level=OccupationLevel.OCCUPATION, parent=parent
        )

    def apply(occupation_code: str) -> Any:
        data = accreditation.ApplicationInput(
            kind="training", occupation_code=occupation_code, max_level_code="level4"
        )
        return accreditation.apply_for_accreditation(data, actor=staff_a)

    application = apply("6-31-01-03")
    document = accreditation.add_document(
        application.pk,
        SimpleUploadedFile("licence.pdf", PDF),
        name="licence.pdf",
        size=len(PDF),
        title="办学许可证",
        actor=staff_a,
    )
    today = timezone.localdate()
    granted = accreditation.approve_application(
        apply("6-31-01-10").pk,
        accreditation.ApprovalInput(
            licence_number="AUTHZ-TEST-1",
            valid_from=today,
            valid_until=today + datetime.timedelta(days=730),
        ),
        actor=bureau_admin,
    )
    training_class, enrolment = _training_class_of_a(staff_a, person)
    change, appeal = _catalog_appeal_of_a(staff_a, bureau_admin)
    return {
        "training_class": training_class,
        "enrolment": enrolment,
        "catalog_change": change,
        "catalog_appeal": appeal,
        "person": person,
        "organization": staff_a.organization,
        "application": application,
        "document": document,
        "accreditation": granted,
    }


def _training_class_of_a(staff_a: Any, person: Any) -> tuple[Any, Any]:
    """An approved, unsubsidised class of institution A with the person enrolled."""
    from django.utils import timezone

    from jineng.training import services as training
    from jineng.training.choices import ClassStatus

    today = timezone.localdate()
    programme = training.create_programme(
        training.ProgrammeInput(
            name="电工培训",
            # The occupation of A's licence: a class goes public only inside it.
            occupation_code="6-31-01-10",
            skill_level_code="level5",
            training_type="employment",
            theory_hours=10,
            practice_hours=10,
        ),
        actor=staff_a,
    )
    # Tomorrow, in a venue: sessions are scheduled before they are held, in person in a venue.
    day = today + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))
    venue = training.create_venue("教室", "幸福路 1 号", 30, actor=staff_a)
    training_class = training.create_class(
        programme.pk,
        training.ClassInput(
            code="AUTHZ-CLASS-1",
            capacity=5,
            starts_on=day,
            ends_on=day,
            sessions=[
                training.SessionInput(
                    starts_at=start, ends_at=start + datetime.timedelta(hours=2), venue_id=venue.pk
                )
            ],
        ),
        actor=staff_a,
    )
    training.transition(training_class.pk, ClassStatus.APPROVED, actor=staff_a)
    enrolment = training.enrol(training_class.pk, person.pk, actor=staff_a)
    return training_class, enrolment


def _catalog_appeal_of_a(staff_a: Any, bureau_admin: Any) -> tuple[Any, Any]:
    """Two published changes concerning institution A and A's appeal against one of them.

    Version 1 of the institutions catalog lists A for two occupations; version 2 removes one
    entry (A has appealed that change) and suspends the other (not yet appealed, so A's staff
    may still file an appeal against it).
    """
    from django.utils import timezone

    from conftest import make_user
    from jineng.accounts.roles import Role
    from jineng.catalogs import services as catalogs
    from jineng.catalogs.choices import CatalogKind, ChangeReason, EntryStatus, GroundsKind
    from jineng.catalogs.models import CatalogChange
    from jineng.catalogs.tests.helpers import institution, publish

    kind = CatalogKind.TRAINING_INSTITUTIONS
    credit_code = staff_a.organization.credit_code
    # Publication needs a second pair of eyes: another bureau administrator.
    publisher = make_user("authz_publisher", Role.BUREAU_ADMIN)
    today = timezone.localdate()
    entries = [institution(credit_code, code) for code in ("6-31-01-03", "6-31-01-10")]
    publish(bureau_admin, publisher, entries, kind=kind, effective_from=today)

    version = catalogs.create_draft(kind, title="AUTHZ adjustment", actor=bureau_admin)
    removed, suspended = f"{credit_code}/6-31-01-03", f"{credit_code}/6-31-01-10"
    catalogs.remove_entry(version.entries.get(key=removed).pk, actor=bureau_admin)
    catalogs.update_entry(
        version.entries.get(key=suspended).pk,
        dataclasses.replace(entries[1], status=EntryStatus.SUSPENDED),
        actor=bureau_admin,
    )
    for key, reason in [(removed, ChangeReason.REMOVED), (suspended, ChangeReason.SUSPENDED)]:
        change = catalogs.ChangeInput(reason, GroundsKind.INSPECTION, "AUTHZ inspection")
        catalogs.record_changes(version.pk, [key], change, actor=bureau_admin)
    catalogs.submit_version(version.pk, actor=bureau_admin)
    catalogs.publish_version(
        version.pk, effective_from=today + datetime.timedelta(days=1), actor=publisher
    )
    changes = CatalogChange.objects.filter(version=version.pk)
    appeal = catalogs.file_appeal(
        changes.get(key=removed).pk, grounds="AUTHZ appeal", actor=staff_a
    )
    return changes.get(key=suspended), appeal


def issue_token(user: Any) -> str:
    """Issue an API token the way an operator does: `jineng token create USERNAME`."""
    out = io.StringIO()
    call_command("token", "create", user.username, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def bearer(user: Any) -> dict[str, str]:
    """Return the Authorization header of a fresh token of the user."""
    return {"Authorization": f"Bearer {issue_token(user)}"}


def wsgi_application() -> Any:
    """Return Django's WSGI application for in-process requests (schemathesis' WSGI transport)."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    # WhiteNoise warns (an error here) when STATIC_ROOT does not exist yet.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    handler = WSGIHandler()

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        # Read and close the response as a WSGI server does (streamed files included).
        result = handler(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            result.close()

    return application


@pytest.fixture
def in_process(db: Any) -> Iterator[None]:
    """Keep the test's database connection open across in-process requests.

    Django closes "old" connections when a request starts and ends; inside a test transaction
    that would abort it. Django's own test client disconnects the same handlers.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_openapi() -> dict[str, Any]:
    """Fetch the OpenAPI document from /api/v1/openapi.json through Django, at collection time.

    schemathesis needs the operations when pytest collects (one test per operation), before
    the live server runs; its lazy ``from_fixture`` loader does not work with pytest 9. The
    document is fetched once per test process (the authorization matrix reads it too) and each
    caller gets its own copy.
    """
    return json.loads(_openapi_text())


@functools.cache
def _openapi_text() -> str:
    from django.conf import settings
    from django.test import Client

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    # The test environment (which allows the host "testserver") is not set up yet.
    host = next((h for h in settings.ALLOWED_HOSTS if h not in {"*"} and h[0] != "."), "localhost")
    response = Client(HTTP_HOST=host).get(OPENAPI_PATH)
    assert response.status_code == 200, f"GET {OPENAPI_PATH} answered {response.status_code}"
    return response.content.decode()
