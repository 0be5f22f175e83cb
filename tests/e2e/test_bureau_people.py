"""Journey: a bureau administrator finds a person by name and by full ID, and reveals the ID."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from conftest import ID_A, ID_B
from jineng.core.models import AuditEvent
from tests.e2e.browser import UI


def search(ui: UI, **fields: str) -> None:
    """Fill the people search form (clearing the other fields) and submit it."""
    form = ui.page.locator("main form:has(input[name=id_number])")
    for name in ("name", "id_number", "phone"):
        form.locator(f"input[name={name}]").fill(fields.get(name, ""))
    ui.follow(form.locator("button[type=submit]"))


def test_bureau_admin_finds_person_and_reveals_full_id(
    ui: UI, bureau_admin: Any, person: Any, another_person: Any
) -> None:
    ui.login(bureau_admin)
    assert ui.path.startswith("/people/")
    results = ui.page.locator("main table tbody")

    search(ui, name="张")
    expect(results.get_by_role("link", name="张三")).to_be_visible()
    expect(results.get_by_role("link", name="李四")).to_have_count(0)

    search(ui, id_number=ID_B)
    expect(results.locator("tr")).to_have_count(1)
    expect(results.get_by_role("link", name="李四")).to_be_visible()

    search(ui, id_number=ID_A)
    expect(results.locator("tr")).to_have_count(1)
    ui.follow(results.get_by_role("link", name="张三"))
    assert ui.path == f"/people/{person.pk}/"
    main = ui.page.locator("main")
    expect(main).to_contain_text(person.id_number_masked)
    expect(main).not_to_contain_text(ID_A)
    assert not AuditEvent.objects.filter(action="people.person.pii_viewed").exists()

    ui.follow(main.locator(f"form[action$='/people/{person.pk}/reveal/'] button"))
    expect(main).to_contain_text(ID_A)
    event = AuditEvent.objects.get(action="people.person.pii_viewed")
    assert (event.actor_id, event.person_id) == (bureau_admin.pk, person.pk)

    ui.follow(main.locator(f"a[href$='/accounts/audit/?person={person.pk}']"))
    expect(ui.page.locator("main table")).to_contain_text("people.person.pii_viewed")
