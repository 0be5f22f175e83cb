"""Self-registration and password reset through the pages (Django test client)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from conftest import ID_A, ID_B
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accounts.services import set_user_phone
from jineng.core import pii
from jineng.core.models import AuditEvent
from jineng.people.models import Person
from jineng.registration.tests.factories import PASSWORD, PHONE, last_code

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "李四",
        "id_number": ID_B,
        "region": "220581001",
        "phone": PHONE,
        "username": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def test_register_confirm_and_land_signed_in(client: Client, city: Any) -> None:
    response = client.post("/registration/", form(), **EN)
    assert response.status_code == 302
    assert response["Location"] == "/registration/confirm/"
    page = client.get("/registration/confirm/", **EN)
    assert "139******78" in page.content.decode()
    response = client.post("/registration/confirm/", {"code": last_code()}, **EN)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(phone_hash=pii.blind_index(PHONE))
    assert int(client.session["_auth_user_id"]) == user.pk
    # A generated username, never the number (kept in clear in audit and lockouts).
    assert re.fullmatch(r"w[0-9a-f]{10}", user.username)
    assert user.person is not None
    assert user.person.name == "李四"


def test_pending_registration_is_sealed_in_the_session(client: Client, city: Any) -> None:
    client.post("/registration/", form(), **EN)
    session = Session.objects.get()
    stored = repr(session.session_data) + repr(session.get_decoded())
    assert ID_B not in stored
    assert PHONE not in stored
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": ID_B[:-1] + ("0" if ID_B[-1] != "0" else "1")}, "id_number", "check"),
        ({"id_number": "2.20581E+17"}, "id_number", ""),
        ({"id_number": ID_A[:17]}, "id_number", ""),
        ({"name": "李四2"}, "name", "digits"),
        ({"name": ""}, "name", "required"),
        ({"phone": "1391234567"}, "phone", ""),
        ({"phone": ""}, "phone", "required"),
        ({"region": "220581001001"}, "region", ""),
        ({"password2": "Other-password-77"}, "password2", "differ"),
        ({"password1": "short", "password2": "short"}, "password1", "short"),
        ({"username": "bad name!"}, "username", ""),
    ],
)
def test_bad_input_names_the_field_and_sends_nothing(
    client: Client, city: Any, overrides: dict[str, str], field: str, message: str
) -> None:
    response = client.post("/registration/", form(**overrides), **EN)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message.lower() in " ".join(errors[field]).lower()
    assert not Person.objects.exists()
    assert not User.objects.exists()
    from jineng.core.models import SmsOutboxMessage

    assert not SmsOutboxMessage.objects.exists()


def test_taken_or_phone_username_is_refused_on_the_form(client: Client, city: Any) -> None:
    User.objects.create_user("lisi", password="x", role=Role.WORKER)
    response = client.post("/registration/", form(username="LiSi"), **EN)
    assert "username" in response.context["form"].errors
    response = client.post("/registration/", form(username="13700000000"), **EN)
    assert "cannot be a mobile phone number" in response.context["form"].errors["username"][0]


def test_worker_logs_in_with_the_confirmed_phone(client: Client, city: Any) -> None:
    client.post("/registration/", form(), **EN)
    client.post("/registration/confirm/", {"code": last_code()}, **EN)
    client.logout()
    response = client.post("/accounts/login/", {"username": PHONE, "password": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(phone_hash=pii.blind_index(PHONE))
    assert int(client.session["_auth_user_id"]) == user.pk
    client.logout()
    response = client.post("/accounts/login/", {"username": PHONE, "password": "wrong-one-1"})
    assert response.status_code != 302


def test_account_exists_is_told_with_a_way_in(client: Client, worker: User) -> None:
    client.post("/registration/", form(name="张三", id_number=ID_A), **EN)
    response = client.post("/registration/confirm/", {"code": last_code()}, **EN)
    body = response.content.decode()
    assert 'data-reason="account_exists"' in body
    assert "An account already exists for this person" in body
    assert "/registration/reset/" in body
    assert "_auth_user_id" not in client.session


def test_wrong_name_is_refused_without_naming_the_person(client: Client, person: Person) -> None:
    client.post("/registration/", form(name="王五", id_number=ID_A), **EN)
    response = client.post("/registration/confirm/", {"code": last_code()}, **EN)
    body = response.content.decode()
    assert 'data-reason="identity_mismatch"' in body
    assert "张三" not in body
    assert not User.objects.filter(role=Role.WORKER).exists()


def test_name_and_id_alone_send_the_worker_to_the_desk(client: Client, person: Person) -> None:
    """An outsider's own phone with a neighbour's name and ID: no account, nothing revealed."""
    client.post("/registration/", form(name="张三", id_number=ID_A, phone="13700001111"), **EN)
    response = client.post("/registration/confirm/", {"code": last_code()}, **EN)
    body = response.content.decode()
    assert 'data-reason="confirm_identity"' in body
    assert "service desk" in body
    assert [v for v in (ID_A, "13812345678", "138******78") if v in body] == []
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(person=person).exists()
    assert not User.objects.filter(role=Role.WORKER).exists()


def test_wrong_code_says_tries_left(client: Client, city: Any) -> None:
    client.post("/registration/", form(), **EN)
    wrong = "000000" if last_code() != "000000" else "111111"
    response = client.post("/registration/confirm/", {"code": wrong}, **EN)
    assert "4 more tries" in " ".join(response.context["form"].errors["code"])


def test_resend_sends_a_new_code(client: Client, city: Any) -> None:
    from jineng.core.models import SmsOutboxMessage

    client.post("/registration/", form(), **EN)
    response = client.post("/registration/confirm/resend/", **EN)
    assert response["Location"] == "/registration/confirm/"
    assert SmsOutboxMessage.objects.count() == 2


def test_confirm_without_a_pending_registration_goes_back(client: Client) -> None:
    assert client.get("/registration/confirm/")["Location"] == "/registration/"
    assert client.get("/registration/reset/confirm/")["Location"] == "/registration/reset/"


def test_reset_by_phone_ends_the_old_sessions(client: Client, db: Any) -> None:
    user = User.objects.create_user("w1", password="Old-password-42", role=Role.WORKER)
    set_user_phone(user, PHONE, actor=None, confirmed=True)
    signed_in = Client()
    signed_in.force_login(user)
    assert signed_in.get("/accounts/security/").status_code == 200
    response = client.post("/registration/reset/", {"phone": PHONE}, **EN)
    assert response["Location"] == "/registration/reset/confirm/"
    response = client.post(
        "/registration/reset/confirm/",
        {"code": last_code(), "password1": PASSWORD, "password2": PASSWORD},
        **EN,
    )
    assert response["Location"] == "/accounts/login/"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert signed_in.get("/accounts/security/").status_code == 302
    assert AuditEvent.objects.filter(action="accounts.user.password_reset").count() == 1


def test_reset_answers_the_same_for_a_number_without_account(client: Client, db: Any) -> None:
    response = client.post("/registration/reset/", {"phone": PHONE}, **EN)
    assert response["Location"] == "/registration/reset/confirm/"
    page = client.get("/registration/reset/confirm/", **EN)
    assert "If an account has the number 139******78" in page.content.decode()


def test_no_personal_data_in_logs_or_urls(
    client: Client, city: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        first = client.post("/registration/", form(), **EN)
        second = client.post("/registration/confirm/", {"code": last_code()}, **EN)
        client.logout()
        client.post("/registration/reset/", {"phone": PHONE}, **EN)
    for value in (ID_B, PHONE, PASSWORD):
        assert value not in caplog.text
        assert value not in first["Location"] + second["Location"]


def test_login_page_links_to_register_and_reset(client: Client, db: Any) -> None:
    body = client.get("/accounts/login/").content.decode()
    assert 'href="/registration/"' in body
    assert 'href="/registration/reset/"' in body


def test_signed_in_user_is_sent_home_from_register(client: Client, worker: User) -> None:
    client.force_login(worker)
    assert client.get("/registration/")["Location"] == "/"


def test_pages_that_send_codes_close_without_a_gateway(
    client: Client, city: Any, settings: Any
) -> None:
    settings.JINENG_SMS_BACKEND = "jineng.core.sms.UnconfiguredBackend"
    for path in ("/registration/", "/registration/reset/"):
        response = client.get(path, **EN)
        assert response.status_code == 503
        assert 'data-reason="no_gateway"' in response.content.decode()
    assert client.post("/registration/", form(), **EN).status_code == 503
    assert not User.objects.filter(role=Role.WORKER).exists()
