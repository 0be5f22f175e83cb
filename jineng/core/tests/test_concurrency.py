"""The audit chain stays linear when many transactions write events at once (PostgreSQL)."""

import threading
from collections.abc import Callable
from unittest import mock

import pytest
from django.db import connection, transaction

from jineng.core import audit
from jineng.core.models import AuditEvent

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
def test_control_without_the_lock_the_chain_forks():
    """Control: with the advisory lock disabled, parallel writers read the same chain head."""

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
    assert errors == []
    forks = AuditEvent.objects.count() - AuditEvent.objects.values("prev_hash").distinct().count()
    assert forks > 0
    assert audit.verify() is not None
