"""Organisation administrators and staff accounts: services, with exact state and audit."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.organizations import services
from jineng.organizations.errors import OrganizationExists
from jineng.organizations.models import Organization, OrganizationKind
from jineng.organizations.services import OrganizationInput, StaffInput

PASSWORD = "Qing-He-2026-mima"


def _events(action_prefix="organizations.staff"):
    return list(
        AuditEvent.objects.filter(action__startswith=action_prefix)
        .order_by("id")
        .values_list("action", "actor__username", "object_id", "data")
    )


@pytest.fixture
def school_admin(school_a, bureau_admin):
    user, _link = services.create_staff_account(
        school_a,
        StaffInput("zhang_admin", "张校长", Role.INSTITUTION_STAFF, is_admin=True),
        actor=bureau_admin,
    )
    return user


def test_bureau_opens_the_first_administrator_with_a_one_time_link(school_a, bureau_admin):
    user, link = services.create_staff_account(
        school_a,
        StaffInput(" li_admin ", " 李 校长 ", Role.INSTITUTION_STAFF, "li@example.cn", True),
        actor=bureau_admin,
    )
    stored = User.objects.get(pk=user.pk)
    assert (stored.username, stored.first_name, stored.email) == (
        "li_admin",
        "李 校长",
        "li@example.cn",
    )
    assert (stored.role, stored.organization, stored.is_organization_admin) == (
        Role.INSTITUTION_STAFF,
        school_a,
        True,
    )
    assert stored.is_active
    assert not stored.has_usable_password()
    assert services.user_from_link(link.uidb64, link.token) == stored
    assert _events() == [
        (
            "organizations.staff.created",
            "admin_t",
            str(user.pk),
            {
                "username": "li_admin",
                "role": "institution_staff",
                "organization": school_a.pk,
                "is_organization_admin": True,
            },
        )
    ]
    # Neither the token nor anything like a password is in the audit trail.
    assert link.token not in str(AuditEvent.objects.values_list("data", flat=True))


def test_the_link_sets_the_password_once(school_a, bureau_admin):
    user, link = services.create_staff_account(
        school_a, StaffInput("wang", "王一", Role.INSTITUTION_STAFF), actor=bureau_admin
    )
    services.set_password_from_link(services.user_from_link(link.uidb64, link.token), PASSWORD)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert services.user_from_link(link.uidb64, link.token) is None
    assert _events("organizations.staff.password_set") == [
        ("organizations.staff.password_set", "wang", str(user.pk), {"username": "wang"})
    ]


def test_a_weak_password_is_refused(school_a, bureau_admin):
    user, _link = services.create_staff_account(
        school_a, StaffInput("wang", "王一", Role.INSTITUTION_STAFF), actor=bureau_admin
    )
    with pytest.raises(DjangoValidationError):
        services.set_password_from_link(user, "123")
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_link_of_a_deactivated_account_is_not_valid(school_a, bureau_admin, school_admin):
    staff, link = services.create_staff_account(
        school_a, StaffInput("wang", "王一", Role.INSTITUTION_STAFF), actor=school_admin
    )
    services.set_staff_active(school_a, staff.pk, False, actor=school_admin)
    assert services.user_from_link(link.uidb64, link.token) is None
    assert services.user_from_link("bm90LWEtbnVtYmVy", link.token) is None


def test_an_administrator_opens_and_manages_its_own_staff(school_a, school_admin):
    staff, _link = services.create_staff_account(
        school_a, StaffInput("wang", "王一", Role.INSTITUTION_STAFF), actor=school_admin
    )
    assert (staff.organization, staff.is_organization_admin) == (school_a, False)
    services.set_staff_active(school_a, staff.pk, False, actor=school_admin)
    assert not User.objects.get(pk=staff.pk).is_active
    services.set_staff_active(school_a, staff.pk, True, actor=school_admin)
    old = User.objects.get(pk=staff.pk).password
    link = services.reset_staff_password(school_a, staff.pk, actor=school_admin)
    reset = User.objects.get(pk=staff.pk)
    assert reset.password != old
    assert not reset.has_usable_password()
    assert services.link_token_generator.check_token(reset, link.token)
    services.set_staff_admin(school_a, staff.pk, True, actor=school_admin)
    assert User.objects.get(pk=staff.pk).is_organization_admin
    assert [(a, actor, oid) for a, actor, oid, _d in _events()][1:] == [
        ("organizations.staff.created", "zhang_admin", str(staff.pk)),
        ("organizations.staff.deactivated", "zhang_admin", str(staff.pk)),
        ("organizations.staff.reactivated", "zhang_admin", str(staff.pk)),
        ("organizations.staff.password_reset", "zhang_admin", str(staff.pk)),
        ("organizations.staff.admin_granted", "zhang_admin", str(staff.pk)),
    ]


def test_an_administrator_cannot_open_a_bureau_account(school_a, school_admin):
    before = AuditEvent.objects.count()
    for role in (Role.BUREAU_ADMIN, Role.REVIEWER, Role.AUDITOR, Role.SYSTEM, Role.EVALUATOR):
        with pytest.raises(ValidationFailed) as refused:
            services.create_staff_account(
                school_a, StaffInput(f"x_{role}", "某人", role), actor=school_admin
            )
        assert refused.value.field == "role"
    assert not User.objects.filter(username__startswith="x_").exists()
    assert AuditEvent.objects.count() == before


def test_an_administrator_cannot_manage_another_organisations_staff(
    school_a, school_b, school_admin, staff_b
):
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            school_b, StaffInput("intruder", "某人", Role.INSTITUTION_STAFF), actor=school_admin
        )
    # Naming another organisation's account under its own organisation: as missing.
    for call in (
        lambda: services.set_staff_active(school_a, staff_b.pk, False, actor=school_admin),
        lambda: services.set_staff_admin(school_a, staff_b.pk, True, actor=school_admin),
        lambda: services.reset_staff_password(school_a, staff_b.pk, actor=school_admin),
    ):
        with pytest.raises(NotFound):
            call()
    staff_b.refresh_from_db()
    assert staff_b.is_active
    assert not staff_b.is_organization_admin
    assert staff_b.check_password("pw-Testing-123")


def test_an_administrator_cannot_change_itself(school_a, school_admin):
    for call in (
        lambda: services.set_staff_active(school_a, school_admin.pk, False, actor=school_admin),
        lambda: services.set_staff_admin(school_a, school_admin.pk, False, actor=school_admin),
        lambda: services.reset_staff_password(school_a, school_admin.pk, actor=school_admin),
    ):
        with pytest.raises(PermissionDenied):
            call()
    school_admin.refresh_from_db()
    assert school_admin.is_active
    assert school_admin.is_organization_admin


def test_the_last_administrator_stays(school_a, bureau_admin, school_admin):
    with pytest.raises(Conflict):
        services.set_staff_admin(school_a, school_admin.pk, False, actor=bureau_admin)
    assert User.objects.get(pk=school_admin.pk).is_organization_admin
    # A second administrator cannot remove the first while it is the only other one…
    second, _link = services.create_staff_account(
        school_a,
        StaffInput("second", "二号", Role.INSTITUTION_STAFF, is_admin=True),
        actor=school_admin,
    )
    services.set_staff_active(school_a, second.pk, False, actor=bureau_admin)
    with pytest.raises(Conflict):
        services.set_staff_admin(school_a, school_admin.pk, False, actor=bureau_admin)
    # …and the bureau may still close the organisation's last account down.
    services.set_staff_active(school_a, school_admin.pk, False, actor=bureau_admin)
    assert not User.objects.get(pk=school_admin.pk).is_active


def test_staff_who_are_not_administrators_manage_nobody(school_a, staff_a, school_admin):
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            school_a, StaffInput("wang", "王一", Role.INSTITUTION_STAFF), actor=staff_a
        )
    with pytest.raises(PermissionDenied):
        services.set_staff_active(school_a, school_admin.pk, False, actor=staff_a)
    with pytest.raises(PermissionDenied):
        services.set_staff_admin(school_a, staff_a.pk, True, actor=staff_a)
    assert not User.objects.get(pk=staff_a.pk).is_organization_admin


def test_a_deactivated_administrator_manages_nobody(school_a, bureau_admin, school_admin):
    services.set_staff_active(school_a, school_admin.pk, False, actor=bureau_admin)
    school_admin.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            school_a, StaffInput("wang", "王一", Role.INSTITUTION_STAFF), actor=school_admin
        )


def test_roles_follow_the_organisation_kind(bureau_admin, city):
    enterprise = services.register_organization(
        OrganizationInput("91220581MA0000001K", "梅河口市丙机械有限公司", "enterprise"),
        actor=bureau_admin,
    )
    assert services.staff_roles_for(enterprise) == (Role.EMPLOYER, Role.INSTITUTION_STAFF)
    government = Organization(kind=OrganizationKind.GOVERNMENT)
    assert services.staff_roles_for(government) == ()
    hr, _link = services.create_staff_account(
        enterprise, StaffInput("hr", "人事", Role.EMPLOYER, is_admin=True), actor=bureau_admin
    )
    assert hr.role == Role.EMPLOYER
    with pytest.raises(ValidationFailed):
        services.create_staff_account(
            enterprise, StaffInput("ev", "评价", Role.EVALUATOR), actor=hr
        )


def test_username_is_checked_and_unique(school_a, bureau_admin, staff_a):
    with pytest.raises(Conflict) as taken:
        services.create_staff_account(
            school_a, StaffInput("STAFF_A", "某人", Role.INSTITUTION_STAFF), actor=bureau_admin
        )
    assert taken.value.field == "username"
    with pytest.raises(ValidationFailed) as bad:
        services.create_staff_account(
            school_a, StaffInput("有 空格", "某人", Role.INSTITUTION_STAFF), actor=bureau_admin
        )
    assert bad.value.field == "username"
    with pytest.raises(ValidationFailed) as nameless:
        services.create_staff_account(
            school_a, StaffInput("ok", "  ", Role.INSTITUTION_STAFF), actor=bureau_admin
        )
    assert nameless.value.field == "full_name"


def test_update_organization_audits_what_changed(city, bureau_admin, school_a):
    changed = services.update_organization(
        school_a,
        OrganizationInput(
            school_a.credit_code, "梅河口市甲职业技能培训学校", "private_training", "220581001"
        ),
        actor=bureau_admin,
    )
    assert changed == ["name", "region"]
    school_a.refresh_from_db()
    assert (school_a.name, school_a.region.code) == ("梅河口市甲职业技能培训学校", "220581001")
    assert _events("organizations.organization.changed") == [
        (
            "organizations.organization.changed",
            "admin_t",
            str(school_a.pk),
            {
                "name": {"before": "梅河口市甲职业培训学校", "after": "梅河口市甲职业技能培训学校"},
                "region": {"before": None, "after": "220581001"},
            },
        )
    ]
    # Nothing new: nothing written.
    again = services.update_organization(
        school_a,
        OrganizationInput(
            school_a.credit_code, "梅河口市甲职业技能培训学校", "private_training", "220581001"
        ),
        actor=bureau_admin,
    )
    assert again == []
    assert len(_events("organizations.organization.changed")) == 1


def test_update_organization_refuses_a_taken_code_and_other_roles(
    bureau_admin, school_a, school_b, staff_a
):
    with pytest.raises(OrganizationExists):
        services.update_organization(
            school_a,
            OrganizationInput(school_b.credit_code, school_a.name, school_a.kind),
            actor=bureau_admin,
        )
    with pytest.raises(ValidationFailed):
        services.update_organization(
            school_a,
            OrganizationInput("91220581MA0000001X", school_a.name, school_a.kind),
            actor=bureau_admin,
        )
    with pytest.raises(PermissionDenied):
        services.update_organization(
            school_a,
            OrganizationInput(school_a.credit_code, "改名", school_a.kind),
            actor=staff_a,
        )
    school_a.refresh_from_db()
    assert school_a.name == "梅河口市甲职业培训学校"


def test_bureau_deactivates_and_reactivates_any_account_but_its_own(bureau_admin, staff_b):
    services.set_account_active(staff_b.pk, False, actor=bureau_admin)
    assert not User.objects.get(pk=staff_b.pk).is_active
    services.set_account_active(staff_b.pk, True, actor=bureau_admin)
    assert User.objects.get(pk=staff_b.pk).is_active
    with pytest.raises(PermissionDenied):
        services.set_account_active(bureau_admin.pk, False, actor=bureau_admin)
    with pytest.raises(NotFound):
        services.set_account_active(999999, False, actor=bureau_admin)
    assert _events("accounts.user.") == [
        ("accounts.user.deactivated", "admin_t", str(staff_b.pk), {"username": "staff_b"}),
        ("accounts.user.reactivated", "admin_t", str(staff_b.pk), {"username": "staff_b"}),
    ]


def test_only_the_bureau_deactivates_accounts_from_the_list(reviewer, staff_a, school_admin):
    for actor in (reviewer, staff_a, school_admin):
        with pytest.raises(PermissionDenied):
            services.set_account_active(staff_a.pk, False, actor=actor)
    assert User.objects.get(pk=staff_a.pk).is_active


def test_make_user_fixture_is_not_an_admin(school_a):
    assert not make_user(
        "plain", Role.INSTITUTION_STAFF, organization=school_a
    ).is_organization_admin


def test_the_administrators_phone_is_stored_encrypted_and_unconfirmed(school_a, bureau_admin):
    user, _link = services.create_staff_account(
        school_a,
        StaffInput("li", "李一", Role.INSTITUTION_STAFF, is_admin=True, phone="138 1234 5678"),
        actor=bureau_admin,
    )
    stored = User.objects.get(pk=user.pk)
    assert stored.phone == "13812345678"
    assert stored.phone_confirmed_at is None
    assert b"13812345678" not in bytes(stored.phone_encrypted)
    events = list(AuditEvent.objects.order_by("id").values_list("action", "data"))
    assert [action for action, _data in events] == [
        "organizations.staff.created",
        "accounts.user.phone_set",
    ]
    assert "13812345678" not in str(events)


def test_a_bad_phone_opens_no_account(school_a, bureau_admin):
    with pytest.raises(ValidationFailed) as refused:
        services.create_staff_account(
            school_a,
            StaffInput("li", "李一", Role.INSTITUTION_STAFF, phone="12345"),
            actor=bureau_admin,
        )
    assert refused.value.field == "phone"
    assert not User.objects.filter(username="li").exists()
    assert not AuditEvent.objects.exists()


def test_bureau_opens_its_own_accounts_only_in_bureau_roles(city, bureau_admin, school_admin):
    user, link = services.create_bureau_account(
        StaffInput("town_rev", "赵审核", Role.REVIEWER), actor=bureau_admin, region_code="220581001"
    )
    stored = User.objects.get(pk=user.pk)
    assert (stored.role, stored.region.code, stored.organization) == ("reviewer", "220581001", None)
    assert not stored.is_organization_admin
    assert not stored.has_usable_password()
    assert services.user_from_link(link.uidb64, link.token) == stored
    assert _events("accounts.user.opened") == [
        (
            "accounts.user.opened",
            "admin_t",
            str(user.pk),
            {"username": "town_rev", "role": "reviewer", "region": "220581001"},
        )
    ]
    for role in (Role.INSTITUTION_STAFF, Role.WORKER, Role.SYSTEM):
        with pytest.raises(ValidationFailed):
            services.create_bureau_account(StaffInput(f"b_{role}", "某", role), actor=bureau_admin)
    with pytest.raises(PermissionDenied):
        services.create_bureau_account(
            StaffInput("boss", "某", Role.BUREAU_ADMIN), actor=school_admin
        )
    assert not User.objects.filter(username__in=["boss", "b_worker"]).exists()


def test_bureau_resets_another_accounts_password(bureau_admin, staff_b, reviewer):
    user, link = services.reset_account_password(staff_b.pk, actor=bureau_admin)
    staff_b.refresh_from_db()
    assert not staff_b.has_usable_password()
    assert services.user_from_link(link.uidb64, link.token) == staff_b
    assert _events("accounts.user.password_link_issued") == [
        ("accounts.user.password_link_issued", "admin_t", str(staff_b.pk), {"username": "staff_b"})
    ]
    with pytest.raises(PermissionDenied):
        services.reset_account_password(bureau_admin.pk, actor=bureau_admin)
    with pytest.raises(PermissionDenied):
        services.reset_account_password(staff_b.pk, actor=reviewer)
    services.set_account_active(staff_b.pk, False, actor=bureau_admin)
    with pytest.raises(Conflict):
        services.reset_account_password(staff_b.pk, actor=bureau_admin)


def test_a_town_bureau_account_manages_no_account_city_wide(city, staff_b):
    town_admin = make_user(
        "town_admin", Role.BUREAU_ADMIN, region=city.__class__.objects.get(code="220581001")
    )
    with pytest.raises(PermissionDenied):
        services.create_bureau_account(StaffInput("wide", "某", Role.REVIEWER), actor=town_admin)
    with pytest.raises(PermissionDenied):
        services.set_account_active(staff_b.pk, False, actor=town_admin)
    with pytest.raises(PermissionDenied):
        services.reset_account_password(staff_b.pk, actor=town_admin)
    assert not User.objects.filter(username="wide").exists()
