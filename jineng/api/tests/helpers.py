"""Helpers for API tests in every app: bearer-token clients and people in a school's scope."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from conftest import ID_B
from jineng.api.services import create_token

# A third valid citizen ID (checksum ISO 7064 MOD 11-2), born 1995-03-08, female.
ID_C = "220581199503080020"


class ApiClient:
    """A test client that sends a bearer token (when it has one) and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            path,
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )


def api_client(user: Any) -> ApiClient:
    """Return a client with a fresh API token of the user, or an anonymous one for None."""
    if user is None:
        return ApiClient(None)
    _token, raw = create_token(user, actor=None, name="test")
    return ApiClient(raw)


def register_for_school(staff: Any, id_number: str = ID_B, name: str = "李四") -> Any:
    """Register a person through a school's staff, which ties the person to that school."""
    from jineng.people.services import PersonInput, register_person

    return register_person(
        PersonInput(id_number=id_number, name=name, region_code="220581100201"), actor=staff
    )
