"""Two administrators removing each other at once, on PostgreSQL.

Each request checks "another active administrator remains" before it deactivates the other.
Without a lock both checks pass and the organisation is left with no administrator (the
control). Staff changes take the organisation's row first (organizations/locks.py), so the
second request waits, then sees the first one's change and is refused.
"""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.db import connection

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core.errors import DomainError
from jineng.organizations import locks, services
from jineng.organizations.services import StaffInput

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAUSE = 3.0


@pytest.fixture
def two_admins(school_a, bureau_admin) -> tuple[User, User]:
    first, _ = services.create_staff_account(
        school_a,
        StaffInput("admin_one", "王一", Role.INSTITUTION_STAFF, is_admin=True),
        actor=bureau_admin,
    )
    second, _ = services.create_staff_account(
        school_a,
        StaffInput("admin_two", "王二", Role.INSTITUTION_STAFF, is_admin=True),
        actor=bureau_admin,
    )
    return first, second


def _race(school_a, first: User, second: User) -> list[str]:
    """Each administrator deactivates the other; the first pauses after its check."""
    checked, done = threading.Event(), threading.Event()
    outcomes: list[str] = []
    real = services._other_active_admins

    def check_then_wait(organization, user):
        answer = real(organization, user)
        if threading.current_thread().name == "first":
            checked.set()
            done.wait(PAUSE)
        return answer

    def deactivate(actor: User, target: User) -> None:
        try:
            if threading.current_thread().name == "second":
                checked.wait(PAUSE)
                # About lock order, not timeouts: the second may wait out the paused first.
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '30s'")
            services.set_staff_active(school_a, target.pk, False, actor=actor)
            outcomes.append("deactivated")
        except DomainError as error:
            outcomes.append(f"refused: {error.code}")
        finally:
            if threading.current_thread().name == "second":
                done.set()
            checked.set()
            connection.close()

    with mock.patch.object(services, "_other_active_admins", check_then_wait):
        threads = [
            threading.Thread(target=deactivate, args=(first, second), name="first"),
            threading.Thread(target=deactivate, args=(second, first), name="second"),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return sorted(outcomes)


def _active_admins(school_a) -> int:
    return User.objects.filter(
        organization=school_a, is_organization_admin=True, is_active=True
    ).count()


def test_one_administrator_always_remains(school_a, two_admins):
    assert _race(school_a, *two_admins) == ["deactivated", "refused: conflict"]
    assert _active_admins(school_a) == 1


def test_control_without_the_organisation_lock_no_administrator_remains(school_a, two_admins):
    def unlocked(organization_id: int, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id, organization_id=organization_id).first()

    with mock.patch.object(locks, "staff_for_update", unlocked):
        assert _race(school_a, *two_admins) == ["deactivated", "deactivated"]
    assert _active_admins(school_a) == 0
