"""Django admin for the shared kernel, and the base classes other apps' admins use.

The admin is an inspection tool: most models are read-only there because their changes
must go through services (which validate and audit). Where the admin may change data,
``AuditedAdminMixin`` writes every addition, change and deletion to the audit trail in
the admin's own transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
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


class AuditedAdminMixin:
    """Audit every addition, change and deletion made through this admin page."""

    #: Field names whose values are copied into each audit event (e.g. role and scope).
    audit_fields: tuple[str, ...] = ()

    def _data(self, obj: models.Model, message: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"via": "admin", "message": message}
        for name in self.audit_fields:
            field = obj._meta.get_field(name)
            data[name] = getattr(obj, field.attname)
        return data

    def _audit(self, request: HttpRequest, obj: models.Model, verb: str, message: Any) -> None:
        action = f"{obj._meta.label_lower}.{verb}"
        with transaction.atomic():
            audit.record(request.user, action, obj, data=self._data(obj, message))

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self._audit(request, obj, "created", message)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        self._audit(request, obj, "changed", message)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._audit(request, obj, "deleted", "")
        return super().log_deletions(request, queryset)  # type: ignore[misc]


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


admin.site.site_header = _("jineng administration")
admin.site.site_title = _("jineng administration")
