import pytest
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import ID_A, make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core import audit
from jineng.core.models import AuditEvent


@pytest.fixture
def superuser(db):
    return make_user("root_t", Role.BUREAU_ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/securitypolicy/",
        "/admin/accounts/apitoken/",
        "/admin/otp_totp/totpdevice/",
        "/admin/core/auditevent/",
        "/admin/core/job/",
        "/admin/regions/region/",
        "/admin/occupations/occupation/",
        "/admin/occupations/skilllevel/",
        "/admin/organizations/organization/",
        "/admin/people/person/",
        "/admin/people/targetgroup/",
        "/admin/records/sharelink/",
    ],
)
def test_admin_pages_open(admin_client, path):
    assert admin_client.get(path).status_code == 200


def test_audit_events_are_read_only_in_admin(admin_client):
    with transaction.atomic():
        event = audit.record(None, "core.test.written", object_type="t", object_id="1")
    change = admin_client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert admin_client.get("/admin/core/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    assert (
        admin_client.post(
            f"/admin/core/auditevent/{event.pk}/change/", {"action": "forged"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.get(pk=event.pk).action == "core.test.written"


def test_person_admin_shows_masked_identity_only(admin_client, person):
    html = admin_client.get(f"/admin/people/person/{person.pk}/change/").content.decode()
    assert "220581**********36" in html
    assert ID_A not in html
    assert "13812345678" not in html


def test_changing_a_users_role_in_admin_is_audited(admin_client, superuser, staff_a):
    response = admin_client.post(
        f"/admin/accounts/user/{staff_a.pk}/change/",
        {
            "username": "staff_a",
            "role": Role.AUDITOR,
            "organization": staff_a.organization_id,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(pk=staff_a.pk).role == Role.AUDITOR
    event = AuditEvent.objects.get(action="accounts.user.changed")
    assert event.actor_id == superuser.pk
    assert event.object_id == str(staff_a.pk)
    assert event.data["role"] == Role.AUDITOR
    assert event.data["via"] == "admin"


def test_deleting_a_lost_device_in_admin_is_audited_and_hides_the_secret(
    admin_client, superuser, staff_a
):
    device = TOTPDevice.objects.create(user=staff_a, name="authenticator", confirmed=True)
    page = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page
    response = admin_client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    event = AuditEvent.objects.get(action="otp_totp.totpdevice.deleted")
    assert (event.actor_id, event.data["user"]) == (superuser.pk, staff_a.pk)
