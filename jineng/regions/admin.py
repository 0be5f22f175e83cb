"""Django admin for regions: reference data, read-only (load it with `jineng load-reference`)."""

from django.contrib import admin

from jineng.core.admin import ReadOnlyAdmin
from jineng.regions.models import Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    """Administrative regions (行政区划) with their official codes."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
