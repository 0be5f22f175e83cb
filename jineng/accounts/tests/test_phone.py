"""An account's own phone: encrypted, looked up by keyed hash, set through an audited service."""

from __future__ import annotations

import pytest
from django.db import connection

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accounts.services import set_user_phone
from jineng.core import pii
from jineng.core.errors import Conflict, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_set_user_phone_encrypts_hashes_confirms_and_audits(bureau_admin: User) -> None:
    user = User.objects.create_user("w1", password="x", role=Role.WORKER)
    set_user_phone(user, "138 1234 5678", actor=bureau_admin, confirmed=True)
    user.refresh_from_db()
    assert user.phone == "13812345678"
    assert user.phone_hash == pii.blind_index("13812345678")
    assert user.phone_confirmed_at is not None
    assert user.phone_masked == "138******78"
    event = AuditEvent.objects.get(action="accounts.user.phone_set")
    assert event.actor_id == bureau_admin.pk
    assert event.data == {"user": "w1", "before": "", "after": "138******78", "confirmed": True}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE id = %s", [user.pk])
        assert "13812345678" not in repr(cursor.fetchall())


def test_changing_the_number_unconfirms_it(bureau_admin: User) -> None:
    user = User.objects.create_user("w1", password="x", role=Role.WORKER)
    set_user_phone(user, "13812345678", actor=None, confirmed=True)
    set_user_phone(user, "13912345678", actor=user, confirmed=False)
    user.refresh_from_db()
    assert user.phone == "13912345678"
    assert user.phone_confirmed_at is None
    set_user_phone(user, "", actor=user, confirmed=False)
    user.refresh_from_db()
    assert (user.phone_encrypted, user.phone_hash) == (None, "")


def test_a_confirmed_number_belongs_to_one_account(bureau_admin: User) -> None:
    first = User.objects.create_user("w1", password="x", role=Role.WORKER)
    second = User.objects.create_user("w2", password="x", role=Role.WORKER)
    set_user_phone(first, "13812345678", actor=None, confirmed=True)
    with pytest.raises(Conflict):
        set_user_phone(second, "13812345678", actor=None, confirmed=True)
    # Unconfirmed, the same number may be typed on another account.
    set_user_phone(second, "13812345678", actor=None, confirmed=False)


def test_set_user_phone_refuses_other_accounts_and_bad_numbers(staff_a: User) -> None:
    user = User.objects.create_user("w1", password="x", role=Role.WORKER)
    with pytest.raises(PermissionDenied):
        set_user_phone(user, "13812345678", actor=staff_a, confirmed=True)
    with pytest.raises(ValidationFailed):
        set_user_phone(user, "1381234", actor=user, confirmed=False)
    assert not AuditEvent.objects.filter(action="accounts.user.phone_set").exists()


def test_organisation_admin_sets_own_staff_phone(staff_a: User) -> None:
    staff_a.is_organization_admin = True
    staff_a.save()
    colleague = User.objects.create_user(
        "c1", password="x", role=Role.INSTITUTION_STAFF, organization=staff_a.organization
    )
    set_user_phone(colleague, "13812345678", actor=staff_a, confirmed=False)
    colleague.refresh_from_db()
    assert colleague.phone == "13812345678"
