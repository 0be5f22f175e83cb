"""A password-reset request takes as long for a number without an account as for one with."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from jineng.accounts import otp
from jineng.accounts.models import CodePurpose, OneTimeCode, User
from jineng.accounts.roles import Role
from jineng.accounts.services import set_user_phone
from jineng.core.models import SmsOutboxMessage
from jineng.core.sms import OutboxBackend, SmsMessage

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PHONE = "13912345678"
GATEWAY_SECONDS = 0.4


class SlowGateway(OutboxBackend):
    """A real gateway answers in a few hundred milliseconds."""

    def send(self, message: SmsMessage) -> None:
        time.sleep(GATEWAY_SECONDS)
        super().send(message)


@pytest.fixture
def slow_gateway(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.JINENG_SMS_BACKEND = f"{__name__}.SlowGateway"
    monkeypatch.setattr(otp, "_send_seconds", 0.0)


@pytest.fixture
def account(db: Any) -> User:
    user = User.objects.create_user("w1", password="Old-password-42", role=Role.WORKER)
    set_user_phone(user, PHONE, actor=None, confirmed=True)
    return user


def timed(phone: str) -> float:
    client = Client()
    start = time.monotonic()
    response = client.post("/registration/reset/", {"phone": phone}, **EN)
    assert response.status_code == 302
    return time.monotonic() - start


def test_the_least_time_covers_the_gateway(
    account: User, slow_gateway: None, settings: Any
) -> None:
    settings.JINENG_SMS_MIN_MILLISECONDS = 600
    timed("13900000001")  # warm up the page
    without = timed("13900000000")
    with_account = timed(PHONE)
    assert abs(with_account - without) < 0.1
    assert without >= 0.6
    assert SmsOutboxMessage.objects.get().purpose == "reset"
    assert OneTimeCode.objects.filter(purpose=CodePurpose.RESET).count() == 3


def test_without_a_least_time_the_gateways_own_time_is_waited(
    account: User, slow_gateway: None, settings: Any
) -> None:
    settings.JINENG_SMS_MIN_MILLISECONDS = 0
    with_account = timed(PHONE)
    without = timed("13900000000")
    assert with_account >= GATEWAY_SECONDS
    assert abs(with_account - without) < 0.1
