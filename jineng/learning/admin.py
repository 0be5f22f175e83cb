"""Read-only admin views of online learning."""

from django.contrib import admin

from jineng.learning.models import LearningPlatform, Statement


@admin.register(LearningPlatform)
class LearningPlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "is_active")


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("statement_id", "verb_id", "activity_id", "stored", "is_voided")
    list_filter = ("is_voided",)

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
