"""The SMS outbox page: the bureau's security administrators only, masked numbers."""

from __future__ import annotations

import pytest
from django.test import Client

from jineng.accounts.models import User
from jineng.core.sms import send_sms

pytestmark = pytest.mark.django_db


def test_outbox_lists_masked_messages_for_bureau(client: Client, bureau_admin: User) -> None:
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
