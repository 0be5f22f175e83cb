"""Every write to account security: second-factor devices, the per-role policy, passwords."""

from __future__ import annotations

from collections.abc import Mapping

from axes.utils import reset as reset_login_attempts
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from jineng.accounts import otp
from jineng.accounts.actors import Actor
from jineng.accounts.lockout import failures_of
from jineng.accounts.models import SecurityPolicy, User
from jineng.accounts.roles import Capability, Role
from jineng.accounts.security import role_requires_second_factor
from jineng.core import audit, pii
from jineng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jineng.core.validators import normalize_mobile

# The name given to the device created by the enrol page, shown in the admin.
TOTP_DEVICE_NAME = "authenticator"


def confirmed_device(user: User) -> TOTPDevice | None:
    """Return the user's confirmed TOTP device, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


@transaction.atomic(durable=True)
def start_totp_enrolment(user: User) -> TOTPDevice:
    """Return the unconfirmed TOTP device (新设备) whose secret the enrol page shows.

    The same unconfirmed device is reused until it is confirmed, so reloading the page
    does not change the secret the user has already scanned.
    """
    if confirmed_device(user) is not None:
        raise Conflict(_("You have already set up an authenticator app."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic(durable=True)
def confirm_totp_device(device: TOTPDevice, token: str, *, actor: User) -> bool:
    """Confirm a new TOTP device (启用两步验证) with a code from it; audit either outcome.

    Returns False when the code is wrong; the failure still counts towards django-otp's
    throttling, so it is committed rather than raised.
    """
    if device.user_id != actor.pk:
        raise PermissionDenied(_("You can only set up your own authenticator."))
    if device.confirmed:
        raise Conflict(_("This authenticator is already set up."))
    if not device.verify_token(token):
        audit.record(actor, "accounts.totpdevice.confirmation_failed", device, data={})
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor, confirmed=False).exclude(pk=device.pk).delete()
    audit.record(actor, "accounts.totpdevice.confirmed", device, data={"user": actor.username})
    return True


@transaction.atomic(durable=True)
def verify_second_factor(user: User, token: str) -> TOTPDevice | None:
    """Check a login's TOTP code (两步验证) against the user's device; audit failures."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        return None
    if device.verify_token(token):
        return device
    audit.record(user, "accounts.totpdevice.verification_failed", device, data={})
    return None


@transaction.atomic(durable=True)
def remove_totp_devices(user: User, *, actor: User) -> int:
    """Remove a user's TOTP devices (停用两步验证), unless their role requires one."""
    if actor.pk != user.pk and not actor.can(Capability.MANAGE_SECURITY):
        raise PermissionDenied(_("Your role may not change another account's security."))
    if actor.pk == user.pk and role_requires_second_factor(user.role):
        raise Conflict(
            _("Your role requires a second factor; ask the bureau to reset a lost device.")
        )
    # django-otp has no types: its delete() reads as Any.
    count: int = TOTPDevice.objects.filter(user=user).delete()[0]
    if count:
        audit.record(
            actor,
            "accounts.totpdevice.deleted",
            user,
            data={"user": user.username, "devices": count},
        )
    return count


@transaction.atomic(durable=True)
def set_second_factor_policy(required: Mapping[str, bool], *, actor: Actor) -> list[str]:
    """Set per role whether TOTP is required (安全策略); return the roles that changed."""
    if not actor.can(Capability.MANAGE_SECURITY):
        raise PermissionDenied(_("Your role may not change the security policy."))
    unknown = sorted(set(required) - set(Role.values))
    if unknown:
        raise ValidationFailed(
            _("Unknown role: {roles}.").format(roles=", ".join(unknown)), field="role"
        )
    current = dict(SecurityPolicy.objects.values_list("role", "requires_second_factor"))
    changed = []
    for role, value in sorted(required.items()):
        before = current.get(role, False)
        if before == value:
            continue
        policy, _created = SecurityPolicy.objects.update_or_create(
            role=role, defaults={"requires_second_factor": value}
        )
        audit.record(
            actor,
            "accounts.securitypolicy.changed",
            policy,
            data={"role": role, "before": before, "after": value},
        )
        changed.append(role)
    return changed


@transaction.atomic(durable=True)
def change_password(user: User, new_password: str, *, actor: User) -> None:
    """Set a new password that meets the password rules in settings (修改密码), audited."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can only change your own password here."))
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # A reset code sent before (perhaps to someone who took the phone) stops working.
    otp.expire_reset_codes(user)
    audit.record(actor, "accounts.user.password_changed", user, data={"user": user.username})


@transaction.atomic(durable=True)
def unlock_login(username: str, ip_address: str, *, actor: User) -> int:
    """Let a locked (username, address) pair log in again (解除登录锁定), audited.

    Returns how many failed logins were cleared.
    """
    if not actor.can(Capability.MANAGE_SECURITY):
        raise PermissionDenied(_("Your role may not unlock logins."))
    failures = failures_of(username, ip_address)
    if not failures:
        raise NotFound(
            _("Logins as {username} from {address} are not locked.").format(
                username=username, address=ip_address
            )
        )
    reset_login_attempts(ip=ip_address, username=username)
    account = User.objects.filter(username=username).first()
    audit.record(
        actor,
        "accounts.login.unlocked",
        account,
        object_type="" if account else "accounts.user",
        object_id="" if account else username,
        data={"username": username, "ip_address": ip_address, "failures": failures},
    )
    return failures


def _may_set_phone(user: User, actor: Actor | None) -> bool:
    if actor is None or actor.pk == user.pk or actor.can(Capability.MANAGE_SECURITY):
        return True
    # An organisation's administrator keeps its own staff's numbers.
    return bool(
        actor.is_organization_admin
        and actor.organization_id
        and actor.organization_id == user.organization_id
    )


def store_user_phone(user: User, phone: str, *, actor: Actor | None, confirmed: bool) -> None:
    """Set an account's phone inside the caller's transaction: validated, encrypted, audited.

    For services that set the phone as one step of a larger change (self-registration sets
    it once the one-time code is right); everyone else calls set_user_phone. An empty
    ``phone`` clears the number. ``confirmed`` says the number was proven to belong to the
    account's holder (a one-time code, or the bureau in person); a changed number is
    unconfirmed until then.
    """
    number = normalize_mobile(phone) if phone.strip() else ""
    before = user.phone_masked
    if number:
        index = pii.blind_index(number)
        if (
            confirmed
            and User.objects.filter(phone_hash=index, phone_confirmed_at__isnull=False)
            .exclude(pk=user.pk)
            .exists()
        ):
            raise Conflict(_("This mobile number is confirmed for another account."), field="phone")
        unchanged = user.phone_hash == index
        user.phone_encrypted = pii.encrypt(number)
        user.phone_hash = index
        if confirmed:
            user.phone_confirmed_at = timezone.now()
        elif not unchanged:
            user.phone_confirmed_at = None
    else:
        user.phone_encrypted = None
        user.phone_hash = ""
        user.phone_confirmed_at = None
    user.save(update_fields=["phone_encrypted", "phone_hash", "phone_confirmed_at"])
    audit.record(
        actor,
        "accounts.user.phone_set",
        user,
        data={
            "user": user.username,
            "before": before,
            "after": user.phone_masked,
            "confirmed": user.phone_confirmed_at is not None,
        },
    )


@transaction.atomic(durable=True)
def set_user_phone(user: User, phone: str, *, actor: Actor | None, confirmed: bool) -> User:
    """Set or clear an account's mobile number (设置手机号码), audited with masked numbers.

    The account itself, the bureau (MANAGE_SECURITY), the administrator of the account's
    organisation and the system (``actor=None``) may set it. ``confirmed=True`` records that
    the number was proven to be the holder's; a confirmed number belongs to one account only.
    """
    if not _may_set_phone(user, actor):
        raise PermissionDenied(_("Your role may not change this account's mobile number."))
    store_user_phone(user, phone, actor=actor, confirmed=confirmed)
    return user
