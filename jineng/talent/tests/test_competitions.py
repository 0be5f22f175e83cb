"""Competitions, promotion rules and proposals: approval issues the higher certificate."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from jineng.certificates.models import Certificate
from jineng.core.errors import DomainError, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.talent import rules, services
from jineng.talent.choices import CompetitionLevel, Prize, ProposalStatus
from jineng.talent.errors import AlreadyDecided, AlreadyEntered, BeyondRule
from jineng.talent.models import PromotionProposal, PromotionRule
from jineng.talent.tests import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def electrician(occupations: Any) -> Any:
    return occupations["electrician"]


@pytest.fixture
def winner(people: Any, accredited: Any, electrician: Any, levels: Any) -> Any:
    """李小明, who holds 四级/中级工 in 电工."""
    helpers.certify(people[0], accredited, electrician, levels["level4"])
    return people[0]


def _proposal(
    admin: Any,
    winner: Any,
    electrician: Any,
    *,
    level: str = CompetitionLevel.CITY,
    prize: str = Prize.FIRST,
) -> PromotionProposal:
    helpers.load_rules(admin)
    competition = helpers.competition(admin, electrician, level=level)
    services.record_entry(
        competition.pk, winner, occupation=electrician, prize=prize, rank=1, actor=admin
    )
    outcome = services.propose_promotions(competition.pk, actor=admin)
    assert len(outcome.proposals) == 1, outcome.skipped
    return outcome.proposals[0]


def test_the_rules_file_loads_unconfirmed(bureau_admin: Any, levels: Any) -> None:
    read = rules.read_rules()
    assert read
    assert not any(r.confirmed for r in read)
    assert helpers.load_rules(bureau_admin) == len(read)
    city = PromotionRule.objects.get(code="city-first")
    assert (city.levels_up, city.max_level.code, city.confirmed) == (1, "level1", False)
    # Loading again updates by code.
    assert helpers.load_rules(bureau_admin) == len(read)
    assert PromotionRule.objects.count() == len(read)


def test_a_city_first_prize_is_proposed_one_level_up(
    bureau_admin: Any, winner: Any, electrician: Any
) -> None:
    proposal = _proposal(bureau_admin, winner, electrician)
    assert (proposal.current_level.code, proposal.proposed_level.code) == ("level4", "level3")


def test_a_province_first_prize_goes_up_to_two_levels_never_above_level1(
    bureau_admin: Any, people: Any, accredited: Any, electrician: Any, levels: Any
) -> None:
    helpers.certify(people[1], accredited, electrician, levels["level2"])
    proposal = _proposal(bureau_admin, people[1], electrician, level=CompetitionLevel.PROVINCE)
    assert proposal.proposed_level.code == "level1"


def test_approval_issues_the_higher_certificate_with_the_competition_as_basis(
    bureau_admin: Any, winner: Any, electrician: Any, accredited: Any
) -> None:
    proposal = _proposal(bureau_admin, winner, electrician)
    # The title is kept in the site's language whatever language the approver reads.
    with translation.override("en"):
        certificate = services.approve_proposal(proposal.pk, issuer=accredited, actor=bureau_admin)
    assert certificate.basis == f"promotion:{proposal.pk}"
    assert certificate.level.code == "level3"
    assert certificate.title == f"{proposal.entry.competition.name}一等奖破格晋升"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.certificate_number) == (
        ProposalStatus.APPROVED,
        certificate.number,
    )
    assert AuditEvent.objects.filter(action="talent.proposal.approved").count() == 1


def test_a_proposal_is_not_approved_twice(
    bureau_admin: Any, winner: Any, electrician: Any, accredited: Any
) -> None:
    proposal = _proposal(bureau_admin, winner, electrician)
    services.approve_proposal(proposal.pk, issuer=accredited, actor=bureau_admin)
    with pytest.raises(AlreadyDecided):
        services.approve_proposal(proposal.pk, issuer=accredited, actor=bureau_admin)
    with pytest.raises(AlreadyDecided):
        services.reject_proposal(proposal.pk, reason="重复", actor=bureau_admin)
    assert Certificate.objects.filter(basis=f"promotion:{proposal.pk}").count() == 1


def test_a_level_beyond_the_rule_is_refused(
    bureau_admin: Any, winner: Any, electrician: Any, accredited: Any, levels: Any
) -> None:
    proposal = _proposal(bureau_admin, winner, electrician)
    with pytest.raises(BeyondRule) as refused:
        services.approve_proposal(
            proposal.pk, issuer=accredited, level=levels["level2"], actor=bureau_admin
        )
    assert refused.value.code == "beyond_promotion_rule"
    assert not Certificate.objects.filter(basis=f"promotion:{proposal.pk}").exists()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_an_unaccredited_issuer_leaves_the_proposal_open(
    bureau_admin: Any, winner: Any, electrician: Any, employer_org: Any
) -> None:
    proposal = _proposal(bureau_admin, winner, electrician)
    with pytest.raises(DomainError) as refused:
        services.approve_proposal(proposal.pk, issuer=employer_org, actor=bureau_admin)
    assert refused.value.code == "issuer_not_accredited"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_a_rejection_keeps_its_reason(bureau_admin: Any, winner: Any, electrician: Any) -> None:
    proposal = _proposal(bureau_admin, winner, electrician)
    with pytest.raises(ValidationFailed):
        services.reject_proposal(proposal.pk, reason="", actor=bureau_admin)
    services.reject_proposal(proposal.pk, reason="比赛成绩存疑", actor=bureau_admin)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason) == (ProposalStatus.REJECTED, "比赛成绩存疑")


def test_winners_without_a_level_or_a_rule_are_not_proposed(
    bureau_admin: Any, people: Any, electrician: Any, levels: Any
) -> None:
    helpers.load_rules(bureau_admin)
    competition = helpers.competition(bureau_admin, electrician, level=CompetitionLevel.ENTERPRISE)
    services.record_entry(
        competition.pk, people[2], occupation=electrician, prize=Prize.FIRST, actor=bureau_admin
    )
    outcome = services.propose_promotions(competition.pk, actor=bureau_admin)
    assert outcome.proposals == []
    assert len(outcome.skipped) == 1


def test_an_entrant_is_entered_once_per_occupation(
    bureau_admin: Any, people: Any, electrician: Any, occupations: Any
) -> None:
    competition = helpers.competition(bureau_admin, electrician)
    services.record_entry(competition.pk, people[0], occupation=electrician, actor=bureau_admin)
    with pytest.raises(AlreadyEntered):
        services.record_entry(competition.pk, people[0], occupation=electrician, actor=bureau_admin)
    with pytest.raises(ValidationFailed) as refused:
        services.record_entry(
            competition.pk, people[1], occupation=occupations["welder"], actor=bureau_admin
        )
    assert refused.value.field == "occupation"


def test_only_the_bureau_decides(
    reviewer: Any, bureau_admin: Any, winner: Any, electrician: Any, accredited: Any
) -> None:
    proposal = _proposal(bureau_admin, winner, electrician)
    with pytest.raises(PermissionDenied):
        services.approve_proposal(proposal.pk, issuer=accredited, actor=reviewer)
    assert not Certificate.objects.filter(basis=f"promotion:{proposal.pk}").exists()
