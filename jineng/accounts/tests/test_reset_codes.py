"""One-time reset codes against the account's other changes, and their daily ceilings."""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from conftest import ID_B
from jineng.accounts import otp
from jineng.accounts.models import CodePurpose, OneTimeCode, User
from jineng.accounts.roles import Role
from jineng.accounts.services import change_password, set_user_phone
from jineng.core.errors import RateLimited
from jineng.core.models import SmsOutboxMessage
from jineng.registration import services
from jineng.registration.services import Outcome
from jineng.registration.tests.factories import last_code, pending

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
NEW_PASSWORD = "Another-Orchard-9"


@pytest.fixture
def account(db: Any) -> User:
    user = User.objects.create_user("w1", password="Old-password-42", role=Role.WORKER)
    set_user_phone(user, PHONE, actor=None, confirmed=True)
    return user


def test_a_reset_code_dies_when_the_password_changes(account: User) -> None:
    services.start_password_reset(PHONE, address="203.0.113.1")
    code = last_code()
    change_password(account, "Changed-by-owner-55", actor=account)
    row = OneTimeCode.objects.get(purpose=CodePurpose.RESET)
    assert (row.used_at, row.attempts) == (None, 0)
    result = services.reset_password(PHONE, code, NEW_PASSWORD, address=None)
    assert result.outcome is Outcome.EXPIRED_CODE
    account.refresh_from_db()
    assert account.check_password("Changed-by-owner-55")


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_guesses_at_one_phones_codes_are_capped_per_day(account: User, settings: Any) -> None:
    """From fresh addresses every hour: the hourly limits alone allowed 600 guesses a day."""
    guesses = sent = 0
    start = timezone.now()
    for hour in range(24):
        with time_machine.travel(start + datetime.timedelta(hours=hour, minutes=1), tick=False):
            for n in range(10):
                try:
                    services.start_password_reset(PHONE, address=f"198.51.{hour}.{n}")
                except RateLimited:
                    break
                sent += 1
                code = last_code()
                for _try in range(otp.MAX_WRONG_TRIES):
                    result = services.reset_password(
                        PHONE, wrong(code), NEW_PASSWORD, address=f"198.51.{hour}.{n}"
                    )
                    guesses += 1
                    if result.outcome is not Outcome.WRONG_CODE:
                        break
    cap = settings.JINENG_OTP_WRONG_TRIES_PER_PHONE_PER_DAY
    assert (guesses, sent) == (cap, cap // otp.MAX_WRONG_TRIES)
    assert sum(OneTimeCode.objects.values_list("attempts", flat=True)) == cap


def test_a_right_code_waits_once_the_days_wrong_tries_are_spent(
    account: User, settings: Any
) -> None:
    settings.JINENG_OTP_WRONG_TRIES_PER_PHONE_PER_DAY = 3
    services.start_password_reset(PHONE, address="203.0.113.1")
    code = last_code()
    for _ in range(3):
        services.reset_password(PHONE, wrong(code), NEW_PASSWORD, address=None)
    result = services.reset_password(PHONE, code, NEW_PASSWORD, address=None)
    assert result.outcome is Outcome.EXPIRED_CODE
    with pytest.raises(RateLimited):
        services.start_password_reset(PHONE, address="203.0.113.2")
    # The next day the number may try again.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        services.start_password_reset(PHONE, address="203.0.113.2")
        assert (
            services.reset_password(PHONE, last_code(), NEW_PASSWORD, address=None).outcome
            is Outcome.RESET
        )


def test_texts_to_one_number_are_capped_per_day(city: Any, settings: Any) -> None:
    """A stranger's number typed on the registration form, from a new address each hour."""
    victim = "13811112222"
    start = timezone.now()
    for hour in range(24):
        with time_machine.travel(start + datetime.timedelta(hours=hour, minutes=1), tick=False):
            for _ in range(6):
                with contextlib.suppress(RateLimited):
                    services.start_registration(
                        pending(ID_B, "李四", phone=victim), address=f"198.51.100.{hour}"
                    )
    texts = SmsOutboxMessage.objects.filter(phone_masked="138******22").count()
    assert texts == settings.JINENG_OTP_PER_PHONE_PER_DAY
