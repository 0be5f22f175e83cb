"""Closing a class: completion from attended plus online minutes, certificate data, record."""

from __future__ import annotations

from unittest import mock

import pytest

from conftest import ID_A, ID_B
from jineng.core.errors import InvalidTransition
from jineng.core.models import AuditEvent
from jineng.records.queries import get_record
from jineng.training import queries, services
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment

from .helpers import approved_class, person, programme

pytestmark = pytest.mark.django_db
ID_C = "220581200003010013"


@pytest.fixture
def running(staff_a, bureau_admin, occupations, levels):
    # 2 + 3 = 5 required hours = 300 minutes.
    prog = programme(staff_a, subsidised=False, theory=2, practice=3)
    c = approved_class(staff_a, bureau_admin, prog, capacity=2)
    people = [
        person(bureau_admin, i, name=n) for i, n in ((ID_A, "甲"), (ID_B, "乙"), (ID_C, "丙"))
    ]
    made = [services.enrol(c.pk, p.pk, actor=staff_a) for p in people]
    services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    return c, made


def test_close_class_computes_completion(staff_a, running):
    c, (a, b, waiting) = running
    attended = {a.pk: 240, b.pk: 100}
    online = {a.person_id: 60, b.person_id: 30}
    with (
        mock.patch.object(queries, "attended_minutes", lambda ids: {i: attended[i] for i in ids}),
        mock.patch.object(queries, "online_minutes", lambda pid, code: online[pid]),
    ):
        services.close_class(c.pk, actor=staff_a, note="结业考核完成")
    c.refresh_from_db()
    assert (c.status, c.closing_note) == (ClassStatus.CLOSED, "结业考核完成")
    rows = {
        e.pk: (e.status, e.attended_minutes, e.online_minutes)
        for e in Enrolment.objects.filter(training_class=c)
    }
    assert rows == {
        a.pk: (EnrolmentStatus.COMPLETED, 240, 60),
        b.pk: (EnrolmentStatus.NOT_COMPLETED, 100, 30),
        waiting.pk: (EnrolmentStatus.WITHDRAWN, None, None),
    }
    event = AuditEvent.objects.get(action="training.class.closed")
    assert (event.data["completed"], event.data["not_completed"]) == (1, 1)
    assert event.data["waitlist_lapsed"] == 1
    [data] = queries.completers(c)
    assert (data.name, data.class_code, data.occupation, data.hours) == ("甲", c.code, "电工", 5.0)
    assert data.level == c.programme.skill_level.name


def test_without_attendance_nobody_completes(staff_a, running):
    c, (a, b, _) = running
    services.close_class(c.pk, actor=staff_a)
    statuses = set(Enrolment.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
    assert statuses == {EnrolmentStatus.NOT_COMPLETED}


def test_only_a_running_class_closes(staff_a, bureau_admin, occupations, levels):
    c = approved_class(staff_a, bureau_admin, programme(staff_a, subsidised=False))
    with pytest.raises(InvalidTransition):
        services.close_class(c.pk, actor=staff_a)
    with pytest.raises(InvalidTransition):
        services.transition(c.pk, ClassStatus.CLOSED, actor=staff_a)
    assert not AuditEvent.objects.filter(action="training.class.closed").exists()


def test_training_appears_in_the_lifelong_record(staff_a, running):
    c, (a, _, waiting) = running
    with mock.patch.object(queries, "attended_minutes", lambda ids: dict.fromkeys(ids, 300)):
        services.close_class(c.pk, actor=staff_a)
    entries = {e.kind: e for e in queries.record_entries(a.person)}
    assert set(entries) == {"training.completed"}
    assert entries["training.completed"].title == (
        f"Completed 电工培训 ({c.code}) at 梅河口市甲职业培训学校"
    )
    assert entries["training.completed"].details["hours"] == 5.0
    kinds = [e.kind for e in get_record(waiting.person).entries]
    assert "training.withdrawn" in kinds
