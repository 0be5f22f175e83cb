"""Getting an account: worker self-registration and password reset by the confirmed phone.

Both prove the holder of a mobile number with a one-time code (accounts.otp) sent through the
SMS gateway (core.sms). Registration names the person as on the ID card; the register is
consulted only through people.access.find_person_by_identity (both name and ID must match)
and the register's own unique constraint, never by ID alone. What each answer reveals, and
why, is in docs/adr/0015-self-registration.md.
"""

from __future__ import annotations

import datetime
import enum
import time
from dataclasses import dataclass

from axes.utils import reset as reset_login_attempts
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts import otp
from jineng.accounts.lockout import lockout_username
from jineng.accounts.models import CodePurpose, OneTimeCode, User
from jineng.accounts.roles import Role
from jineng.accounts.services import store_user_phone
from jineng.core import audit, sms
from jineng.core.errors import Conflict, RateLimited
from jineng.core.validators import normalize_mobile, parse_citizen_id
from jineng.people.access import find_person_by_identity, phone_on_file_matches
from jineng.people.identity import IDENTITY_MISSED
from jineng.people.models import Person
from jineng.people.services import PersonInput, build_person
from jineng.registration.identity_providers import VerifiedIdentity

# Where a refused ID card is recorded (people.identity's audit action, this data).
WHERE = "self_registration"


@dataclass(frozen=True)
class PendingRegistration:
    """What a worker typed on the registration form, validated, waiting for the phone's code."""

    name: str
    id_number: str
    region_code: str
    phone: str
    username: str
    password_hash: str


class Outcome(enum.Enum):
    """How a confirmation of a registration or reset ended."""

    CREATED = "created"
    LINKED = "linked"
    RESET = "reset"
    WRONG_CODE = "wrong_code"
    EXPIRED_CODE = "expired_code"
    ACCOUNT_EXISTS = "account_exists"
    PHONE_TAKEN = "phone_taken"
    IDENTITY_MISMATCH = "identity_mismatch"
    CONFIRM_IDENTITY = "confirm_identity"


@dataclass(frozen=True)
class Result:
    """The outcome of a confirmation, the account it made (if any) and the tries left."""

    outcome: Outcome
    user: User | None = None
    tries_left: int = 0


def _misses_refused() -> RateLimited:
    return RateLimited(
        _(
            "Registration from this mobile number or network was refused too often today. "
            "Try again tomorrow, or register at the bureau's service desk with your ID card."
        ),
        retry_after=86400,
    )


def _check_misses(phone: str, address: str | None) -> None:
    """Refuse once a number or address had its daily allowance of name/ID refusals."""
    since = timezone.now() - datetime.timedelta(days=1)
    where = Q(phone_hash=otp.phone_key(phone))
    address_hash = otp.address_key(address)
    if address_hash:
        where |= Q(address_hash=address_hash)
    limit = settings.JINENG_REGISTRATION_MISSES_PER_DAY
    missed = OneTimeCode.objects.filter(where, identity_missed=True, created_at__gt=since)
    if missed.filter(phone_hash=otp.phone_key(phone)).count() >= limit or (
        address_hash and missed.filter(address_hash=address_hash).count() >= limit
    ):
        raise _misses_refused()


@transaction.atomic(durable=True)
def start_registration(pending: PendingRegistration, *, address: str | None) -> None:
    """Send the code that confirms the registering worker's phone (发送注册验证码).

    Nothing about the register or existing accounts is consulted yet: the answer is the same
    for every well-formed form, so it tells nobody anything before the phone is proven.
    """
    _check_misses(pending.phone, address)
    otp.issue_code(pending.phone, purpose=CodePurpose.REGISTER, address=address)


def _failed(check: otp.CodeCheck, row: OneTimeCode | None) -> Result:
    if check is otp.CodeCheck.WRONG and otp.tries_left(row):
        return Result(Outcome.WRONG_CODE, tries_left=otp.tries_left(row))
    return Result(Outcome.EXPIRED_CODE)


def _miss(row: OneTimeCode | None, *, source: str) -> Result:
    if row is not None:
        row.identity_missed = True
        row.save(update_fields=["identity_missed"])
    audit.record(None, IDENTITY_MISSED, object_type="people.person", data={"where": source})
    return Result(Outcome.IDENTITY_MISMATCH)


def _unproven_link(person: Person, row: OneTimeCode | None, *, source: str) -> Result:
    """Refuse to link a register entry the proven phone is not on file for; tell its phone.

    Name and ID are printed on a card others see, so they do not prove the holder: the
    worker confirms who they are at the service desk or with an identity provider. The
    phone on file (if any) hears that someone tried, without a name, an ID or a number.
    The try counts like a refusal, so neither the worker nor that phone is sent more than
    the daily allowance.
    """
    if row is not None:
        row.identity_missed = True
        row.save(update_fields=["identity_missed"])
    audit.record(
        None,
        "registration.link.refused",
        object_type="people.person",
        person_id=person.pk,
        data={"where": source},
    )
    if person.phone_encrypted:
        sms.send_sms(
            person.phone,
            _(
                "Someone tried to register an account on the vocational skills training "
                "platform with your ID card. If it was not you, tell the human resources "
                "bureau's service desk."
            ),
            purpose="registration.link.refused",
        )
    return Result(Outcome.CONFIRM_IDENTITY)


def _new_person(pending: PendingRegistration) -> Person | None:
    """Register the person; None when the register already holds the ID (under another name)."""
    person = build_person(
        PersonInput(
            id_number=pending.id_number,
            name=pending.name,
            region_code=pending.region_code,
            phone=pending.phone,
        )
    )
    try:
        with transaction.atomic():
            person.save(force_insert=True)
    except IntegrityError:
        # The one-per-ID constraint: the ID is registered, and not under this name.
        return None
    return person


@transaction.atomic(durable=True)
def complete_registration(
    pending: PendingRegistration, code: str, *, address: str | None
) -> Result:
    """Create the worker's account once the phone's code is right (完成注册), audited.

    The person is the register's when the ID and the name both match (linked, unless an
    account exists for them already: the worker is told so); a new ID registers a new person
    with the account as the source. An ID the register holds under another name is refused
    like a mistyped card, counted per number and address. Wrong codes are committed.
    """
    row = otp.latest_code(pending.phone, purpose=CodePurpose.REGISTER)
    check = otp.consume_code(row, code)
    if check is not otp.CodeCheck.OK or row is None:
        return _failed(check, row)
    _check_misses(pending.phone, address)
    return _make_account(pending, row, source=WHERE)


def _make_account(
    pending: PendingRegistration,
    row: OneTimeCode | None,
    *,
    source: str,
    identity_proven: bool = False,
) -> Result:
    """Link or register the person and create the account, inside the caller's transaction.

    A register entry is linked only when the proven phone is the one on file for the person,
    or when an identity provider vouched for name, ID and phone (``identity_proven``).
    """
    if User.objects.filter(
        phone_hash=otp.phone_key(pending.phone), phone_confirmed_at__isnull=False
    ).exists():
        return Result(Outcome.PHONE_TAKEN)
    if User.objects.filter(username__iexact=pending.username).exists():
        raise Conflict(_("This username is taken; choose another."), field="username")
    person = find_person_by_identity(pending.id_number, pending.name)
    linked = person is not None
    if person is not None and User.objects.filter(person=person).exists():
        return Result(Outcome.ACCOUNT_EXISTS)
    if (
        person is not None
        and not identity_proven
        and not phone_on_file_matches(person, pending.phone)
    ):
        return _unproven_link(person, row, source=source)
    if person is None:
        person = _new_person(pending)
        if person is None:
            return _miss(row, source=source)
    user = User(username=pending.username, role=Role.WORKER, person=person)
    user.password = pending.password_hash
    user.save(force_insert=True)
    if row is not None:
        row.user = user
        row.save(update_fields=["user"])
    store_user_phone(user, pending.phone, actor=user, confirmed=True)
    if not linked:
        audit.record(
            user,
            "people.person.created",
            person,
            person_id=person.pk,
            data={
                "name": person.name,
                "region": person.region.code,
                "source": source,
                "id_number": "",
                "phone": "",
            },
        )
    audit.record(
        user,
        "accounts.user.registered",
        user,
        person_id=person.pk,
        data={"user": user.username, "linked": linked, "source": source},
    )
    return Result(Outcome.LINKED if linked else Outcome.CREATED, user=user)


def _reset_account(phone: str) -> User | None:
    return User.objects.filter(
        phone_hash=otp.phone_key(phone), phone_confirmed_at__isnull=False, is_active=True
    ).first()


def start_password_reset(phone: str, *, address: str | None) -> None:
    """Send a reset code to a confirmed phone (发送重置密码验证码).

    A number with no account gets a code row too, counted by the same limits, but no
    message: the page answers the same whether or not the number has an account, and as
    late (otp.pad_since, after the commit: both wait as long as the gateway takes).
    """
    started = time.monotonic()
    _issue_reset_code(phone, address=address)
    otp.pad_since(started)


@transaction.atomic(durable=True)
def _issue_reset_code(phone: str, *, address: str | None) -> None:
    user = _reset_account(phone)
    otp.issue_code(
        phone, purpose=CodePurpose.RESET, address=address, user=user, deliver=user is not None
    )


@transaction.atomic(durable=True)
def reset_password(phone: str, code: str, new_password: str, *, address: str | None) -> Result:
    """Set a new password once the confirmed phone's code is right (重置密码), audited.

    The password is checked against the rules first (ValidationFailed, nothing counted);
    signed-in sessions of the account end, since each carries a hash of the old password,
    and its login lockouts are cleared.
    """
    # Checked without the account first, so that no answer differs before the code is right.
    validate_password(new_password)
    row = otp.latest_code(phone, purpose=CodePurpose.RESET)
    check = otp.consume_code(row, code)
    if check is not otp.CodeCheck.OK or row is None:
        return _failed(check, row)
    user = _reset_account(phone)
    if user is None or row.user_id != user.pk:
        # A number without an account: its code was never sent, so this is not reached in
        # practice; answered like a code that has run out.
        return Result(Outcome.EXPIRED_CODE)
    # The similarity to the account's own names, now that the holder is proven.
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    reset_login_attempts(username=user.username)
    # Workers log in with their number, counted under its lockout name.
    reset_login_attempts(username=lockout_username(phone))
    audit.record(
        user, "accounts.user.password_reset", user, data={"user": user.username, "by": "phone"}
    )
    return Result(Outcome.RESET, user=user)


@transaction.atomic(durable=True)
def register_verified(
    identity: VerifiedIdentity, *, username: str, password_hash: str, region_code: str
) -> Result:
    """Create the account of a worker an identity provider vouched for (实名认证注册), audited.

    The provider proved the name, the citizen ID and the phone (电子社保卡, a city's OIDC
    login), so no code is sent; otherwise the register is consulted exactly as for a
    registration by phone, and ``region_code`` serves only a person new to the register.
    """
    pending = PendingRegistration(
        name=identity.name,
        id_number=parse_citizen_id(identity.id_number).number,
        region_code=region_code,
        phone=normalize_mobile(identity.phone),
        username=username,
        password_hash=password_hash,
    )
    return _make_account(
        pending, None, source=f"identity_provider:{identity.provider}", identity_proven=True
    )
