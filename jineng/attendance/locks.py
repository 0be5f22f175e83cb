"""Row locks for attendance: the only place select_for_update() appears in this app."""

from __future__ import annotations

from jineng.attendance.models import Attendance
from jineng.training.models import Enrolment


def enrolment_for_update(enrolment_id: int) -> Enrolment:
    """Lock an enrolment row, so two check-ins of one trainee never race each other."""
    return Enrolment.objects.select_for_update().get(pk=enrolment_id)


def attendance_for_update(attendance_id: int) -> Attendance:
    """Lock one check-in row, so two reviewers never decide it twice."""
    return (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("enrolment__training_class", "session")
        .get(pk=attendance_id)
    )
