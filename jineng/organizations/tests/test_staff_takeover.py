"""An organisation's administrator against the bureau's decisions and fellow administrators:
a bureau deactivation sticks, no link to a co-administrator, links die with deactivation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jineng.accounts.models import CodePurpose, OneTimeCode, User
from jineng.accounts.roles import Role
from jineng.accounts.services import set_user_phone
from jineng.core.errors import PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.organizations import services
from jineng.organizations.services import StaffInput
from jineng.registration import services as registration
from jineng.registration.services import Outcome
from jineng.registration.tests.factories import last_code

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW_PASSWORD = "Qing-He-2026-mima"


@pytest.fixture
def school_admin(school_a: Any, bureau_admin: User) -> User:
    user, _link = services.create_staff_account(
        school_a,
        StaffInput("zhang_admin", "张校长", Role.INSTITUTION_STAFF, is_admin=True),
        actor=bureau_admin,
    )
    return user


@pytest.fixture
def co_admin(school_a: Any, bureau_admin: User) -> User:
    user, _link = services.create_staff_account(
        school_a,
        StaffInput("li_admin", "李副校长", Role.INSTITUTION_STAFF, is_admin=True),
        actor=bureau_admin,
    )
    user.set_password("Co-admin-own-pw-1")
    user.save()
    return user


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_post(client: Client, org_id: int, action: str, account: int) -> Any:
    return client.post(
        f"/organizations/{org_id}/staff/", {"action": action, "account": account}, **EN
    )


@pytest.mark.parametrize("where", ["account_list", "organisation_page"])
def test_a_bureau_deactivation_sticks_against_the_organisations_admin(
    school_a: Any, school_admin: User, staff_a: User, bureau_admin: User, where: str
) -> None:
    if where == "account_list":
        services.set_account_active(staff_a.pk, False, actor=bureau_admin)
    else:
        services.set_staff_active(school_a, staff_a.pk, False, actor=bureau_admin)
    response = staff_post(as_user(school_admin), school_a.pk, "reactivate", staff_a.pk)
    assert response.status_code == 302
    staff_a.refresh_from_db()
    assert staff_a.is_active is False
    assert not AuditEvent.objects.filter(action="organizations.staff.reactivated").exists()
    with pytest.raises(PermissionDenied):
        services.set_staff_active(school_a, staff_a.pk, True, actor=school_admin)
    # The bureau may.
    services.set_staff_active(school_a, staff_a.pk, True, actor=bureau_admin)
    staff_a.refresh_from_db()
    assert staff_a.is_active is True


def test_the_admin_reactivates_what_it_deactivated_itself(
    school_a: Any, school_admin: User, staff_a: User
) -> None:
    services.set_staff_active(school_a, staff_a.pk, False, actor=school_admin)
    event = AuditEvent.objects.get(action="organizations.staff.deactivated")
    assert event.data == {"username": "staff_a", "by_bureau": False}
    services.set_staff_active(school_a, staff_a.pk, True, actor=school_admin)
    staff_a.refresh_from_db()
    assert staff_a.is_active is True


def test_an_admin_cannot_reset_a_fellow_administrators_password(
    school_a: Any, school_admin: User, co_admin: User, bureau_admin: User
) -> None:
    client = as_user(school_admin)
    page = client.get(f"/organizations/{school_a.pk}/", **EN).content.decode()
    assert "New password link for li_admin" not in page
    staff_post(client, school_a.pk, "reset_password", co_admin.pk)
    page = client.get(f"/organizations/{school_a.pk}/", **EN).content.decode()
    assert "/organizations/set-password/" not in page
    co_admin.refresh_from_db()
    assert co_admin.check_password("Co-admin-own-pw-1")
    assert not AuditEvent.objects.filter(action="organizations.staff.password_reset").exists()
    # The bureau may.
    link = services.reset_staff_password(school_a, co_admin.pk, actor=bureau_admin)
    assert services.user_from_link(link.uidb64, link.token) == co_admin


def test_the_page_showing_a_one_time_link_is_not_cached(
    school_a: Any, school_admin: User, staff_a: User
) -> None:
    client = as_user(school_admin)
    staff_post(client, school_a.pk, "reset_password", staff_a.pk)
    response = client.get(f"/organizations/{school_a.pk}/", **EN)
    assert "/organizations/set-password/" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_bureaus_account_list_is_not_cached(bureau_admin: User) -> None:
    response = as_user(bureau_admin).get("/organizations/accounts/", **EN)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_link_stays_dead_after_deactivation_and_reactivation(
    school_a: Any, school_admin: User
) -> None:
    user, link = services.create_staff_account(
        school_a, StaffInput("new_one", "王", Role.INSTITUTION_STAFF), actor=school_admin
    )
    assert services.user_from_link(link.uidb64, link.token) == user
    services.set_staff_active(school_a, user.pk, False, actor=school_admin)
    services.set_staff_active(school_a, user.pk, True, actor=school_admin)
    assert services.user_from_link(link.uidb64, link.token) is None
    # Through the page as well.
    response = Client().get(f"/organizations/set-password/{link.uidb64}/{link.token}/", follow=True)
    assert "new_password1" not in response.content.decode()
    # A new link works.
    fresh = services.reset_staff_password(school_a, user.pk, actor=school_admin)
    assert services.user_from_link(fresh.uidb64, fresh.token) == user


def test_setting_the_password_from_a_link_ends_outstanding_reset_codes(
    school_a: Any, school_admin: User
) -> None:
    user, link = services.create_staff_account(
        school_a, StaffInput("new_one", "王", Role.INSTITUTION_STAFF), actor=school_admin
    )
    set_user_phone(user, "13912345678", actor=None, confirmed=True)
    registration.start_password_reset("13912345678", address="203.0.113.1")
    code = OneTimeCode.objects.get(purpose=CodePurpose.RESET)
    services.set_password_from_link(user, NEW_PASSWORD)
    code.refresh_from_db()
    assert code.used_at is None
    assert code.expires_at <= timezone.now()
    assert services.user_from_link(link.uidb64, link.token) is None
    result = registration.reset_password(
        "13912345678", last_code(), "Third-Orchard-77", address=None
    )
    assert result.outcome is Outcome.EXPIRED_CODE


@pytest.mark.parametrize("username", ["13912345678", "+8613912345678", "139-1234-5678"])
def test_a_staff_sign_in_name_cannot_be_a_phone_number(
    school_a: Any, school_admin: User, bureau_admin: User, username: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.create_staff_account(
            school_a, StaffInput(username, "王", Role.INSTITUTION_STAFF), actor=school_admin
        )
    assert refused.value.field == "username"
    with pytest.raises(ValidationFailed):
        services.create_bureau_account(
            StaffInput(username, "王", Role.REVIEWER), actor=bureau_admin
        )
    assert not User.objects.filter(first_name="王").exists()
