"""Data scope for attendance: who sees which sheet, session screen and check-in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from jineng.accounts.roles import Capability, Role
from jineng.core.errors import NotFound
from jineng.training.access import get_class_for_user
from jineng.training.models import ClassSession, TrainingClass

if TYPE_CHECKING:
    from jineng.attendance.models import AttendanceQuerySet


def scope_attendance(queryset: AttendanceQuerySet, user: Any) -> AttendanceQuerySet:
    """Staff and the bureau: check-ins of classes in their scope; workers: their own."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.can(Capability.VIEW_ATTENDANCE):
        classes = TrainingClass.objects.visible_to(user)
        return queryset.filter(enrolment__training_class__in=classes)
    if user.role == Role.WORKER and user.person_id:
        return queryset.filter(enrolment__person_id=user.person_id)
    return queryset.none()


def get_sheet_class_for_user(
    user: Any, pk: int, *, action: str = Capability.VIEW_ATTENDANCE
) -> TrainingClass:
    """Return a class whose attendance the user may see or record, else NotFound (404)."""
    if not user.can(action):
        raise NotFound(_("No such training class."))
    return get_class_for_user(user, pk)


def get_session_for_user(
    user: Any, pk: int, *, action: str = Capability.VIEW_ATTENDANCE
) -> ClassSession:
    """Return a session of a class in the user's scope, else NotFound (404)."""
    if not user.can(action):
        raise NotFound(_("No such session."))
    classes = TrainingClass.objects.visible_to(user)
    found = (
        ClassSession.objects.filter(training_class__in=classes, pk=pk)
        .select_related("training_class__programme__organization", "venue")
        .first()
    )
    if found is None:
        raise NotFound(_("No such session."))
    return found
