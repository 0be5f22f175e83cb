"""Every lock wait is bounded: past the timeout the request is told to try again, nothing written.

The PostgreSQL tests hold a lock in one thread, as a long transaction of another request would,
and send the request in another: it answers busy within the lock timeout instead of hanging,
and leaves no enrolment and no audit event behind. The control shows the wait without a
timeout lasting as long as the lock is held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from conftest import ID_B
from jineng.api.tests.helpers import api_client
from jineng.core import audit
from jineng.core import db as core_db
from jineng.core.errors import Busy
from jineng.core.models import AuditEvent
from jineng.core.tests.holders import Holder
from jineng.people.choices import AffiliationKind
from jineng.people.models import Affiliation
from jineng.training import locks, services
from jineng.training.models import Enrolment
from jineng.training.tests.conftest import accredited, levels, occupations  # noqa: F401
from jineng.training.tests.helpers import START, approved_class, person, programme, session

BUSY_DETAIL = (
    "The system is busy: someone else is changing the same records right now. "
    "Nothing was saved. Please try again in a few seconds."
)
TIMEOUT_S = settings.JINENG_LOCK_TIMEOUT_MS / 1000


# --- Any database ----------------------------------------------------------------------------


def test_the_lock_timeout_is_the_setting(settings):
    assert settings.JINENG_LOCK_TIMEOUT_MS == 3000
    options = settings.DATABASES["default"]["OPTIONS"]
    if connection.vendor == "postgresql":
        assert "-c lock_timeout=3000" in options["options"]
    else:
        assert options["timeout"] == 3.0
        assert "PRAGMA busy_timeout=3000;" in options["init_command"]


def test_a_lock_timeout_of_a_query_becomes_busy():
    locked = OperationalError("database is locked")

    def execute(*args: Any) -> Any:
        raise locked

    with pytest.raises(Busy) as caught:
        core_db.raise_busy_on_lock_timeout(execute, "SELECT 1", None, False, {})
    assert caught.value.__cause__ is locked
    assert caught.value.retry_after == 3
    # Still the OperationalError it was, for code that handles that (the task worker).
    assert isinstance(caught.value, OperationalError)
    assert caught.value.args == ("database is locked",)


def test_the_task_worker_still_sees_a_locked_sqlite_database_as_locked():
    """The worker retries a claim that found SQLite locked; Busy must still read as that."""
    from django_tasks_db.utils import is_locked_database_exception

    assert is_locked_database_exception(Busy("database is locked", retry_after=3))


def test_the_task_worker_runs_queued_tasks(queued_tasks, transactional_db):
    # The worker closes its database connection between batches, as a service must.
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from jineng.api import tasks

    queued = tasks.purge_idempotency_keys.enqueue()
    call_command("db_worker", "--batch", verbosity=0)
    assert DBTaskResult.objects.get(pk=queued.id).status == "SUCCESSFUL"


def test_other_database_errors_pass_unchanged():
    other = OperationalError("no such table: x")

    def execute(*args: Any) -> Any:
        raise other

    with pytest.raises(OperationalError) as caught:
        core_db.raise_busy_on_lock_timeout(execute, "SELECT 1", None, False, {})
    assert caught.value is other


def test_postgresql_lock_not_available_is_a_lock_timeout():
    class LockNotAvailable(Exception):
        sqlstate = "55P03"

    error = OperationalError("canceling statement due to lock timeout")
    error.__cause__ = LockNotAvailable()
    assert core_db.is_lock_timeout(error)
    error.__cause__ = None
    assert not core_db.is_lock_timeout(error)
    assert not core_db.is_lock_timeout(ValueError("database is locked"))


def test_every_connection_translates_lock_timeouts(db):
    connection.ensure_connection()
    assert core_db.raise_busy_on_lock_timeout in connection.execute_wrappers


@pytest.fixture
def open_class(staff_a: Any, bureau_admin: Any, city: Any, accredited: Any) -> Any:  # noqa: F811
    """An approved class of school A with seats, and two trainees in the school's scope."""
    prog = programme(staff_a, subsidised=False)
    c = approved_class(staff_a, bureau_admin, prog, capacity=5, sessions=[session(START, 8, 12)])
    trainees = [
        person(bureau_admin, ID_B, name="李四"),
        person(bureau_admin, "220581199503080020", name="王五"),
    ]
    Affiliation.objects.bulk_create(
        Affiliation(
            person=p,
            organization_id=staff_a.organization_id,
            kind=AffiliationKind.TRAINEE,
            started_on=timezone.localdate(),
        )
        for p in trainees
    )
    return c, trainees


def _locked_database(*args: Any, **kwargs: Any) -> None:
    # What the audit lock's wait ends in on SQLite, past its busy timeout.
    raise Busy("database is locked", retry_after=3)


def test_busy_inside_the_transaction_leaves_nothing_half_written(open_class, staff_a):
    """The enrolment row is written before the audit event's lock: it is rolled back."""
    training_class, (trainee, _other) = open_class
    events = AuditEvent.objects.count()
    with (
        mock.patch("jineng.core.locks.audit_chain_for_update", _locked_database),
        pytest.raises(Busy),
    ):
        services.enrol(training_class.pk, trainee.pk, actor=staff_a)
    assert not Enrolment.objects.exists()
    assert AuditEvent.objects.count() == events
    # The connection is usable at once, and the same request then succeeds.
    assert services.enrol(training_class.pk, trainee.pk, actor=staff_a).status == "enrolled"
    assert audit.verify() is None


def test_the_api_answers_busy_with_503_and_retry_after(open_class, staff_a):
    training_class, (trainee, _other) = open_class
    client = api_client(staff_a)
    path = f"/api/v1/training/classes/{training_class.pk}/enrolments"
    headers = {"Accept-Language": "en", "Idempotency-Key": "enrol-1"}
    with mock.patch("jineng.core.locks.audit_chain_for_update", _locked_database):
        response = client.post(path, {"person_id": trainee.pk}, headers=headers)
    assert response.status_code == 503
    assert response["Retry-After"] == "3"
    assert response.json() == {"code": "busy", "detail": BUSY_DETAIL, "retry_after": 3}
    assert not Enrolment.objects.exists()
    # The idempotency key was released: the retry with the same key runs and enrols.
    retry = client.post(path, {"person_id": trainee.pk}, headers=headers)
    assert retry.status_code == 201
    assert Enrolment.objects.count() == 1


def test_a_raw_lock_timeout_that_escaped_the_wrapper_is_busy_too(open_class, staff_a):
    training_class, (trainee, _other) = open_class

    def locked(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("database is locked")

    client = api_client(staff_a)
    with mock.patch("jineng.core.locks.audit_chain_for_update", locked):
        response = client.post(
            f"/api/v1/training/classes/{training_class.pk}/enrolments",
            {"person_id": trainee.pk},
        )
    assert (response.status_code, response["Retry-After"]) == (503, "3")
    assert response.json()["code"] == "busy"
    assert not Enrolment.objects.exists()


def test_a_page_answers_busy_with_the_busy_page(client, open_class, staff_a, settings):
    settings.LANGUAGE_CODE = "en"
    training_class, _trainees = open_class
    client.force_login(staff_a)
    with mock.patch("jineng.core.locks.audit_chain_for_update", _locked_database):
        response = client.post(
            reverse("training:enrol", args=[training_class.pk]),
            {"id_number": ID_B, "name": "李四"},
            headers={"Accept-Language": "en"},
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "3"
    html = response.content.decode()
    assert "<h1>Busy, please try again</h1>" in html
    assert "Nothing was saved." in html
    assert "wait 3 seconds and send it again" in html
    assert not Enrolment.objects.exists()


# --- PostgreSQL, with real threads -----------------------------------------------------------


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    try:
        result: Any = call()
    except Busy as exc:
        result = exc
    return result, time.monotonic() - started


@pytest.fixture
def pg_class(open_class: Any) -> tuple[Any, Any]:
    training_class, (trainee, _other) = open_class
    return training_class, trainee


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_postgresql_connection_has_the_lock_timeout():
    seen: list[str] = []

    def look() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            seen.append(cursor.fetchone()[0])
        connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    assert seen == ["3s"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_enrolment_into_a_class_locked_by_another_is_busy_within_the_timeout(pg_class, staff_a):
    training_class, trainee = pg_class
    client = api_client(staff_a)
    events = AuditEvent.objects.count()
    path = f"/api/v1/training/classes/{training_class.pk}/enrolments"
    with Holder(lambda: locks.class_for_update(training_class.pk)):
        response, waited = _timed(
            lambda: client.post(path, {"person_id": trainee.pk}, headers={"Accept-Language": "en"})
        )
    assert TIMEOUT_S - 0.2 <= waited < TIMEOUT_S + 2
    assert response.status_code == 503
    assert response["Retry-After"] == "3"
    assert response.json() == {"code": "busy", "detail": BUSY_DETAIL, "retry_after": 3}
    assert not Enrolment.objects.exists()
    assert AuditEvent.objects.count() == events
    # Once the lock is free, the same request enrols at once.
    assert client.post(path, {"person_id": trainee.pk}).status_code == 201
    assert Enrolment.objects.count() == 1
    assert audit.verify() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_page_into_a_class_locked_by_another_shows_busy(client, pg_class, staff_a):
    training_class, _trainee = pg_class
    client.force_login(staff_a)
    with Holder(lambda: locks.class_for_update(training_class.pk)):
        response, waited = _timed(
            lambda: client.post(
                reverse("training:enrol", args=[training_class.pk]),
                {"id_number": ID_B, "name": "李四"},
                headers={"Accept-Language": "en"},
            )
        )
    assert TIMEOUT_S - 0.2 <= waited < TIMEOUT_S + 2
    assert (response.status_code, response["Retry-After"]) == (503, "3")
    assert "Busy, please try again" in response.content.decode()
    assert not Enrolment.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_waiting_on_the_audit_lock_is_busy_and_rolled_back(pg_class, staff_a):
    """The enrolment row is inserted before the audit lock is awaited; none survives."""
    training_class, trainee = pg_class
    events = AuditEvent.objects.count()

    def hold_the_audit_lock() -> None:
        # Another write of the same organisation, still in its transaction.
        audit.record(staff_a, "core.test.held", object_type="test", object_id="1")

    with Holder(hold_the_audit_lock):
        result, waited = _timed(
            lambda: services.enrol(training_class.pk, trainee.pk, actor=staff_a)
        )
    assert isinstance(result, Busy)
    assert TIMEOUT_S - 0.2 <= waited < TIMEOUT_S + 2
    assert not Enrolment.objects.exists()
    assert AuditEvent.objects.count() == events + 1  # only the holder's own event
    assert not AuditEvent.objects.filter(action="training.enrolment.created").exists()
    # The class lock the busy request had taken went with its rollback.
    assert services.enrol(training_class.pk, trainee.pk, actor=staff_a).status == "enrolled"
    assert audit.verify() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_a_timeout_the_request_waits_as_long_as_the_lock_is_held(pg_class, staff_a):
    """Control: with lock_timeout off (as before), the request hangs until the holder ends."""
    training_class, trainee = pg_class
    hold_s = TIMEOUT_S + 2
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")
    try:
        holder = Holder(lambda: locks.class_for_update(training_class.pk), hold_s=hold_s)
        holder.thread.start()
        assert holder.held.wait(10)
        result, waited = _timed(
            lambda: services.enrol(training_class.pk, trainee.pk, actor=staff_a)
        )
        holder.thread.join(10)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert waited >= hold_s - 0.5
    assert result.status == "enrolled"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_task_worker_skips_a_locked_task_instead_of_waiting(queued_tasks):
    """The worker claims tasks with SKIP LOCKED: a task another worker holds costs no wait."""
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from jineng.api import tasks

    held = tasks.purge_idempotency_keys.enqueue()
    free = tasks.purge_idempotency_keys.enqueue()

    def lock_the_first() -> None:
        list(DBTaskResult.objects.select_for_update().filter(pk=held.id))

    with Holder(lock_the_first):
        _result, waited = _timed(lambda: call_command("db_worker", "--batch", verbosity=0))
    assert waited < TIMEOUT_S
    statuses = {str(pk): status for pk, status in DBTaskResult.objects.values_list("id", "status")}
    assert statuses[free.id] == "SUCCESSFUL"
    assert statuses[held.id] == "READY"
