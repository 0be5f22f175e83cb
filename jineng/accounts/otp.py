"""One-time codes sent by text message (短信验证码): issue, limit and check.

A code is six digits, kept only as a keyed hash (HMAC under a key derived from PII_KEY), and
is bound to a purpose (register or reset) and a number: it lives ten minutes and allows five
wrong tries. Requests are limited per number and per client address per hour, and per number
per day (codes sent and wrong tries, whatever the address), counted from
the code rows themselves (like core.throttle counts the audit trail), so the limit holds
across server processes and restarts. The number and the address are kept only as keyed
hashes. Callers check a code inside their own transaction (consume_code) so that a wrong try
is committed with whatever else the request records.
"""

from __future__ import annotations

import datetime
import enum
import hmac
import secrets
import threading
import time

from django.conf import settings
from django.db import models
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts import locks
from jineng.accounts.models import CodePurpose, OneTimeCode, User
from jineng.core import pii, sms
from jineng.core.errors import RateLimited

CODE_DIGITS = 6
CODE_LIFETIME = datetime.timedelta(minutes=10)
MAX_WRONG_TRIES = 5
WINDOW = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


class CodeCheck(enum.Enum):
    """The result of checking a code typed by the phone's holder."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"


def phone_key(phone: str) -> str:
    """The keyed hash a number is found by (the same as people.Person's and User's)."""
    return pii.blind_index(phone)


def address_key(address: str | None) -> str:
    """A keyed hash of a client address: counted for limits, never stored in clear."""
    if not address:
        return ""
    return hmac.digest(pii.derived_key(b"jineng otp address"), address.encode(), "sha256").hex()


def _code_hash(code: str) -> str:
    # Keyed: six digits are a million guesses, too few for a plain hash to hide them.
    return hmac.digest(pii.derived_key(b"jineng otp code"), code.encode(), "sha256").hex()


def _wrong_tries_today(phone_hash: str) -> int:
    total: int | None = OneTimeCode.objects.filter(
        phone_hash=phone_hash, created_at__gt=timezone.now() - DAY
    ).aggregate(total=Sum("attempts"))["total"]
    return total or 0


def _check_daily_limits(phone_hash: str) -> None:
    """Per number and day: the codes sent, and the wrong tries at them (any purpose).

    The hourly limits alone let 120 texts a day reach one number and 600 guesses be made at
    its codes; these ceilings hold whichever addresses the requests come from.
    """
    sent = OneTimeCode.objects.filter(
        phone_hash=phone_hash, created_at__gt=timezone.now() - DAY
    ).count()
    wrong = _wrong_tries_today(phone_hash)
    if (
        sent >= settings.JINENG_OTP_PER_PHONE_PER_DAY
        or wrong >= settings.JINENG_OTP_WRONG_TRIES_PER_PHONE_PER_DAY
    ):
        raise RateLimited(
            _(
                "Too many codes were sent to this mobile number, or tried wrongly, today. "
                "Try again tomorrow, or go to the bureau's service desk with your ID card."
            ),
            retry_after=86400,
        )


def _check_limits(phone_hash: str, address_hash: str) -> None:
    _check_daily_limits(phone_hash)
    since = timezone.now() - WINDOW
    recent = OneTimeCode.objects.filter(created_at__gt=since)
    if recent.filter(phone_hash=phone_hash).count() >= settings.JINENG_OTP_PER_PHONE_PER_HOUR:
        raise RateLimited(
            _(
                "Too many codes were sent to this mobile number in the last hour. "
                "Try again in an hour."
            ),
            retry_after=3600,
        )
    if (
        address_hash
        and recent.filter(address_hash=address_hash).count()
        >= settings.JINENG_OTP_PER_ADDRESS_PER_HOUR
    ):
        raise RateLimited(
            _("Too many codes were requested from this network in the last hour. Try again later."),
            retry_after=3600,
        )


def _text(purpose: str, code: str) -> str:
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    if purpose == CodePurpose.RESET:
        return _(
            "Your code to reset the password is {code}, valid for {minutes} minutes. "
            "If you did not ask for it, ignore this message."
        ).format(code=code, minutes=minutes)
    return _(
        "Your registration code is {code}, valid for {minutes} minutes. Do not tell it to anyone."
    ).format(code=code, minutes=minutes)


def issue_code(
    phone: str,
    *,
    purpose: CodePurpose,
    address: str | None,
    user: User | None = None,
    deliver: bool = True,
) -> OneTimeCode:
    """Create a code for a number inside the caller's transaction and send it (发送验证码).

    ``phone`` is already normalised. Earlier unused codes of the same number and purpose stop
    working. Raises RateLimited past the hourly limits, before anything is written or sent.
    With ``deliver=False`` the row is written (and counted) but nothing is sent: a reset for
    a number with no account answers and counts exactly like one with an account. The text
    is sent inside the transaction, so a gateway that refuses leaves no code behind.
    """
    phone_hash = phone_key(phone)
    address_hash = address_key(address)
    locks.codes_of_phone_for_update(phone_hash)
    _check_limits(phone_hash, address_hash)
    now = timezone.now()
    OneTimeCode.objects.filter(
        phone_hash=phone_hash, purpose=purpose, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = OneTimeCode.objects.create(
        purpose=purpose,
        phone_hash=phone_hash,
        address_hash=address_hash,
        code_hash=_code_hash(code),
        user=user,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    if deliver:
        sending = time.monotonic()
        sms.send_sms(
            phone, _text(purpose, code), purpose=str(purpose), user_id=user.pk if user else None
        )
        _observe_send(time.monotonic() - sending)
    return row


# The gateway's recent answer time in this process (seconds, a moving average), so that a
# request that sends nothing can wait as long as one that sends (pad_since).
_send_seconds = 0.0
_send_lock = threading.Lock()


def _observe_send(seconds: float) -> None:
    global _send_seconds
    with _send_lock:
        _send_seconds = seconds if not _send_seconds else 0.8 * _send_seconds + 0.2 * seconds


def pad_since(started: float) -> None:
    """Wait until a request begun at ``started`` (time.monotonic()) took as long as a send.

    Called outside the transaction by pages whose answer must not tell whether a message
    went out (a password reset for a number with or without an account): both take at
    least JINENG_SMS_MIN_MILLISECONDS and at least the gateway's recent answer time.
    """
    target = max(settings.JINENG_SMS_MIN_MILLISECONDS / 1000, _send_seconds)
    remaining = target - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


def expire_reset_codes(user: User) -> int:
    """End the account's outstanding reset codes (its password just changed); return how many.

    Inside the caller's transaction. Codes are found by the account and by its confirmed
    phone's keyed hash.
    """
    now = timezone.now()
    codes = OneTimeCode.objects.filter(
        purpose=CodePurpose.RESET, used_at__isnull=True, expires_at__gt=now
    )
    if user.phone_hash:
        codes = codes.filter(models.Q(user=user) | models.Q(phone_hash=user.phone_hash))
    else:
        codes = codes.filter(user=user)
    return codes.update(expires_at=now)


def latest_code(phone: str, *, purpose: CodePurpose) -> OneTimeCode | None:
    """The code most recently issued to a number for a purpose, locked for the check."""
    latest = (
        OneTimeCode.objects.filter(phone_hash=phone_key(phone), purpose=purpose)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return locks.code_for_update(latest) if latest is not None else None


def consume_code(row: OneTimeCode | None, code: str) -> CodeCheck:
    """Check a typed code against a locked row inside the caller's transaction.

    A right code is used up; a wrong one counts a try, and the fifth wrong try, like the
    tenth minute, ends the code. The caller must commit on WRONG for the try to count.
    """
    now = timezone.now()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return CodeCheck.EXPIRED
    if row.attempts >= MAX_WRONG_TRIES:
        return CodeCheck.EXPIRED
    if _wrong_tries_today(row.phone_hash) >= settings.JINENG_OTP_WRONG_TRIES_PER_PHONE_PER_DAY:
        # The number's daily allowance of wrong tries is spent: even a right code waits.
        return CodeCheck.EXPIRED
    typed = "".join((code or "").split())
    if not hmac.compare_digest(_code_hash(typed), row.code_hash):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        return CodeCheck.WRONG
    row.used_at = now
    row.save(update_fields=["used_at"])
    return CodeCheck.OK


def tries_left(row: OneTimeCode | None) -> int:
    """How many wrong tries the code still allows."""
    return 0 if row is None else max(0, MAX_WRONG_TRIES - row.attempts)
