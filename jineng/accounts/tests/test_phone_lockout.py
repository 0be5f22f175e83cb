"""Logging in by phone and the lockout: every spelling counts together, never in clear."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client

from jineng.accounts.lockout import lockout_username
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accounts.services import set_user_phone
from jineng.core.models import SmsOutboxMessage

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PHONE = "13912345678"
PASSWORD = "Right-Orchard-42"
IP = "198.51.100.7"


@pytest.fixture
def account(db: Any) -> User:
    user = User.objects.create_user("wb6bbfa7baf", password=PASSWORD, role=Role.WORKER)
    set_user_phone(user, PHONE, actor=None, confirmed=True)
    return user


def login(username: str, password: str) -> Any:
    return Client(REMOTE_ADDR=IP).post(
        "/accounts/login/", {"username": username, "password": password}, **EN
    )


def signed_in(response: Any) -> bool:
    return response.status_code == 302 and "/accounts/login" not in response["Location"]


SPELLINGS = [
    PHONE,
    "+86" + PHONE,
    "0086" + PHONE,
    "139 1234 5678",
    "139-1234-5678",
    "１３９１２３４５６７８",
    "+86 139 1234 5678",
]


def test_every_spelling_of_a_number_has_one_lockout_name() -> None:
    names = {lockout_username(spelling) for spelling in SPELLINGS}
    assert len(names) == 1
    (name,) = names
    assert name is not None
    assert name.startswith("139******78#")
    assert PHONE not in name
    assert lockout_username("zhang_admin") == "zhang_admin"


def test_lockout_holds_across_spellings_of_the_phone(account: User, settings: Any) -> None:
    for spelling in SPELLINGS[: settings.AXES_FAILURE_LIMIT]:
        assert not signed_in(login(spelling, "Wrong-guess-000"))
    assert not signed_in(login(SPELLINGS[-1], PASSWORD))
    (attempt,) = AccessAttempt.objects.all()
    assert (attempt.username, attempt.failures_since_start) == (
        lockout_username(PHONE),
        # The refused right password, while locked, counts as well.
        settings.AXES_FAILURE_LIMIT + 1,
    )
    # From another address the owner still logs in.
    other = Client(REMOTE_ADDR="203.0.113.5")
    assert signed_in(other.post("/accounts/login/", {"username": PHONE, "password": PASSWORD}))


def test_no_phone_in_clear_in_the_lockout_tables(account: User) -> None:
    login(PHONE, "Wrong-guess-000")
    assert signed_in(login(PHONE, PASSWORD))
    texts = [(a.username or "") + (a.post_data or "") for a in AccessAttempt.objects.all()]
    texts += [a.username or "" for a in AccessLog.objects.all()]
    assert texts
    assert [t for t in texts if PHONE in t] == []


def test_the_bureau_sees_and_unlocks_a_locked_phone(
    account: User, bureau_admin: User, settings: Any
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(PHONE, "Wrong-guess-000")
    officer = Client()
    officer.force_login(bureau_admin)
    page = officer.get("/accounts/lockouts/", **EN).content.decode()
    assert "139******78" in page
    assert PHONE not in page
    response = officer.post(
        "/accounts/lockouts/unlock/",
        {"username": lockout_username(PHONE), "ip_address": IP},
        **EN,
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert signed_in(login("139 1234 5678", PASSWORD))


def test_a_reset_by_phone_clears_the_phone_logins_lockout(account: User, settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(PHONE, "Wrong-guess-000")
    client = Client(REMOTE_ADDR=IP)
    client.post("/registration/reset/", {"phone": PHONE}, **EN)
    message = SmsOutboxMessage.objects.order_by("-id").first()
    assert message is not None
    match = re.search(r"\d{6}", message.text)
    assert match
    new = "Brand-new-Orchard-7"
    client.post(
        "/registration/reset/confirm/",
        {"code": match.group(), "password1": new, "password2": new},
        **EN,
    )
    account.refresh_from_db()
    assert account.check_password(new)
    assert signed_in(login("+86 139 1234 5678", new))
