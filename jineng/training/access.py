"""Data scope for training: the only way to get a class, programme, venue, teacher or session.

Each model's scope is registered in training/models.py and applied by ``jineng.core.scope``
(ADR 0005): the bureau sees the classes held in its region, an institution its own, workers
and the public the published ones. Missing and out-of-scope objects answer NotFound alike.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.core import scope
from jineng.core.scope import VIEW
from jineng.training.models import (
    PUBLIC_STATUSES,
    ClassSession,
    Enrolment,
    Programme,
    Teacher,
    TrainingClass,
    Venue,
)

__all__ = [
    "PUBLIC_STATUSES",
    "get_class_for_user",
    "get_enrolment_for_user",
    "get_programme_for_user",
    "get_session_for_user",
    "get_teacher_for_user",
    "get_venue_for_user",
]


def get_class_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> TrainingClass:
    """Return a class the user may act on, or NotFound for missing and out-of-scope alike."""
    rows = TrainingClass.objects.select_related(
        "programme__organization", "programme__occupation", "region"
    )
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such training class."))


def get_programme_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> Programme:
    """Return a programme the user may act on (培训项目), or NotFound."""
    rows = Programme.objects.select_related("organization", "occupation", "skill_level")
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such programme."))


def get_venue_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> Venue:
    """Return a venue the user may act on (培训场地), or NotFound."""
    rows = Venue.objects.select_related("region")
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such venue."))


def get_teacher_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> Teacher:
    """Return a teacher the user may act on (师资), or NotFound."""
    rows = Teacher.objects.all()
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such teacher."))


def get_session_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> ClassSession:
    """Return a session of a class the user may act on (课次), or NotFound."""
    rows = ClassSession.objects.select_related("training_class__programme__organization", "venue")
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such session."))


def get_enrolment_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> Enrolment:
    """Return an enrolment (报名) the user may act on: a worker's own, a class's; or NotFound."""
    rows = Enrolment.objects.select_related(
        "person", "training_class__programme__organization", "training_class__region"
    )
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such enrolment."))
