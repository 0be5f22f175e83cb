"""Delivery rules (issue 10): accredited scope, venue seats, one place at a time.

Each test replays an attempt seen on the old code: a school opening its own class for an
occupation it holds no licence for (or after the licence was withdrawn), a 50-place class in
a 40-seat venue, a worker holding two overlapping places or two places of one programme.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from conftest import ID_B
from jineng.accreditations import services as accreditation
from jineng.accreditations.tests.helpers import grant
from jineng.api.tests.helpers import api_client
from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent
from jineng.training import services
from jineng.training.choices import ClassMode, ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass

from .helpers import draft_class, enrol, person, programme, session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(settings):
    """Pages and the API answer in the English source text these tests match."""
    settings.LANGUAGE_CODE = "en"


SCHOOL_A = "梅河口市甲职业培训学校"
CLASSES = "/api/v1/training/classes"


def soon(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def one_day_class(staff, prog, day, start=8, end=12, *, capacity=2, venue=None):
    """A draft class of one session on one day."""
    return draft_class(
        staff,
        prog,
        start=day,
        days=0,
        capacity=capacity,
        sessions=[session(day, start, end, venue=venue)],
    )


def opened(staff, prog, day, start=8, end=12, **kwargs):
    """A class of the staff's own (unsubsidised) programme, approved by the school itself."""
    c = one_day_class(staff, prog, day, start, end, **kwargs)
    return services.transition(c.pk, ClassStatus.APPROVED, actor=staff)


def withdraw(licence, admin):
    return accreditation.withdraw_accreditation(
        licence.pk, reason="检查发现虚报课时，撤销资质", actor=admin
    )


# Self-approval outside scope (R24).


def test_school_cannot_open_its_own_class_for_an_occupation_it_is_not_accredited_for(
    staff_a, accredited
):
    welding = programme(staff_a, subsidised=False, occupation_code="6-18-02-04")
    c = one_day_class(staff_a, welding, soon())
    with pytest.raises(services.ApprovalRefused) as refused:
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert refused.value.extra["reasons"] == [
        f"{SCHOOL_A} holds no training accreditation for 焊工 五级/初级工 on {soon()}."
    ]
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.DRAFT
    assert not AuditEvent.objects.filter(action="training.class.approved").exists()


def test_a_level_above_the_licence_is_outside_the_scope(staff_a, accredited):
    # The licence reaches 三级/高级工; 二级/技师 lies above it.
    c = one_day_class(staff_a, programme(staff_a, subsidised=False, level_code="level2"), soon())
    with pytest.raises(services.ApprovalRefused, match="for 电工 二级/技师 on"):
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.DRAFT


def test_a_withdrawn_licence_stops_the_school_opening_classes(staff_a, bureau_admin, accredited):
    withdraw(accredited, bureau_admin)
    c = one_day_class(staff_a, programme(staff_a, subsidised=False), soon())
    with pytest.raises(services.ApprovalRefused) as refused:
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert refused.value.detail == (
        f"{SCHOOL_A}'s training accreditation for 电工 五级/初级工 was withdrawn and does not "
        f"count on {soon()}."
    )
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.DRAFT


def test_a_class_dated_before_the_withdrawal_cannot_open_either(staff_a, bureau_admin, accredited):
    withdraw(accredited, bureau_admin)
    # Sessions cannot be scheduled in the past; an online class has none to date it.
    last_month = timezone.localdate() - datetime.timedelta(days=30)
    c = draft_class(
        staff_a,
        programme(staff_a, subsidised=False),
        start=last_month,
        days=0,
        sessions=[],
        mode=ClassMode.ONLINE,
    )
    with pytest.raises(services.ApprovalRefused) as refused:
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert refused.value.extra["reasons"] == [
        f"Class {c.code} started on {last_month}: a class is approved before it starts. Move "
        "its dates and sessions to days still to come.",
        # Withdrawn today: the class, dated back, would run on to today without the licence.
        f"{SCHOOL_A}'s training accreditation for 电工 五级/初级工 was withdrawn and does not "
        f"count on {timezone.localdate()}.",
    ]


def test_a_licence_lapsing_during_the_class_refuses_it(staff_a, bureau_admin, occupations, levels):
    start = soon()
    grant(staff_a, bureau_admin, occupations["electrician"], levels["level3"], start, start + _d(2))
    c = draft_class(
        staff_a,
        programme(staff_a, subsidised=False),
        start=start,
        days=5,
        sessions=[session(start, 8, 12)],
    )
    with pytest.raises(services.ApprovalRefused) as refused:
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert refused.value.detail == (
        f"{SCHOOL_A}'s training accreditation for 电工 五级/初级工 expires before {start + _d(3)}."
    )


def test_a_renewed_licence_carries_the_class_on_without_a_gap(
    staff_a, bureau_admin, occupations, levels
):
    start = soon()
    first, renewed = (start, start + _d(2)), (start + _d(3), start + _d(400))
    for valid_from, valid_until in (first, renewed):
        grant(
            staff_a, bureau_admin, occupations["small"], levels["level3"], valid_from, valid_until
        )
    c = draft_class(
        staff_a,
        programme(staff_a, subsidised=False),
        start=start,
        days=5,
        sessions=[session(start, 8, 12)],
    )
    services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.APPROVED


def test_a_suspension_during_the_class_refuses_it(staff_a, bureau_admin, accredited):
    accreditation.suspend_accreditation(accredited.pk, reason="整改期间暂停", actor=bureau_admin)
    c = one_day_class(staff_a, programme(staff_a, subsidised=False), soon())
    with pytest.raises(services.ApprovalRefused, match="is suspended on"):
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)


def _d(days: int) -> datetime.timedelta:
    return datetime.timedelta(days=days)


@pytest.fixture
def withdrawn_after_approval(staff_a, bureau_admin, accredited):
    """An open class of school A whose licence the bureau withdrew after it was approved."""
    c = opened(staff_a, programme(staff_a, subsidised=False), soon())
    withdraw(accredited, bureau_admin)
    return c


def _no_new_enrolments(c) -> str:
    return (
        f"Class {c.code} takes no new enrolments: {SCHOOL_A}'s training accreditation for "
        f"电工 五级/初级工 was withdrawn and does not count on {c.starts_on}."
    )


def test_a_class_takes_no_enrolments_once_the_licence_is_withdrawn(
    withdrawn_after_approval, worker, person, staff_a, bureau_admin
):
    c = withdrawn_after_approval
    with pytest.raises(services.NotAccredited) as refused:
        services.enrol(c.pk, person.pk, actor=worker)
    assert refused.value.detail == _no_new_enrolments(c)
    outsider = person_b(bureau_admin)
    with pytest.raises(services.NotAccredited) as by_card:
        enrol(c.pk, outsider, actor=staff_a)
    assert by_card.value.detail == _no_new_enrolments(c)
    # Refused before the card is checked: the account spent nothing on it.
    assert not AuditEvent.objects.filter(action__startswith="people.person.identity").exists()
    with pytest.raises(services.NotAccredited):
        services.enrol_bulk(c.pk, _xlsx([["姓名", "身份证号"], ["王五", ID_B]]), actor=staff_a)
    assert not Enrolment.objects.exists()


def test_a_transfer_into_a_class_whose_licence_was_withdrawn_is_refused(
    staff_a, bureau_admin, occupations, levels, accredited, worker, person
):
    # The source class trains 焊工 under a licence of its own, which stays in force.
    grant(staff_a, bureau_admin, occupations["welder"], levels["level3"], soon(-30), soon(400))
    welding = opened(
        staff_a, programme(staff_a, subsidised=False, occupation_code="6-18-02-04"), soon(20)
    )
    place = services.enrol(welding.pk, person.pk, actor=worker)
    target = opened(staff_a, programme(staff_a, subsidised=False), soon())
    withdraw(accredited, bureau_admin)
    with pytest.raises(services.NotAccredited, match="takes no new enrolments"):
        services.transfer(place.pk, target.pk, actor=staff_a)
    assert Enrolment.objects.get(pk=place.pk).status == EnrolmentStatus.ENROLLED
    assert not Enrolment.objects.filter(training_class=target).exists()


def test_console_shows_why_a_school_cannot_open_its_class(client, staff_a, accredited):
    welding = programme(staff_a, subsidised=False, occupation_code="6-18-02-04")
    c = one_day_class(staff_a, welding, soon())
    client.force_login(staff_a)
    page = client.post(
        reverse("training:transition", args=[c.pk]), {"to": "approved"}, follow=True
    ).content.decode()
    assert f"{SCHOOL_A} holds no training accreditation for 焊工" in page
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.DRAFT


def test_class_page_tells_staff_why_the_class_takes_no_enrolments(
    client, staff_a, withdrawn_after_approval
):
    c = withdrawn_after_approval
    client.force_login(staff_a)
    page = client.get(reverse("training:detail", args=[c.pk])).content.decode()
    assert _no_new_enrolments(c).replace("'", "&#x27;") in page
    assert reverse("training:enrol", args=[c.pk]) not in page


def test_worker_page_says_why_the_class_takes_no_enrolments(
    client, worker, withdrawn_after_approval
):
    c = withdrawn_after_approval
    reason = _no_new_enrolments(c).replace("'", "&#x27;")
    enrol_url = reverse("training:find_enrol", args=[c.pk])
    anonymous = client.get(reverse("training:find_detail", args=[c.pk])).content.decode()
    assert reason in anonymous
    client.force_login(worker)
    shown = client.get(reverse("training:find_detail", args=[c.pk])).content.decode()
    assert reason in shown
    assert enrol_url not in shown
    page = client.post(enrol_url, follow=True).content.decode()
    assert reason in page
    assert not Enrolment.objects.exists()


def test_api_refuses_out_of_scope_approval_and_enrolment(
    staff_a, worker, person, withdrawn_after_approval, accredited
):
    welding = programme(staff_a, subsidised=False, occupation_code="6-18-02-04")
    c = one_day_class(staff_a, welding, soon())
    approve = api_client(staff_a).post(f"{CLASSES}/{c.pk}/transitions", {"to": "approved"})
    assert (approve.status_code, approve.json()["code"]) == (400, "approval_refused")
    assert approve.json()["reasons"] == [
        f"{SCHOOL_A} holds no training accreditation for 焊工 五级/初级工 on {soon()}."
    ]
    closed = withdrawn_after_approval
    response = api_client(worker).post(
        f"{CLASSES}/{closed.pk}/enrolments", {"person_id": person.pk}
    )
    assert (response.status_code, response.json()["code"]) == (400, "not_accredited")
    assert response.json()["detail"] == _no_new_enrolments(closed)
    assert not Enrolment.objects.exists()


# Venue capacity (R23).


@pytest.fixture
def room(staff_a):
    return services.create_venue("一号教室", "新华街道1号", 40, actor=staff_a)


def _too_small(code: str, places: int = 50) -> str:
    return (
        f"Session 1: Class {code} has {places} places, but venue 一号教室 is registered for 40 "
        "people: choose a larger venue or take fewer places."
    )


def test_a_class_cannot_have_more_places_than_its_venue_seats(staff_a, accredited, room):
    prog = programme(staff_a, subsidised=False)
    with pytest.raises(ValidationFailed) as refused:
        services.create_class(
            prog.pk,
            services.ClassInput(
                code="BIG-1",
                capacity=50,
                starts_on=soon(),
                ends_on=soon(),
                sessions=[session(soon(), 8, 12, venue=room)],
            ),
            actor=staff_a,
        )
    assert (refused.value.detail, refused.value.field) == (_too_small("BIG-1"), "capacity")
    assert not TrainingClass.objects.exists()


def test_editing_the_places_above_the_venue_is_refused(staff_a, accredited, room):
    c = one_day_class(
        staff_a, programme(staff_a, subsidised=False), soon(), capacity=40, venue=room
    )
    data = services.ClassInput(
        code=c.code,
        capacity=50,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        sessions=[session(soon(), 8, 12, venue=room)],
    )
    with pytest.raises(ValidationFailed) as refused:
        services.update_class(c.pk, data, actor=staff_a)
    assert refused.value.detail == _too_small(c.code)
    assert TrainingClass.objects.get(pk=c.pk).capacity == 40
    with pytest.raises(ValidationFailed, match="registered for 40 people"):
        services.add_session(
            one_day_class(staff_a, c.programme, soon(1), capacity=41).pk,
            session(soon(1), 14, 16, venue=room),
            actor=staff_a,
        )


def test_approval_checks_the_venue_again(staff_a, accredited, room):
    c = one_day_class(
        staff_a, programme(staff_a, subsidised=False), soon(), capacity=40, venue=room
    )
    # A class planned before the venue's capacity was corrected in the register.
    type(room).objects.filter(pk=room.pk).update(capacity=30)
    with pytest.raises(services.ApprovalRefused) as refused:
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
    assert refused.value.extra["reasons"] == [
        f"Class {c.code} has 40 places, but venue 一号教室 is registered for 30 people: choose "
        "a larger venue or take fewer places."
    ]
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.DRAFT


def test_a_venue_cannot_shrink_below_a_class_still_to_be_held_there(staff_a, accredited, room):
    c = opened(staff_a, programme(staff_a, subsidised=False), soon(), capacity=40, venue=room)
    with pytest.raises(ValidationFailed) as refused:
        services.update_venue(room.pk, room.name, room.address, 30, actor=staff_a)
    assert refused.value.detail == (
        f"Class {c.code} has 40 places and holds sessions in this venue: the registered "
        "capacity cannot go below 40 until that class is finished or has fewer places."
    )
    room.refresh_from_db()
    assert room.capacity == 40
    # A finished class keeps no seats: the venue may shrink then.
    TrainingClass.objects.filter(pk=c.pk).update(status=ClassStatus.CLOSED)
    services.update_venue(room.pk, room.name, room.address, 30, actor=staff_a)
    room.refresh_from_db()
    assert room.capacity == 30


def test_class_form_says_the_venue_is_too_small(client, staff_a, accredited, room):
    prog = programme(staff_a, subsidised=False)
    client.force_login(staff_a)
    day = soon().isoformat()
    form = {
        "code": "BIG-2",
        "capacity": "50",
        "starts_on": day,
        "ends_on": day,
        "mode": "offline",
        "day": day,
        "start": "08:00",
        "end": "12:00",
        "venue": str(room.pk),
    }
    page = client.post(reverse("training:create", args=[prog.pk]), form).content.decode()
    assert "Venue 一号教室 is registered for 40 people: a class held there has at most 40" in page
    assert not TrainingClass.objects.exists()


def test_class_edit_form_keeps_the_places_within_the_venue(client, staff_a, accredited, room):
    c = one_day_class(
        staff_a, programme(staff_a, subsidised=False), soon(), capacity=40, venue=room
    )
    client.force_login(staff_a)
    form = {
        "code": c.code,
        "capacity": "50",
        "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat(),
        "mode": "offline",
    }
    page = client.post(reverse("training:edit", args=[c.pk]), form).content.decode()
    assert "a class held there has at most 40 places" in page
    assert TrainingClass.objects.get(pk=c.pk).capacity == 40


def test_venue_page_says_why_it_cannot_shrink(client, staff_a, accredited, room):
    c = one_day_class(
        staff_a, programme(staff_a, subsidised=False), soon(), capacity=40, venue=room
    )
    client.force_login(staff_a)
    form = {"name": room.name, "address": room.address, "capacity": "30"}
    page = client.post(reverse("training:venue_edit", args=[room.pk]), form).content.decode()
    assert f"Class {c.code} has 40 places and holds sessions in this venue" in page
    room.refresh_from_db()
    assert room.capacity == 40


# Overlapping enrolments.


def person_b(admin):
    return person(admin, ID_B, name="王五")


@pytest.fixture
def morning(staff_a, accredited):
    """An open class of school A on one morning, 08:00 to 12:00."""
    return opened(staff_a, programme(staff_a, subsidised=False), soon())


def _other_programme(staff):
    return programme(staff, subsidised=False, theory=2, practice=2)


def test_a_worker_cannot_hold_two_places_whose_sessions_overlap(staff_a, worker, person, morning):
    services.enrol(morning.pk, person.pk, actor=worker)
    midday = opened(staff_a, _other_programme(staff_a), soon(), 10, 14)
    with pytest.raises(services.OverlappingEnrolment) as refused:
        services.enrol(midday.pk, person.pk, actor=worker)
    day = soon().isoformat()
    assert refused.value.detail == (
        f"张三 already holds a place in class {morning.code}, whose session {day} 08:00–12:00 "
        f"overlaps this class's session {day} 10:00–14:00."
    )
    assert list(Enrolment.objects.values_list("training_class", flat=True)) == [morning.pk]
    # Back to back is no overlap.
    afternoon = opened(staff_a, _other_programme(staff_a), soon(), 12, 16)
    services.enrol(afternoon.pk, person.pk, actor=worker)
    assert Enrolment.objects.filter(person=person, status=EnrolmentStatus.ENROLLED).count() == 2


def test_one_place_per_programme_at_a_time(staff_a, worker, person, morning):
    services.enrol(morning.pk, person.pk, actor=worker)
    next_month = opened(staff_a, morning.programme, soon(30))
    with pytest.raises(services.SameProgrammeEnrolled) as refused:
        services.enrol(next_month.pk, person.pk, actor=worker)
    assert refused.value.detail == (
        f"张三 already holds a place in class {morning.code} of the same programme: one place "
        "per programme at a time. Withdraw from that class, or transfer."
    )
    assert Enrolment.objects.count() == 1


def test_a_waitlist_place_counts_and_a_withdrawn_one_does_not(
    staff_a, bureau_admin, worker, person, accredited
):
    full = opened(staff_a, programme(staff_a, subsidised=False), soon(), capacity=1)
    enrol(full.pk, person_b(bureau_admin), actor=staff_a)
    waiting = services.enrol(full.pk, person.pk, actor=worker)
    assert waiting.status == EnrolmentStatus.WAITLISTED
    same_time = opened(staff_a, _other_programme(staff_a), soon())
    with pytest.raises(services.OverlappingEnrolment):
        services.enrol(same_time.pk, person.pk, actor=worker)
    services.withdraw(waiting.pk, actor=worker)
    assert services.enrol(same_time.pk, person.pk, actor=worker).status == "enrolled"


def test_another_school_learns_only_that_the_person_has_an_overlapping_place(
    staff_a, staff_b, bureau_admin, morning, accredited_b
):
    someone = person_b(bureau_admin)
    enrol(morning.pk, someone, actor=staff_a)
    elsewhere = opened(staff_b, programme(staff_b, subsidised=False), soon(), 9, 11)
    with pytest.raises(services.OverlappingEnrolment) as refused:
        enrol(elsewhere.pk, someone, actor=staff_b)
    assert refused.value.detail == (
        "王五 already holds a place in another class whose sessions overlap this class's."
    )
    upload = _xlsx([["姓名", "身份证号"], ["王五", ID_B]])
    result = services.enrol_bulk(elsewhere.pk, upload, actor=staff_b)
    assert (result.enrolled, [(e.row, e.detail) for e in result.errors]) == (
        0,
        [(2, "王五 already holds a place in another class whose sessions overlap this class's.")],
    )
    assert not Enrolment.objects.filter(training_class=elsewhere).exists()


def test_the_school_holding_both_classes_sees_which_one(staff_a, bureau_admin, morning):
    someone = person_b(bureau_admin)
    enrol(morning.pk, someone, actor=staff_a)
    same_time = opened(staff_a, _other_programme(staff_a), soon())
    with pytest.raises(services.OverlappingEnrolment, match=f"in class {morning.code}, whose"):
        enrol(same_time.pk, someone, actor=staff_a)


def test_a_transfer_within_the_programme_gives_up_the_old_place(staff_a, worker, person, morning):
    place = services.enrol(morning.pk, person.pk, actor=worker)
    # Same programme, same time: the place being given up never clashes with its successor.
    twin = opened(staff_a, morning.programme, soon())
    moved = services.transfer(place.pk, twin.pk, actor=staff_a)
    assert moved.status == EnrolmentStatus.ENROLLED
    assert Enrolment.objects.get(pk=place.pk).status == EnrolmentStatus.TRANSFERRED
    # A transfer into a class that overlaps another place the person keeps is refused.
    other = opened(staff_a, _other_programme(staff_a), soon(60))
    services.enrol(other.pk, person.pk, actor=worker)
    clash = opened(staff_a, morning.programme, soon(60), 10, 11)
    with pytest.raises(services.OverlappingEnrolment, match=f"in class {other.code}, whose"):
        services.transfer(moved.pk, clash.pk, actor=staff_a)
    assert Enrolment.objects.get(pk=moved.pk).status == EnrolmentStatus.ENROLLED


def test_api_and_page_refuse_the_overlapping_place(client, staff_a, worker, person, morning):
    services.enrol(morning.pk, person.pk, actor=worker)
    same_time = opened(staff_a, _other_programme(staff_a), soon())
    response = api_client(worker).post(
        f"{CLASSES}/{same_time.pk}/enrolments", {"person_id": person.pk}
    )
    assert (response.status_code, response.json()["code"]) == (409, "overlapping_enrolment")
    assert morning.code in response.json()["detail"]
    client.force_login(worker)
    enrol_url = reverse("training:find_enrol", args=[same_time.pk])
    shown = client.get(reverse("training:find_detail", args=[same_time.pk])).content.decode()
    assert f"张三 already holds a place in class {morning.code}" in shown
    assert enrol_url not in shown
    page = client.post(enrol_url, follow=True).content.decode()
    assert f"张三 already holds a place in class {morning.code}" in page
    assert Enrolment.objects.count() == 1


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "roster.xlsx"
    return data
