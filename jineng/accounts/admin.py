"""Django admin for accounts: users (audited), second-factor devices, policy and tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from jineng.accounts.models import ApiToken, SecurityPolicy, User
from jineng.core import audit
from jineng.core.admin import AuditedAdminMixin, ReadOnlyAdmin, admin_actor

# Role, scope and powers: the fields whose every change the audit trail must show.
USER_AUDIT_FIELDS = (
    "username",
    "role",
    "organization",
    "region",
    "person",
    "is_active",
    "is_staff",
    "is_superuser",
)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    """Create accounts and set their role and data scope; every change is audited."""

    audit_fields = USER_AUDIT_FIELDS
    list_display = ("username", "role", "organization", "region", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email")
    raw_id_fields = ("organization", "region", "person")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Role and data scope"), {"fields": ("role", "organization", "region", "person")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and data scope"), {"fields": ("role", "organization", "region", "person")}),
    )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Set or disable another account's password; audited in the same transaction.

        Django's page saves the form itself, past save_model(), so it is wrapped here.
        """
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                if user is None:  # Django's page answered 404 already; never reached
                    raise Http404
                audit.record(
                    admin_actor(request),
                    "accounts.user.password_set",
                    user,
                    data={"via": "admin", "usable": user.has_usable_password()},
                )
        return response


class TOTPDeviceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Second-factor devices: list them and delete a lost one (audited); secrets stay hidden."""

    audit_fields = ("user", "confirmed")
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# django-otp registers an admin that shows each device's secret key and QR code; replace it.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, TOTPDeviceAdmin)


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(ReadOnlyAdmin):
    """Per-role second-factor policy; changed on the security-policy page, which audits."""

    list_display = ("role", "requires_second_factor")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """API tokens (only hashes are stored); created and revoked with `jineng token`."""

    list_display = ("prefix", "user", "name", "created_at", "expires_at", "revoked_at")
    search_fields = ("prefix", "user__username", "name")
    exclude = ("token_hash",)
