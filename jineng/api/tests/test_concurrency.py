"""Parallel duplicates of one create with the same Idempotency-Key (PostgreSQL, real threads)."""

import threading
from unittest import mock

import pytest
from django.db import connection

from jineng.api.models import IdempotencyKey
from jineng.api.tests.helpers import ID_C, ApiClient, api_client
from jineng.core.models import AuditEvent
from jineng.people.models import Person

CLIENTS = 8
BODY = {"id_number": ID_C, "name": "王五", "region_code": "220581001"}
KEY = {"Idempotency-Key": "parallel-1"}


def _post_in_parallel(auth):
    barrier = threading.Barrier(CLIENTS)
    results = []
    errors = []

    def send():
        try:
            barrier.wait()
            # One test client per thread, as each real client has its own connection.
            response = ApiClient(None).post("/api/v1/people", BODY, headers={**auth, **KEY})
            results.append((response.status_code, response.json()))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_duplicates_create_once_and_never_conflict(city, bureau_admin):
    results = _post_in_parallel(api_client(bureau_admin).headers)
    person = Person.objects.get()
    codes = sorted({status for status, _ in results})
    assert set(codes) <= {201, 409}
    created = [body for status, body in results if status == 201]
    assert created
    assert all(body["id"] == person.pk for body in created)
    conflicts = {body["code"] for status, body in results if status == 409}
    # Only the request holding the key runs the service; the others wait or replay.
    assert conflicts <= {"idempotency_key_in_progress"}
    assert AuditEvent.objects.filter(action="people.person.created").count() == 1
    assert IdempotencyKey.objects.get().response_status == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_key_claim_duplicates_race_into_the_service(city, bureau_admin):
    """Control: with claiming disabled every duplicate runs the service and most lose."""

    def no_claim(user, key, request_fingerprint):
        return IdempotencyKey(user=user, key=key, fingerprint=request_fingerprint)

    auth = api_client(bureau_admin).headers
    with mock.patch("jineng.api.idempotency.claim_key", no_claim):
        results = _post_in_parallel(auth)
    conflicts = [body["code"] for status, body in results if status == 409]
    assert "person_exists" in conflicts
    assert Person.objects.count() == 1
