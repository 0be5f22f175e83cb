"""Django admin for share links: read-only (only the token's hash is stored)."""

from django.contrib import admin

from jineng.core.admin import ReadOnlyAdmin
from jineng.records.models import ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin):
    """Links through which workers share their record."""

    list_display = ("person", "created_at", "expires_at", "revoked_at", "view_count")
    list_select_related = ("person",)
    exclude = ("token_hash",)
    raw_id_fields = ("person", "created_by")
