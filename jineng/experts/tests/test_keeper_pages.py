"""The keeper's forms on an expert's page: occupations, cards, relations, leaving and returning."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core.models import AuditEvent
from jineng.experts.models import Expert, ExpertOccupation, ExpertQualification, ExpertRelation

from .helpers import citizen_id, make_expert, make_org, make_person


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def expert(bureau_admin: User, city: Any, occupations: Any, levels: Any) -> Expert:
    return make_expert(1, bureau_admin, occupations["electrician"], levels["level3"])


def _url(name: str, expert: Expert, **kwargs: Any) -> str:
    return reverse(f"experts:{name}", kwargs={"pk": expert.pk, **kwargs})


def test_keeper_adds_and_ends_an_occupation(bureau_admin: User, expert: Expert) -> None:
    client = _client(bureau_admin)
    bad = client.post(_url("occupation_add", expert), {"occupation": "没有这个职业"})
    assert bad.status_code == 400
    assert expert.occupations.count() == 1
    added = client.post(
        _url("occupation_add", expert), {"occupation": "焊工", "max_level": "level4"}
    )
    assert added.status_code == 302
    welder = ExpertOccupation.objects.get(expert=expert, occupation__name="焊工")
    assert (welder.max_level.code, welder.ended_on) == ("level4", None)
    ended = client.post(_url("occupation_end", expert, entry_id=welder.pk))
    assert ended.status_code == 302
    welder.refresh_from_db()
    assert welder.ended_on is not None
    missing = client.post(_url("occupation_end", expert, entry_id=welder.pk + 1000))
    assert missing.status_code == 404


def test_keeper_records_a_card_and_refuses_one_ending_before_it_starts(
    bureau_admin: User, expert: Expert
) -> None:
    client = _client(bureau_admin)
    before = ExpertQualification.objects.filter(expert=expert).count()
    backwards = client.post(
        _url("qualification_add", expert),
        {
            "kind": "supervisor",
            "number": "DD-2026-01",
            "valid_from": "2026-06-01",
            "valid_until": "2026-01-01",
        },
    )
    assert backwards.status_code == 400
    assert ExpertQualification.objects.filter(expert=expert).count() == before
    recorded = client.post(
        _url("qualification_add", expert),
        {
            "kind": "supervisor",
            "number": "DD-2026-01",
            "issued_by": "吉林省职业技能鉴定中心",
            "valid_from": "2026-01-01",
            "valid_until": "2028-12-31",
        },
    )
    assert recorded.status_code == 302
    card = ExpertQualification.objects.get(expert=expert, number="DD-2026-01")
    assert (card.kind, card.issued_by) == ("supervisor", "吉林省职业技能鉴定中心")


def test_a_relation_needs_a_registered_person_and_the_expert_may_declare_their_own(
    bureau_admin: User, expert: Expert
) -> None:
    cousin = make_person(2, bureau_admin)
    client = _client(bureau_admin)
    unknown = client.post(
        _url("relation_add", expert),
        {"id_number": citizen_id(2), "name": "别人", "kind": "family"},
    )
    assert unknown.status_code == 400
    assert "No registered person has this citizen ID number and name." in unknown.content.decode()
    assert not ExpertRelation.objects.exists()
    declared = client.post(
        _url("relation_add", expert),
        {"id_number": citizen_id(2), "name": cousin.name, "kind": "family", "note": "表亲"},
    )
    assert declared.status_code == 302
    relation = ExpertRelation.objects.get()
    assert (relation.person, relation.kind, relation.note) == (cousin, "family", "表亲")
    # Another evaluator's account may not declare for this expert.
    outsider = make_user("experts_outsider", Role.EVALUATOR, organization=make_org(90))
    refused = _client(outsider).post(
        _url("relation_add", expert),
        {"id_number": citizen_id(2), "name": cousin.name, "kind": "colleague"},
    )
    assert refused.status_code in (403, 404)
    assert ExpertRelation.objects.count() == 1


def test_keeper_takes_an_expert_out_with_a_reason_and_brings_them_back(
    bureau_admin: User, expert: Expert
) -> None:
    client = _client(bureau_admin)
    silent = client.post(_url("deactivate", expert), {"reason": ""})
    assert silent.status_code == 400
    expert.refresh_from_db()
    assert expert.active
    out = client.post(_url("deactivate", expert), {"reason": "考评员证书被注销"})
    assert out.status_code == 302
    expert.refresh_from_db()
    assert not expert.active
    back = client.post(_url("reactivate", expert))
    assert back.status_code == 302
    expert.refresh_from_db()
    assert expert.active
    actions = list(
        AuditEvent.objects.filter(action__startswith="experts.expert.").values_list(
            "action", flat=True
        )
    )
    assert actions[-2:] == ["experts.expert.deactivated", "experts.expert.reactivated"]


def test_my_page_opens_the_experts_own_record_or_says_they_are_not_in_the_pool(
    bureau_admin: User, expert: Expert
) -> None:
    nobody = make_user("experts_nobody", Role.EVALUATOR, organization=make_org(91))
    assert _client(nobody).get(reverse("experts:me")).status_code == 404
