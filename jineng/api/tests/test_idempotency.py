"""Idempotency-Key on create endpoints: replay, mismatch, in-progress, expiry, failures."""

import base64
import datetime
import hashlib
import io
import json
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.test import RequestFactory
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from conftest import ID_A, ID_B
from jineng.api import idempotency
from jineng.api.models import IdempotencyKey
from jineng.api.tests.helpers import ID_C, api_client
from jineng.core.models import AuditEvent
from jineng.people.models import Person, TargetGroupMembership
from jineng.people.tests.test_import_queue import run_worker, worker_test

PEOPLE = "/api/v1/people"
BODY = {"id_number": ID_C, "name": "王五", "region_code": "220581001"}
KEY = {"Idempotency-Key": "4b1d0a52-6c1e-4f0e-9d57-1d2b2c6b9f10"}


def _created_events():
    return AuditEvent.objects.filter(action="people.person.created").count()


def test_same_key_and_body_replays_without_writing(city, bureau_admin):
    client = api_client(bureau_admin)
    first = client.post(PEOPLE, BODY, headers=KEY)
    assert first.status_code == 201
    # Same content, different key order and spacing: still the same request.
    again = client.client.post(
        PEOPLE,
        json.dumps(dict(reversed(BODY.items())), indent=2),
        content_type="application/json",
        headers={**client.headers, **KEY},
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Person.objects.count() == 1
    assert _created_events() == 1
    stored = IdempotencyKey.objects.get()
    assert (stored.user, stored.key, stored.response_status) == (
        bureau_admin,
        KEY["Idempotency-Key"],
        201,
    )
    assert stored.response_body == first.json()
    assert stored.completed_at is not None


def test_same_key_with_other_body_is_422(city, bureau_admin):
    client = api_client(bureau_admin)
    assert client.post(PEOPLE, BODY, headers=KEY).status_code == 201
    response = client.post(PEOPLE, {**BODY, "name": "王六"}, headers=KEY)
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (
        "idempotency_key_reused",
        "Idempotency-Key",
    )
    assert Person.objects.get().name == "王五"
    assert _created_events() == 1


def test_same_key_on_another_endpoint_is_422(person, bureau_admin, target_groups, today):
    client = api_client(bureau_admin)
    assert client.post(PEOPLE, BODY, headers=KEY).status_code == 201
    body = {"group": "veteran", "source": "veterans", "valid_from": today.isoformat()}
    response = client.post(f"/api/v1/people/{person.pk}/memberships", body, headers=KEY)
    assert response.status_code == 422
    assert not TargetGroupMembership.objects.exists()


def test_keys_belong_to_one_user(city, bureau_admin, staff_a):
    assert api_client(bureau_admin).post(PEOPLE, BODY, headers=KEY).status_code == 201
    response = api_client(staff_a).post(PEOPLE, BODY, headers=KEY)
    # Not a replay of the administrator's response: staff A's own request runs, and ties the
    # registered person (same ID and name) to the school.
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response
    assert IdempotencyKey.objects.count() == 2


def test_refusals_are_replayed_too(person, bureau_admin):
    client = api_client(bureau_admin)
    body = {**BODY, "id_number": person.id_number}
    first = client.post(PEOPLE, body, headers=KEY)
    assert first.status_code == 409
    again = client.post(PEOPLE, body, headers=KEY)
    assert (again.status_code, again.json()) == (409, first.json())
    assert again["Idempotent-Replayed"] == "true"


def test_request_in_progress_is_409(city, bureau_admin):
    client = api_client(bureau_admin)
    request = RequestFactory().post(PEOPLE, json.dumps(BODY), content_type="application/json")
    claim = idempotency.claim_key(
        bureau_admin, KEY["Idempotency-Key"], idempotency.fingerprint(request)
    )
    assert isinstance(claim, IdempotencyKey)
    response = client.post(PEOPLE, BODY, headers=KEY)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_progress"
    assert not Person.objects.exists()


def test_unexpected_failure_releases_the_key(city, bureau_admin):
    client = api_client(bureau_admin)
    with mock.patch("jineng.people.services.register_person", side_effect=RuntimeError("x")):
        assert client.post(PEOPLE, BODY, headers=KEY).status_code == 500
    assert not IdempotencyKey.objects.exists()
    assert client.post(PEOPLE, BODY, headers=KEY).status_code == 201
    assert Person.objects.count() == 1


def test_key_expires_after_24_hours(city, bureau_admin):
    client = api_client(bureau_admin)
    assert client.post(PEOPLE, BODY, headers=KEY).status_code == 201
    created = IdempotencyKey.objects.get().created_at
    with time_machine.travel(created + datetime.timedelta(hours=24, seconds=1)):
        response = client.post(PEOPLE, {**BODY, "id_number": "220581199001011236"}, headers=KEY)
    assert response.status_code == 201
    assert Person.objects.count() == 2
    assert IdempotencyKey.objects.get().response_body["id"] == response.json()["id"]


def test_purge_deletes_only_expired_keys(city, bureau_admin):
    client = api_client(bureau_admin)
    client.post(PEOPLE, BODY, headers={"Idempotency-Key": "old"})
    old = IdempotencyKey.objects.get()
    with time_machine.travel(old.created_at + datetime.timedelta(hours=23)):
        client.post(PEOPLE, BODY, headers={"Idempotency-Key": "new"})
    with time_machine.travel(old.created_at + datetime.timedelta(hours=25)):
        assert idempotency.purge_expired_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_without_a_key_nothing_is_stored(city, bureau_admin):
    assert api_client(bureau_admin).post(PEOPLE, BODY).status_code == 201
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_empty_or_overlong_key_is_refused(city, bureau_admin, key):
    response = api_client(bureau_admin).post(PEOPLE, BODY, headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "Idempotency-Key")
    assert not Person.objects.exists()


def test_purge_command_reports_the_count(city, bureau_admin):
    api_client(bureau_admin).post(PEOPLE, BODY, headers=KEY)
    out = io.StringIO()
    with time_machine.travel(IdempotencyKey.objects.get().created_at + datetime.timedelta(days=2)):
        call_command("purge_idempotency_keys", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 expired idempotency keys."
    assert not IdempotencyKey.objects.exists()


def _plain_sha256(method: str, path: str, body: bytes) -> str:
    """The fingerprint as it was first computed: an unkeyed hash anyone could recompute."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def test_stored_fingerprint_is_keyed_not_a_plain_hash_of_the_body(city, bureau_admin, settings):
    assert api_client(bureau_admin).post(PEOPLE, BODY, headers=KEY).status_code == 201
    stored = IdempotencyKey.objects.get().fingerprint
    canonical = json.dumps(BODY, sort_keys=True, separators=(",", ":")).encode()
    assert len(stored) == 64
    assert stored != _plain_sha256("POST", PEOPLE, canonical)
    assert stored != hashlib.sha256(canonical).hexdigest()
    # The key is the server's: another personal-data key gives another fingerprint.
    request = RequestFactory().post(PEOPLE, json.dumps(BODY), content_type="application/json")
    assert idempotency.fingerprint(request) == stored
    settings.PII_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
    assert idempotency.fingerprint(request) != stored


def _queued_purges():
    from jineng.api.tasks import purge_idempotency_keys

    return list(
        DBTaskResult.objects.filter(
            task_path=purge_idempotency_keys.module_path, status=TaskResultStatus.READY
        ).values_list("run_after", flat=True)
    )


@worker_test
def test_worker_purges_expired_keys_on_schedule(city, bureau_admin, queued_tasks):
    client = api_client(bureau_admin)
    client.post(PEOPLE, BODY, headers={"Idempotency-Key": "old"})
    old = IdempotencyKey.objects.get()
    expiry = old.created_at + idempotency.IDEMPOTENCY_TTL
    # One purge queued for an hour after the key expires ...
    assert _queued_purges() == [expiry + idempotency.PURGE_DELAY]
    # ... which also covers a key expiring a little later: no second purge queued.
    with time_machine.travel(old.created_at + datetime.timedelta(minutes=30)):
        client.post(PEOPLE, {**BODY, "id_number": ID_A}, headers={"Idempotency-Key": "soon"})
    assert len(_queued_purges()) == 1
    with time_machine.travel(old.created_at + datetime.timedelta(hours=23)):
        client.post(PEOPLE, {**BODY, "id_number": ID_B}, headers={"Idempotency-Key": "live"})
    assert len(_queued_purges()) == 2
    # Before the purge is due, the worker leaves every key alone.
    with time_machine.travel(expiry):
        run_worker()
    assert IdempotencyKey.objects.count() == 3
    with time_machine.travel(expiry + datetime.timedelta(hours=1, seconds=1)):
        run_worker()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["live"]
    assert len(_queued_purges()) == 1
    assert DBTaskResult.objects.successful().get().return_value == 2


def test_purge_task_runs_at_once_without_a_worker(city, bureau_admin):
    from jineng.api.tasks import purge_idempotency_keys

    client = api_client(bureau_admin)
    client.post(PEOPLE, BODY, headers={"Idempotency-Key": "old"})
    old = IdempotencyKey.objects.get()
    with time_machine.travel(old.created_at + datetime.timedelta(hours=25)):
        # Without a worker, a new key purges what has expired in the same request.
        client.post(PEOPLE, {**BODY, "id_number": ID_A}, headers={"Idempotency-Key": "new"})
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
        assert purge_idempotency_keys.enqueue().return_value == 0
