"""Name the accounts' audit actions for the audit trail (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.accounts.roles import Role
from jineng.core.audit_labels import register_actions, register_fields, register_values

register_actions(
    {
        "accounts.apitoken.created": _("Issued an API token"),
        "accounts.apitoken.revoked": _("Revoked an API token"),
        "accounts.login.unlocked": _("Unlocked a locked-out login"),
        "accounts.securitypolicy.changed": _("Changed the security policy"),
        "accounts.totpdevice.confirmation_failed": _("Failed to confirm an authenticator app"),
        "accounts.totpdevice.confirmed": _("Confirmed an authenticator app"),
        "accounts.totpdevice.deleted": _("Removed an authenticator app"),
        "accounts.totpdevice.verification_failed": _("Gave a wrong one-time code"),
        "accounts.user.deactivated": _("Deactivated an account"),
        "accounts.user.generated": _("Generated demonstration accounts"),
        "accounts.user.password_changed": _("Changed own password"),
        "accounts.user.password_set": _("Set an account's password"),
        "accounts.user.password_reset": _("Reset own password by text message"),
        "accounts.user.phone_set": _("Set an account's mobile number"),
        "accounts.user.reactivated": _("Reactivated an account"),
        "accounts.user.registered": _("Registered a worker's account"),
    }
)
register_fields(
    {
        "confirmed": _("Confirmed"),
        "device_id": _("Device"),
        "devices": _("Devices"),
        "prefix": _("Token prefix"),
        "usable": _("Usable"),
    }
)
register_values("role", dict(Role.choices))
