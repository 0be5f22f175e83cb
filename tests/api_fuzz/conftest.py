"""Fixtures for fuzzing the REST API with schemathesis against the live server.

The API runs under pytest-django's ``live_server`` (a real HTTP server on 127.0.0.1 with the
test database), so requests cross the same WSGI stack, middleware and auth as production.
Every test here is marked ``api_fuzz`` automatically.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

HERE = Path(__file__).resolve().parent
OPENAPI_PATH = "/api/v1/openapi.json"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this package ``api_fuzz``."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.api_fuzz)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Hash test passwords cheaply: each PBKDF2 login would cost the journey half a second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _static_root() -> None:
    """Give WhiteNoise its STATIC_ROOT so the live server starts without a warning."""
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


# Path parameters that name an object, and the key of ``objects_of_a`` holding such an object
# of institution A. Features that add endpoints with new path parameters add them here (and
# create the object in ``objects_of_a``); an unregistered parameter fails the authorization test.
OBJECT_PARAMETERS: dict[str, str] = {
    "person_id": "person",
    "organization_id": "organization",
}


@pytest.fixture
def objects_of_a(staff_a: Any, city: Any, target_groups: Any) -> dict[str, Any]:
    """Objects that belong to institution A: a person its staff registered, and A itself."""
    from conftest import ID_B
    from jineng.people.services import PersonInput, register_person

    person = register_person(
        PersonInput(id_number=ID_B, name="李四", region_code="220581100201"), actor=staff_a
    )
    return {"person": person, "organization": staff_a.organization}


def issue_token(user: Any) -> str:
    """Issue an API token the way an operator does: `jineng token create USERNAME`."""
    out = io.StringIO()
    call_command("token", "create", user.username, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def bearer(user: Any) -> dict[str, str]:
    """Return the Authorization header of a fresh token of the user."""
    return {"Authorization": f"Bearer {issue_token(user)}"}


@pytest.fixture
def api_url(live_server: Any) -> str:
    """The base URL of the API on the live server."""
    return live_server.url + "/api/v1"


def load_openapi() -> dict[str, Any]:
    """Fetch the OpenAPI document from /api/v1/openapi.json through Django, at collection time.

    schemathesis needs the operations when pytest collects (one test per operation), before
    the live server runs; its lazy ``from_fixture`` loader does not work with pytest 9.
    """
    from django.conf import settings
    from django.test import Client

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    # The test environment (which allows the host "testserver") is not set up yet.
    host = next((h for h in settings.ALLOWED_HOSTS if h not in {"*"} and h[0] != "."), "localhost")
    response = Client(HTTP_HOST=host).get(OPENAPI_PATH)
    assert response.status_code == 200, f"GET {OPENAPI_PATH} answered {response.status_code}"
    return response.json()
