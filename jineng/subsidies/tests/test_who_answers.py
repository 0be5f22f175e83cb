"""Who resolves an objection and who answers for a line, the same in the service, the API and
the console: reviewers resolve (the bureau sees, and is refused in words), only the worker
named on a line confirms or disputes it (an account that sees the line: 403; one that does
not: 404 exactly like a missing line)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from jineng.accounts.models import User
from jineng.api.tests.helpers import api_client
from jineng.core.errors import NotFound, PermissionDenied
from jineng.core.models import AuditEvent
from jineng.subsidies import services
from jineng.subsidies.choices import Confirmation, ObjectionStatus
from jineng.subsidies.models import Claim, ClaimLine, Objection
from jineng.subsidies.tests.conftest import Crew, StubAmounts, to_notice, worker_of
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db
MISSING = 999_999
BASE = "/api/v1/subsidies"
EN = {"Accept-Language": "en"}
ACTIONS = ("subsidies.objection.resolved", "subsidies.claimline.confirmed")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def claim(a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts) -> Claim:
    return to_notice(services.submit_class_claim(a_class.pk, actor=crew.submitter), crew)


@pytest.fixture
def objection(claim: Claim) -> Objection:
    return services.raise_objection(claim.number, text="此人未参加培训", contact="13900001111")


def _lines(claim: Claim) -> list[ClaimLine]:
    return list(claim.lines.order_by("pk"))


def _written() -> int:
    return AuditEvent.objects.filter(action__in=ACTIONS).count()


def test_the_bureau_sees_an_objection_but_is_refused_resolving_it_everywhere(
    objection: Objection, crew: Crew
) -> None:
    bureau = crew.approver
    with pytest.raises(PermissionDenied, match="Only a reviewer"):
        services.resolve_objection(objection.pk, upheld=False, resolution="x", actor=bureau)
    body = {"upheld": False, "resolution": "查无实据"}
    api = api_client(bureau)
    refused = api.post(f"{BASE}/objections/{objection.pk}/resolve", body)
    assert refused.status_code == 403, refused.content
    assert api.post(f"{BASE}/objections/{MISSING}/resolve", body).status_code == 404
    console = Client()
    console.force_login(bureau)
    url = reverse("subsidies:claim_objection_resolve", args=[objection.pk])
    assert console.post(url, {f"o{objection.pk}-resolution": "查无实据"}).status_code == 403
    objection.refresh_from_db()
    assert (objection.status, objection.resolved_by_id) == (ObjectionStatus.OPEN, None)
    assert _written() == 0


def test_a_reviewer_resolves_it_through_the_api(objection: Objection, crew: Crew) -> None:
    api = api_client(crew.first)
    body = {"upheld": False, "resolution": "查无实据"}
    answer = api.post(f"{BASE}/objections/{objection.pk}/resolve", body)
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == ObjectionStatus.DISMISSED
    event = AuditEvent.objects.get(action="subsidies.objection.resolved")
    assert (event.actor_id, event.object_id) == (crew.first.pk, str(objection.pk))


def test_staff_of_another_institution_find_no_objection(
    objection: Objection, staff_b: User
) -> None:
    api = api_client(staff_b)
    body = {"upheld": False, "resolution": "x"}
    theirs = api.post(f"{BASE}/objections/{objection.pk}/resolve", body)
    missing = api.post(f"{BASE}/objections/{MISSING}/resolve", body)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    with pytest.raises(NotFound):
        services.resolve_objection(objection.pk, upheld=False, resolution="x", actor=staff_b)


@pytest.mark.parametrize("who", ["first", "approver", "payer", "submitter"])
def test_an_account_that_sees_a_line_is_refused_answering_for_it(
    who: str, claim: Claim, crew: Crew
) -> None:
    line = _lines(claim)[0]
    user = getattr(crew, who)
    with pytest.raises(PermissionDenied):
        services.confirm_line(line.pk, actor=user)
    with pytest.raises(PermissionDenied):
        services.dispute_line(line.pk, text="x", actor=user)
    api = api_client(user)
    confirm = api.post(f"{BASE}/lines/{line.pk}/confirm", headers=EN)
    assert confirm.status_code == 403, confirm.content
    assert "Only the worker named on a line" in confirm.json()["detail"]
    assert api.post(f"{BASE}/lines/{line.pk}/dispute", {"text": "x"}).status_code == 403
    assert api.post(f"{BASE}/lines/{MISSING}/confirm").status_code == 404
    console = Client()
    console.force_login(user)
    url = reverse("subsidies:line_confirm", args=[line.pk])
    assert console.post(url).status_code == 403
    line.refresh_from_db()
    assert line.confirmation == Confirmation.PENDING
    assert not claim.objections.filter(line=line).exists()
    assert _written() == 0


def test_another_worker_finds_no_line_exactly_like_a_missing_one(claim: Claim) -> None:
    mine, theirs = _lines(claim)
    me = worker_of(mine.person_id)
    with pytest.raises(NotFound):
        services.confirm_line(theirs.pk, actor=me)
    api = api_client(me)
    other = api.post(f"{BASE}/lines/{theirs.pk}/confirm")
    missing = api.post(f"{BASE}/lines/{MISSING}/confirm")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert api.post(f"{BASE}/lines/{mine.pk}/confirm").status_code == 200
    theirs.refresh_from_db()
    assert theirs.confirmation == Confirmation.PENDING


# --- the objector's contact: a reveal, audited and counted ---------------------------------


_CSRF = re.compile(
    rb'((?:name="csrfmiddlewaretoken" value=|name="csrf-token" content=|"X-CSRFToken": )")[^"]*'
)


def _page(response: Any, url: str) -> bytes:
    return _CSRF.sub(rb"\1", response.content.replace(url.encode(), b"<path>"))


def _contact_url(objection: Objection) -> str:
    return reverse("subsidies:claim_objection_contact", args=[objection.pk])


def test_a_reviewer_reads_the_objectors_contact_with_a_purpose_and_it_is_audited(
    objection: Objection, crew: Crew
) -> None:
    console = Client()
    console.force_login(crew.first)
    page = console.get(reverse("subsidies:claim", args=[objection.claim_id])).content.decode()
    assert "13900001111" not in page
    assert _contact_url(objection) in page
    refused = console.post(_contact_url(objection), {"purpose": ""})
    assert refused.status_code == 400
    assert "13900001111" not in refused.content.decode()
    assert not AuditEvent.objects.filter(action="subsidies.objection.contact_viewed").exists()

    shown = console.post(_contact_url(objection), {"purpose": "回访核实"})
    assert shown.status_code == 200
    assert "13900001111" in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    event = AuditEvent.objects.get(action="subsidies.objection.contact_viewed")
    assert (event.actor_id, event.object_type, event.object_id) == (
        crew.first.pk,
        "subsidies.objection",
        str(objection.pk),
    )
    assert event.data == {"number": objection.claim.number, "purpose": "回访核实"}
    assert "13900001111" not in str(event.data)


@pytest.mark.parametrize("who", ["approver", "payer", "submitter"])
def test_who_does_not_resolve_objections_finds_no_contact_exactly_like_missing(
    who: str, objection: Objection, crew: Crew
) -> None:
    console = Client()
    console.force_login(getattr(crew, who))
    url = _contact_url(objection)
    missing_url = reverse("subsidies:claim_objection_contact", args=[MISSING])
    theirs = console.post(url, {"purpose": "x"})
    missing = console.post(missing_url, {"purpose": "x"})
    assert theirs.status_code == missing.status_code == 404
    # The 404 page names the path asked for and carries a fresh CSRF token; nothing else differs.
    assert _page(theirs, url) == _page(missing, missing_url)
    assert "13900001111" not in theirs.content.decode()
    assert not AuditEvent.objects.filter(action="subsidies.objection.contact_viewed").exists()


def test_reading_contacts_uses_the_allowance_of_personal_data_disclosures(
    objection: Objection, crew: Crew, settings: Any
) -> None:
    settings.JINENG_IDENTITY_LOOKUPS_PER_HOUR = 1
    console = Client()
    console.force_login(crew.first)
    assert console.post(_contact_url(objection), {"purpose": "回访"}).status_code == 200
    again = console.post(_contact_url(objection), {"purpose": "再次回访"})
    assert again.status_code == 429
    assert "13900001111" not in again.content.decode()
    events = AuditEvent.objects.filter(action="subsidies.objection.contact_viewed")
    assert [e.data["purpose"] for e in events] == ["回访"]


def test_an_objection_without_a_contact_discloses_nothing(claim: Claim, crew: Crew) -> None:
    bare = services.raise_objection(claim.number, text="不实", contact="")
    console = Client()
    console.force_login(crew.first)
    answer = console.post(_contact_url(bare), {"purpose": "回访"})
    assert answer.status_code == 200
    assert not AuditEvent.objects.filter(action="subsidies.objection.contact_viewed").exists()
