"""Login lockout: per (username, address) pair, growing waits, and the bureau's unlock page."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt

from jineng.accounts.lockout import cool_off_for, locked_logins
from jineng.core.models import AuditEvent

LOGIN = "/accounts/login/"
LOCKOUTS = "/accounts/lockouts/"
UNLOCK = "/accounts/lockouts/unlock/"
PASSWORD = "pw-Testing-123"
ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.7"
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


def _login(client, username: str, password: str, address: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _attack(client, username: str, times: int = 10) -> None:
    for _ in range(times):
        _login(client, username, "guess-123456", ATTACKER)


def test_an_attacker_cannot_lock_the_administrator_out_from_another_address(client, bureau_admin):
    _attack(client, "admin_t")

    response = _login(client, "admin_t", PASSWORD, OFFICE)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bureau_admin.pk)


def test_the_attacking_pair_is_locked_even_with_the_right_password(client, bureau_admin):
    _attack(client, "admin_t")

    response = _login(client, "admin_t", PASSWORD, ATTACKER)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_locked_for_one_account_may_log_in_to_another(client, bureau_admin, staff_a):
    _attack(client, "admin_t")

    assert _login(client, "staff_a", PASSWORD, ATTACKER).status_code == 302


def test_the_wait_doubles_with_each_failure_past_the_limit(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    minutes = [cool_off_for(n) / datetime.timedelta(minutes=1) for n in (1, 5, 6, 7, 8, 20, 99)]
    assert minutes == [30, 30, 60, 120, 240, 24 * 60, 24 * 60]


def test_failures_during_the_lockout_lengthen_it(client, bureau_admin):
    with time_machine.travel(START, tick=False):
        _attack(client, "admin_t", times=7)
    # Seven failures: 2 past the limit of 5, so 30 × 2² = 120 minutes from the last.
    with time_machine.travel(START + datetime.timedelta(minutes=119), tick=False):
        assert _login(client, "admin_t", PASSWORD, ATTACKER).status_code == 429
    # That try failed too (8 failures, 240 minutes from it).
    with time_machine.travel(START + datetime.timedelta(minutes=119 + 239), tick=False):
        assert _login(client, "admin_t", PASSWORD, ATTACKER).status_code == 429
    with time_machine.travel(START + datetime.timedelta(hours=40), tick=False):
        assert _login(client, "admin_t", PASSWORD, ATTACKER).status_code == 302


def test_the_bureau_lists_locked_logins(client, bureau_admin, staff_a):
    _attack(client, "staff_a", times=6)
    _login(client, "staff_a", "guess-123456", OFFICE)
    client.force_login(bureau_admin)

    response = client.get(LOCKOUTS, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert [(row.username, row.ip_address, row.failures) for row in response.context["locked"]] == [
        ("staff_a", ATTACKER, 6)
    ]
    assert f"Unlock staff_a from {ATTACKER}" in html
    assert OFFICE not in html


def test_the_bureau_unlocks_a_pair_and_the_unlock_is_audited(client, bureau_admin, staff_a):
    _attack(client, "staff_a", times=6)
    client.force_login(bureau_admin)

    response = client.post(
        UNLOCK, {"username": "staff_a", "ip_address": ATTACKER}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert response["Location"] == LOCKOUTS
    assert not AccessAttempt.objects.filter(username="staff_a").exists()
    assert locked_logins() == []
    event = AuditEvent.objects.get(action="accounts.login.unlocked")
    assert event.actor_id == bureau_admin.pk
    assert (event.object_type, event.object_id) == ("accounts.user", str(staff_a.pk))
    assert event.data == {"username": "staff_a", "ip_address": ATTACKER, "failures": 6}
    client.logout()
    assert _login(client, "staff_a", PASSWORD, ATTACKER).status_code == 302


def test_unlocking_a_pair_that_is_not_locked_says_so(client, bureau_admin):
    client.force_login(bureau_admin)

    response = client.post(
        UNLOCK,
        {"username": "nobody", "ip_address": ATTACKER},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert f"Logins as nobody from {ATTACKER} are not locked." in response.content.decode()
    assert not AuditEvent.objects.filter(action="accounts.login.unlocked").exists()


@pytest.mark.parametrize("fixture", ["staff_a", "reviewer", "auditor", "worker"])
def test_only_the_bureau_administrator_may_see_or_unlock_locked_logins(
    client, request, fixture, bureau_admin
):
    _attack(client, "admin_t", times=6)
    client.force_login(request.getfixturevalue(fixture))

    assert client.get(LOCKOUTS).status_code == 403
    assert client.post(UNLOCK, {"username": "admin_t", "ip_address": ATTACKER}).status_code == 403
    assert AccessAttempt.objects.filter(username="admin_t").exists()
    assert not AuditEvent.objects.filter(action="accounts.login.unlocked").exists()


def test_behind_a_proxy_the_client_address_comes_from_its_header(client, bureau_admin, settings):
    settings.JINENG_CLIENT_IP_HEADER = "X-Real-IP"
    for _ in range(6):
        client.post(
            LOGIN,
            {"username": "admin_t", "password": "guess-123456"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_REAL_IP=ATTACKER,
        )

    office = client.post(
        LOGIN,
        {"username": "admin_t", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_REAL_IP=OFFICE,
    )

    assert office.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
