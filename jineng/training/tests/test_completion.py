"""Closing a class: completion from attended plus online minutes, certificate data, record."""

from __future__ import annotations

import datetime
import importlib
from unittest import mock

import pytest
import time_machine
from django.apps import apps as django_apps
from django.utils import translation

from conftest import ID_A, ID_B
from jineng.core.errors import InvalidTransition
from jineng.core.models import AuditEvent
from jineng.people.queries import EVERYTHING
from jineng.records.queries import get_record
from jineng.training import queries, services
from jineng.training.choices import ClassMode, ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass

from .helpers import START, approved_class, at, enrol, held, person, programme

pytestmark = pytest.mark.django_db
ID_C = "220581200003010013"


@pytest.fixture
def running(accredited, staff_a, bureau_admin, occupations, levels):
    # 2 + 3 = 5 required hours = 300 minutes.
    prog = programme(staff_a, subsidised=False, theory=2, practice=3)
    c = approved_class(staff_a, bureau_admin, prog, capacity=2)
    people = [
        person(bureau_admin, i, name=n) for i, n in ((ID_A, "甲"), (ID_B, "乙"), (ID_C, "丙"))
    ]
    made = [enrol(c.pk, p, actor=staff_a) for p in people]
    with held():
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
        yield c, made


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


def test_only_a_running_class_closes(accredited, staff_a, bureau_admin, occupations, levels):
    c = approved_class(staff_a, bureau_admin, programme(staff_a, subsidised=False))
    with pytest.raises(InvalidTransition):
        services.close_class(c.pk, actor=staff_a)
    with pytest.raises(InvalidTransition):
        services.transition(c.pk, ClassStatus.CLOSED, actor=staff_a)
    assert not AuditEvent.objects.filter(action="training.class.closed").exists()


def test_class_cannot_close_before_its_last_session_has_ended(staff_a, running):
    c, (a, b, waiting) = running
    with (
        time_machine.travel(at(START, 11, 59), tick=False),
        pytest.raises(InvalidTransition) as refused,
    ):
        services.close_class(c.pk, actor=staff_a)
    assert refused.value.detail == (
        f"Class {c.code} can be closed once its last session has ended, at {START} 12:00."
    )
    c.refresh_from_db()
    assert c.status == ClassStatus.RUNNING
    rows = {
        e.pk: (e.status, e.attended_minutes, e.result_note)
        for e in Enrolment.objects.filter(training_class=c)
    }
    assert rows == {
        a.pk: (EnrolmentStatus.ENROLLED, None, ""),
        b.pk: (EnrolmentStatus.ENROLLED, None, ""),
        waiting.pk: (EnrolmentStatus.WAITLISTED, None, ""),
    }
    assert [e.kind for e in queries.record_entries(a.person, EVERYTHING)] == ["training.enrolled"]
    assert not AuditEvent.objects.filter(action="training.class.closed").exists()
    with time_machine.travel(at(START, 12), tick=False):
        services.close_class(c.pk, actor=staff_a)
    assert Enrolment.objects.get(pk=a.pk).status == EnrolmentStatus.NOT_COMPLETED


def test_class_without_sessions_closes_after_its_end_date(accredited, staff_a, occupations, levels):
    prog = programme(staff_a, subsidised=False, theory=2, practice=3)
    c = services.create_class(
        prog.pk,
        services.ClassInput(
            code="ONLINE-1",
            capacity=5,
            starts_on=START,
            ends_on=START + datetime.timedelta(days=6),
            mode=ClassMode.ONLINE,
        ),
        actor=staff_a,
    )
    services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    with time_machine.travel(at(START, 8), tick=False):
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    last, next_day = START + datetime.timedelta(days=6), START + datetime.timedelta(days=7)
    with (
        time_machine.travel(at(last, 23, 59), tick=False),
        pytest.raises(InvalidTransition) as refused,
    ):
        services.close_class(c.pk, actor=staff_a)
    assert refused.value.detail == (
        f"Class ONLINE-1 ends on {last}: it can be closed from {next_day}."
    )
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.RUNNING
    with time_machine.travel(at(START + datetime.timedelta(days=7), 0), tick=False):
        services.close_class(c.pk, actor=staff_a)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.CLOSED


def test_training_appears_in_the_lifelong_record(staff_a, running):
    c, (a, _, waiting) = running
    with mock.patch.object(queries, "attended_minutes", lambda ids: dict.fromkeys(ids, 300)):
        services.close_class(c.pk, actor=staff_a)
    entries = {e.kind: e for e in queries.record_entries(a.person, EVERYTHING)}
    assert set(entries) == {"training.completed"}
    assert entries["training.completed"].title == (
        f"Completed 电工培训 ({c.code}) at 梅河口市甲职业培训学校"
    )
    assert entries["training.completed"].details["hours"] == 5.0
    kinds = [e.kind for e in get_record(waiting.person, EVERYTHING).entries]
    assert "training.withdrawn" in kinds


def test_result_is_rendered_in_the_viewers_language(staff_a, running):
    c, (a, b, waiting) = running
    attended = {a.pk: 180, b.pk: 270}
    with (
        translation.override("en"),
        mock.patch.object(queries, "attended_minutes", lambda ids: {i: attended[i] for i in ids}),
        mock.patch.object(
            queries, "online_minutes", lambda pid, code: 30 if pid == b.person_id else 0
        ),
    ):
        services.close_class(c.pk, actor=staff_a)
    rows = {
        e.pk: (e.status, e.attended_minutes, e.online_minutes, e.required_hours, e.result_note)
        for e in Enrolment.objects.filter(training_class=c)
    }
    assert rows == {
        a.pk: (EnrolmentStatus.NOT_COMPLETED, 180, 0, 5, ""),
        b.pk: (EnrolmentStatus.COMPLETED, 270, 30, 5, ""),
        waiting.pk: (EnrolmentStatus.WITHDRAWN, None, None, None, ""),
    }
    a, b = Enrolment.objects.get(pk=a.pk), Enrolment.objects.get(pk=b.pk)
    with translation.override("zh-hans"):
        assert a.result == "已修 3.0/5 学时（出勤 180 分钟，线上 0 分钟）"
        assert b.result == "已修 5.0/5 学时（出勤 270 分钟，线上 30 分钟）"
    with translation.override("en"):
        assert a.result == "3.0 of 5 hours (180 min attended, 0 min online)"


def test_withdrawal_reason_is_shown_as_written(staff_a, running):
    _, (a, _, _) = running
    services.withdraw(a.pk, actor=staff_a, reason="外出务工")
    with translation.override("en"):
        assert Enrolment.objects.get(pk=a.pk).result == "外出务工"


def test_migration_keeps_the_numbers_of_results_stored_as_text(staff_a, running):
    c, (a, b, waiting) = running
    services.withdraw(waiting.pk, actor=staff_a, reason="外出务工")
    with mock.patch.object(queries, "attended_minutes", lambda ids: dict.fromkeys(ids, 180)):
        services.close_class(c.pk, actor=staff_a)
    Enrolment.objects.filter(pk=a.pk).update(
        required_hours=None, result_note="3.0 of 9 hours (180 min attended, 0 min online)"
    )
    Enrolment.objects.filter(pk=b.pk).update(
        required_hours=None, result_note="已完成 3.0/7 学时（出勤 180 分钟，线上 0 分钟）"
    )
    migration = importlib.import_module("jineng.training.migrations.0003_enrolment_required_hours")
    migration.store_required_hours(django_apps, None)
    rows = {
        e.pk: (e.attended_minutes, e.required_hours, e.result_note)
        for e in Enrolment.objects.filter(training_class=c)
    }
    assert rows == {a.pk: (180, 9, ""), b.pk: (180, 7, ""), waiting.pk: (None, None, "外出务工")}
    # Without a sentence to read, the programme's hours (2 + 3) stand in.
    Enrolment.objects.filter(pk=a.pk).update(required_hours=None)
    migration.store_required_hours(django_apps, None)
    assert Enrolment.objects.get(pk=a.pk).required_hours == 5
