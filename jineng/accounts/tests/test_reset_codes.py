"""One-time reset codes against the account's other changes, and their daily ceilings."""

from __future__ import annotations

from typing import Any

import pytest

from jineng.accounts.models import CodePurpose, OneTimeCode, User
from jineng.accounts.roles import Role
from jineng.accounts.services import change_password, set_user_phone
from jineng.registration import services
from jineng.registration.services import Outcome
from jineng.registration.tests.factories import last_code

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
