"""The rule pages and endpoints: who sees drafts, who loads, activates and simulates."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jineng.api.tests.helpers import api_client
from jineng.core.models import AuditEvent
from jineng.subsidies import rules
from jineng.subsidies.choices import RuleSetStatus
from jineng.subsidies.models import RuleSet
from jineng.subsidies.tests.test_rules import EXAMPLE, as_file, document

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
API = "/api/v1/subsidies/rule-sets"


@pytest.fixture
def draft(levels_and_groups: Any, bureau_admin: Any) -> RuleSet:
    return rules.load_rule_set(EXAMPLE, actor=bureau_admin)


@pytest.fixture
def levels_and_groups(db: Any, target_groups: Any) -> None:
    from jineng.occupations.loaders import load_skill_levels

    load_skill_levels()


def test_the_bureau_sees_a_draft_with_its_example_badge(
    client: Any, bureau_admin: Any, draft: RuleSet
):
    client.force_login(bureau_admin)
    listing = client.get(reverse("subsidies:rule_sets"), **EN)
    assert listing.status_code == 200
    assert "Example values" in listing.content.decode()
    page = client.get(reverse("subsidies:rule_set", args=[draft.pk]), **EN)
    text = page.content.decode()
    assert page.status_code == 200
    assert "example values typed in for the demonstration" in text
    assert "1,000.00" in text
    assert "Put in force" in text


@pytest.mark.parametrize("who", ["staff_a", "worker"])
def test_a_draft_is_missing_to_claimants(client: Any, draft: RuleSet, who: str, request: Any):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("subsidies:rule_set", args=[draft.pk])).status_code == 404
    assert f"v{draft.number}" not in client.get(reverse("subsidies:rule_sets")).content.decode()


def test_claimants_read_the_rule_set_in_force(
    client: Any, draft: RuleSet, bureau_admin: Any, staff_a: Any
):
    rules.activate(draft.pk, bureau_admin)
    client.force_login(staff_a)
    page = client.get(reverse("subsidies:rule_set", args=[draft.pk]), **EN)
    assert page.status_code == 200
    assert "Put in force" not in page.content.decode()


@pytest.mark.parametrize("who", ["staff_a", "reviewer", "auditor"])
def test_only_the_bureau_opens_upload_and_simulation(
    client: Any, levels_and_groups: Any, who: str, request: Any
):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("subsidies:rule_set_upload")).status_code == 403
    upload = SimpleUploadedFile("rules.json", json.dumps(document()).encode())
    assert client.post(reverse("subsidies:rule_set_upload"), {"file": upload}).status_code == 403
    assert client.get(reverse("subsidies:rule_simulation")).status_code == 403
    assert not RuleSet.objects.exists()


def test_upload_lists_the_faults_and_loads_nothing(
    client: Any, levels_and_groups: Any, bureau_admin: Any
):
    client.force_login(bureau_admin)
    bad = document(amounts=[{"kind": "living", "unit": "day", "amount_yuan": "x"}])
    upload = SimpleUploadedFile("rules.json", json.dumps(bad).encode())
    response = client.post(reverse("subsidies:rule_set_upload"), {"file": upload}, **EN)
    assert response.status_code == 400
    text = response.content.decode()
    assert "nothing was loaded" in text
    assert "amount_yuan" in text
    assert not RuleSet.objects.exists()


def test_upload_loads_a_draft_and_activation_puts_it_in_force(
    client: Any, levels_and_groups: Any, bureau_admin: Any
):
    client.force_login(bureau_admin)
    upload = SimpleUploadedFile("rules.json", json.dumps(document()).encode())
    response = client.post(reverse("subsidies:rule_set_upload"), {"file": upload})
    rule_set = RuleSet.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("subsidies:rule_set", args=[rule_set.pk])
    client.post(reverse("subsidies:rule_set_activate", args=[rule_set.pk]))
    rule_set.refresh_from_db()
    assert rule_set.status == RuleSetStatus.IN_FORCE


def test_the_simulation_page_shows_cost_and_splits(client: Any, draft: RuleSet, bureau_admin: Any):
    client.force_login(bureau_admin)
    response = client.get(
        reverse("subsidies:rule_simulation"), {"year": 2025, "rule_set": draft.pk}, **EN
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Total cost" in text
    assert "By town" in text
    assert AuditEvent.objects.filter(action="subsidies.ruleset.simulated").count() == 1
    future = datetime.date.today().year + 1
    bad = client.get(reverse("subsidies:rule_simulation"), {"year": future, "rule_set": draft.pk})
    assert bad.status_code == 400


def test_api_lists_rule_sets_by_who_asks(draft: RuleSet, bureau_admin: Any, staff_a: Any):
    assert [r["number"] for r in api_client(bureau_admin).get(API).json()] == [draft.number]
    assert api_client(staff_a).get(API).json() == []
    assert api_client(staff_a).get(f"{API}/{draft.pk}").status_code == 404
    body = api_client(bureau_admin).get(f"{API}/{draft.pk}").json()
    assert body["is_example"] is True
    assert {
        "kind": "skill_upgrade",
        "skill_level": "level5",
        "target_group": None,
        "unit": "person",
        "amount_fen": 100000,
        "max_units": None,
        "note": "example value",
    } in body["amounts"]


def test_api_simulates_for_the_bureau_only(draft: RuleSet, bureau_admin: Any, reviewer: Any):
    url = f"{API}/{draft.pk}/simulate"
    assert api_client(reviewer).post(url, {"year": 2025}).status_code == 403
    response = api_client(bureau_admin).post(url, {"year": 2025})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["year"] == 2025
    assert body["proposed"]["cost_fen"] == 0
    assert body["in_force"] is None


def test_checking_a_file_writes_nothing(levels_and_groups: Any):
    assert rules.check_file(as_file(document())).title == "Test rules"
    assert not RuleSet.objects.exists()


def test_the_example_workbook_loads_as_the_example_json(
    client: Any, levels_and_groups: Any, bureau_admin: Any, staff_a: Any
):
    client.force_login(staff_a)
    assert client.get(reverse("subsidies:rule_set_example")).status_code == 403
    client.force_login(bureau_admin)
    response = client.get(reverse("subsidies:rule_set_example"))
    assert response.status_code == 200
    handle = SimpleUploadedFile("example.xlsx", response.content)
    from_xlsx = rules.load_rule_set(handle, actor=bureau_admin, name="example.xlsx")
    from_json = rules.load_rule_set(EXAMPLE, actor=bureau_admin)

    def values(rule_set: RuleSet) -> list[tuple[Any, ...]]:
        return sorted(
            rule_set.amounts.values_list(
                "kind",
                "skill_level__code",
                "target_group__code",
                "unit",
                "amount_fen",
                "max_units",
                "note",
            ),
            key=str,
        )

    assert values(from_xlsx) == values(from_json)
    assert from_xlsx.is_example is True
    assert (from_xlsx.max_trainings_per_year, from_xlsx.notice_days) == (3, 7)
    assert from_xlsx.effective_from == from_json.effective_from
