"""Journey: institution staff see their own people and get a 404 page for anyone else's."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import ID_B
from tests.e2e.browser import UI


@pytest.fixture
def person_of_a(staff_a: Any, city: Any) -> Any:
    """A person registered by institution A's staff, hence tied to A."""
    from jineng.people.services import PersonInput, register_person

    return register_person(
        PersonInput(id_number=ID_B, name="李四", region_code="220581100201"), actor=staff_a
    )


def test_staff_cannot_open_another_institutions_person(
    ui: UI, staff_b: Any, person_of_a: Any
) -> None:
    ui.login(staff_b)
    ui.goto("/people/")
    expect(ui.page.locator("main")).not_to_contain_text("李四")

    ui.goto(f"/people/{person_of_a.pk}/", status=404)
    expect(ui.page.locator("main")).not_to_contain_text("李四")
    expect(ui.page.locator("h1")).to_be_visible()


def test_staff_open_their_own_institutions_person(ui: UI, staff_a: Any, person_of_a: Any) -> None:
    ui.login(staff_a)
    ui.goto("/people/")
    ui.follow(ui.page.locator("main table").get_by_role("link", name="李四"))
    assert ui.path == f"/people/{person_of_a.pk}/"
    expect(ui.page.locator("h1")).to_have_text("李四")
