"""Account changes made in Django admin keep the audit trail whole."""

from __future__ import annotations

import pytest
from django.db import transaction

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.core import audit
from jineng.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_setting_another_accounts_password_in_admin_is_audited(client, staff_a):
    root = make_user("root_t", Role.BUREAU_ADMIN, is_staff=True, is_superuser=True)
    client.force_login(root)

    response = client.post(
        f"/admin/accounts/user/{staff_a.pk}/password/",
        {
            "password1": "Taken-over-123456",
            "password2": "Taken-over-123456",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    staff_a.refresh_from_db()
    assert staff_a.check_password("Taken-over-123456")
    [event] = AuditEvent.objects.filter(action="accounts.user.password_set")
    assert (event.actor_id, event.object_id, event.data) == (
        root.pk,
        str(staff_a.pk),
        {"via": "admin", "usable": True},
    )


def test_a_refused_password_form_writes_no_event(client, staff_a):
    root = make_user("root_t", Role.BUREAU_ADMIN, is_staff=True, is_superuser=True)
    client.force_login(root)

    response = client.post(
        f"/admin/accounts/user/{staff_a.pk}/password/",
        {
            "password1": "Taken-over-123456",
            "password2": "Other-123456789",
            "usable_password": "true",
        },
    )

    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="accounts.user.password_set").exists()


def test_deleting_an_account_keeps_its_events_and_the_chain_verifying(client):
    root = make_user("root_t", Role.BUREAU_ADMIN, is_staff=True, is_superuser=True)
    leaver = make_user("leaver_t", Role.REVIEWER)
    with transaction.atomic():
        written = audit.record(leaver, "core.test.written", object_type="t", object_id="1")
    client.force_login(root)

    response = client.post(f"/admin/accounts/user/{leaver.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    written.refresh_from_db()
    assert (written.actor_id, written.actor_label) == (leaver.pk, "leaver_t")
    assert audit.verify() is None
