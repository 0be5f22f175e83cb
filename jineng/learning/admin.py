"""Admin views of online learning: platforms audited, statements read-only."""

from django.contrib import admin

from jineng.core.admin import AuditedAdmin, ReadOnlyAdmin
from jineng.learning.models import LearningPlatform, Statement


@admin.register(LearningPlatform)
class LearningPlatformAdmin(AuditedAdmin):
    audit_fields = ("name", "organization", "is_active")
    list_display = ("name", "organization", "is_active")
    # What a platform's minutes count toward is set on the bureau's platform page, whose
    # service audits the registrations before and after.
    readonly_fields = ("institutions", "training_classes")


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    """Statements are the platforms' record: written only through the xAPI endpoint."""

    list_display = ("statement_id", "verb_id", "activity_id", "stored", "is_voided")
    list_filter = ("is_voided",)
