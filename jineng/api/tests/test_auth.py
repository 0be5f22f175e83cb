"""Who may call the API: bearer tokens (valid, revoked, expired, wrong) and browser sessions."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from jineng.accounts.models import ApiToken, SecurityPolicy
from jineng.api.services import create_token
from jineng.api.tests.helpers import ID_C, ApiClient
from jineng.people.models import Person

PEOPLE = "/api/v1/people"


def _assert_unauthenticated(response):
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert set(response.json()) == {"code", "detail"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_valid_token_authenticates_and_stamps_last_use(bureau_admin):
    token, raw = create_token(bureau_admin, actor=None)
    assert token.last_used_at is None
    response = ApiClient(raw).get(PEOPLE)
    assert response.status_code == 200
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < datetime.timedelta(seconds=10)


def test_last_use_is_stamped_at_most_once_a_minute(bureau_admin):
    token, raw = create_token(bureau_admin, actor=None)
    client = ApiClient(raw)
    client.get(PEOPLE)
    token.refresh_from_db()
    first = token.last_used_at
    client.get(PEOPLE)
    token.refresh_from_db()
    assert token.last_used_at == first
    with time_machine.travel(first + datetime.timedelta(minutes=2)):
        client.get(PEOPLE)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_revoked_token_is_refused(bureau_admin):
    token, raw = create_token(bureau_admin, actor=None)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    _assert_unauthenticated(ApiClient(raw).get(PEOPLE))


def test_expired_token_is_refused(bureau_admin):
    token, raw = create_token(bureau_admin, actor=None, days=1)
    assert ApiClient(raw).get(PEOPLE).status_code == 200
    with time_machine.travel(token.expires_at + datetime.timedelta(seconds=1)):
        _assert_unauthenticated(ApiClient(raw).get(PEOPLE))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer jn_not-a-real-token",
        "Bearer ",
        "Token {raw}",
        "Basic {raw}",
        "{raw}",
    ],
)
def test_wrong_or_malformed_credentials_are_refused(bureau_admin, header):
    _token, raw = create_token(bureau_admin, actor=None)
    response = Client().get(PEOPLE, headers={"Authorization": header.format(raw=raw)})
    _assert_unauthenticated(response)


def test_no_credentials_is_401(db):
    _assert_unauthenticated(Client().get(PEOPLE))


def test_token_of_inactive_user_is_refused(bureau_admin):
    _token, raw = create_token(bureau_admin, actor=None)
    bureau_admin.is_active = False
    bureau_admin.save(update_fields=["is_active"])
    _assert_unauthenticated(ApiClient(raw).get(PEOPLE))


def test_unauthenticated_create_writes_nothing(city):
    response = ApiClient(None).post(
        PEOPLE, {"id_number": ID_C, "name": "王五", "region_code": "220581001"}
    )
    _assert_unauthenticated(response)
    assert not Person.objects.exists()


def _session(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_session_reads_without_csrf(bureau_admin):
    assert _session(bureau_admin).get(PEOPLE).status_code == 200


def test_session_write_without_csrf_token_is_refused(city, bureau_admin):
    client = _session(bureau_admin)
    body = {"id_number": ID_C, "name": "王五", "region_code": "220581001"}
    response = client.post(PEOPLE, body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not Person.objects.exists()


def test_session_write_with_csrf_token_succeeds(city, bureau_admin):
    client = _session(bureau_admin)
    client.get("/api/v1/docs")  # the docs page sets the CSRF cookie, as in a browser
    csrf = client.cookies["csrftoken"].value
    body = {"id_number": ID_C, "name": "王五", "region_code": "220581001"}
    response = client.post(
        PEOPLE, body, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201
    assert Person.objects.get().name == "王五"


def test_session_owing_a_second_factor_is_refused(bureau_admin):
    SecurityPolicy.objects.create(role=bureau_admin.role, requires_second_factor=True)
    response = _session(bureau_admin).get(PEOPLE)
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


def test_token_is_not_subject_to_the_session_second_factor(bureau_admin):
    SecurityPolicy.objects.create(role=bureau_admin.role, requires_second_factor=True)
    _token, raw = create_token(bureau_admin, actor=None)
    assert ApiClient(raw).get(PEOPLE).status_code == 200
