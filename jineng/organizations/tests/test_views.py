"""Organisation pages through the Django client: the bureau, an organisation's
administrator, and those who may not."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core.models import AuditEvent
from jineng.organizations import services
from jineng.organizations.models import Organization
from jineng.organizations.services import StaffInput
from jineng.regions.models import Region
from tests.authz import matrix

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PASSWORD = "Qing-He-2026-mima"
CREDIT_CODE = "91220581MA0000001K"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def normalised(response, path):
    """Status, Location and page without CSRF tokens and the request's own path."""
    response.content_bytes = response.content
    return matrix.normalised(response, path)


def _link(response):
    found = re.search(
        r'value="(https?://[^"]+/organizations/set-password/[^"]+)"', response.content.decode()
    )
    assert found, "no set-password link on the page"
    return found.group(1).replace("http://testserver", "")


@pytest.fixture
def school_admin(school_a, bureau_admin):
    user, _link = services.create_staff_account(
        school_a,
        StaffInput("zhang_admin", "张校长", Role.INSTITUTION_STAFF, is_admin=True),
        actor=bureau_admin,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def test_bureau_registers_an_organisation_then_its_administrator(city, bureau_admin):
    client = _client(bureau_admin)
    town = Region.objects.get(code="220581001")
    answer = client.post(
        reverse("organizations:create"),
        {
            "credit_code": CREDIT_CODE.lower(),
            "name": "梅河口市丙机械有限公司",
            "kind": "enterprise",
            "region": town.pk,
            "address": "",
            "contact_phone": "",
        },
        **EN,
    )
    organization = Organization.objects.get(credit_code=CREDIT_CODE)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("organizations:staff_create", args=[organization.pk])
    assert (organization.name, organization.kind, organization.region) == (
        "梅河口市丙机械有限公司",
        "enterprise",
        town,
    )
    form = client.get(answer["Location"], **EN)
    assert b"Add the administrator" in form.content
    assert form.context["form"]["is_admin"].value() is True
    assert [c for c, _label in form.context["form"].fields["role"].choices] == [
        "employer",
        "institution_staff",
    ]
    answer = client.post(
        answer["Location"],
        {"full_name": "刘经理", "username": "liu_hr", "role": "employer", "is_admin": "on"},
        **EN,
    )
    assert answer.status_code == 302
    detail = client.get(answer["Location"], **EN)
    path = _link(detail)
    admin = User.objects.get(username="liu_hr")
    assert (admin.organization, admin.role, admin.is_organization_admin) == (
        organization,
        "employer",
        True,
    )
    # The link is shown once only.
    assert b"set-password" not in client.get(answer["Location"], **EN).content
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "organizations.organization.created",
        "organizations.staff.created",
    ]
    # The new administrator sets a password through the link, then signs in with it.
    visitor = Client()
    set_form = visitor.get(path, follow=True, **EN)
    assert set_form.context["validlink"]
    done = visitor.post(
        set_form.redirect_chain[-1][0],
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
        **EN,
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:login")
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    again = visitor.get(path, follow=True, **EN)
    assert not again.context["validlink"]


def test_a_bad_credit_code_is_shown_on_its_field(city, bureau_admin):
    answer = _client(bureau_admin).post(
        reverse("organizations:create"),
        {"credit_code": "91220581MA0000001X", "name": "某公司", "kind": "enterprise"},
        **EN,
    )
    assert answer.status_code == 400
    assert answer.context["form"].errors["credit_code"]
    assert not Organization.objects.exists()


def test_bureau_lists_and_edits_organisations(city, bureau_admin, school_a, school_b):
    client = _client(bureau_admin)
    listed = client.get(reverse("organizations:list"), {"q": "甲"})
    assert [o.pk for o in listed.context["page"]] == [school_a.pk]
    by_code = client.get(reverse("organizations:list"), {"q": school_b.credit_code.lower()})
    assert [o.pk for o in by_code.context["page"]] == [school_b.pk]
    edit = reverse("organizations:edit", args=[school_a.pk])
    assert client.get(edit).context["form"].initial["credit_code"] == school_a.credit_code
    answer = client.post(
        edit,
        {"credit_code": school_a.credit_code, "name": "新名称学校", "kind": "private_training"},
    )
    assert answer.status_code == 302
    school_a.refresh_from_db()
    assert school_a.name == "新名称学校"
    assert AuditEvent.objects.get().action == "organizations.organization.changed"


@pytest.mark.parametrize("who", ["reviewer", "auditor", "staff_a"])
def test_others_may_not_register_organisations(request, who, city, school_a):
    client = _client(request.getfixturevalue(who))
    assert client.get(reverse("organizations:list")).status_code == 403
    assert client.post(reverse("organizations:create"), {}).status_code == 403
    assert client.get(reverse("organizations:edit", args=[school_a.pk])).status_code in (403,)
    assert client.get(reverse("organizations:accounts")).status_code == 403


def test_administrator_adds_and_deactivates_its_staff(school_a, school_admin):
    client = _client(school_admin)
    detail = reverse("organizations:detail", args=[school_a.pk])
    assert client.get(detail).status_code == 200
    answer = client.post(
        reverse("organizations:staff_create", args=[school_a.pk]),
        {"full_name": "王老师", "username": "wang_t", "role": "institution_staff"},
    )
    assert answer.status_code == 302
    assert "/organizations/set-password/" in _link(client.get(detail))
    wang = User.objects.get(username="wang_t")
    assert (wang.organization, wang.is_organization_admin) == (school_a, False)
    action = reverse("organizations:staff_action", args=[school_a.pk])
    assert client.post(action, {"account": wang.pk, "action": "deactivate"}).status_code == 302
    assert not User.objects.get(pk=wang.pk).is_active
    assert list(
        AuditEvent.objects.filter(actor=school_admin).values_list("action", "object_id")
    ) == [
        ("organizations.staff.created", str(wang.pk)),
        ("organizations.staff.deactivated", str(wang.pk)),
    ]


def test_administrator_cannot_open_a_bureau_account_by_a_forged_form(school_a, school_admin):
    answer = _client(school_admin).post(
        reverse("organizations:staff_create", args=[school_a.pk]),
        {"full_name": "假", "username": "fake_boss", "role": "bureau_admin", "is_admin": "on"},
    )
    assert answer.status_code == 400
    assert not User.objects.filter(username="fake_boss").exists()


def test_another_organisations_staff_answers_as_missing(school_a, school_b, school_admin, staff_b):
    client = _client(school_admin)
    action = reverse("organizations:staff_action", args=[school_a.pk])
    other = client.post(action, {"account": staff_b.pk, "action": "deactivate"})
    missing = client.post(action, {"account": 999999, "action": "deactivate"})
    assert other.status_code == missing.status_code == 404
    assert normalised(other, action) == normalised(missing, action)
    assert User.objects.get(pk=staff_b.pk).is_active
    # Another organisation's page answers as a missing one.
    elsewhere_url = reverse("organizations:detail", args=[school_b.pk])
    nowhere_url = reverse("organizations:detail", args=[999999])
    elsewhere, nowhere = client.get(elsewhere_url), client.get(nowhere_url)
    assert elsewhere.status_code == nowhere.status_code == 404
    assert normalised(elsewhere, elsewhere_url) == normalised(nowhere, nowhere_url)
    assert (
        client.post(reverse("organizations:staff_create", args=[school_b.pk]), {}).status_code
        == 404
    )


def test_administrator_cannot_deactivate_itself_the_last_administrator(school_a, school_admin):
    client = _client(school_admin)
    answer = client.post(
        reverse("organizations:staff_action", args=[school_a.pk]),
        {"account": school_admin.pk, "action": "deactivate"},
        follow=True,
        **EN,
    )
    assert b"You cannot change your own account here." in answer.content
    assert User.objects.get(pk=school_admin.pk).is_active
    assert not AuditEvent.objects.filter(actor=school_admin).exists()


def test_staff_who_are_not_administrators_are_refused(school_a, staff_a, school_admin):
    client = _client(staff_a)
    assert client.get(reverse("organizations:detail", args=[school_a.pk])).status_code == 403
    assert client.get(reverse("organizations:staff_create", args=[school_a.pk])).status_code == 403
    answer = client.post(
        reverse("organizations:staff_action", args=[school_a.pk]),
        {"account": school_admin.pk, "action": "deactivate"},
    )
    assert answer.status_code == 403
    assert User.objects.get(pk=school_admin.pk).is_active


def test_bureau_searches_deactivates_and_sees_lockouts(bureau_admin, staff_a, staff_b, school_a):
    client = _client(bureau_admin)
    listed = client.get(reverse("organizations:accounts"), {"q": "甲职业"})
    assert [u.username for u in listed.context["page"]] == ["staff_a"]
    by_role = client.get(reverse("organizations:accounts"), {"role": "bureau_admin"})
    assert [u.username for u in by_role.context["page"]] == ["admin_t"]
    assert reverse("accounts:lockouts").encode() in listed.content
    answer = client.post(
        reverse("organizations:account_active"), {"account": staff_b.pk, "active": "0"}
    )
    assert answer.status_code == 302
    assert not User.objects.get(pk=staff_b.pk).is_active
    own = client.post(
        reverse("organizations:account_active"),
        {"account": bureau_admin.pk, "active": "0"},
        follow=True,
        **EN,
    )
    assert b"You cannot deactivate your own account." in own.content
    assert User.objects.get(pk=bureau_admin.pk).is_active
    assert list(AuditEvent.objects.values_list("action", "object_id")) == [
        ("accounts.user.deactivated", str(staff_b.pk))
    ]


def test_a_deactivated_account_cannot_use_its_link(school_a, bureau_admin):
    user, link = services.create_staff_account(
        school_a, StaffInput("wang", "王一", Role.INSTITUTION_STAFF), actor=bureau_admin
    )
    services.set_account_active(user.pk, False, actor=bureau_admin)
    path = reverse("organizations:set_password", args=[link.uidb64, link.token])
    answer = Client().get(path, follow=True)
    assert not answer.context["validlink"]


def test_nav_shows_staff_accounts_to_an_administrator(school_a, school_admin):
    page = _client(school_admin).get(reverse("organizations:detail", args=[school_a.pk]), **EN)
    assert b"Staff accounts" in page.content
    plain = make_user("plain", Role.INSTITUTION_STAFF, organization=school_a)
    assert (
        reverse("organizations:detail", args=[school_a.pk]).encode()
        not in _client(plain).get(reverse("accounts:security"), **EN).content
    )


def test_bureau_opens_a_reviewer_account_and_resets_a_password(city, bureau_admin, staff_b):
    client = _client(bureau_admin)
    town = Region.objects.get(code="220581001")
    answer = client.post(
        reverse("organizations:account_create"),
        {"full_name": "赵审核", "username": "zhao_rev", "role": "reviewer", "region": town.pk},
    )
    assert answer.status_code == 302
    listed = client.get(answer["Location"])
    assert [u.username for u in listed.context["page"]] == ["zhao_rev"]
    assert "/organizations/set-password/" in _link(listed)
    zhao = User.objects.get(username="zhao_rev")
    assert (zhao.role, zhao.region, zhao.organization) == ("reviewer", town, None)
    forged = client.post(
        reverse("organizations:account_create"),
        {"full_name": "某", "username": "forged", "role": "institution_staff"},
    )
    assert forged.status_code == 400
    assert not User.objects.filter(username="forged").exists()
    reset = client.post(reverse("organizations:account_password"), {"account": staff_b.pk})
    assert reset.status_code == 302
    assert "/organizations/set-password/" in _link(client.get(reset["Location"]))
    staff_b.refresh_from_db()
    assert not staff_b.has_usable_password()
    missing = client.post(reverse("organizations:account_password"), {"account": 999999})
    assert missing.status_code == 404
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "accounts.user.opened",
        "accounts.user.password_link_issued",
    ]


@pytest.mark.parametrize("who", ["reviewer", "staff_a"])
def test_others_may_not_open_bureau_accounts(request, who, school_a, staff_b):
    client = _client(request.getfixturevalue(who))
    assert client.get(reverse("organizations:account_create")).status_code == 403
    assert (
        client.post(reverse("organizations:account_password"), {"account": staff_b.pk}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("organizations:account_active"), {"account": staff_b.pk, "active": "0"}
        ).status_code
        == 403
    )
    assert User.objects.get(pk=staff_b.pk).has_usable_password()


def test_a_deactivated_account_is_signed_out_at_once(school_a, school_admin, staff_a):
    worker_session = _client(staff_a)
    assert worker_session.get(reverse("accounts:security")).status_code == 200
    _client(school_admin).post(
        reverse("organizations:staff_action", args=[school_a.pk]),
        {"account": staff_a.pk, "action": "deactivate"},
    )
    answer = worker_session.get(reverse("accounts:security"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:login"))
