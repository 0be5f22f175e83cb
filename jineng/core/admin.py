"""Django admin for the shared kernel, and the base classes other apps' admins use.

The admin is an inspection tool: most models are read-only there because their changes
must go through services (which validate and audit). Where the admin may change data,
``AuditedAdminMixin`` writes every addition, change and deletion to the audit trail in
the admin's own transaction.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jineng.core import audit
from jineng.core.models import AuditEvent, Job


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show a model in the admin without letting anyone add, change or delete rows."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def admin_actor(request: HttpRequest) -> audit.AuditActor:
    """The account acting in the admin site, which lets only signed-in staff in."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return user


class AuditedAdminMixin:
    """Audit every addition, change and deletion made through this admin page.

    Each event is written in one transaction with the change itself (``save_model``,
    ``delete_model``, ``delete_queryset``), so neither commits without the other.
    """

    #: Field names whose values are copied into each audit event (e.g. role and scope).
    audit_fields: tuple[str, ...] = ()

    def _data(self, obj: models.Model, **extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"via": "admin", **extra}
        for name in self.audit_fields:
            # A foreign key's id, not its object (the field's attname).
            data[name] = obj.serializable_value(name)
        return data

    def _audit(self, request: HttpRequest, obj: models.Model, verb: str, **extra: Any) -> None:
        action = f"{obj._meta.label_lower}.{verb}"
        audit.record(admin_actor(request), action, obj, data=self._data(obj, **extra))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            changed = sorted(form.changed_data) if form is not None else []
            self._audit(request, obj, "changed" if change else "created", fields=changed)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._audit(request, obj, "deleted")
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._audit(request, obj, "deleted")
            super().delete_queryset(request, queryset)  # type: ignore[misc]


class AuditedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """An admin page that may change data, every change audited (see AuditedAdminMixin)."""


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail, read-only: rows are written only by core.audit.record()."""

    list_display = ("id", "created_at", "actor_label", "action", "object_type", "object_id")
    search_fields = ("action", "object_id", "actor_label", "request_id")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    show_full_result_count = False

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # Prefix matches use the action index instead of scanning every row.
        if not search_term:
            return queryset, False
        return queryset.filter(action__startswith=search_term) | queryset.filter(
            object_id=search_term
        ), False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Long-running jobs and their progress, read-only."""

    list_display = ("id", "kind", "status", "owner", "done", "total", "created_at", "finished_at")
    list_filter = ("kind", "status")
    ordering = ("-id",)


def _replace(model: type[models.Model], base: type[admin.ModelAdmin], kind: type) -> None:
    """Register a third-party model's admin again, read-only or audited (its own actions,
    which bypass both, are dropped)."""
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    name = f"{'Audited' if kind is AuditedAdminMixin else 'ReadOnly'}{base.__name__}"
    admin.site.register(model, type(name, (kind, base), {"actions": [], "__module__": __name__}))


def _cover_third_party_admins() -> None:
    """Groups (permissions) and login-lockout records: audited, or read-only."""
    from django.contrib.auth.admin import GroupAdmin
    from django.contrib.auth.models import Group

    _replace(Group, GroupAdmin, AuditedAdminMixin)
    if apps.is_installed("axes"):
        from axes import admin as axes_admin
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        # Deleting a lockout record unlocks the account: audited.
        _replace(AccessAttempt, axes_admin.AccessAttemptAdmin, AuditedAdminMixin)
        _replace(AccessLog, axes_admin.AccessLogAdmin, ReadOnlyAdmin)
        _replace(AccessFailureLog, axes_admin.AccessFailureLogAdmin, ReadOnlyAdmin)


_cover_third_party_admins()

admin.site.site_header = _("jineng administration")
admin.site.site_title = _("jineng administration")
