"""Delivery rules (issue 10), the attack review: holes found after the rules were built.

Each test replays an attempt that passed before: sessions scheduled, or a class approved,
after the training took place (then manual check-ins within the grace counted hours nobody
supervised); in-person sessions without a venue, which skipped the venue's capacity; a
worker holding two subsidised places on the same days, one of them learned online, which no
session could show to overlap.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from jineng.attendance import services as attendance
from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent
from jineng.training import services
from jineng.training.choices import ClassMode, ClassStatus, EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment, TrainingClass

from .helpers import at, draft_class, member, programme, room, session

pytestmark = pytest.mark.django_db

SHOUT = "Move the sessions that have begun to times still to come."


@pytest.fixture(autouse=True)
def english_pages(settings):
    """Pages answer in the English source text these tests match."""
    settings.LANGUAGE_CODE = "en"


def soon(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _class_input(code, day, sessions, mode=ClassMode.OFFLINE):
    return services.ClassInput(
        code=code, capacity=2, starts_on=day, ends_on=day, mode=mode, sessions=sessions
    )


# Sessions in the past.


def test_a_session_that_has_begun_cannot_be_scheduled(staff_a, accredited):
    prog = programme(staff_a, subsidised=False)
    venue = room(staff_a)
    today = timezone.localdate()
    now = at(today, 10)
    with time_machine.travel(now, tick=False):
        with pytest.raises(ValidationFailed) as refused:
            services.create_class(
                prog.pk,
                _class_input(
                    "LATE-1",
                    today,
                    [session(today, 14, 16, venue=venue), session(today, 8, 12, venue=venue)],
                ),
                actor=staff_a,
            )
        assert (refused.value.detail, refused.value.field) == (
            f"Session 2 starts at {today} 08:00, which has already passed: schedule only "
            "sessions still to come.",
            "starts_at",
        )
        assert not TrainingClass.objects.exists()
        c = services.create_class(
            prog.pk,
            _class_input("LATE-1", today, [session(today, 14, 16, venue=venue)]),
            actor=staff_a,
        )
        with pytest.raises(ValidationFailed, match=f"Session 1 starts at {today} 09:00, which"):
            services.add_session(c.pk, session(today, 9, 10, venue=venue), actor=staff_a)
        # A session starting this minute is still to come.
        services.add_session(c.pk, session(today, 10, 11, venue=venue), actor=staff_a)
    assert sorted(timezone.localtime(s.starts_at).hour for s in ClassSession.objects.all()) == [
        10,
        14,
    ]


def test_a_class_whose_session_has_begun_cannot_be_approved(staff_a, accredited):
    """The attack: approve once the session is over, then record manual check-ins in the grace."""
    day = soon()
    c = draft_class(
        staff_a,
        programme(staff_a, subsidised=False),
        start=day,
        days=0,
        sessions=[session(day, 8, 12), session(day, 14, 16)],
    )
    with time_machine.travel(at(day, 12, 30), tick=False):
        with pytest.raises(services.ApprovalRefused) as refused:
            services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
        assert refused.value.extra["reasons"] == [
            f"Session 1 of class {c.code} began at {day} 08:00: a class is approved before its "
            f"first session. {SHOUT}"
        ]
        assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.DRAFT
        assert not AuditEvent.objects.filter(action="training.class.approved").exists()
        # Nor can the class start, so nobody records check-ins for it.
        with pytest.raises(Exception, match="cannot go from"):
            services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    # Approved the day before, it opens as usual.
    with time_machine.travel(at(day - datetime.timedelta(days=1), 18), tick=False):
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.APPROVED


def test_the_bureau_cannot_approve_a_subsidised_class_after_it_began(
    client, staff_a, bureau_admin, catalog_entry, accredited
):
    prog = programme(staff_a)
    c = draft_class(staff_a, prog)
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    first = c.sessions.order_by("starts_at").first()
    with time_machine.travel(first.starts_at + datetime.timedelta(hours=1), tick=False):
        with pytest.raises(services.ApprovalRefused) as refused:
            services.transition(c.pk, ClassStatus.APPROVED, actor=bureau_admin, note="ok")
        began = timezone.localtime(first.starts_at).strftime("%Y-%m-%d %H:%M")
        reason = (
            f"Session 1 of class {c.code} began at {began}: a class is approved before its "
            f"first session. {SHOUT}"
        )
        assert refused.value.extra["reasons"] == [reason]
        # The bureau's queue shows the same reason beside the class.
        client.force_login(bureau_admin)
        assert reason in client.get(reverse("training:approvals")).content.decode()
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.SUBMITTED


def test_no_manual_check_in_reaches_a_class_approved_too_late(staff_a, worker, person, accredited):
    """End to end: the class cannot open after its session, so the grace has nothing to fill."""
    day = soon()
    c = draft_class(
        staff_a,
        programme(staff_a, subsidised=False),
        start=day,
        days=0,
        sessions=[session(day, 8, 12)],
    )
    with time_machine.travel(at(day, 13), tick=False):
        with pytest.raises(services.ApprovalRefused):
            services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
        with pytest.raises(Exception, match="does not take enrolments"):
            services.enrol(c.pk, person.pk, actor=worker)
        with pytest.raises(Exception, match="is not running"):
            attendance.record_manual_check_in(
                c.sessions.get().pk, 0, reason="纸质签到表", actor=staff_a
            )
    assert not Enrolment.objects.exists()


# A venue for every in-person session.


@pytest.mark.parametrize("mode", [ClassMode.OFFLINE, ClassMode.BLENDED])
def test_an_in_person_session_names_its_venue(staff_a, accredited, mode):
    prog = programme(staff_a, subsidised=False)
    day = soon()
    with pytest.raises(ValidationFailed) as refused:
        services.create_class(
            prog.pk, _class_input("NOROOM-1", day, [session(day, 8, 12)], mode), actor=staff_a
        )
    assert (refused.value.detail, refused.value.field) == (
        "Session 1: choose the venue it is held in. Every session of an in-person or blended "
        "class is held in a registered venue.",
        "venue_id",
    )
    assert not TrainingClass.objects.exists()


def test_a_large_class_cannot_skip_the_venue_check_by_naming_no_venue(staff_a, accredited):
    small = services.create_venue("小教室", "新华街道1号", 10, actor=staff_a)
    prog = programme(staff_a, subsidised=False)
    day = soon()
    c = services.create_class(
        prog.pk, _class_input("ROOM-1", day, [session(day, 8, 12, venue=small)]), actor=staff_a
    )
    with pytest.raises(ValidationFailed, match="choose the venue it is held in"):
        services.update_class(
            c.pk,
            services.ClassInput(
                code="ROOM-1",
                capacity=50,
                starts_on=day,
                ends_on=day,
                sessions=[session(day, 8, 12)],
            ),
            actor=staff_a,
        )
    assert TrainingClass.objects.get(pk=c.pk).capacity == 2
    with pytest.raises(ValidationFailed, match="choose the venue it is held in"):
        services.add_session(c.pk, session(day, 14, 16), actor=staff_a)


def test_an_online_class_needs_no_venue(staff_a, accredited):
    prog = programme(staff_a, subsidised=False)
    day = soon()
    c = services.create_class(
        prog.pk,
        _class_input("WEB-1", day, [session(day, 19, 21)], ClassMode.ONLINE),
        actor=staff_a,
    )
    assert list(c.sessions.values_list("venue", flat=True)) == [None]
    assert services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a).status == "approved"


def test_approval_refuses_a_session_scheduled_without_a_venue_before_the_rule(staff_a, accredited):
    day = soon()
    c = draft_class(
        staff_a,
        programme(staff_a, subsidised=False),
        start=day,
        days=0,
        sessions=[session(day, 8, 12)],
    )
    # Written before the rule: a second session with no venue.
    ClassSession.objects.create(training_class=c, starts_at=at(day, 14), ends_at=at(day, 16))
    with pytest.raises(services.ApprovalRefused) as refused:
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert refused.value.extra["reasons"] == [
        f"Session 2 of class {c.code} names no venue: every session of an in-person or blended "
        "class is held in a registered venue."
    ]


# Subsidised places on the same days, learned online.


@pytest.fixture
def eligible(bureau_admin, person, target_groups):
    member(bureau_admin, person, target_groups["unemployed"])
    return person


def _subsidised(staff, admin, mode, start, days, *, theory=40):
    """A subsidised class approved by the bureau (its own programme, so the one-place-per-
    programme rule stays out of the way); an in-person one holds all its hours in sessions."""
    prog = programme(staff, theory=theory)
    sessions = [] if mode == ClassMode.ONLINE else None
    if mode == ClassMode.BLENDED:
        sessions = [session(start + datetime.timedelta(days=n), 8, 17) for n in range(6)]
    c = draft_class(staff, prog, start=start, days=days, mode=mode, sessions=sessions)
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff)
    return services.transition(c.pk, ClassStatus.APPROVED, actor=admin, note="ok")


def test_two_subsidised_online_classes_on_the_same_days_are_refused(
    staff_a, bureau_admin, worker, eligible, catalog_entry, accredited
):
    first = _subsidised(staff_a, bureau_admin, ClassMode.ONLINE, soon(), 20)
    services.enrol(first.pk, eligible.pk, actor=worker)
    # Its last day is the other's first: the online hours of that day could count twice.
    second = _subsidised(staff_a, bureau_admin, ClassMode.ONLINE, soon(27), 20, theory=41)
    with pytest.raises(services.OverlappingEnrolment) as refused:
        services.enrol(second.pk, eligible.pk, actor=worker)
    assert refused.value.detail == (
        f"张三 already holds a place in subsidised class {first.code} ({soon()} to {soon(27)}) "
        "on days this subsidised class also runs, and one of the two is learned online: one "
        "subsidised class at a time when its hours are learned online. Choose a class on "
        "other days, or withdraw from that class."
    )
    assert list(Enrolment.objects.values_list("training_class", flat=True)) == [first.pk]
    # The day after it ends is free.
    later = _subsidised(staff_a, bureau_admin, ClassMode.ONLINE, soon(28), 20, theory=42)
    assert services.enrol(later.pk, eligible.pk, actor=worker).status == EnrolmentStatus.ENROLLED


def test_a_subsidised_online_class_and_a_subsidised_in_person_one_on_the_same_days(
    staff_a, staff_b, bureau_admin, worker, eligible, catalog_entry, accredited, accredited_b
):
    online = _subsidised(staff_a, bureau_admin, ClassMode.ONLINE, soon(), 30)
    services.enrol(online.pk, eligible.pk, actor=worker)
    in_person = _subsidised(staff_b, bureau_admin, ClassMode.OFFLINE, soon(10), 20)
    with pytest.raises(services.OverlappingEnrolment) as refused:
        services.enrol_by_id_card(in_person.pk, eligible.id_number, eligible.name, actor=staff_b)
    # Another school learns only that the person holds such a place, not which.
    assert refused.value.detail == (
        "张三 already holds a place in another subsidised class on the same days, and one of "
        "the two is learned online."
    )
    # Nor the other way round, nor blended (its theory is learned online).
    services.withdraw(Enrolment.objects.get().pk, actor=worker)
    services.enrol(in_person.pk, eligible.pk, actor=worker)
    # The in-person class runs to soon(30), its sessions to soon(20): the blended class's
    # sessions overlap none of them, its days do.
    blended = _subsidised(staff_a, bureau_admin, ClassMode.BLENDED, soon(25), 10, theory=41)
    with pytest.raises(services.OverlappingEnrolment, match=f"subsidised class {in_person.code}"):
        services.enrol(blended.pk, eligible.pk, actor=worker)
    with pytest.raises(services.OverlappingEnrolment, match=f"subsidised class {in_person.code}"):
        services.enrol(online.pk, eligible.pk, actor=worker)


def test_evening_online_study_without_a_subsidy_stays_open(
    staff_a, bureau_admin, worker, eligible, catalog_entry, accredited
):
    """A worker in a subsidised day class may study online, unsubsidised, on the same days;
    two in-person subsidised classes are judged by their sessions, as before."""
    day_class = _subsidised(staff_a, bureau_admin, ClassMode.OFFLINE, soon(), 20)
    services.enrol(day_class.pk, eligible.pk, actor=worker)
    evening = draft_class(
        staff_a,
        programme(staff_a, subsidised=False, theory=20, practice=0),
        start=soon(),
        days=20,
        mode=ClassMode.ONLINE,
        sessions=[],
    )
    services.transition(evening.pk, ClassStatus.APPROVED, actor=staff_a)
    assert services.enrol(evening.pk, eligible.pk, actor=worker).status == "enrolled"
    # An in-person subsidised class on the same days, in the evenings, is no clash either:
    # both are held in sessions, which do not overlap.
    evenings = draft_class(
        staff_a,
        programme(staff_a, theory=80, practice=0),
        start=soon(),
        days=19,
        sessions=[session(soon(n), 18, 22) for n in range(7, 27)],
    )
    services.transition(evenings.pk, ClassStatus.SUBMITTED, actor=staff_a)
    services.transition(evenings.pk, ClassStatus.APPROVED, actor=bureau_admin, note="ok")
    assert services.enrol(evenings.pk, eligible.pk, actor=worker).status == "enrolled"
    assert Enrolment.objects.filter(person=eligible, status="enrolled").count() == 3
