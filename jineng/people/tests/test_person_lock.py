"""Tying a registered person to a school locks the person once, before the audit stream."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jineng.core import locks
from jineng.people.services import tie_registered_person


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_tying_a_registered_person_locks_them_once_before_the_audit_stream(person, staff_a):
    with CaptureQueriesContext(connection) as queries:
        assert tie_registered_person(person, actor=staff_a) == person
    sql = [q["sql"] for q in queries.captured_queries]
    person_locks = [
        n for n, q in enumerate(sql) if 'FROM "people_person"' in q and "FOR UPDATE" in q
    ]
    stream_key = str(locks.audit_stream_lock_key(f"org-{staff_a.organization_id}"))
    audit_locks = [n for n, q in enumerate(sql) if "pg_advisory_xact_lock" in q and stream_key in q]
    assert len(person_locks) == 1
    assert audit_locks
    assert person_locks[0] < audit_locks[0]
