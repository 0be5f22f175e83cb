"""Every write to organisations: registration by unified social credit code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from jineng.accounts import otp
from jineng.accounts.actors import Actor
from jineng.accounts.models import User
from jineng.accounts.roles import ORGANIZATION_ROLES, Capability, Role
from jineng.accounts.services import store_user_phone
from jineng.core import audit
from jineng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.core.validators import normalize_mobile, validate_credit_code
from jineng.organizations import locks
from jineng.organizations.errors import OrganizationExists
from jineng.organizations.models import Organization, OrganizationKind
from jineng.regions.models import Region

CONTACT_PHONE_RE = re.compile(r"^[0-9+()\- ]{5,30}$")


@dataclass(frozen=True)
class OrganizationInput:
    """The fields a caller supplies to register an organisation."""

    credit_code: str
    name: str
    kind: str
    region_code: str = ""
    address: str = ""
    contact_phone: str = ""


def _clean_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=max_length), field=field
        )
    return text


def _region(code: str) -> Region | None:
    code = (code or "").strip()
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed(
            _("Region code {code} is not known.").format(code=code), field="region_code"
        )
    return region


def build_organization(data: OrganizationInput) -> Organization:
    """Validate input and return an unsaved Organization."""
    credit_code = validate_credit_code(data.credit_code)
    name = _clean_text(data.name, field="name", max_length=200, required=True)
    if data.kind not in OrganizationKind.values:
        raise ValidationFailed(
            _("{value} is not one of: {allowed}.").format(
                value=data.kind, allowed=", ".join(OrganizationKind.values)
            ),
            field="kind",
        )
    phone = _clean_text(data.contact_phone, field="contact_phone", max_length=30)
    if phone and not CONTACT_PHONE_RE.match(phone):
        raise ValidationFailed(
            _("A contact phone has digits, spaces, +, - and brackets only."),
            field="contact_phone",
        )
    return Organization(
        credit_code=credit_code,
        name=name,
        kind=data.kind,
        region=_region(data.region_code),
        address=_clean_text(data.address, field="address", max_length=300),
        contact_phone=phone,
    )


def _existing_conflict(credit_code: str) -> OrganizationExists:
    existing = Organization.objects.filter(credit_code=credit_code).first()
    return OrganizationExists(
        _("An organisation with credit code {code} is already registered.").format(
            code=credit_code
        ),
        field="credit_code",
        existing_id=existing.pk if existing else None,
    )


@transaction.atomic(durable=True)
def register_organization(data: OrganizationInput, *, actor: Actor) -> Organization:
    """Register an organisation (登记机构) once per unified social credit code, audited."""
    if not actor.can(Capability.MANAGE_ORGANIZATIONS):
        raise PermissionDenied(_("Your role may not register organisations."))
    organization = build_organization(data)
    if Organization.objects.filter(credit_code=organization.credit_code).exists():
        raise _existing_conflict(organization.credit_code)
    try:
        with transaction.atomic():
            organization.save(force_insert=True)
    except IntegrityError:
        raise _existing_conflict(organization.credit_code) from None
    audit.record(
        actor,
        "organizations.organization.created",
        organization,
        data={
            "credit_code": organization.credit_code,
            "name": organization.name,
            "kind": organization.kind,
            "region": organization.region.code if organization.region else None,
        },
    )
    return organization


def _changed_fields(
    before: Organization, after: Organization, names: tuple[str, ...]
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in names:
        old, new = getattr(before, name), getattr(after, name)
        if name == "region":
            old, new = (old.code if old else None), (new.code if new else None)
        if old != new:
            changes[name] = {"before": old, "after": new}
    return changes


_EDITABLE = ("credit_code", "name", "kind", "region", "address", "contact_phone")


@transaction.atomic(durable=True)
def update_organization(
    organization: Organization, data: OrganizationInput, *, actor: Actor
) -> list[str]:
    """Correct an organisation's registration (修改机构信息), audited; return what changed."""
    if not actor.can(Capability.MANAGE_ORGANIZATIONS):
        raise PermissionDenied(_("Your role may not change organisations."))
    current = locks.organization_for_update(organization.pk)
    proposed = build_organization(data)
    if (
        proposed.credit_code != current.credit_code
        and Organization.objects.filter(credit_code=proposed.credit_code).exists()
    ):
        raise _existing_conflict(proposed.credit_code)
    changes = _changed_fields(current, proposed, _EDITABLE)
    if not changes:
        return []
    for name in _EDITABLE:
        setattr(current, name, getattr(proposed, name))
    try:
        with transaction.atomic():
            current.save(update_fields=[*_EDITABLE, "updated_at"])
    except IntegrityError:
        raise _existing_conflict(proposed.credit_code) from None
    audit.record(actor, "organizations.organization.changed", current, data=changes)
    return sorted(changes)


# --- Staff accounts (机构工作人员账号) --------------------------------------------------------

# The roles an organisation's accounts may have, by its kind: never a bureau role.
_TRAINING = (Role.INSTITUTION_STAFF,)
STAFF_ROLES: dict[str, tuple[str, ...]] = {
    OrganizationKind.TECHNICAL_SCHOOL: _TRAINING,
    OrganizationKind.VOCATIONAL_SCHOOL: _TRAINING,
    OrganizationKind.PRIVATE_TRAINING: _TRAINING,
    OrganizationKind.PUBLIC_TRAINING_BASE: _TRAINING,
    # An enterprise hires (企业人力资源) and may run its own training (企业培训中心).
    OrganizationKind.ENTERPRISE: (Role.EMPLOYER, Role.INSTITUTION_STAFF),
    OrganizationKind.EVALUATION_BODY: (Role.EVALUATOR,),
    OrganizationKind.SOCIAL_EVALUATION_ORG: (Role.EVALUATOR,),
    # A government department's accounts are bureau accounts, made by the bureau's own admin.
    OrganizationKind.GOVERNMENT: (),
}


def staff_roles_for(organization: Organization) -> tuple[str, ...]:
    """Return the roles the accounts of an organisation may have (by its kind)."""
    return STAFF_ROLES.get(organization.kind, ())


def is_bureau_manager(actor: Actor) -> bool:
    """Tell whether the actor manages every organisation's accounts (the bureau)."""
    return actor.can(Capability.MANAGE_ORGANIZATIONS)


def manages_staff_of(actor: Actor, organization: Organization) -> bool:
    """Tell whether the actor may manage the staff accounts of this organisation: the bureau,
    or an active administrator of the organisation itself in one of its staff roles."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    if is_bureau_manager(actor):
        return True
    return (
        actor.is_organization_admin
        and actor.organization_id == organization.pk
        and actor.role in ORGANIZATION_ROLES
    )


def _require_staff_manager(actor: Actor, organization: Organization) -> None:
    if not manages_staff_of(actor, organization):
        raise PermissionDenied(_("Your account may not manage this organisation's staff."))


@dataclass(frozen=True)
class StaffInput:
    """The fields of a new staff account: its sign-in name, the person's name, its role."""

    username: str
    full_name: str
    role: str
    email: str = ""
    is_admin: bool = False
    phone: str = ""


@dataclass(frozen=True)
class PasswordLink:
    """A one-time set-password link's parts: shown once to the officer, never stored."""

    uidb64: str
    token: str


# What deactivates an account: from the bureau's account list, or on an organisation's page.
DEACTIVATIONS = ("accounts.user.deactivated", "organizations.staff.deactivated")


def _last_deactivation(user: User) -> AuditEvent | None:
    return (
        AuditEvent.objects.for_object(user)
        .filter(action__in=DEACTIVATIONS)
        .order_by("-created_at", "-pk")
        .first()
    )


def deactivated_by_bureau(user: User) -> bool:
    """Tell whether the account's latest deactivation was the bureau's (only it may undo it)."""
    event = _last_deactivation(user)
    return event is not None and (
        event.action == "accounts.user.deactivated" or bool(event.data.get("by_bureau"))
    )


class LinkTokenGenerator(PasswordResetTokenGenerator):
    """Set-password link tokens that die when the account is deactivated, for good.

    Django's token already dies with a new password or login; this one also carries whether
    the account is active and its latest deactivation, so reactivating an account never
    brings back a link issued before it was closed.
    """

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        event = _last_deactivation(user)
        return (
            f"{super()._make_hash_value(user, timestamp)}"
            f"{int(user.is_active)}{event.pk if event else ''}"
        )


link_token_generator = LinkTokenGenerator()


def _password_link(user: User) -> PasswordLink:
    return PasswordLink(
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=link_token_generator.make_token(user),
    )


def _clean_username(value: str) -> str:
    username = (value or "").strip()
    if not username:
        raise ValidationFailed(_("This field is required."), field="username")
    if len(username) > 150:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=150), field="username"
        )
    try:
        User.username_validator(username)
    except DjangoValidationError:
        raise ValidationFailed(
            _("A sign-in name has letters, digits and @ . + - _ only."), field="username"
        ) from None
    try:
        normalize_mobile(username)
    except ValidationFailed:
        pass
    else:
        # A sign-in name is kept and shown in clear (the audit trail, the lockouts page).
        raise ValidationFailed(
            _("A sign-in name cannot be a mobile phone number."), field="username"
        )
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            _("The sign-in name {name} is taken.").format(name=username), field="username"
        )
    return username


def _clean_email(value: str) -> str:
    email = (value or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed(_("Enter a valid email address."), field="email") from None
    return email


@transaction.atomic(durable=True)
def create_staff_account(
    organization: Organization, data: StaffInput, *, actor: Actor
) -> tuple[User, PasswordLink]:
    """Open a staff account of an organisation (开设工作人员账号), audited.

    The account has no password: the officer hands over the one-time set-password link
    returned here (valid for PASSWORD_RESET_TIMEOUT seconds, until it is used).
    """
    _require_staff_manager(actor, organization)
    if data.role not in staff_roles_for(organization):
        raise ValidationFailed(
            _("An account of this organisation cannot have that role."), field="role"
        )
    user = User(
        username=_clean_username(data.username),
        first_name=_clean_text(data.full_name, field="full_name", max_length=150, required=True),
        email=_clean_email(data.email),
        role=data.role,
        organization=organization,
        is_organization_admin=bool(data.is_admin),
    )
    _insert_account(user)
    audit.record(
        actor,
        "organizations.staff.created",
        user,
        data={
            "username": user.username,
            "role": user.role,
            "organization": organization.pk,
            "is_organization_admin": user.is_organization_admin,
        },
    )
    if data.phone.strip():
        # Encrypted and audited masked by accounts; unconfirmed until its holder proves it.
        store_user_phone(user, data.phone, actor=actor, confirmed=False)
    return user, _password_link(user)


def _locked_staff(organization: Organization, user_id: int) -> User:
    user = locks.staff_for_update(organization.pk, user_id)
    if user is None:
        raise NotFound(_("No such account."))
    return user


def _insert_account(user: User) -> None:
    """Save a new account with no usable password yet; a taken sign-in name is a Conflict."""
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("The sign-in name {name} is taken.").format(name=user.username), field="username"
        ) from None


def _other_active_admins(organization: Organization, user: User) -> bool:
    return (
        User.objects.filter(organization=organization, is_organization_admin=True, is_active=True)
        .exclude(pk=user.pk)
        .exists()
    )


def _refuse_self(user: User, actor: Actor) -> None:
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot change your own account here."))


@transaction.atomic(durable=True)
def set_staff_active(
    organization: Organization, user_id: int, active: bool, *, actor: Actor
) -> User:
    """Deactivate (停用) or reactivate (启用) a staff account of the organisation, audited."""
    _require_staff_manager(actor, organization)
    user = _locked_staff(organization, user_id)
    _refuse_self(user, actor)
    if user.is_active == active:
        return user
    if (
        not active
        and user.is_organization_admin
        and not is_bureau_manager(actor)
        and not _other_active_admins(organization, user)
    ):
        raise Conflict(_("The organisation's last administrator cannot be deactivated."))
    by_bureau = is_bureau_manager(actor)
    if active and not by_bureau and deactivated_by_bureau(user):
        raise PermissionDenied(
            _("The bureau deactivated this account; only the bureau may reactivate it.")
        )
    user.is_active = active
    user.save(update_fields=["is_active"])
    if active:
        audit.record(
            actor, "organizations.staff.reactivated", user, data={"username": user.username}
        )
    else:
        audit.record(
            actor,
            "organizations.staff.deactivated",
            user,
            data={"username": user.username, "by_bureau": by_bureau},
        )
    return user


@transaction.atomic(durable=True)
def set_staff_admin(
    organization: Organization, user_id: int, is_admin: bool, *, actor: Actor
) -> User:
    """Make a staff account an administrator of its organisation, or no longer one, audited.

    An organisation always keeps one active administrator; nobody changes their own flag.
    """
    _require_staff_manager(actor, organization)
    user = _locked_staff(organization, user_id)
    _refuse_self(user, actor)
    if user.is_organization_admin == is_admin:
        return user
    if not is_admin and user.is_active and not _other_active_admins(organization, user):
        raise Conflict(_("The organisation's last administrator cannot be removed."))
    user.is_organization_admin = is_admin
    user.save(update_fields=["is_organization_admin"])
    audit.record(
        actor,
        "organizations.staff.admin_granted" if is_admin else "organizations.staff.admin_revoked",
        user,
        data={"username": user.username},
    )
    return user


@transaction.atomic(durable=True)
def reset_staff_password(organization: Organization, user_id: int, *, actor: Actor) -> PasswordLink:
    """Replace a staff account's password by a one-time set-password link (重置密码), audited.

    The old password stops working at once; the link is returned to be shown once.
    """
    _require_staff_manager(actor, organization)
    user = _locked_staff(organization, user_id)
    _refuse_self(user, actor)
    if user.is_organization_admin and not is_bureau_manager(actor):
        # The link would make the actor that administrator; the bureau resets it.
        raise PermissionDenied(_("Only the bureau may reset an administrator's password."))
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit.record(
        actor, "organizations.staff.password_reset", user, data={"username": user.username}
    )
    return _password_link(user)


def user_from_link(uidb64: str, token: str) -> User | None:
    """Return the active account a set-password link is for, or None when it is not valid."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not link_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic(durable=True)
def set_password_from_link(user: User, new_password: str) -> None:
    """Set the password of the account a one-time link was for (设置密码), audited.

    Setting it changes the password hash, which makes the link (and any other) invalid.
    """
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    otp.expire_reset_codes(user)
    audit.record(user, "organizations.staff.password_set", user, data={"username": user.username})


# --- The bureau's account list (账号管理) -------------------------------------------------------


def manages_accounts(actor: Actor) -> bool:
    """Tell whether the actor manages every account: the bureau's security role, city-wide.

    A bureau account limited to a region does not: it could otherwise open or reset
    accounts beyond its region (it still manages its region's organisations' staff).
    """
    return actor.can(Capability.MANAGE_SECURITY) and actor.region_id is None


@transaction.atomic(durable=True)
def set_account_active(user_id: int, active: bool, *, actor: Actor) -> User:
    """Deactivate or reactivate any account (停用/启用账号) from the bureau's list, audited."""
    if not manages_accounts(actor):
        raise PermissionDenied(_("Your role may not deactivate accounts."))
    user = locks.account_for_update(user_id)
    if user is None:
        raise NotFound(_("No such account."))
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    action = "accounts.user.reactivated" if active else "accounts.user.deactivated"
    audit.record(actor, action, user, data={"username": user.username})
    return user


# The roles of the bureau's own accounts, opened from its account list (never an organisation's).
BUREAU_ROLES = (Role.BUREAU_ADMIN, Role.REVIEWER, Role.AUDITOR)


@transaction.atomic(durable=True)
def create_bureau_account(
    data: StaffInput, *, actor: Actor, region_code: str = ""
) -> tuple[User, PasswordLink]:
    """Open an account of the bureau itself (局内账号: administrator, reviewer, auditor),
    optionally limited to a region, with a one-time set-password link; audited."""
    if not manages_accounts(actor):
        raise PermissionDenied(_("Your role may not open bureau accounts."))
    if data.role not in BUREAU_ROLES:
        raise ValidationFailed(_("A bureau account cannot have that role."), field="role")
    user = User(
        username=_clean_username(data.username),
        first_name=_clean_text(data.full_name, field="full_name", max_length=150, required=True),
        email=_clean_email(data.email),
        role=data.role,
        region=_region(region_code),
    )
    _insert_account(user)
    audit.record(
        actor,
        "accounts.user.opened",
        user,
        data={
            "username": user.username,
            "role": user.role,
            "region": user.region.code if user.region else None,
        },
    )
    if data.phone.strip():
        store_user_phone(user, data.phone, actor=actor, confirmed=False)
    return user, _password_link(user)


@transaction.atomic(durable=True)
def reset_account_password(user_id: int, *, actor: Actor) -> tuple[User, PasswordLink]:
    """Replace any other account's password by a one-time set-password link, for the bureau."""
    if not manages_accounts(actor):
        raise PermissionDenied(_("Your role may not reset passwords."))
    user = locks.account_for_update(user_id)
    if user is None:
        raise NotFound(_("No such account."))
    if user.pk == actor.pk:
        raise PermissionDenied(_("Change your own password on your security page."))
    if not user.is_active:
        raise Conflict(_("Reactivate the account before giving it a new password."))
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit.record(
        actor, "accounts.user.password_link_issued", user, data={"username": user.username}
    )
    return user, _password_link(user)
