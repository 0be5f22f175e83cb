"""The training demo needs the demo accounts and does nothing without them."""

from __future__ import annotations

import io

import pytest

from jineng.training.demo import build_demo
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db


def test_demo_without_accounts_does_nothing():
    out = io.StringIO()
    build_demo(stdout=out)
    assert out.getvalue() == "training demo: skipped (no school1 or admin account)\n"
    assert not TrainingClass.objects.exists()
