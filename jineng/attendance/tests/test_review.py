"""Reviewing flagged check-ins: who may, the decision and its audit, and what stops counting."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from jineng.attendance import queries, services, tokens
from jineng.attendance.access import check_ins_to_review
from jineng.attendance.errors import AlreadyReviewed
from jineng.attendance.models import Attendance
from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.training.choices import ClassStatus
from jineng.training.models import Enrolment
from jineng.training.services.completion import close_class

from .conftest import START, VENUE_LAT, VENUE_LNG


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


NEAR = services.Location(latitude=VENUE_LAT, longitude=VENUE_LNG, accuracy_m=12)


def scan(worker, session, at, location=None):
    code = tokens.make_code(session.pk, at)
    return services.check_in(code, actor=worker, scanned_at=at, location=location)


@pytest.fixture
def flagged(worker, enrolment, sessions, at_start):
    """The worker's first-session check-in, made without a location (flagged)."""
    return scan(worker, sessions[0], START)


def test_reviewer_rejects_with_reason_audited_and_the_hours_stop_counting(
    reviewer, flagged, enrolment
):
    assert flagged.flags == ["no_location"]
    assert queries.attended_minutes([enrolment.pk]) == {enrolment.pk: 120}
    decided = services.review_check_in(
        flagged.pk, decision="rejected", reason="学员电话确认当日未到场", actor=reviewer
    )
    row = Attendance.objects.get(pk=flagged.pk)
    assert (row.review, row.review_reason, row.reviewed_by, row.reviewed_at) == (
        "rejected",
        "学员电话确认当日未到场",
        reviewer,
        START,
    )
    assert decided.pk == row.pk
    assert row.is_counted is False
    assert row.not_counted_reason == "rejected by a reviewer: 学员电话确认当日未到场"
    assert queries.attended_minutes([enrolment.pk]) == {enrolment.pk: 0}
    assert queries.flagged_minutes([enrolment.pk]) == {enrolment.pk: 0}
    event = AuditEvent.objects.get(action="attendance.attendance.rejected")
    assert (event.actor, event.object_id, event.person_id) == (
        reviewer,
        str(row.pk),
        enrolment.person_id,
    )
    assert event.data == {
        "session": row.session_id,
        "enrolment": enrolment.pk,
        "flags": ["no_location"],
        "decision": "rejected",
        "reason": "学员电话确认当日未到场",
    }
    # The record still shows the check-in, marked not counted, with no minutes.
    (entry,) = queries.record_entries(enrolment.person, _city_scope())
    assert entry.details["is_counted"] is False
    assert entry.details["minutes"] == 0
    assert "not counted: rejected by a reviewer" in entry.title


def _city_scope():
    from jineng.people.queries import RecordScope

    return RecordScope()


def test_accepted_check_in_keeps_counting_and_leaves_the_queue(bureau_admin, flagged, enrolment):
    queue = queries.review_queue(check_ins_to_review(bureau_admin))
    assert list(queue) == [flagged]
    services.review_check_in(
        flagged.pk, decision="accepted", reason="签到表核对无误", actor=bureau_admin
    )
    assert queries.attended_minutes([enrolment.pk]) == {enrolment.pk: 120}
    assert list(queries.review_queue(check_ins_to_review(bureau_admin))) == []
    assert list(queries.review_queue(check_ins_to_review(bureau_admin), "accepted")) == [flagged]
    assert AuditEvent.objects.filter(action="attendance.attendance.accepted").count() == 1


def test_a_decision_is_final_and_needs_a_reason_and_a_known_decision(reviewer, flagged):
    with pytest.raises(ValidationFailed) as missing:
        services.review_check_in(flagged.pk, decision="rejected", reason="  ", actor=reviewer)
    assert missing.value.field == "reason"
    with pytest.raises(ValidationFailed) as unknown:
        services.review_check_in(flagged.pk, decision="maybe", reason="x", actor=reviewer)
    assert unknown.value.field == "decision"
    services.review_check_in(flagged.pk, decision="accepted", reason="核对无误", actor=reviewer)
    with pytest.raises(AlreadyReviewed):
        services.review_check_in(flagged.pk, decision="rejected", reason="改判", actor=reviewer)
    assert Attendance.objects.get(pk=flagged.pk).review == "accepted"
    assert AuditEvent.objects.filter(action__startswith="attendance.attendance.a").count() == 1


def test_an_unflagged_check_in_is_not_reviewed(reviewer, worker, enrolment, sessions, at_start):
    clean = scan(worker, sessions[0], START, location=NEAR)
    assert clean.is_flagged is False
    with pytest.raises(InvalidTransition):
        services.review_check_in(clean.pk, decision="rejected", reason="x", actor=reviewer)
    assert Attendance.objects.get(pk=clean.pk).review == ""


def test_roles_without_the_capability_are_refused_and_out_of_scope_is_missing(
    flagged, auditor, staff_a, staff_b, worker
):
    # They see the check-in (their scope) but may not review it.
    for user in (auditor, staff_a, worker):
        with pytest.raises(PermissionDenied):
            services.review_check_in(flagged.pk, decision="rejected", reason="x", actor=user)
        assert list(check_ins_to_review(user)) == []
    # Another school's staff: exactly like a check-in that does not exist.
    with pytest.raises(NotFound) as other:
        services.review_check_in(flagged.pk, decision="rejected", reason="x", actor=staff_b)
    with pytest.raises(NotFound) as absent:
        services.review_check_in(10**9, decision="rejected", reason="x", actor=staff_b)
    assert str(other.value.detail) == str(absent.value.detail) == "No such check-in."
    assert Attendance.objects.get(pk=flagged.pk).review == ""
    assert not AuditEvent.objects.filter(action="attendance.attendance.rejected").exists()


def test_rejected_hours_are_left_out_of_completion_and_a_finished_class_is_not_reviewed(
    reviewer, bureau_admin, staff_a, worker, enrolment, sessions, training_class, at_start
):
    first = scan(worker, sessions[0], START)
    second_at = sessions[1].starts_at
    at_start.move_to(second_at)
    second = scan(worker, sessions[1], second_at)
    assert (first.is_flagged, second.is_flagged) == (True, True)
    services.review_check_in(first.pk, decision="rejected", reason="代签", actor=reviewer)
    at_start.move_to(sessions[1].ends_at + datetime.timedelta(hours=1))
    close_class(training_class.pk, actor=staff_a)
    place = Enrolment.objects.get(pk=enrolment.pk)
    # Only the second session's 3.5 hours count: 210 minutes, not 330.
    assert place.attended_minutes == 210
    assert place.status == "not_completed"
    assert Enrolment.objects.get(pk=enrolment.pk).training_class.status == ClassStatus.CLOSED
    assert list(queries.review_queue(check_ins_to_review(reviewer))) == []
    with pytest.raises(InvalidTransition):
        services.review_check_in(second.pk, decision="rejected", reason="x", actor=bureau_admin)


def test_the_api_says_a_rejected_check_in_does_not_count_and_why(
    client, reviewer, bureau_admin, flagged
):
    services.review_check_in(flagged.pk, decision="rejected", reason="代签", actor=reviewer)
    client.force_login(bureau_admin)
    response = client.get("/api/v1/attendance/check-ins?is_flagged=true", HTTP_ACCEPT_LANGUAGE="en")
    (data,) = response.json()["items"]
    assert (data["id"], data["is_counted"]) == (flagged.pk, False)
    assert (data["review"], data["review_reason"]) == ("rejected", "代签")


@pytest.fixture
def own_flagged(city, training_class, sessions, bureau_admin, staff_a):
    """A reviewer account linked to a person (a bureau employee who also trains), and a
    flagged manual check-in of that person's own place."""
    from jineng.accounts.models import User
    from jineng.accounts.roles import Role
    from jineng.people.services import PersonInput, register_person
    from jineng.training.choices import EnrolmentStatus

    me = register_person(
        PersonInput(id_number="220581198506150026", name="王审核", region_code="220581001001"),
        actor=bureau_admin,
    )
    reviewer_me = User.objects.create_user(
        username="rev_me", password="pw-Testing-123", role=Role.REVIEWER, person=me
    )
    place = Enrolment.objects.create(
        training_class=training_class, person=me, status=EnrolmentStatus.ENROLLED
    )
    row = Attendance.objects.create(
        enrolment=place,
        session=sessions[0],
        checked_in_at=START,
        method="manual",
        flags=["manual"],
        is_flagged=True,
        reason="没带手机",
        recorded_by=staff_a,
    )
    return reviewer_me, row


@pytest.mark.parametrize("decision", ["accepted", "rejected"])
def test_a_reviewer_may_not_decide_a_check_in_of_their_own_place(own_flagged, reviewer, decision):
    reviewer_me, row = own_flagged
    with pytest.raises(PermissionDenied, match="your own training"):
        services.review_check_in(row.pk, decision=decision, reason="属实", actor=reviewer_me)
    row.refresh_from_db()
    assert (row.review, row.reviewed_by) == ("", None)
    assert not AuditEvent.objects.filter(action__startswith="attendance.attendance.").exists()
    # Another reviewer decides it.
    services.review_check_in(row.pk, decision=decision, reason="属实", actor=reviewer)
    assert Attendance.objects.get(pk=row.pk).review == decision
    (event,) = AuditEvent.objects.filter(action__startswith="attendance.attendance.")
    assert (event.action, event.actor) == (f"attendance.attendance.{decision}", reviewer)


def test_a_reviewers_own_check_in_is_left_out_of_its_queue_only(own_flagged, reviewer):
    reviewer_me, row = own_flagged
    assert row.pk not in set(check_ins_to_review(reviewer_me).values_list("pk", flat=True))
    assert row.pk in set(check_ins_to_review(reviewer).values_list("pk", flat=True))


def test_the_trainee_is_told_of_a_rejection_and_not_of_an_acceptance(
    reviewer, worker, flagged, enrolment, sessions
):
    from jineng.notifications.models import Notification

    services.review_check_in(flagged.pk, decision="rejected", reason="未到场", actor=reviewer)
    rows = list(Notification.objects.values_list("recipient", "kind", "params", "target"))
    assert rows == [
        (
            worker.pk,
            "check_in_rejected",
            {
                "code": enrolment.training_class.code,
                "name": enrolment.training_class.programme.name,
            },
            "/attendance/",
        )
    ]
    second = scan(worker, sessions[1], sessions[1].starts_at)
    services.review_check_in(second.pk, decision="accepted", reason="已核实", actor=reviewer)
    assert Notification.objects.count() == 1
