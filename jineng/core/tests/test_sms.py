"""The pluggable SMS gateway: the outbox backend keeps messages, production refuses."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from jineng.core import pii
from jineng.core.errors import ValidationFailed
from jineng.core.models import SmsOutboxMessage
from jineng.core.sms import send_sms

pytestmark = pytest.mark.django_db


def test_outbox_backend_keeps_message_encrypted_and_logs_masked(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.JINENG_SMS_BACKEND = "jineng.core.sms.OutboxBackend"
    with caplog.at_level(logging.INFO, logger="jineng.sms"):
        send_sms("+86 138-1234-5678", "您的验证码是 123456", purpose="register")
    message = SmsOutboxMessage.objects.get()
    assert message.phone_masked == "138******78"
    assert pii.decrypt(message.phone_encrypted) == "13812345678"
    assert b"13812345678" not in bytes(message.phone_encrypted)
    assert (message.purpose, message.text, message.user_id) == (
        "register",
        "您的验证码是 123456",
        None,
    )
    assert "13812345678" not in caplog.text
    assert "123456" not in caplog.text
    assert "138******78" in caplog.text
    assert "register" in caplog.text


def test_production_default_refuses_until_configured(settings: Any) -> None:
    settings.JINENG_SMS_BACKEND = "jineng.core.sms.UnconfiguredBackend"
    with pytest.raises(ImproperlyConfigured, match="JINENG_SMS_BACKEND"):
        send_sms("13812345678", "hello", purpose="register")
    assert not SmsOutboxMessage.objects.exists()


def test_send_sms_rejects_bad_number_and_empty_text() -> None:
    with pytest.raises(ValidationFailed):
        send_sms("12345", "hello", purpose="register")
    with pytest.raises(ValidationFailed):
        send_sms("13812345678", "  ", purpose="register")
    assert not SmsOutboxMessage.objects.exists()


def test_can_send_tells_a_configured_gateway(settings: Any) -> None:
    from jineng.core.sms import can_send

    settings.JINENG_SMS_BACKEND = "jineng.core.sms.UnconfiguredBackend"
    assert not can_send()
    settings.JINENG_SMS_BACKEND = "jineng.core.sms.OutboxBackend"
    assert can_send()
