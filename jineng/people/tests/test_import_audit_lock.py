"""A long people import does not hold its organisation's audit stream (PostgreSQL threads).

The import writes its events last, in one batch (audit.record_many), so while its
transaction is still reading and writing the file, the school's other audited writes go
through. The control records each event as its chunk is written, the order the import used
to have: the school's next write then waits on the stream's lock and is told to try again.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from conftest import ID_B
from jineng.core import audit
from jineng.core.errors import Busy
from jineng.core.models import AuditEvent
from jineng.people.importers import import_people
from jineng.people.importers.people import writing
from jineng.people.models import Person
from jineng.people.services import PersonInput, register_person
from jineng.people.tests.test_import import VILLAGE, csv_file, good_lines, staff_lines

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class PausedImport:
    """Run an import in a thread that stops once every chunk is written, until released,
    as a file of 350,000 rows would be written for minutes; then it finishes and commits."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.paused, self.release = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        self.result: Any = None
        self.thread = threading.Thread(target=self._run)

    def _pause(self, writing: Any) -> None:
        self.real_report(writing)
        self.paused.set()
        self.release.wait(30)

    def _run(self) -> None:
        try:
            self.real_report = writing._Writing._report_mismatches
            pause = lambda writing: self._pause(writing)  # noqa: E731 - a method to patch in
            with mock.patch.object(writing._Writing, "_report_mismatches", pause):
                self.result = import_people(csv_file(staff_lines()), actor=self.actor)
        except BaseException as exc:  # noqa: BLE001 - asserted by the test
            self.errors.append(exc)
        finally:
            self.paused.set()
            connection.close()

    def __enter__(self) -> PausedImport:
        self.thread.start()
        assert self.paused.wait(20)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(30)
        assert self.errors == []


def _register_as(staff: Any) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        register_person(PersonInput(id_number=ID_B, name="李四", region_code=VILLAGE), actor=staff)
    except Busy as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def test_the_schools_other_writes_go_through_during_its_import(
    city, target_groups, bureau_admin, staff_a
):
    import_people(csv_file(good_lines()), actor=bureau_admin)
    with PausedImport(staff_a) as paused:
        took, error = _register_as(staff_a)
    assert error is None
    assert took < 2, f"the school's registration waited {took:.1f} s on its import"
    assert paused.result.linked == 3
    tied = AuditEvent.objects.filter(action="people.affiliation.created", actor=staff_a)
    assert sorted(tied.values_list("person_id", flat=True)) == sorted(
        Person.objects.exclude(
            id_number_hash=Person.objects.get(name="李四").id_number_hash
        ).values_list("pk", flat=True)
    )
    # One event per person tied, in the school's stream after the registration's events.
    registered = AuditEvent.objects.get(action="people.person.created", actor=staff_a)
    assert all(event.seq > registered.seq for event in tied)
    assert audit.verify() is None


def test_control_recording_as_each_chunk_is_written_blocks_the_school(
    city, target_groups, bureau_admin, staff_a
):
    import_people(csv_file(good_lines()), actor=bureau_admin)

    def record_at_once(self: Any, linked: Any) -> None:
        for person_id, organization_id, kind in linked:
            audit.record(
                self.actor,
                "people.affiliation.created",
                object_type="people.affiliation",
                object_id=f"{person_id}:{organization_id}:{kind}",
                person_id=person_id,
            )

    with (
        mock.patch.object(writing._Writing, "_tied", record_at_once),
        PausedImport(staff_a) as paused,
    ):
        took, error = _register_as(staff_a)
    assert isinstance(error, Busy)
    assert took >= 2.5
    assert not Person.objects.filter(name="李四").exists()
    assert paused.result.linked == 3
    assert audit.verify() is None
