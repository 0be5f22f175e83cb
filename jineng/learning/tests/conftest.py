import base64
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from jineng.catalogs.tests.conftest import levels, occupations  # noqa: F401 - shared fixtures
from jineng.learning import services
from jineng.learning.models import LearningPlatform

VERSION = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}
HOME = "https://jineng.local"


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


class Lrs:
    """A platform's HTTP client of the record store: Basic auth and the version header."""

    def __init__(self, pair: tuple[str, str]) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": basic(*pair), **VERSION}

    def _call(self, method: str, path: str, params: dict | None, body: Any, **extra: Any):
        from urllib.parse import urlencode

        url = "/xapi/" + path + ("?" + urlencode(params) if params else "")
        headers = {**self.headers, **extra}
        content_type = headers.pop("content_type", "application/json")
        if body is not None and not isinstance(body, bytes | str):
            body = json.dumps(body)
        return getattr(self.client, method)(
            url, data=body if body is not None else "", content_type=content_type, **headers
        )

    def get(self, path: str, params: dict | None = None, **extra: Any):
        from urllib.parse import urlencode

        url = "/xapi/" + path + ("?" + urlencode(params) if params else "")
        return self.client.get(url, **{**self.headers, **extra})

    def post(self, path: str, body: Any, params: dict | None = None, **extra: Any):
        return self._call("post", path, params, body, **extra)

    def put(self, path: str, body: Any, params: dict | None = None, **extra: Any):
        return self._call("put", path, params, body, **extra)

    def delete(self, path: str, params: dict | None = None, **extra: Any):
        return self._call("delete", path, params, None, **extra)


@pytest.fixture
def platform(db: Any, bureau_admin: Any) -> LearningPlatform:
    return services.create_platform("在线学习平台", actor=bureau_admin)


@pytest.fixture
def pair(platform: LearningPlatform, bureau_admin: Any) -> tuple[str, str]:
    credential, secret = services.create_credential(platform, actor=bureau_admin)
    return credential.key, secret


@pytest.fixture
def lrs(pair: tuple[str, str]) -> Lrs:
    return Lrs(pair)


def statement(**overrides: Any) -> dict[str, Any]:
    """Return a valid statement by a mailbox agent about one activity."""
    data = {
        "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.com", "name": "学员"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "x"}},
        "object": {"id": "http://example.com/activities/welding-1", "objectType": "Activity"},
    }
    data.update(overrides)
    return data


def new_id() -> str:
    return str(uuid.uuid4())


def make_class(organization: Any, code: str, by_code: dict[str, Any]) -> Any:
    """A running online class of an institution, with the code given, held through March 2026.

    The attendance tests' maker, made online (all its hours may be learned online) and spanning
    the days these tests' statements are dated.
    """
    import datetime

    from jineng.attendance.tests.conftest import make_class as running_class
    from jineng.training.choices import ClassMode

    training_class = running_class(organization, code, next(iter(by_code.values())))
    training_class.mode = ClassMode.ONLINE
    training_class.starts_on = datetime.date(2026, 3, 1)
    training_class.ends_on = datetime.date(2026, 3, 31)
    training_class.save(update_fields=["mode", "starts_on", "ends_on"])
    return training_class
