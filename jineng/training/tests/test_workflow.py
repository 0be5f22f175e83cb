"""Programmes, classes, sessions and the class workflow with its approval checks."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.training import services
from jineng.training.choices import ClassMode, ClassStatus
from jineng.training.models import ClassSession, TrainingClass

from .helpers import START, approved_class, at, draft_class, programme, session

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(staff_a):
    return services.create_venue("一号教室", "新华街道1号", 40, actor=staff_a)


@pytest.fixture
def teacher(staff_a):
    return services.create_teacher("王老师", actor=staff_a)


def test_subsidised_class_goes_through_submission_and_approval(
    staff_a, bureau_admin, catalog_entry, accredited
):
    c = draft_class(staff_a, programme(staff_a))
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    approved = services.transition(c.pk, ClassStatus.APPROVED, actor=bureau_admin, note="同意")
    c.refresh_from_db()
    assert c.status == ClassStatus.APPROVED
    assert c.catalog_entry == catalog_entry
    assert c.decided_by == bureau_admin
    assert c.decision_note == "同意"
    assert approved.pk == c.pk
    event = AuditEvent.objects.get(action="training.class.approved")
    assert event.data["from"] == "submitted"
    assert event.data["catalog_entry"] == catalog_entry.key


def test_staff_cannot_approve_their_subsidised_class(staff_a, catalog_entry, accredited):
    c = draft_class(staff_a, programme(staff_a))
    with pytest.raises(PermissionDenied):
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    with pytest.raises(PermissionDenied):
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.SUBMITTED


def test_bureau_cannot_approve_a_subsidised_draft_directly(
    staff_a, bureau_admin, catalog_entry, accredited
):
    c = draft_class(staff_a, programme(staff_a))
    with pytest.raises(InvalidTransition, match="submit it to the bureau"):
        services.transition(c.pk, ClassStatus.APPROVED, actor=bureau_admin)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.DRAFT


def test_unsubsidised_class_is_approved_by_its_institution(
    accredited, staff_a, occupations, levels
):
    c = draft_class(staff_a, programme(staff_a, subsidised=False))
    with pytest.raises(InvalidTransition, match="no bureau approval needed"):
        services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    with time_machine.travel(at(START, 8), tick=False):
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.RUNNING
    assert AuditEvent.objects.filter(action="training.class.started").count() == 1


def test_class_cannot_start_without_approval(staff_a, catalog_entry, accredited):
    c = draft_class(staff_a, programme(staff_a))
    with pytest.raises(InvalidTransition):
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    with pytest.raises(InvalidTransition):
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action="training.class.started").exists()


def test_class_starts_on_its_start_date_not_before(accredited, staff_a, occupations, levels):
    c = approved_class(staff_a, None, programme(staff_a, subsidised=False))
    the_day_before = at(START - datetime.timedelta(days=1), 23, 59)
    with time_machine.travel(the_day_before, tick=False), pytest.raises(InvalidTransition) as no:
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    assert no.value.detail == f"Class {c.code} starts on {START}: start it on that day or later."
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.APPROVED
    assert not AuditEvent.objects.filter(action="training.class.started").exists()
    with time_machine.travel(at(START, 0), tick=False):
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.RUNNING
    assert AuditEvent.objects.filter(action="training.class.started").count() == 1


def test_return_needs_a_note_and_allows_resubmission(
    staff_a, bureau_admin, catalog_entry, accredited
):
    c = draft_class(staff_a, programme(staff_a))
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    with pytest.raises(ValidationFailed, match="why"):
        services.transition(c.pk, ClassStatus.RETURNED, actor=bureau_admin)
    services.transition(c.pk, ClassStatus.RETURNED, actor=bureau_admin, note="师资不足")
    c.refresh_from_db()
    assert (c.status, c.decision_note) == (ClassStatus.RETURNED, "师资不足")
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.SUBMITTED


def _refusal(staff_a, bureau_admin, prog, **kwargs):
    c = draft_class(staff_a, prog, **kwargs)
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    with pytest.raises(services.ApprovalRefused) as caught:
        services.transition(c.pk, ClassStatus.APPROVED, actor=bureau_admin)
    c.refresh_from_db()
    assert c.status == ClassStatus.SUBMITTED
    assert c.catalog_entry is None
    assert not AuditEvent.objects.filter(action="training.class.approved").exists()
    return caught.value.extra["reasons"]


def test_approval_refused_without_accreditation(staff_a, bureau_admin, catalog_entry):
    reasons = _refusal(staff_a, bureau_admin, programme(staff_a))
    assert reasons == [
        "梅河口市甲职业培训学校 holds no training accreditation for 电工 "
        f"{catalog_entry.skill_level.name} on {START}."
    ]


def test_approval_refused_for_entry_missing_from_catalog(
    staff_a, bureau_admin, catalog_entry, accredited
):
    reasons = _refusal(staff_a, bureau_admin, programme(staff_a, key="no/such/entry"))
    assert reasons == [
        f"Entry no/such/entry is not in the subsidised training catalog in force on {START}."
    ]


def test_approval_refused_when_hours_are_too_low(staff_a, bureau_admin, catalog_entry, accredited):
    reasons = _refusal(staff_a, bureau_admin, programme(staff_a, theory=30, practice=20))
    assert reasons == ["The programme has 50 hours; the catalog entry requires at least 80."]


def test_approval_refused_when_the_sessions_cannot_deliver_the_hours(
    staff_a, bureau_admin, catalog_entry, accredited
):
    prog = programme(staff_a, theory=60, practice=100)
    reasons = _refusal(staff_a, bureau_admin, prog, sessions=[session(START, 9, 12)])
    assert reasons == [
        "The sessions add up to 3.0 hours; all 160 hours of the programme are taught in person."
    ]
    assert services.approval_problems(TrainingClass.objects.get())[0] == reasons


def test_blended_class_schedules_its_practice_hours_in_person(
    staff_a, bureau_admin, catalog_entry, accredited
):
    prog = programme(staff_a, theory=60, practice=30)
    days = [START + datetime.timedelta(days=n) for n in range(4)]
    short = [session(day, 8, 14) for day in days]
    reasons = _refusal(staff_a, bureau_admin, prog, sessions=short[:3], mode=ClassMode.BLENDED)
    assert reasons == [
        "The sessions add up to 18.0 hours; the programme's 30 practice hours are taught in "
        "person (its theory may be learned online)."
    ]
    c = draft_class(staff_a, prog, sessions=[*short, session(START, 15, 21)], mode="blended")
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    assert services.approval_problems(c) == ([], catalog_entry)
    services.transition(c.pk, ClassStatus.APPROVED, actor=bureau_admin)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.APPROVED


def test_online_class_needs_no_sessions_for_its_hours(
    staff_a, bureau_admin, catalog_entry, accredited
):
    c = draft_class(staff_a, programme(staff_a), sessions=[], mode=ClassMode.ONLINE)
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    services.transition(c.pk, ClassStatus.APPROVED, actor=bureau_admin)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.APPROVED


def test_approval_lists_every_failed_check(staff_a, bureau_admin, catalog_entry):
    reasons = _refusal(staff_a, bureau_admin, programme(staff_a, theory=10, practice=10))
    assert len(reasons) == 2


def test_teacher_cannot_be_double_booked(staff_a, occupations, levels, teacher):
    prog = programme(staff_a, subsidised=False)
    first = draft_class(staff_a, prog, sessions=[session(START, 8, 12, teacher=teacher)])
    with pytest.raises(services.DoubleBooked) as caught:
        draft_class(staff_a, prog, sessions=[session(START, 11, 13, teacher=teacher)])
    assert caught.value.detail == (
        f"Session 1: teacher 王老师 already teaches class {first.code} on {START} at 08:00."
    )
    assert TrainingClass.objects.count() == 1
    # Back-to-back sessions do not overlap.
    draft_class(staff_a, prog, sessions=[session(START, 12, 14, teacher=teacher)])
    assert ClassSession.objects.filter(teacher=teacher).count() == 2


def test_venue_cannot_be_double_booked(staff_a, occupations, levels, venue):
    prog = programme(staff_a, subsidised=False)
    first = draft_class(staff_a, prog, sessions=[session(START, 8, 12, venue=venue)])
    other = draft_class(staff_a, prog, sessions=[])
    with pytest.raises(services.DoubleBooked, match="venue 一号教室 is already booked for class"):
        services.add_session(other.pk, session(START, 9, 10, venue=venue), actor=staff_a)
    assert list(
        ClassSession.objects.filter(venue=venue).values_list("training_class", flat=True)
    ) == [first.pk]


def test_sessions_must_fall_within_class_dates(staff_a, occupations, levels):
    prog = programme(staff_a, subsidised=False)
    with pytest.raises(ValidationFailed, match="outside the class dates"):
        draft_class(staff_a, prog, sessions=[session(START - datetime.timedelta(days=1), 8, 9)])
    assert not TrainingClass.objects.exists()


def test_other_institution_sees_no_class(staff_a, staff_b, occupations, levels):
    c = draft_class(staff_a, programme(staff_a, subsidised=False))
    with pytest.raises(NotFound):
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_b)
    with pytest.raises(NotFound):
        services.add_session(c.pk, session(START, 14, 15), actor=staff_b)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.DRAFT


def test_worker_cannot_create_programmes(worker, occupations, levels):
    with pytest.raises(PermissionDenied):
        programme(worker)


def test_approved_class_helper(staff_a, bureau_admin, catalog_entry, accredited):
    c = approved_class(staff_a, bureau_admin, programme(staff_a))
    assert c.status == ClassStatus.APPROVED
