"""Looking people up by full ID or phone: a POST, audited with a purpose, limited per account."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from conftest import ID_A, ID_B
from jineng.api.tests.helpers import api_client, register_for_school
from jineng.core.errors import RateLimited
from jineng.core.models import AuditEvent
from jineng.people import identity

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/people/lookup"
NOBODY = "220581199001010014"
ID_C = "220581200003010013"


@pytest.fixture
def trainee(staff_a, city):
    """A person the school registered, so in its scope."""
    return register_for_school(staff_a, id_number=ID_B, name="李四")


def _lookup(client, **body):
    return client.post(LOOKUP, {"purpose": "front desk", **body})


def test_bureau_looks_up_by_id_and_phone(bureau_admin, person):
    client = api_client(bureau_admin)
    by_id = _lookup(client, id_number=ID_A.lower())
    by_phone = _lookup(client, phone="+86 138 1234 5678")
    for response in (by_id, by_phone):
        assert response.status_code == 200
        assert [p["id"] for p in response.json()["items"]] == [person.pk]
        assert response.json()["items"][0]["id_number"] != ID_A
    events = AuditEvent.objects.filter(action="people.person.looked_up").order_by("pk")
    assert [(e.person_id, e.data["by"], e.data["found"]) for e in events] == [
        (person.pk, "id_number", 1),
        (person.pk, "phone", 1),
    ]
    assert all(e.data["purpose"] == "front desk" for e in events)
    assert all(ID_A not in str(e.data) and "13812345678" not in str(e.data) for e in events)


def test_someone_outside_the_scope_is_not_found_like_nobody(staff_a, person, trainee):
    client = api_client(staff_a)
    hidden = _lookup(client, id_number=ID_A)
    nobody = _lookup(client, id_number=NOBODY)
    assert hidden.status_code == nobody.status_code == 200
    assert hidden.json() == nobody.json() == {"count": 0, "limit": 50, "offset": 0, "items": []}
    mine = _lookup(client, id_number=ID_B)
    assert [p["id"] for p in mine.json()["items"]] == [trainee.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id_number": ID_A, "purpose": " "}, "purpose"),
        ({"purpose": "x"}, "id_number"),
        ({"id_number": ID_A, "phone": "13812345678", "purpose": "x"}, "id_number"),
        ({"id_number": ID_A[:17], "purpose": "x"}, "id_number"),
        ({"phone": "12345", "purpose": "x"}, "phone"),
    ],
)
def test_lookup_refuses_bad_bodies_and_writes_nothing(bureau_admin, person, body, field):
    response = api_client(bureau_admin).post(LOOKUP, body)
    assert (response.status_code, response.json()["field"]) == (400, field)
    assert not AuditEvent.objects.filter(action="people.person.looked_up").exists()


def test_workers_cannot_look_people_up(worker, person):
    response = _lookup(api_client(worker), id_number=ID_A)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="people.person.looked_up").exists()


def test_numbers_in_a_query_string_are_refused(bureau_admin, person):
    client = api_client(bureau_admin)
    for key, value in (("id_number", ID_A), ("phone", "13812345678")):
        response = client.get("/api/v1/people", **{key: value})
        assert (response.status_code, response.json()["field"]) == (400, key)


def test_demasking_by_trying_candidates_hits_the_limit(settings, staff_a, trainee):
    """The insider's attack: try every ID the mask leaves open until one is confirmed."""
    settings.JINENG_IDENTITY_LOOKUPS_PER_HOUR = 5
    client = api_client(staff_a)
    candidates = [NOBODY, ID_C, ID_A, NOBODY, ID_C]
    answers = [_lookup(client, id_number=c).status_code for c in candidates]
    assert answers == [200] * 5
    refused = _lookup(client, id_number=ID_B)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["retry_after"] == 3600
    assert refused["Retry-After"] == "3600"
    assert AuditEvent.objects.filter(action="people.person.looked_up").count() == 5


def test_reveals_and_lookups_share_the_limit(settings, bureau_admin, person):
    settings.JINENG_IDENTITY_LOOKUPS_PER_HOUR = 2
    identity.reveal_personal_data(person, actor=bureau_admin, purpose="claim review")
    identity.look_up_people(identity.Lookup(id_number=ID_A), actor=bureau_admin, purpose="x")
    with pytest.raises(RateLimited):
        identity.reveal_personal_data(person, actor=bureau_admin, purpose="claim review")
    assert AuditEvent.objects.filter(action="people.person.pii_viewed").count() == 1


def test_the_daily_limit_holds_too(settings, bureau_admin, person):
    settings.JINENG_IDENTITY_LOOKUPS_PER_DAY = 1
    identity.look_up_people(identity.Lookup(id_number=ID_A), actor=bureau_admin, purpose="x")
    with pytest.raises(RateLimited, match="1440"):
        identity.look_up_people(identity.Lookup(id_number=ID_A), actor=bureau_admin, purpose="x")


def test_another_account_has_its_own_allowance(settings, bureau_admin, reviewer, person):
    settings.JINENG_IDENTITY_LOOKUPS_PER_HOUR = 1
    identity.look_up_people(identity.Lookup(id_number=ID_A), actor=bureau_admin, purpose="x")
    found = identity.look_up_people(identity.Lookup(id_number=ID_A), actor=reviewer, purpose="x")
    assert found == [person]


def _parallel_lookups(actor, attempts: int) -> list[str]:
    outcomes: list[str] = []
    guard = threading.Lock()

    def work() -> None:
        try:
            identity.look_up_people(identity.Lookup(id_number=ID_A), actor=actor, purpose="x")
            outcome = "found"
        except RateLimited:
            outcome = "limited"
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=work) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_lookups_never_pass_the_limit(settings, bureau_admin, person):
    settings.JINENG_IDENTITY_LOOKUPS_PER_HOUR = 5
    outcomes = _parallel_lookups(bureau_admin, 20)
    assert sorted(outcomes).count("found") == 5
    assert AuditEvent.objects.filter(action="people.person.looked_up").count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_chain_lock_parallel_lookups_pass_the_limit(
    settings, monkeypatch, bureau_admin, person
):
    from jineng.core import audit

    settings.JINENG_IDENTITY_LOOKUPS_PER_HOUR = 5
    monkeypatch.setattr(audit.locks, "audit_chain_for_update", lambda stream: None)
    # Each request writes its own audit stream, so that the only race left is the count's
    # (in one stream, unlocked writers would collide on the stream's numbering instead).
    monkeypatch.setattr(audit, "stream_for", lambda actor: f"thread-{threading.get_ident()}")
    barrier = threading.Barrier(20, timeout=10)
    real_check = identity.throttle.check_rate

    def check_after_everyone_counted(*args, **kwargs):
        # Without the lock nothing orders the counts: let every thread insert before any
        # counts, so the race shows every time rather than by chance.
        barrier.wait()
        return real_check(*args, **kwargs)

    monkeypatch.setattr(identity.throttle, "check_rate", check_after_everyone_counted)
    outcomes = _parallel_lookups(bureau_admin, 20)
    assert outcomes.count("found") > 5


def test_a_number_in_the_name_filter_is_refused(bureau_admin, person):
    response = api_client(bureau_admin).get("/api/v1/people", name=ID_A)
    assert (response.status_code, response.json()["field"]) == (400, "name")


def test_console_reveals_past_the_limit_answer_429_on_the_page(
    settings, client, bureau_admin, worker, person
):
    settings.JINENG_IDENTITY_LOOKUPS_PER_HOUR = 0
    client.force_login(bureau_admin)
    page = client.post(f"/people/{person.pk}/reveal/", {"purpose": "claim review"})
    assert page.status_code == 429
    assert ID_A not in page.content.decode()
    client.force_login(worker)
    own = client.post("/records/mine/reveal/")
    assert own.status_code == 429
    assert ID_A not in own.content.decode()
