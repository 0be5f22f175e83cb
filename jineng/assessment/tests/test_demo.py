"""The demo builds held, certified and filed sessions through the services, once."""

from __future__ import annotations

import io
from typing import Any

import pytest

from jineng.assessment import demo
from jineng.assessment.choices import SessionStatus
from jineng.assessment.models import AssessmentSession, Result
from jineng.assessment.tests import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _key(monkeypatch: Any) -> None:
    from jineng.certificates import keys

    key = keys.RSAKey.generate_key(2048, private=True)
    monkeypatch.setattr(keys, "generate_private_key", lambda: key)


def test_demo(accredited: Any, bureau_admin: Any, reviewer: Any) -> None:
    from jineng.certificates.models import Certificate

    for n in range(20):
        helpers.make_person(300 + n, bureau_admin)
    out = io.StringIO()
    demo.build_demo(stdout=out)
    statuses = set(AssessmentSession.objects.values_list("status", flat=True))
    assert statuses == {SessionStatus.CERTIFIED, SessionStatus.FILED}, out.getvalue()
    assert Result.objects.filter(passed=False).exists()
    assert Certificate.objects.filter(status="revoked").count() == 1
    demo.build_demo(stdout=out)
    assert AssessmentSession.objects.count() == 2
