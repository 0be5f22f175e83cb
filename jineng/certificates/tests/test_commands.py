"""`jineng certificates rotate-key|keys`, the demo's key, and the public documents' answers."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from jineng.certificates import demo
from jineng.certificates.models import SigningKey, SigningKeyStatus

pytestmark = pytest.mark.django_db


def test_the_demo_ensures_one_key_and_is_idempotent() -> None:
    out = io.StringIO()
    demo.build_demo(stdout=out)
    demo.build_demo(stdout=out)
    assert SigningKey.objects.count() == 1
    assert "did:web:jineng.example#" in out.getvalue()


def test_rotate_key_keeps_the_old_key_published() -> None:
    demo.build_demo(stdout=io.StringIO())
    out = io.StringIO()
    call_command("certificates", "rotate-key", stdout=out)
    assert "New active signing key" in out.getvalue()
    assert SigningKey.objects.filter(status=SigningKeyStatus.RETIRED).count() == 1
    assert SigningKey.objects.filter(status=SigningKeyStatus.ACTIVE).count() == 1
    assert len(Client().get("/.well-known/jwks.json").json()["keys"]) == 2
    listing = io.StringIO()
    call_command("certificates", "keys", stdout=listing)
    assert listing.getvalue().count("\n") == 2


@pytest.mark.parametrize("path", ["/certificates/status/revocation", "/certificates/status/other"])
def test_status_lists_answer_404_until_they_exist_or_when_unknown(path: str, db: Any) -> None:
    assert Client().get(path).status_code == 404


def test_the_public_documents_are_cacheable_json() -> None:
    demo.build_demo(stdout=io.StringIO())
    response = Client().get("/.well-known/jwks.json")
    assert response["Content-Type"] == "application/jwk-set+json"
    assert "max-age" in response["Cache-Control"]
    assert Client().get("/.well-known/did.json")["Content-Type"] == "application/did+json"
