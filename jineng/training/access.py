"""Data scope for training classes: the only place that decides who sees which class."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from jineng.accounts.roles import CITY_WIDE_ROLES, ORGANIZATION_ROLES, Role
from jineng.core.errors import NotFound
from jineng.training.choices import ClassStatus

if TYPE_CHECKING:
    from jineng.training.models import TrainingClass, TrainingClassQuerySet

# Classes anyone may find ("找培训"): approved and running ones.
PUBLIC_STATUSES = (ClassStatus.APPROVED, ClassStatus.RUNNING)


def scope_classes(queryset: TrainingClassQuerySet, user: Any) -> TrainingClassQuerySet:
    """Bureau: all; organisation staff: their own; workers and the public: published ones."""
    if getattr(user, "is_authenticated", False) and user.is_active:
        if user.role in CITY_WIDE_ROLES:
            return queryset
        if user.role in ORGANIZATION_ROLES and user.organization_id:
            return queryset.filter(programme__organization_id=user.organization_id)
        if user.role == Role.WORKER:
            return queryset.filter(status__in=PUBLIC_STATUSES)
        return queryset.none()
    return queryset.filter(status__in=PUBLIC_STATUSES)


def get_class_for_user(user: Any, pk: int) -> TrainingClass:
    """Return a class the user may see, or NotFound for missing and out-of-scope alike."""
    from jineng.training.models import TrainingClass

    found = (
        TrainingClass.objects.visible_to(user)
        .select_related("programme__organization", "programme__occupation", "region")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such training class."))
    return found
