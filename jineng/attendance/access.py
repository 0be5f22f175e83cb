"""Data scope for attendance: who sees which sheet, session screen and check-in.

Check-ins are registered in attendance/models.py and scoped by ``jineng.core.scope`` like the
class they belong to (ADR 0005): staff and the bureau with ``view_attendance`` see those of
classes in their scope (a town-level bureau account: classes held in its town), a worker
their own. Missing and out-of-scope objects answer NotFound alike.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor, Viewer
from jineng.accounts.roles import CITY_WIDE_ROLES, Capability, has_capability
from jineng.attendance.models import Attendance, AttendanceQuerySet
from jineng.core import scope
from jineng.core.errors import PermissionDenied
from jineng.core.scope import CHANGE, VIEW
from jineng.training import access as training_access
from jineng.training.models import ClassSession, TrainingClass


def _scope_action(capability: str) -> str:
    """Recording check-ins changes a class's attendance; seeing them only views it."""
    return CHANGE if capability == Capability.RECORD_ATTENDANCE else VIEW


def _require(user: Actor, capability: str) -> None:
    """Refuse (403) a role that may see the class but never see or record its attendance."""
    if not user.can(capability):
        raise PermissionDenied(_("Your role may not see or record attendance of this class."))


def get_sheet_class_for_user(
    user: Actor, pk: int, *, action: str = Capability.VIEW_ATTENDANCE
) -> TrainingClass:
    """Return a class whose attendance the user may see or record.

    NotFound (404) when the class is missing or outside the user's scope; PermissionDenied
    (403) when the user may see the class but their role has no say in its attendance.
    """
    training_access.get_class_for_user(user, pk)
    _require(user, action)
    return training_access.get_class_for_user(user, pk, action=_scope_action(action))


def get_session_for_user(
    user: Actor, pk: int, *, action: str = Capability.VIEW_ATTENDANCE
) -> ClassSession:
    """Return a session of a class in the user's scope (404 otherwise; 403 as for the sheet)."""
    training_access.get_session_for_user(user, pk)
    _require(user, action)
    return training_access.get_session_for_user(user, pk, action=_scope_action(action))


def may_see_city_figures(user: Viewer | None) -> bool:
    """Tell whether the user sees city-wide attendance figures (the manual-share median).

    Only the bureau's city-wide roles with ``view_attendance`` do: an institution sees its own
    sheets, never how other institutions' classes compare.
    """
    role = getattr(user, "role", "")
    return role in CITY_WIDE_ROLES and has_capability(user, Capability.VIEW_ATTENDANCE)


def require_city_figures(user: Viewer) -> None:
    """Refuse (403) a role that may never see city-wide attendance figures."""
    if not may_see_city_figures(user):
        raise PermissionDenied(_("Only the bureau sees attendance figures across the city."))


def may_review(user: Viewer | None) -> bool:
    """Tell whether the user accepts or rejects flagged check-ins (the bureau, reviewers)."""
    return has_capability(user, Capability.REVIEW_CHECK_INS)


def check_ins_to_review(user: Viewer) -> AttendanceQuerySet:
    """Return the check-ins in the user's scope that the user may review (none if no role).

    A reviewer's own places (an account linked to a trainee) are left out: another reviewer
    decides them (review_check_in refuses them too).
    """
    if not may_review(user):
        return Attendance.objects.none()
    rows = Attendance.objects.visible_to(user)
    person_id = getattr(user, "person_id", None)
    return rows.exclude(enrolment__person_id=person_id) if person_id else rows


def get_check_in_for_review(user: Actor, pk: int, *, action: str = VIEW) -> Attendance:
    """Return a check-in the user may review.

    NotFound (404) when it is missing or outside the user's scope; PermissionDenied (403)
    when the user sees it (a worker's own, a school's own trainee) but may not review it.
    """
    rows = Attendance.objects.select_related(
        "enrolment__person",
        "enrolment__training_class__programme__organization",
        "session__venue",
        "recorded_by",
        "reviewed_by",
    )
    missing = _("No such check-in.")
    scope.get_for_user(rows, user, pk, missing=missing)
    if not may_review(user):
        raise PermissionDenied(_("Your role may not review check-ins."))
    return scope.get_for_user(rows, user, pk, action=action, missing=missing)
