"""Registration through an identity provider: the test provider, no network."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import ID_A, ID_B
from jineng.accounts.models import User
from jineng.core import pii
from jineng.core.models import AuditEvent, SmsOutboxMessage
from jineng.people.models import Person
from jineng.registration import services
from jineng.registration.identity_providers import VerifiedIdentity, get_providers
from jineng.registration.services import Outcome
from jineng.registration.tests.factories import PASSWORD, PHONE

pytestmark = pytest.mark.django_db
PROVIDER = "jineng.registration.identity_providers.TestIdentityProvider"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def provider(settings: Any) -> None:
    settings.JINENG_IDENTITY_PROVIDERS = [PROVIDER]
    settings.JINENG_TEST_IDENTITY = {"name": "李四", "id_number": ID_B, "phone": PHONE}


def test_no_provider_is_offered_by_default(client: Client, city: Any) -> None:
    assert get_providers() == []
    assert client.post("/registration/provider/test/").status_code == 404


def test_provider_journey_registers_without_a_code(
    client: Client, city: Any, provider: None
) -> None:
    assert "Test identity provider" in client.get("/registration/", **EN).content.decode()
    response = client.post("/registration/provider/test/")
    callback = response["Location"]
    assert "/registration/provider/test/callback/?state=" in callback
    assert client.get(callback)["Location"] == "/registration/verified/"
    page = client.get("/registration/verified/", **EN).content.decode()
    assert "220581**********" in page
    assert ID_B not in page
    response = client.post(
        "/registration/verified/",
        {"region": "220581001", "username": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == "/"
    user = User.objects.get(phone_hash=pii.blind_index(PHONE))
    assert user.has_confirmed_phone
    assert user.person == Person.objects.get(name="李四")
    assert not SmsOutboxMessage.objects.exists()
    assert AuditEvent.objects.get(action="accounts.user.registered").data["source"] == (
        "identity_provider:test"
    )


def test_callback_without_the_session_state_is_refused(
    client: Client, city: Any, provider: None
) -> None:
    response = client.get("/registration/provider/test/callback/?state=forged")
    assert response["Location"] == "/registration/"
    assert client.get("/registration/verified/")["Location"] == "/registration/"


def test_verified_identity_links_the_register_or_refuses_another_name(person: Person) -> None:
    right = VerifiedIdentity(provider="test", name="张三", id_number=ID_A, phone=PHONE)
    result = services.register_verified(
        right, username="zs", password_hash="!", region_code="220581001"
    )
    assert result.outcome is Outcome.LINKED
    assert result.user is not None
    assert result.user.person == person
    other = VerifiedIdentity(provider="test", name="王五", id_number=ID_A, phone="13700000000")
    result = services.register_verified(
        other, username="ww", password_hash="!", region_code="220581001"
    )
    assert result.outcome is Outcome.IDENTITY_MISMATCH
