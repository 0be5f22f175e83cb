"""Django admin for organisations: read-only; register them through organizations.services."""

from django.contrib import admin

from jineng.core.admin import ReadOnlyAdmin
from jineng.organizations.models import Organization


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    """Organisations (机构) by unified social credit code."""

    list_display = ("credit_code", "name", "kind", "region", "is_synthetic")
    list_filter = ("kind", "is_synthetic")
    search_fields = ("credit_code", "name")
    list_select_related = ("region",)
