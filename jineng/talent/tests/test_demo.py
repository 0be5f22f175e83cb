"""The talent demo: a competition with a promotion, two rounds, a studio, a goal; idempotent."""

from __future__ import annotations

import io
from typing import Any

import pytest

from jineng.people.services import PersonInput, register_person
from jineng.talent.choices import ProposalStatus, RoundStatus
from jineng.talent.demo import build_demo
from jineng.talent.models import (
    AwardRound,
    Competition,
    MasterStudio,
    Objection,
    PromotionProposal,
    TalentGoal,
)
from jineng.talent.tests import helpers
from jineng.training.tests.helpers import citizen_id

pytestmark = pytest.mark.django_db


def test_the_demo_builds_every_part_once(
    bureau_admin: Any,
    people: Any,
    accredited: Any,
    occupations: Any,
    levels: Any,
    employer_org: Any,
) -> None:
    for n in range(8):
        register_person(
            PersonInput(
                id_number=citizen_id(700 + n),
                name="演示" + "甲乙丙丁戊己庚辛"[n],
                region_code="220581001001",
            ),
            actor=bureau_admin,
        )
    helpers.certify(people[0], accredited, occupations["electrician"], levels["level3"])
    helpers.certify(people[1], accredited, occupations["electrician"], levels["level4"])
    out = io.StringIO()
    build_demo(stdout=out)
    assert Competition.objects.count() == 1
    assert PromotionProposal.objects.filter(status=ProposalStatus.APPROVED).count() == 1
    assert set(AwardRound.objects.values_list("status", flat=True)) == {
        RoundStatus.PUBLISHED,
        RoundStatus.NOTICE,
    }
    assert Objection.objects.count() == 1
    assert MasterStudio.objects.get().apprenticeships.count() == 3
    assert TalentGoal.objects.count() == 1
    build_demo(stdout=out)
    assert Competition.objects.count() == 1
    assert AwardRound.objects.count() == 2
    assert "skipped" in out.getvalue()
