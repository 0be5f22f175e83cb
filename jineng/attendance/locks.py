"""Row locks for attendance: the only place select_for_update() appears in this app."""

from __future__ import annotations

from jineng.training.models import Enrolment


def enrolment_for_update(enrolment_id: int) -> Enrolment:
    """Lock an enrolment row, so two check-ins of one trainee never race each other."""
    return Enrolment.objects.select_for_update().get(pk=enrolment_id)
