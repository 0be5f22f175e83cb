"""The audit trail of an account limited to a region: only the events about its people and
organisations, on the page, in the filters and in the export; and the export only by POST."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from openpyxl import load_workbook

from conftest import ID_B, make_user
from jineng.accounts.roles import Role
from jineng.core import audit
from jineng.core.models import AuditEvent
from jineng.organizations.models import Organization
from jineng.regions.models import Region

AUDIT = "/accounts/audit/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TOWN_1 = "220581001"

pytestmark = pytest.mark.django_db


def _record(actor: Any, action: str, **how: Any) -> AuditEvent:
    with transaction.atomic():
        return audit.record(actor, action, **how)


@pytest.fixture
def town_auditor(city):
    return make_user("auditor_town1", Role.AUDITOR, region=Region.objects.get(code=TOWN_1))


@pytest.fixture
def other_person(city, bureau_admin):
    """A person of 山城村 in town 2, outside the town auditor's region."""
    from jineng.people.services import PersonInput, register_person

    return register_person(
        PersonInput(id_number=ID_B, name="李四秘密", region_code="220581100201"),
        actor=bureau_admin,
    )


@pytest.fixture
def world(city, person, other_person, school_a, school_b, staff_a, staff_b, bureau_admin):
    """School A lies in town 1, school B in town 2; events about each of them and both people.

    Returns the events the town auditor may read and those it may not, by name.
    """
    Organization.objects.filter(pk=school_a.pk).update(region=Region.objects.get(code=TOWN_1))
    Organization.objects.filter(pk=school_b.pk).update(region=Region.objects.get(code="220581100"))
    shown = {
        "person created": AuditEvent.objects.get(
            action="people.person.created", person_id=person.pk
        ),
        "about person": _record(None, "people.person.pii_viewed", person_id=person.pk),
        "school A's own": _record(staff_a, "training.class.created", object_type="t"),
        "about school A": _record(
            bureau_admin,
            "organizations.organization.changed",
            object_type="organizations.organization",
            object_id=str(school_a.pk),
        ),
    }
    hidden = {
        "other created": AuditEvent.objects.get(
            action="people.person.created", person_id=other_person.pk
        ),
        "other by object": _record(
            None,
            "people.person.looked_up",
            object_type="people.person",
            object_id=str(other_person.pk),
        ),
        "other in school A": _record(
            staff_a, "training.enrolment.created", object_type="t", person_id=other_person.pk
        ),
        "both people": _record(
            None,
            "people.person.looked_up",
            object_type="people.person",
            object_id=str(other_person.pk),
            person_id=person.pk,
        ),
        "school B's own": _record(staff_b, "training.class.created", object_type="t"),
        "about school B": _record(
            bureau_admin,
            "organizations.organization.changed",
            object_type="organizations.organization",
            object_id=str(school_b.pk),
        ),
        "the bureau's own": _record(bureau_admin, "accounts.policy.changed", object_type="t"),
    }
    return shown, hidden


def _ids(response: Any) -> list[int]:
    return [row.event.pk for row in response.context["rows"]]


def _newest_first(events: dict[str, AuditEvent]) -> list[int]:
    return sorted((e.pk for e in events.values()), reverse=True)


def _sheet_ids(response: Any) -> list[int]:
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]]


def test_an_auditor_limited_to_a_town_reads_only_the_events_about_its_people_and_schools(
    client, town_auditor, auditor, world
):
    shown, hidden = world
    client.force_login(town_auditor)
    response = client.get(AUDIT, **EN)
    assert _ids(response) == _newest_first(shown)
    assert "李四秘密" not in response.content.decode()
    client.force_login(auditor)
    assert _ids(client.get(AUDIT)) == _newest_first({**shown, **hidden})


def test_the_town_auditors_export_holds_exactly_its_events(client, town_auditor, world):
    shown, _hidden = world
    client.force_login(town_auditor)
    assert _sheet_ids(client.post(AUDIT, {"export": "xlsx"})) == _newest_first(shown)
    exported = AuditEvent.objects.get(action="core.audit.exported")
    assert (exported.actor_id, exported.data) == (town_auditor.pk, {"rows": 4, "filters": {}})


def test_a_person_out_of_the_region_finds_nothing_like_a_missing_one(
    client, town_auditor, person, other_person, world
):
    shown, _hidden = world
    client.force_login(town_auditor)
    for pk in (other_person.pk, 10**9):
        for response in (
            client.get(AUDIT, {"person": pk}, **EN),
            client.post(AUDIT, {"person": pk, "export": "xlsx"}),
        ):
            rows = _ids(response) if "rows" in (response.context or {}) else _sheet_ids(response)
            assert rows == []
    html = client.get(AUDIT, {"person": other_person.pk}, **EN).content.decode()
    assert "李四秘密" not in html
    assert _ids(client.get(AUDIT, {"person": person.pk})) == _newest_first(
        {k: shown[k] for k in ("person created", "about person")}
    )


def test_the_organisations_offered_are_those_in_the_region(
    client, town_auditor, auditor, school_a, school_b, world
):
    client.force_login(town_auditor)
    response = client.get(AUDIT, **EN)
    assert [c[0] for c in response.context["form"].fields["organization"].choices] == [
        "",
        school_a.pk,
    ]
    assert school_b.name not in response.content.decode()
    # Another town's school is refused exactly like one that does not exist.
    other = client.get(AUDIT, {"organization": school_b.pk}, **EN)
    missing = client.get(AUDIT, {"organization": 10**9}, **EN)
    assert other.status_code == missing.status_code == 400
    assert _ids(other) == _ids(missing) == []
    client.force_login(auditor)
    choices = client.get(AUDIT).context["form"].fields["organization"].choices
    assert sorted(c[0] for c in choices[1:]) == sorted([school_a.pk, school_b.pk])


def test_a_get_never_exports(client, auditor, world):
    client.force_login(auditor)
    response = client.get(AUDIT, {"export": "xlsx"}, **EN)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action="core.audit.exported").exists()


def test_the_export_needs_the_csrf_token(auditor, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    assert client.post(AUDIT, {"export": "xlsx"}).status_code == 403
    assert not AuditEvent.objects.filter(action="core.audit.exported").exists()


def test_the_export_button_posts_the_filters_shown(client, auditor, person, world):
    client.force_login(auditor)
    html = client.get(AUDIT, {"person": person.pk, "page": "1"}, **EN).content.decode()
    assert '<input type="hidden" name="export" value="xlsx">' in html
    assert f'<input type="hidden" name="person" value="{person.pk}">' in html
    assert 'name="page"' not in html.split('name="export"', 1)[1].split("</form>", 1)[0]
    assert "export=xlsx" not in html
