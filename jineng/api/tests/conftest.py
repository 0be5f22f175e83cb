"""Fixtures for the API app's own tests."""

from __future__ import annotations

from typing import Any

import pytest

from jineng.api.tests.helpers import register_for_school


@pytest.fixture
def person_a(staff_a: Any, city: Any) -> Any:
    """A person registered by school A's staff, hence in school A's scope only."""
    return register_for_school(staff_a)
