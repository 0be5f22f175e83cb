"""Row locks for attendance: the only place select_for_update() appears in this app."""

from __future__ import annotations

from jineng.attendance.models import Attendance
from jineng.training import locks as training_locks
from jineng.training.models import Enrolment


def enrolment_for_update(enrolment_id: int) -> Enrolment:
    """Lock an enrolment row, so two check-ins of one trainee never race each other."""
    return Enrolment.objects.select_for_update().get(pk=enrolment_id)


def check_in_for_review(attendance_id: int, class_id: int) -> Attendance:
    """Lock a check-in's class, then the check-in, and return the check-in as it now stands.

    The class first, as closing it (结业) does: a decision and the completion it must precede
    never cross, so a check-in rejected is never counted by a completion taken at the same
    moment, and two reviewers never decide one check-in twice.
    """
    training_locks.class_for_update(class_id)
    return (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("enrolment__training_class", "session")
        .get(pk=attendance_id)
    )
