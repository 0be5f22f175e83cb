"""Journey: a bureau administrator finds a person by name, looks one up by full ID, reveals it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from conftest import ID_A, ID_B
from jineng.core.models import AuditEvent
from tests.e2e.browser import UI


def search(ui: UI, **fields: str) -> None:
    """Fill the people search form and submit it."""
    form = ui.page.locator("main form.filters")
    form.locator("input[name=name]").fill(fields.get("name", ""))
    ui.follow(form.locator("button[type=submit]"))


def look_up(ui: UI, *, purpose: str = "front-desk enrolment", **fields: str) -> None:
    """Open the lookup, give a full number and the purpose, and submit it (a POST)."""
    lookup = ui.page.locator("main details.lookup")
    if lookup.get_attribute("open") is None:
        lookup.locator("summary").click()
    form = lookup.locator("form")
    for name in ("id_number", "phone"):
        form.locator(f"input[name={name}]").fill(fields.get(name, ""))
    form.locator("input[name=purpose]").fill(purpose)
    ui.follow(form.locator("button[type=submit]"))


def test_bureau_admin_finds_person_and_reveals_full_id(
    ui: UI, bureau_admin: Any, person: Any, another_person: Any
) -> None:
    ui.login(bureau_admin)
    assert ui.path == "/"
    ui.follow(ui.page.locator("header nav a[href='/people/']"))
    results = ui.page.locator("main table tbody")

    search(ui, name="张")
    expect(results.get_by_role("link", name="张三")).to_be_visible()
    expect(results.get_by_role("link", name="李四")).to_have_count(0)

    look_up(ui, id_number=ID_B)
    # The number went in the body: it is in neither the address nor the audit trail.
    assert ui.path == "/people/lookup/"
    expect(results.locator("tr")).to_have_count(1)
    expect(results.get_by_role("link", name="李四")).to_be_visible()

    look_up(ui, id_number=ID_A)
    expect(results.locator("tr")).to_have_count(1)
    lookups = AuditEvent.objects.filter(action="people.person.looked_up")
    assert [e.data["purpose"] for e in lookups] == ["front-desk enrolment"] * 2
    assert all(ID_A not in str(e.data) and ID_B not in str(e.data) for e in lookups)
    ui.follow(results.get_by_role("link", name="张三"))
    assert ui.path == f"/people/{person.pk}/"
    main = ui.page.locator("main")
    expect(main).to_contain_text(person.id_number_masked)
    expect(main).not_to_contain_text(ID_A)
    assert not AuditEvent.objects.filter(action="people.person.pii_viewed").exists()

    reveal = main.locator(f"form[action$='/people/{person.pk}/reveal/']")
    reveal.locator("input[name=purpose]").fill("checking a subsidy claim")
    ui.follow(reveal.locator("button"))
    expect(main).to_contain_text(ID_A)
    event = AuditEvent.objects.get(action="people.person.pii_viewed")
    assert (event.actor_id, event.person_id) == (bureau_admin.pk, person.pk)
    assert event.data["purpose"] == "checking a subsidy claim"

    ui.follow(main.locator(f"a[href$='/accounts/audit/?person={person.pk}']"))
    expect(ui.page.locator("main table")).to_contain_text("people.person.pii_viewed")
