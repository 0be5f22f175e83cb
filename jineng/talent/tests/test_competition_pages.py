"""The bureau runs a competition from its pages: record it, its results, propose, decide."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jineng.certificates.models import Certificate
from jineng.talent.choices import ProposalStatus
from jineng.talent.models import Competition, CompetitionEntry, PromotionProposal
from jineng.talent.tests import helpers
from jineng.training.tests.helpers import citizen_id

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _competition(client: Client, **extra: str) -> Any:
    return client.post(
        reverse("talent:competitions"),
        {
            "name": "梅河口市电工技能大赛",
            "level": "city",
            "occupations": "6-31-01-03",
            "starts_on": "2026-10-10",
            "ends_on": "2026-10-11",
            "organizer": "梅河口市人社局",
            **extra,
        },
    )


def test_the_bureau_records_a_competition_and_its_results(
    bureau_admin: Any, reviewer: Any, people: Any, occupations: Any
) -> None:
    client = _client(bureau_admin)
    unknown = _competition(client, occupations="9-99-99-99")
    assert unknown.status_code == 400
    assert "No occupation has the code: 9-99-99-99." in unknown.content.decode()
    assert not Competition.objects.exists()
    created = _competition(client)
    competition = Competition.objects.get()
    assert created.status_code == 302
    assert created["Location"] == reverse("talent:competition", args=[competition.pk])
    entry_url = reverse("talent:entry_add", args=[competition.pk])
    occupation = competition.occupations.get()
    wrong_name = client.post(
        entry_url,
        {
            "id_number": citizen_id(500),
            "name": "别人",
            "occupation": occupation.pk,
            "prize": "first",
        },
    )
    assert wrong_name.status_code == 400
    assert not CompetitionEntry.objects.exists()
    recorded = client.post(
        entry_url,
        {
            "id_number": citizen_id(500),
            "name": people[0].name,
            "occupation": occupation.pk,
            "prize": "first",
            "rank": 1,
        },
    )
    assert recorded.status_code == 302
    entry = CompetitionEntry.objects.get()
    assert (entry.person, entry.prize, entry.rank) == (people[0], "first", 1)
    # A reviewer reads the competition but records nothing.
    reader = _client(reviewer)
    assert reader.get(reverse("talent:competition", args=[competition.pk])).status_code == 200
    refused = reader.post(
        entry_url,
        {
            "id_number": citizen_id(501),
            "name": people[1].name,
            "occupation": occupation.pk,
            "prize": "second",
        },
    )
    assert refused.status_code in (403, 404)
    assert CompetitionEntry.objects.count() == 1


def test_a_proposal_is_rejected_with_a_reason_or_approved_into_a_certificate(
    bureau_admin: Any, people: Any, occupations: Any, levels: Any, accredited: Any
) -> None:
    helpers.load_rules(bureau_admin)
    for person in people[:2]:
        helpers.certify(person, accredited, occupations["electrician"], levels["level4"])
    client = _client(bureau_admin)
    _competition(client)
    competition = Competition.objects.get()
    occupation = competition.occupations.get()
    for n in (0, 1):
        client.post(
            reverse("talent:entry_add", args=[competition.pk]),
            {
                "id_number": citizen_id(500 + n),
                "name": people[n].name,
                "occupation": occupation.pk,
                "prize": "first",
                "rank": 1,
            },
        )
    proposed = client.post(reverse("talent:propose", args=[competition.pk]))
    assert proposed.status_code == 302
    first, second = PromotionProposal.objects.order_by("pk")
    assert client.get(reverse("talent:proposal", args=[first.pk])).status_code == 200
    reject_url = reverse("talent:proposal_reject", args=[first.pk])
    assert client.post(reject_url, {"reason": ""}).status_code == 400
    assert client.post(reject_url, {"reason": "赛事未经备案"}).status_code == 302
    first.refresh_from_db()
    assert (first.status, first.decision_reason) == (ProposalStatus.REJECTED, "赛事未经备案")
    approved = client.post(
        reverse("talent:proposal_approve", args=[second.pk]),
        {"issuer": accredited.pk, "level": second.proposed_level.pk, "reason": ""},
    )
    assert approved.status_code == 302
    second.refresh_from_db()
    certificate = Certificate.objects.get(basis=f"promotion:{second.pk}")
    assert (second.status, second.certificate_number) == (
        ProposalStatus.APPROVED,
        certificate.number,
    )
    assert certificate.holder == people[1]
