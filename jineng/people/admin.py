"""Django admin for people: read-only, identity masked (full numbers only via the audited page)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jineng.core.admin import ReadOnlyAdmin
from jineng.people.models import Affiliation, Person, TargetGroup, TargetGroupMembership


@admin.register(TargetGroup)
class TargetGroupAdmin(ReadOnlyAdmin):
    """Target groups (重点群体): reference data."""

    list_display = ("code", "name", "name_en", "is_sensitive")
    search_fields = ("code", "name", "name_en")


class MembershipInline(admin.TabularInline):
    model = TargetGroupMembership
    fields = ("group", "source", "evidence", "valid_from", "valid_until")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    fields = ("organization", "kind", "started_on", "ended_on")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    """Workers (劳动者), masked; search by name (ID and phone are encrypted)."""

    list_display = ("name", "masked_id_number", "masked_phone", "town", "is_synthetic")
    list_filter = ("is_synthetic",)
    search_fields = ("name",)
    list_select_related = ("town",)
    show_full_result_count = False
    fields = (
        "name",
        "masked_id_number",
        "masked_phone",
        "birth_date",
        "sex",
        "region",
        "town",
        "hukou_type",
        "education",
        "employment_status",
        "is_synthetic",
        "created_at",
    )
    readonly_fields = fields
    inlines = (MembershipInline, AffiliationInline)

    @admin.display(description=_("citizen ID"))
    def masked_id_number(self, obj: Person) -> str:
        return obj.id_number_masked

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: Person) -> str:
        return obj.phone_masked
