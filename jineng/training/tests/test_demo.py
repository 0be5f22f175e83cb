"""The training demo needs the demo accounts and does nothing without them."""

from __future__ import annotations

import io

import pytest

from jineng.training.demo import build_demo
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db


def test_demo_without_accounts_does_nothing():
    out = io.StringIO()
    build_demo(stdout=out)
    assert out.getvalue() == "training demo: skipped (no school1 or admin account)\n"
    assert not TrainingClass.objects.exists()


def test_demo_classes_load_under_the_delivery_rules(city, target_groups, occupations, levels):
    """The whole demo, accreditations and catalogs first, opens its classes inside scope."""
    from django.core.management import call_command

    from jineng.training.models import Enrolment

    call_command("demo", "--people", "60", "--force", stdout=io.StringIO())
    classes = {c.code: c for c in TrainingClass.objects.filter(code__startswith="DEMO-")}
    assert {code: c.status for code, c in classes.items()} == {
        "DEMO-DONE": "closed",
        # Subsidised classes held weeks ago (the attendance demo), claimed by the subsidies demo.
        "DEMO-DONE-A": "closed",
        "DEMO-DONE-B": "closed",
        "DEMO-RUN": "running",
        "DEMO-SUB": "approved",
        "DEMO-SUB2": "submitted",
    }
    done = Enrolment.objects.filter(training_class=classes["DEMO-DONE"])
    assert (
        sorted(done.values_list("status", flat=True)) == ["completed"] * 4 + ["not_completed"] * 2
    )
    # The finished class's trainees hold a place in the running class of the same programme.
    assert (
        Enrolment.objects.filter(
            training_class=classes["DEMO-RUN"], person__in=done.values("person")
        ).count()
        == 6
    )
    assert Enrolment.objects.filter(training_class=classes["DEMO-SUB"]).count() > 0


def test_demo_history_is_approved_before_it_began_and_checked_in_on_phones(
    city, target_groups, occupations, levels
):
    """The classes under way are the demo's history, written with their audit events; the
    finished class's check-ins came from the trainees' phones, one recorded by staff."""
    from django.core.management import call_command

    from jineng.attendance.models import Attendance
    from jineng.core.models import AuditEvent

    call_command("demo", "--people", "60", "--force", stdout=io.StringIO())
    done = TrainingClass.objects.get(code="DEMO-DONE")
    for code in ("DEMO-DONE", "DEMO-RUN"):
        c = TrainingClass.objects.get(code=code)
        events = AuditEvent.objects.filter(object_type="training.trainingclass", object_id=c.pk)
        assert list(events.order_by("pk").values_list("action", "data__demo_history"))[:2] == [
            ("training.class.created", True),
            ("training.class.approved", True),
        ]
        assert c.decision_note == "演示数据：开课前已审批（补录历史班级）"
        assert all(s.venue_id for s in c.sessions.all())
    check_ins = Attendance.objects.filter(session__training_class=done)
    assert sorted(check_ins.values_list("method", flat=True)) == ["manual"] + ["qr"] * 11
    phones = check_ins.filter(method="qr")
    assert not phones.filter(is_flagged=True).exists()
    assert phones.values("device_id").distinct().count() == 4
    assert all(a.distance_m is not None and a.distance_m < 100 for a in phones)
    assert all(a.is_counted for a in check_ins.select_related("session"))
    # Each phone check-in was written by its trainee's account, with its audit event.
    created = AuditEvent.objects.filter(action="attendance.attendance.created")
    ids = [str(pk) for pk in check_ins.values_list("pk", flat=True)]
    assert created.filter(object_id__in=ids).count() == 12
    # The one more is the running class's flagged check-in left for the reviewers; the rest
    # are the check-ins of the subsidised classes held weeks ago.
    weeks_ago = Attendance.objects.filter(
        session__training_class__code__in=["DEMO-DONE-A", "DEMO-DONE-B"]
    )
    assert created.count() == 13 + weeks_ago.count()
    assert set(phones.values_list("enrolment__person__account__role", flat=True)) == {"worker"}
