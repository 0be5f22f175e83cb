"""Competitions (技能竞赛), their results, promotion rules and proposals (破格晋升).

Rules are data (jineng/talent/data/promotion_rules.yaml, loaded by ``load_promotion_rules``):
a prize at a competition level promotes its winner some levels above the highest level they
hold in the occupation (their valid certificates), never above the rule's highest level. The
platform proposes; the bureau approves, and approval issues the higher certificate through
certificates.services.issue_certificate with the basis ``promotion:<proposal id>``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.certificates import services as certificates
from jineng.certificates.models import Certificate, CertificateKind
from jineng.core import audit
from jineng.core.errors import ValidationFailed
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization
from jineng.people.models import Person
from jineng.talent import access, locks
from jineng.talent.choices import CompetitionLevel, Prize, ProposalStatus
from jineng.talent.errors import AlreadyDecided, AlreadyEntered, BeyondRule, NoPromotionRule
from jineng.talent.models import Competition, CompetitionEntry, PromotionProposal, PromotionRule
from jineng.talent.services.common import in_scope, person_in_scope, require_manager, text

# The certificates that show a level held in an occupation.
LEVEL_KINDS = (CertificateKind.SKILL_LEVEL, CertificateKind.QUALIFICATION)


@dataclass(frozen=True)
class CompetitionInput:
    """A competition as the bureau records it."""

    name: str
    level: str
    occupations: Sequence[Occupation]
    starts_on: datetime.date
    ends_on: datetime.date
    organizer: str


@dataclass(frozen=True)
class RuleInput:
    """One promotion rule as its data file states it."""

    code: str
    competition_level: str
    prizes: Sequence[str]
    levels_up: int
    max_level_code: str
    description: str = ""
    confirmed: bool = False


@transaction.atomic(durable=True)
def create_competition(data: CompetitionInput, *, actor: Actor) -> Competition:
    """Record a skills competition with its level, occupations and dates (竞赛), audited."""
    require_manager(actor)
    if data.level not in CompetitionLevel.values:
        raise ValidationFailed(
            _("{value} is not one of: {allowed}.").format(
                value=data.level, allowed=", ".join(CompetitionLevel.values)
            ),
            field="level",
        )
    if data.ends_on < data.starts_on:
        raise ValidationFailed(
            _("The competition cannot end ({end}) before it starts ({start}).").format(
                end=data.ends_on, start=data.starts_on
            ),
            field="ends_on",
        )
    if not data.occupations:
        raise ValidationFailed(_("Name at least one occupation."), field="occupations")
    competition = Competition.objects.create(
        name=text(data.name, field="name", required=True, max_length=200),
        level=data.level,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        organizer=text(data.organizer, field="organizer", required=True, max_length=200),
        created_by=actor,
    )
    competition.occupations.set(data.occupations)
    audit.record(
        actor,
        "talent.competition.created",
        competition,
        data={
            "name": competition.name,
            "level": data.level,
            "occupations": sorted(o.code for o in data.occupations),
            "starts_on": data.starts_on,
            "ends_on": data.ends_on,
        },
    )
    return competition


@transaction.atomic(durable=True)
def record_entry(
    competition_id: int,
    person: Person,
    *,
    occupation: Occupation,
    prize: str = Prize.NONE,
    rank: int | None = None,
    actor: Actor,
) -> CompetitionEntry:
    """Record an entrant's result: place and prize (参赛成绩), audited."""
    require_manager(actor)
    competition = access.get_competition_for_user(actor, competition_id)
    in_scope(actor, competition, _("No such competition."))
    person = person_in_scope(actor, person)
    if not competition.occupations.filter(pk=occupation.pk).exists():
        raise ValidationFailed(
            _("{competition} is not held for {occupation}.").format(
                competition=competition.name, occupation=occupation.name
            ),
            field="occupation",
        )
    if prize not in Prize.values:
        raise ValidationFailed(
            _("{value} is not one of: {allowed}.").format(
                value=prize, allowed=", ".join(Prize.values)
            ),
            field="prize",
        )
    if rank is not None and rank < 1:
        raise ValidationFailed(_("A place is 1 or more."), field="rank")
    duplicate = CompetitionEntry.objects.filter(
        competition=competition, person=person, occupation=occupation
    )
    if duplicate.exists():
        raise _entered(person)
    try:
        with transaction.atomic():
            entry = CompetitionEntry.objects.create(
                competition=competition,
                person=person,
                occupation=occupation,
                prize=prize,
                rank=rank,
                recorded_by=actor,
            )
    except IntegrityError:
        raise _entered(person) from None
    audit.record(
        actor,
        "talent.entry.recorded",
        entry,
        person_id=person.pk,
        data={
            "competition": competition.pk,
            "occupation": occupation.code,
            "prize": prize,
            "rank": rank,
        },
    )
    return entry


def _entered(person: Person) -> AlreadyEntered:
    return AlreadyEntered(
        _("{name} is already entered for this occupation.").format(name=person.name),
        field="person",
    )


def current_level(person: Person, occupation: Occupation) -> SkillLevel | None:
    """Return the highest level the person holds in the occupation by a valid certificate."""
    held = (
        Certificate.objects.valid()
        .filter(holder=person, occupation=occupation, kind__in=LEVEL_KINDS, level__isnull=False)
        .select_related("level")
        .order_by("-level__rank")
        .first()
    )
    return held.level if held else None


def rule_for(entry: CompetitionEntry) -> PromotionRule | None:
    """Return the active rule that promotes furthest for the entry's level and prize, or None."""
    rules = PromotionRule.objects.filter(
        is_active=True, competition_level=entry.competition.level
    ).select_related("max_level")
    matching = [r for r in rules if entry.prize in (r.prizes or [])]
    return max(matching, key=lambda r: (r.levels_up, r.code), default=None)


def highest_allowed(rule: PromotionRule, current: SkillLevel) -> SkillLevel | None:
    """Return the highest level the rule allows above the current one, or None if none is."""
    top = min(current.rank + rule.levels_up, rule.max_level.rank)
    return SkillLevel.objects.filter(rank__gt=current.rank, rank__lte=top).order_by("-rank").first()


@dataclass(frozen=True)
class ProposalOutcome:
    """What proposing did: the new proposals and, for each entry skipped, why."""

    proposals: list[PromotionProposal]
    skipped: dict[int, str]


@transaction.atomic(durable=True)
def propose_promotions(competition_id: int, *, actor: Actor) -> ProposalOutcome:
    """Propose a promotion for every winner a rule covers (生成破格晋升建议), audited."""
    require_manager(actor)
    competition = access.get_competition_for_user(actor, competition_id)
    in_scope(actor, competition, _("No such competition."))
    entries = (
        competition.entries.filter(proposal__isnull=True)
        .exclude(prize=Prize.NONE)
        .select_related("competition", "person", "occupation")
    )
    proposals, skipped = [], {}
    for entry in entries:
        made = _propose(entry, actor)
        if isinstance(made, PromotionProposal):
            proposals.append(made)
        else:
            skipped[entry.pk] = made
    return ProposalOutcome(proposals=proposals, skipped=skipped)


def _propose(entry: CompetitionEntry, actor: Actor) -> PromotionProposal | str:
    rule = rule_for(entry)
    if rule is None:
        return _("No promotion rule covers this prize at this level.")
    current = current_level(entry.person, entry.occupation)
    if current is None:
        return _("Holds no valid certificate in this occupation to promote from.")
    proposed = highest_allowed(rule, current)
    if proposed is None:
        return _("Already at the highest level the rule allows.")
    proposal = PromotionProposal.objects.create(
        entry=entry, rule=rule, current_level=current, proposed_level=proposed
    )
    audit.record(
        actor,
        "talent.proposal.created",
        proposal,
        person_id=entry.person_id,
        data={
            "entry": entry.pk,
            "rule": rule.code,
            "current_level": current.code,
            "proposed_level": proposed.code,
        },
    )
    return proposal


def _promotion_title(entry: CompetitionEntry) -> str:
    """The certificate's title, kept as written: in the site's language, whoever approves."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Promoted for {prize} at {competition}").format(
            prize=entry.get_prize_display(), competition=entry.competition.name
        )


@transaction.atomic(durable=True)
def approve_proposal(
    proposal_id: int,
    *,
    issuer: Organization,
    level: SkillLevel | None = None,
    reason: str = "",
    actor: Actor,
) -> Certificate:
    """Approve a promotion and issue the higher certificate (批准破格晋升), audited.

    Refused when the proposal is decided already, when the level is above what the rule
    allows from the level held today, and (by certificates) when the issuer is not
    accredited for it or the basis was used.
    """
    require_manager(actor)
    proposal = locks.proposal_for_update(proposal_id)
    in_scope(actor, proposal, _("No such promotion proposal."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise _decided(proposal)
    entry = proposal.entry
    level = level or proposal.proposed_level
    current = current_level(entry.person, entry.occupation)
    allowed = highest_allowed(proposal.rule, current) if current else None
    if allowed is None or level.rank > allowed.rank or (current and level.rank <= current.rank):
        raise BeyondRule(
            _("Rule {rule} allows at most {allowed} for this winner, not {level}.").format(
                rule=proposal.rule.code,
                allowed=allowed.name if allowed else "—",
                level=level.name,
            ),
            field="level",
        )
    certificate = certificates.issue_certificate(
        actor,
        certificates.IssueRequest(
            kind=CertificateKind.SKILL_LEVEL,
            holder=entry.person,
            issuer=issuer,
            issued_on=timezone.localdate(),
            basis=proposal.basis,
            occupation=entry.occupation,
            level=level,
            title=_promotion_title(entry),
        ),
    )
    proposal.status = ProposalStatus.APPROVED
    proposal.proposed_level = level
    proposal.decision_reason = text(reason, field="reason")
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.certificate_number = certificate.number
    proposal.save()
    audit.record(
        actor,
        "talent.proposal.approved",
        proposal,
        person_id=entry.person_id,
        data={
            "level": level.code,
            "issuer": issuer.pk,
            "certificate": certificate.number,
            "reason": proposal.decision_reason,
        },
    )
    return certificate


def _decided(proposal: PromotionProposal) -> AlreadyDecided:
    return AlreadyDecided(
        _("Promotion proposal {number} has already been decided ({status}).").format(
            number=proposal.pk, status=proposal.get_status_display()
        ),
        field="status",
    )


@transaction.atomic(durable=True)
def reject_proposal(proposal_id: int, *, reason: str, actor: Actor) -> PromotionProposal:
    """Refuse a promotion with the reason the record keeps (不予晋升), audited."""
    require_manager(actor)
    reason = text(reason, field="reason", required=True)
    proposal = locks.proposal_for_update(proposal_id)
    in_scope(actor, proposal, _("No such promotion proposal."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise _decided(proposal)
    proposal.status = ProposalStatus.REJECTED
    proposal.decision_reason = reason
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save()
    audit.record(
        actor,
        "talent.proposal.rejected",
        proposal,
        person_id=proposal.entry.person_id,
        data={"reason": reason},
    )
    return proposal


def accredited_issuers(proposal: PromotionProposal) -> Any:
    """Organisations accredited today to issue the proposed skill-level certificate."""
    from jineng.accreditations.choices import AccreditationKind, EvaluationKind
    from jineng.accreditations.models import Accreditation

    licences = Accreditation.objects.valid_on(timezone.localdate()).filter(
        kind=AccreditationKind.EVALUATION,
        evaluation_kind=EvaluationKind.SKILL_LEVEL,
        occupation=proposal.entry.occupation,
        max_level__rank__gte=proposal.proposed_level.rank,
    )
    ids = licences.values("organization_id")
    return Organization.objects.filter(pk__in=ids).order_by("name")


@transaction.atomic(durable=True)
def load_promotion_rules(rules: Iterable[RuleInput], *, actor: Actor | None) -> int:
    """Create or update the promotion rules from their data file (破格晋升规则); return how many."""
    count = 0
    for rule in rules:
        if rule.competition_level not in CompetitionLevel.values:
            raise ValidationFailed(
                _("Rule {code}: unknown competition level {level}.").format(
                    code=rule.code, level=rule.competition_level
                ),
                field="competition_level",
            )
        unknown = sorted(set(rule.prizes) - set(Prize.values))
        if unknown:
            raise ValidationFailed(
                _("Rule {code}: unknown prizes {prizes}.").format(
                    code=rule.code, prizes=", ".join(unknown)
                ),
                field="prizes",
            )
        top = SkillLevel.objects.filter(code=rule.max_level_code).first()
        if top is None or rule.levels_up < 1:
            raise NoPromotionRule(
                _("Rule {code}: level {level} is not known, or levels up is below 1.").format(
                    code=rule.code, level=rule.max_level_code
                ),
                field="max_level",
            )
        saved, _created = PromotionRule.objects.update_or_create(
            code=rule.code,
            defaults={
                "competition_level": rule.competition_level,
                "prizes": list(rule.prizes),
                "levels_up": rule.levels_up,
                "max_level": top,
                "description": rule.description,
                "confirmed": rule.confirmed,
                "is_active": True,
            },
        )
        audit.record(
            actor,
            "talent.promotionrule.loaded",
            saved,
            data={
                "levels_up": rule.levels_up,
                "max_level": top.code,
                "prizes": list(rule.prizes),
                "confirmed": rule.confirmed,
            },
        )
        count += 1
    return count
