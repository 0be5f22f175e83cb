"""Staff sessions end after a while without a request; workers keep the long session."""

from __future__ import annotations

import datetime

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jineng.accounts.middleware import LAST_ACTIVITY_KEY

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
PAGE = "/accounts/security/"


def _at(minutes: float) -> time_machine.travel:
    return time_machine.travel(START + datetime.timedelta(minutes=minutes), tick=False)


def test_staff_are_signed_out_after_the_idle_limit(client, staff_a, settings):
    assert settings.JINENG_STAFF_IDLE_MINUTES == 30
    with _at(0):
        client.force_login(staff_a)
        assert client.get(PAGE).status_code == 200
    with _at(31):
        # The message is worded when the session ends, in that request's language.
        response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Faccounts%2Fsecurity%2F"
    with _at(31):
        assert "_auth_user_id" not in client.session
        login = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "You were signed out after 30 minutes without activity." in login.content.decode()


def test_each_request_moves_the_staff_idle_limit_on(client, bureau_admin):
    with _at(0):
        client.force_login(bureau_admin)
    for minutes in (0, 25, 50, 75):
        with _at(minutes):
            assert client.get(PAGE).status_code == 200
            assert client.session["_auth_user_id"] == str(bureau_admin.pk)


def test_the_staff_idle_limit_is_configurable(client, reviewer, settings):
    settings.JINENG_STAFF_IDLE_MINUTES = 5
    with _at(0):
        client.force_login(reviewer)
        client.get(PAGE)
    with _at(6):
        assert client.get(PAGE).status_code == 302
        assert "_auth_user_id" not in client.session


def test_workers_keep_their_session_when_idle(client, worker):
    with _at(0):
        client.force_login(worker)
        client.get(PAGE)
    with _at(60 * 24 * 3):
        response = client.get(PAGE)

        assert response.status_code == 200
        assert client.session["_auth_user_id"] == str(worker.pk)
        assert LAST_ACTIVITY_KEY not in client.session


def test_a_background_refresh_sends_the_whole_page_to_the_login(client, staff_a):
    with _at(0):
        client.force_login(staff_a)
        client.get(PAGE)
    with _at(31):
        response = client.get(PAGE, HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Faccounts%2Fsecurity%2F"


def test_a_staff_page_right_after_login_writes_no_session(client, staff_a):
    with _at(0):
        client.force_login(staff_a)
    with _at(0.5), CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200

    assert [q["sql"] for q in queries if "UPDATE" in q["sql"] or "INSERT" in q["sql"]] == []
