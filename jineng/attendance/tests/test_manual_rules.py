"""Manual check-ins (补签): only inside the session's window or its grace, marked everywhere,
counted only when allowed; the bureau sees each class's manual share beside the city median."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from jineng.api.tests.helpers import api_client
from jineng.attendance import queries, services, tokens
from jineng.attendance.errors import ManualCheckInClosed
from jineng.attendance.models import Attendance
from jineng.core.models import AuditEvent
from jineng.people.queries import EVERYTHING
from jineng.training.models import ClassSession, Enrolment

from .conftest import START, make_class

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HOUR = datetime.timedelta(hours=1)
# The morning session runs 09:00-11:00 (conftest): its grace ends 48 hours after 11:00.
MORNING_ENDS = START + 2 * HOUR


@pytest.fixture
def english(settings):
    """These tests match messages in their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def future_session(training_class, venue):
    """A session four days ahead of the clock (the attack: 补签 before it happened)."""
    return ClassSession.objects.create(
        training_class=training_class,
        starts_at=START + datetime.timedelta(days=4),
        ends_at=START + datetime.timedelta(days=4, hours=2),
        venue=venue,
        topic="接地保护",
    )


def _manual(session, enrolment, actor, reason="手机没电"):
    return services.record_manual_check_in(session.pk, enrolment.pk, reason=reason, actor=actor)


@pytest.mark.usefixtures("english")
def test_manual_check_in_for_a_future_session_is_refused(
    staff_a, enrolment, future_session, at_start
):
    with pytest.raises(ManualCheckInClosed) as error:
        _manual(future_session, enrolment, staff_a)
    assert error.value.status == 409
    assert error.value.field == "session"
    assert str(error.value.detail) == (
        "This session has not begun: a manual check-in can be recorded from Mar 6, 08:45, "
        "not before the trainee has attended."
    )
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="attendance.").exists()
    assert queries.attended_minutes([enrolment.pk]) == {enrolment.pk: 0}


@pytest.mark.usefixtures("english")
def test_manual_check_in_after_the_grace_is_refused(staff_a, enrolment, sessions, at_start):
    at_start.move_to(MORNING_ENDS + datetime.timedelta(hours=48, minutes=1))
    with pytest.raises(ManualCheckInClosed) as error:
        _manual(sessions[0], enrolment, staff_a)
    assert str(error.value.detail) == (
        "This session ended more than 48 hours ago: manual check-ins closed at Mar 4, 11:00."
    )
    assert not Attendance.objects.exists()


def test_manual_check_in_within_the_grace_needs_a_reason(staff_a, enrolment, sessions, at_start):
    at_start.move_to(MORNING_ENDS + datetime.timedelta(hours=47))
    with pytest.raises(services.ValidationFailed) as error:
        _manual(sessions[0], enrolment, staff_a, reason=" ")
    assert error.value.field == "reason"
    assert not Attendance.objects.exists()


def test_manual_check_in_within_the_grace_is_accepted_marked_and_counted(
    staff_a, enrolment, sessions, at_start
):
    at_start.move_to(MORNING_ENDS + datetime.timedelta(hours=48))
    attendance = _manual(sessions[0], enrolment, staff_a, reason="纸质签到表补录")
    assert (attendance.method, attendance.is_manual, attendance.is_counted) == (
        "manual",
        True,
        True,
    )
    assert (attendance.reason, attendance.recorded_by) == ("纸质签到表补录", staff_a)
    assert attendance.flags == ["outside_window"]
    event = AuditEvent.objects.get(action="attendance.attendance.created")
    assert (event.data["method"], event.data["reason"]) == ("manual", "纸质签到表补录")
    assert queries.attended_minutes([enrolment.pk]) == {enrolment.pk: 120}


def test_manual_check_in_opens_with_the_on_time_window(staff_a, enrolment, sessions):
    early = time_machine.travel(START - datetime.timedelta(minutes=16), tick=False)
    with early, pytest.raises(ManualCheckInClosed):
        _manual(sessions[0], enrolment, staff_a)
    with time_machine.travel(START - datetime.timedelta(minutes=15), tick=False):
        assert _manual(sessions[0], enrolment, staff_a).flags == []


def test_grace_is_a_setting(settings, staff_a, enrolment, sessions, at_start):
    settings.JINENG_MANUAL_CHECKIN_GRACE_HOURS = 1
    at_start.move_to(MORNING_ENDS + datetime.timedelta(minutes=61))
    with pytest.raises(ManualCheckInClosed):
        _manual(sessions[0], enrolment, staff_a)
    at_start.move_to(MORNING_ENDS + datetime.timedelta(minutes=60))
    assert _manual(sessions[0], enrolment, staff_a).is_manual


def test_given_check_in_time_cannot_be_in_the_future(staff_a, enrolment, sessions, at_start):
    with pytest.raises(services.ValidationFailed) as error:
        services.record_manual_check_in(
            sessions[0].pk,
            enrolment.pk,
            reason="补签",
            actor=staff_a,
            checked_in_at=START + HOUR,
        )
    assert error.value.field == "checked_in_at"
    assert not Attendance.objects.exists()


def _legacy_future_manual(enrolment, session, staff):
    """A manual check-in written before these rules, four days ahead of its session."""
    return Attendance.objects.create(
        enrolment=enrolment,
        session=session,
        checked_in_at=START,
        method="manual",
        reason="提前补签",
        recorded_by=staff,
    )


def test_manual_check_in_recorded_ahead_of_its_session_does_not_count(
    staff_a, worker, enrolment, sessions, future_session, at_start
):
    services.check_in(tokens.make_code(sessions[0].pk, START), actor=worker)
    legacy = _legacy_future_manual(enrolment, future_session, staff_a)
    assert legacy.is_counted is False
    assert queries.attended_minutes([enrolment.pk]) == {enrolment.pk: 120}
    assert list(Attendance.objects.counted().values_list("pk", flat=True)) == [
        a.pk for a in Attendance.objects.exclude(pk=legacy.pk)
    ]
    # The session arriving later does not make it count: it was recorded ahead of it.
    at_start.move_to(future_session.ends_at)
    assert queries.attended_minutes([enrolment.pk]) == {enrolment.pk: 120}


@pytest.mark.usefixtures("english")
def test_uncounted_manual_check_in_is_marked_on_every_output(
    client, staff_a, worker, enrolment, future_session, at_start
):
    legacy = _legacy_future_manual(enrolment, future_session, staff_a)
    client.force_login(staff_a)
    sheet = client.get(reverse("attendance:sheet", args=[enrolment.training_class.pk]), **EN)
    assert "✗ <s>09:00</s> M <small>recorded by staff: 提前补签</small>" in sheet.content.decode()
    api = api_client(staff_a).get("/api/v1/attendance/check-ins").json()["items"][0]
    assert (api["method"], api["is_manual"], api["is_counted"]) == ("manual", True, False)
    entry = queries.record_entries(worker.person, EVERYTHING)[0]
    assert entry.title == (
        "Attended session 接地保护 of 电工培训 A-2026-001 (recorded by staff: 提前补签) "
        "(not counted: recorded outside the session's manual window)"
    )
    assert (entry.details["is_manual"], entry.details["is_counted"]) == (True, False)
    assert entry.details["minutes"] == 0
    from jineng.attendance.exports import cell_text

    assert cell_text(legacy) == (
        "09:00 (manual: 提前补签) [not counted: recorded outside the session's manual window]"
    )
    client.force_login(worker)
    mine = client.get(reverse("attendance:mine"), **EN).content.decode()
    assert "manual: 提前补签" in mine
    assert "Not counted toward your hours" in mine


def test_api_refuses_a_future_manual_check_in(staff_a, enrolment, future_session, at_start):
    response = api_client(staff_a).post(
        "/api/v1/attendance/manual-check-ins",
        {"session_id": future_session.pk, "enrolment_id": enrolment.pk, "reason": "补签"},
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == (
        "manual_check_in_closed",
        "session",
    )
    assert not Attendance.objects.exists()


def test_api_marks_a_manual_check_in(staff_a, enrolment, sessions, at_start):
    response = api_client(staff_a).post(
        "/api/v1/attendance/manual-check-ins",
        {"session_id": sessions[0].pk, "enrolment_id": enrolment.pk, "reason": "手机没电"},
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["method"], data["is_manual"], data["is_counted"]) == ("manual", True, True)
    assert data["reason"] == "手机没电"


@pytest.mark.usefixtures("english")
def test_manual_form_shows_the_window_refusal(client, staff_a, enrolment, future_session):
    client.force_login(staff_a)
    with time_machine.travel(START, tick=False):
        response = client.post(
            reverse("attendance:manual", args=[future_session.pk]),
            {"enrolment": enrolment.pk, "reason": "补签"},
            **EN,
        )
    assert response.status_code == 400
    assert "This session has not begun" in response.content.decode()
    assert not Attendance.objects.exists()


# The manual share: four classes with check-ins and one without.


@pytest.fixture
def shares(school_a, school_b, occupation, person, staff_a):
    """Classes with 1/4, 0/2, 2/2 and 1/2 manual check-ins, and one class without any."""
    plan = {
        "A-2026-001": (school_a, ["manual", "qr", "qr", "qr"]),
        "B-2026-001": (school_b, ["qr", "qr"]),
        "B-2026-002": (school_b, ["manual", "manual"]),
        "A-2026-002": (school_a, ["manual", "qr"]),
        "A-2026-003": (school_a, []),
    }
    classes = {}
    for code, (organization, methods) in plan.items():
        training_class = make_class(organization, code, occupation)
        enrolment = Enrolment.objects.create(training_class=training_class, person=person)
        for n, method in enumerate(methods):
            session = ClassSession.objects.create(
                training_class=training_class,
                starts_at=START + n * 3 * HOUR,
                ends_at=START + (n * 3 + 2) * HOUR,
            )
            Attendance.objects.create(
                enrolment=enrolment,
                session=session,
                checked_in_at=session.starts_at,
                method=method,
                reason="补签" if method == "manual" else "",
            )
        classes[code] = training_class
    return classes


def test_manual_share_and_city_median_are_exact(shares):
    assert queries.manual_share(shares["A-2026-001"]) == queries.ManualShare(manual=1, total=4)
    assert queries.manual_share(shares["A-2026-001"]).percent == Decimal("25.0")
    assert queries.manual_share(shares["B-2026-002"]).percent == Decimal("100.0")
    assert queries.manual_share(shares["A-2026-003"]).percent is None
    # Median of 0%, 25%, 50% and 100% (the class without check-ins is left out).
    assert queries.city_manual_median() == Decimal("37.5")
    Attendance.objects.filter(session__training_class=shares["A-2026-002"]).delete()
    assert queries.city_manual_median() == Decimal("25.0")


def test_city_median_is_none_without_check_ins(db):
    assert queries.city_manual_median() is None


def test_manual_share_overview_orders_classes_by_share(shares, bureau_admin):
    from jineng.training.models import TrainingClass

    rows = queries.manual_share_overview(TrainingClass.objects.visible_to(bureau_admin))
    assert [(c.code, c.manual_check_ins, c.check_ins) for c in rows] == [
        ("B-2026-002", 2, 2),
        ("A-2026-002", 1, 2),
        ("A-2026-001", 1, 4),
        ("B-2026-001", 0, 2),
    ]


@pytest.mark.usefixtures("english")
def test_bureau_sees_the_share_beside_the_median_on_the_class_page(client, bureau_admin, shares):
    client.force_login(bureau_admin)
    page = client.get(reverse("training:detail", args=[shares["A-2026-001"].pk]), **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<strong>25.0%</strong>" in html
    assert "1 of 4 check-ins recorded by staff" in html
    assert "City median" in html
    assert "<strong>37.5%</strong>" in html
    # 100% is not three times 37.5%; once the median is 25%, it is.
    outlier = reverse("training:detail", args=[shares["B-2026-002"].pk])
    assert "three times the city median" not in client.get(outlier, **EN).content.decode()
    Attendance.objects.filter(session__training_class=shares["A-2026-002"]).delete()
    assert "Above 15% and at least three times the city median" in (
        client.get(outlier, **EN).content.decode()
    )


@pytest.mark.usefixtures("english")
def test_school_sees_no_city_median(client, staff_a, shares):
    client.force_login(staff_a)
    page = client.get(reverse("training:detail", args=[shares["A-2026-001"].pk]), **EN)
    assert page.status_code == 200
    assert "City median" not in page.content.decode()
    sheet = client.get(reverse("attendance:sheet", args=[shares["A-2026-001"].pk]), **EN)
    assert "City median" not in sheet.content.decode()
    assert client.get(reverse("attendance:manual_share"), **EN).status_code == 403


@pytest.mark.parametrize(("who", "status"), [("worker", 403), ("anonymous", 302)])
def test_manual_share_page_is_for_the_bureau_only(request, client, who, status, shares):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("attendance:manual_share")).status_code == status


@pytest.mark.usefixtures("english")
def test_manual_share_page_lists_classes_and_the_median(
    client, reviewer, shares, django_assert_max_num_queries
):
    client.force_login(reviewer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("attendance:manual_share"), **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert "City median: <strong>37.5%</strong>" in html
    assert html.index("B-2026-002") < html.index("A-2026-002") < html.index("A-2026-001")
    assert "A-2026-003" not in html
    assert "100.0%</td>" in html
