"""Journey: the bureau registers an institution and its administrator; the administrator sets
a password through the one-time link, signs in and opens a staff member's account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from jineng.accounts.models import User
from jineng.core.models import AuditEvent
from jineng.organizations.models import Organization
from tests.e2e.browser import UI

CREDIT_CODE = "52220581100000315B"
NEW_PASSWORD = "Qing-He-2026-mima"


def _issued_link(ui: UI) -> str:
    field = ui.page.locator("#issued-link-url")
    expect(field).to_be_visible()
    link = field.input_value()
    assert "/organizations/set-password/" in link
    return link


def _set_password(ui: UI, link: str) -> None:
    ui.goto(link)
    # Django moves the token out of the address at once.
    assert "set-password" in ui.path
    form = ui.page.locator("main form")
    form.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    form.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    ui.follow(form.locator("button[type=submit]"))
    assert ui.path.startswith("/accounts/login/")


def test_bureau_adds_an_institution_whose_administrator_adds_staff(
    open_ui: Callable[..., UI], bureau_admin: Any, city: Any
) -> None:
    officer = open_ui()
    officer.login(bureau_admin)
    officer.goto("/organizations/")
    officer.follow(officer.page.locator("main a[href='/organizations/new/']"))
    form = officer.page.locator("main form")
    form.locator("input[name=credit_code]").fill(CREDIT_CODE.lower())
    form.locator("input[name=name]").fill("梅河口市丁职业培训学校")
    form.locator("select[name=kind]").select_option("private_training")
    form.locator("select[name=region]").select_option(label="新华街道（220581001）")
    officer.follow(form.locator("button[type=submit]"))
    school = Organization.objects.get(credit_code=CREDIT_CODE)
    assert officer.path == f"/organizations/{school.pk}/staff/new/"

    form = officer.page.locator("main form")
    expect(form.locator("input[name=is_admin]")).to_be_checked()
    form.locator("input[name=full_name]").fill("丁校长")
    form.locator("input[name=username]").fill("ding_admin")
    officer.follow(form.locator("button[type=submit]"))
    assert officer.path == f"/organizations/{school.pk}/"
    link = _issued_link(officer)

    administrator = open_ui()
    _set_password(administrator, link)
    administrator.login("ding_admin", NEW_PASSWORD)
    administrator.follow(administrator.page.locator(f"nav a[href='/organizations/{school.pk}/']"))
    administrator.follow(
        administrator.page.locator(f"main a[href='/organizations/{school.pk}/staff/new/']")
    )
    form = administrator.page.locator("main form")
    expect(form.locator("select[name=role] option")).to_have_count(1)
    form.locator("input[name=full_name]").fill("王老师")
    form.locator("input[name=username]").fill("wang_teacher")
    administrator.follow(form.locator("button[type=submit]"))
    _issued_link(administrator)
    expect(administrator.page.locator("main table")).to_contain_text("wang_teacher")

    staff = User.objects.get(username="wang_teacher")
    assert (staff.organization, staff.role, staff.is_organization_admin) == (
        school,
        "institution_staff",
        False,
    )

    # The bureau finds the new staff member's account and deactivates it.
    officer.goto(f"/organizations/{school.pk}/edit/")
    officer.goto("/organizations/accounts/?q=wang_teacher")
    rows = officer.page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    officer.follow(rows.locator("form[action$='/accounts/active/'] button"))
    # Its row now offers to reactivate it.
    expect(rows.locator("input[name=active]")).to_have_value("1")
    staff.refresh_from_db()
    assert not staff.is_active

    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor__username")) == [
        ("organizations.organization.created", bureau_admin.username),
        ("organizations.staff.created", bureau_admin.username),
        ("organizations.staff.password_set", "ding_admin"),
        ("organizations.staff.created", "ding_admin"),
        ("accounts.user.deactivated", bureau_admin.username),
    ]
