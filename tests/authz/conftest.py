"""Fixtures of the authorization matrix: one world per test module, a savepoint per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test.utils import override_settings

from tests.authz.world import World, build_world

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """Build the world once per module, in a transaction rolled back when the module ends.

    The outer block is marked like a TestCase's, so services that open durable blocks run
    inside it as they do inside a test; each test's ``db`` savepoint nests in it.
    """
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    media = tmp_path_factory.mktemp("authz-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, TASKS=IMMEDIATE_TASKS),
    ):
        block = transaction.atomic()
        block._from_testcase = True
        block.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Forget rate-limit counters between cases: each case starts from the same world."""
    cache.clear()
    yield
    cache.clear()
