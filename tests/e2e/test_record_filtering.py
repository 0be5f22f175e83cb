"""Journey: school staff read a shared trainee's record and see only their own school's facts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from jineng.people.choices import AffiliationKind
from jineng.people.models import Affiliation
from jineng.people.services import add_membership
from tests.e2e.browser import UI

EVIDENCE_UNEMPLOYED = "失业登记证 第2026-0001号"
EVIDENCE_DISABLED = "残疾人证 22058119900101123644"


@pytest.fixture
def trainee(
    person: Any, bureau_admin: Any, target_groups: Any, school_a: Any, school_b: Any
) -> Any:
    """张三, trained by schools A and B, unemployed and holding a disability card."""
    since = datetime.date(2025, 1, 1)
    for code, evidence in (("unemployed", EVIDENCE_UNEMPLOYED), ("disabled", EVIDENCE_DISABLED)):
        add_membership(
            person,
            target_groups[code],
            source="bureau",
            valid_from=since,
            evidence=evidence,
            actor=bureau_admin,
        )
    for school in (school_a, school_b):
        Affiliation.objects.create(
            person=person, organization=school, kind=AffiliationKind.TRAINEE, started_on=since
        )
    return person


def test_school_staff_see_their_own_facts_and_plain_eligibility(
    ui: UI, staff_a: Any, school_b: Any, trainee: Any
) -> None:
    ui.login(staff_a)
    ui.goto(f"/people/{trainee.pk}/")
    main = ui.page.locator("main")
    expect(main).to_contain_text("失业人员")
    expect(main).to_contain_text(staff_a.organization.name)
    for hidden in (EVIDENCE_UNEMPLOYED, EVIDENCE_DISABLED, "残疾人", school_b.name):
        expect(main).not_to_contain_text(hidden)
    # Nothing on the page is wider than the viewport (the groups table folds into cards).
    overflow = ui.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
