"""Each audit stream stays linear when many transactions write events at once, and writers
of different streams do not wait on each other (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction

from jineng.core import audit
from jineng.core.models import AuditEvent
from jineng.core.tests.holders import Holder

WRITERS = 8
EVENTS_EACH = 10


def _run_writers(write: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(EVENTS_EACH):
                with transaction.atomic():
                    write(n * 1000 + i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _write(i: int) -> None:
    audit.record(None, "core.test.written", object_type="t", object_id=str(i))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_keep_one_linear_chain():
    errors = _run_writers(_write)
    assert errors == []
    assert AuditEvent.objects.count() == WRITERS * EVENTS_EACH
    assert AuditEvent.objects.values("prev_hash").distinct().count() == WRITERS * EVENTS_EACH
    assert audit.verify() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_parallel_writers_collide_on_the_head():
    """Control: with the stream's lock disabled, parallel writers read the same head and
    give the same number to two events; the (stream, seq) constraint refuses the second."""

    def slow_write(i: int) -> None:
        # Widen the window between reading the head and inserting, as a busy server would.
        real_save = AuditEvent.save

        def save(self: AuditEvent, *args: object, **kwargs: object) -> None:
            connection.cursor().execute("SELECT pg_sleep(0.005)")
            real_save(self, *args, **kwargs)

        with mock.patch.object(AuditEvent, "save", save):
            _write(i)

    with mock.patch("jineng.core.locks.audit_chain_for_update", return_value=None):
        errors = _run_writers(slow_write)
    assert errors
    assert all(isinstance(e, IntegrityError) for e in errors)
    assert all("core_audit_stream_seq" in str(e) for e in errors)
    assert AuditEvent.objects.count() < WRITERS * EVENTS_EACH


def _write_as(actors: list[Any]) -> Callable[[int], None]:
    def write(i: int) -> None:
        audit.record(
            actors[(i // 1000) % len(actors)],
            "core.test.written",
            object_type="t",
            object_id=str(i),
        )

    return write


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_of_two_organisations_keep_each_stream_linear(staff_a, staff_b):
    errors = _run_writers(_write_as([staff_a, staff_b]))
    assert errors == []
    for staff in (staff_a, staff_b):
        stream = audit.stream_for(staff)
        seqs = list(
            AuditEvent.objects.filter(stream=stream).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, WRITERS // 2 * EVENTS_EACH + 1))
        assert AuditEvent.objects.filter(stream=stream).values("prev_hash").distinct().count() == (
            WRITERS // 2 * EVENTS_EACH
        )
    assert audit.verify() is None


def _record_as(actor: Any) -> None:
    audit.record(actor, "core.test.held", object_type="t", object_id="held")


def _write_in_thread(actor: Any) -> tuple[threading.Thread, threading.Event]:
    done = threading.Event()

    def run() -> None:
        try:
            with transaction.atomic():
                audit.record(actor, "core.test.written", object_type="t", object_id="other")
            done.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_writer_of_another_organisation_does_not_wait(staff_a, staff_b):
    with Holder(lambda: _record_as(staff_a)):
        thread, done = _write_in_thread(staff_b)
        assert done.wait(2), "the other organisation's write waited on this one's lock"
    thread.join(10)
    assert AuditEvent.objects.count() == 2
    assert audit.verify() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_a_writer_of_the_same_organisation_waits(staff_a, school_a):
    from conftest import make_user
    from jineng.accounts.roles import Role

    colleague = make_user("staff_a2", Role.INSTITUTION_STAFF, organization=school_a)
    with Holder(lambda: _record_as(staff_a)):
        thread, done = _write_in_thread(colleague)
        assert not done.wait(1), "a write of the same stream did not wait for the head"
    thread.join(10)
    assert done.is_set()
    held, other = AuditEvent.objects.order_by("seq")
    assert (held.action, other.action, other.seq, other.prev_hash) == (
        "core.test.held",
        "core.test.written",
        2,
        held.hash,
    )
    assert audit.verify() is None
