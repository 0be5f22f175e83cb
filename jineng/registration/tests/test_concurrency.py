"""Parallel code requests for one number never pass the resend limit (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from jineng.accounts import otp
from jineng.accounts.models import OneTimeCode
from jineng.core.errors import RateLimited
from jineng.registration import services
from jineng.registration.tests.factories import PHONE

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PARALLEL = 4


@contextmanager
def _widen_the_window() -> Iterator[None]:
    """Pause between counting the codes and writing one, as a busy server would."""
    real = otp._check_limits

    def slow(*args: Any) -> None:
        real(*args)
        connection.cursor().execute("SELECT pg_sleep(0.2)")

    with mock.patch.object(otp, "_check_limits", slow):
        yield


def _request_at_once() -> list[BaseException]:
    barrier = threading.Barrier(PARALLEL)
    errors: list[BaseException] = []

    def request(n: int) -> None:
        try:
            barrier.wait()
            services.start_password_reset(PHONE, address=f"198.51.100.{n}")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_parallel_requests_for_one_number_keep_the_limit(settings: Any) -> None:
    settings.JINENG_OTP_PER_PHONE_PER_HOUR = 1
    with _widen_the_window():
        errors = _request_at_once()
    assert len(errors) == PARALLEL - 1
    assert all(isinstance(e, RateLimited) for e in errors)
    assert OneTimeCode.objects.count() == 1


def test_control_without_the_lock_the_limit_is_passed(settings: Any) -> None:
    settings.JINENG_OTP_PER_PHONE_PER_HOUR = 1
    with _widen_the_window(), mock.patch.object(otp.locks, "codes_of_phone_for_update"):
        errors = _request_at_once()
    assert OneTimeCode.objects.count() > 1
    assert len(errors) < PARALLEL - 1
