"""The SMS outbox page: the bureau's security administrators only, masked numbers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.test import Client

from jineng.accounts.checks import check_sms_outbox_not_in_production
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accounts.services import set_user_phone
from jineng.core.sms import send_sms
from jineng.registration import services
from jineng.registration.tests.factories import PHONE, last_code

pytestmark = pytest.mark.django_db


def test_outbox_lists_masked_messages_for_bureau(
    client: Client, bureau_admin: User, settings: Any
) -> None:
    settings.JINENG_SMS_OUTBOX_SHOWS_CODES = True
    send_sms("13812345678", "验证码 654321", purpose="register")
    client.force_login(bureau_admin)
    response = client.get("/registration/outbox/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "138******78" in body
    assert "13812345678" not in body
    assert "验证码 654321" in body
    assert "register" in body


@pytest.mark.parametrize("who", ["staff_a", "worker", "auditor"])
def test_outbox_refused_to_others(client: Client, who: str, request: pytest.FixtureRequest) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get("/registration/outbox/").status_code == 403


def test_outbox_needs_login(client: Client) -> None:
    response = client.get("/registration/outbox/")
    assert response.status_code == 302


def test_outbox_hides_live_codes_outside_development(
    client: Client, bureau_admin: User, settings: Any
) -> None:
    settings.JINENG_SMS_OUTBOX_SHOWS_CODES = False
    worker = User.objects.create_user("w1", password="Old-password-42", role=Role.WORKER)
    set_user_phone(worker, PHONE, actor=None, confirmed=True)
    services.start_password_reset(PHONE, address="203.0.113.1")
    code = last_code()
    send_sms("13812345678", "班级 123456 已通过审核", purpose="class_approved")
    client.force_login(bureau_admin)
    response = client.get("/registration/outbox/")
    body = response.content.decode()
    assert code not in body
    assert "******" in body
    # Only code messages are masked.
    assert "班级 123456 已通过审核" in body
    assert "no-store" in response["Cache-Control"]


def test_outbox_shows_codes_in_development(
    client: Client, bureau_admin: User, settings: Any
) -> None:
    settings.JINENG_SMS_OUTBOX_SHOWS_CODES = True
    send_sms("13812345678", "验证码 654321", purpose="register")
    client.force_login(bureau_admin)
    assert "验证码 654321" in client.get("/registration/outbox/").content.decode()


def test_deploy_checks_refuse_the_outbox_with_debug_off(settings: Any) -> None:
    settings.DEBUG = False
    settings.JINENG_SMS_BACKEND = "jineng.core.sms.OutboxBackend"
    assert [e.id for e in check_sms_outbox_not_in_production()] == ["jineng.E104"]
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert "jineng.E104" in [m.id for m in found]
    settings.JINENG_SMS_BACKEND = "jineng.core.sms.UnconfiguredBackend"
    assert check_sms_outbox_not_in_production() == []
    settings.DEBUG = True
    settings.JINENG_SMS_BACKEND = "jineng.core.sms.OutboxBackend"
    assert check_sms_outbox_not_in_production() == []
