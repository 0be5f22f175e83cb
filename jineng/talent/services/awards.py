"""Award rounds (表彰评选): titles, rounds, nominations, review, public notice, objections.

A round moves nominating → reviewing → notice (公示) → published, or is closed. The notice
runs ``notice_days`` days from the day it starts (timezone.localdate()); objections are
taken while it runs, by anyone, with a contact; an open objection holds publication of that
nominee until the bureau resolves it with a reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import NotFound, ValidationFailed
from jineng.occupations.models import Occupation
from jineng.organizations.models import Organization
from jineng.people.models import Person
from jineng.talent import locks
from jineng.talent.choices import Decision, ObjectionStatus, RoundStatus, check_round_transition
from jineng.talent.errors import (
    AlreadyDecided,
    AlreadyNominated,
    NominationsClosed,
    NoticeClosed,
    NoticeNotOver,
)
from jineng.talent.models import AwardRound, AwardTitle, Nomination, Objection
from jineng.talent.services.common import in_scope, person_in_scope, require_manager, text


@dataclass(frozen=True)
class RoundInput:
    """What the bureau sets for a round: the title, period, nomination window, notice days."""

    title: AwardTitle
    year: int
    nominations_open_on: datetime.date
    nominations_close_on: datetime.date
    notice_days: int = 7
    period: str = ""


@dataclass(frozen=True)
class NominationInput:
    """Who is put forward, for what, by whom, and why."""

    person: Person
    statement: str
    occupation: Occupation | None = None
    employer: Organization | None = None
    nominated_by_organization: Organization | None = None


@dataclass(frozen=True)
class PublishOutcome:
    """What a publication did: the winners published now and the nominees held by objections."""

    award_round: AwardRound
    published: int
    held: int


@transaction.atomic(durable=True)
def save_award_title(*, code: str, name: str, description: str = "", actor: Actor) -> AwardTitle:
    """Create or rename an award title (表彰称号), e.g. 梅河口技能名师, audited."""
    require_manager(actor)
    code = text(code, field="code", required=True, max_length=50)
    name = text(name, field="name", required=True, max_length=100)
    title, created = AwardTitle.objects.update_or_create(
        code=code, defaults={"name": name, "description": text(description, field="description")}
    )
    audit.record(
        actor,
        "talent.awardtitle.created" if created else "talent.awardtitle.changed",
        title,
        data={"code": code, "name": name},
    )
    return title


@transaction.atomic(durable=True)
def create_round(data: RoundInput, *, actor: Actor) -> AwardRound:
    """Open a round of an award for nominations (发起评选), audited."""
    require_manager(actor)
    if data.nominations_close_on < data.nominations_open_on:
        raise ValidationFailed(
            _("Nominations cannot close ({close}) before they open ({open}).").format(
                close=data.nominations_close_on, open=data.nominations_open_on
            ),
            field="nominations_close_on",
        )
    if not 1 <= data.notice_days <= 60:
        raise ValidationFailed(_("The public notice runs from 1 to 60 days."), field="notice_days")
    period = text(data.period, field="period", max_length=30)
    if AwardRound.objects.filter(title=data.title, year=data.year, period=period).exists():
        raise ValidationFailed(
            _("{title} already has a round for {year} {period}.").format(
                title=data.title.name, year=data.year, period=period
            ),
            field="year",
        )
    award_round = AwardRound.objects.create(
        title=data.title,
        year=data.year,
        period=period,
        nominations_open_on=data.nominations_open_on,
        nominations_close_on=data.nominations_close_on,
        notice_days=data.notice_days,
        created_by=actor,
    )
    audit.record(
        actor,
        "talent.awardround.created",
        award_round,
        data={
            "title": data.title.code,
            "year": data.year,
            "period": period,
            "nominations_open_on": data.nominations_open_on,
            "nominations_close_on": data.nominations_close_on,
            "notice_days": data.notice_days,
        },
    )
    return award_round


def _employer_of(person: Person) -> Organization | None:
    from jineng.people.choices import AffiliationKind
    from jineng.people.models import Affiliation

    tie = (
        Affiliation.objects.current()
        .filter(person=person, kind=AffiliationKind.EMPLOYEE)
        .select_related("organization")
        .order_by("-started_on")
        .first()
    )
    return tie.organization if tie else None


@transaction.atomic(durable=True)
def nominate(round_id: int, data: NominationInput, *, actor: Actor) -> Nomination:
    """Record a nomination in a round taking nominations (推荐人选), audited."""
    require_manager(actor)
    award_round = locks.round_for_update(round_id)
    in_scope(actor, award_round, _("No such award round."))
    today = timezone.localdate()
    if award_round.status != RoundStatus.NOMINATING or not (
        award_round.nominations_open_on <= today <= award_round.nominations_close_on
    ):
        raise NominationsClosed(
            _("{round} takes nominations from {open} to {close} only.").format(
                round=award_round,
                open=award_round.nominations_open_on,
                close=award_round.nominations_close_on,
            )
        )
    person = person_in_scope(actor, data.person)
    statement = text(data.statement, field="statement", required=True)
    if Nomination.objects.filter(award_round=award_round, person=person).exists():
        raise _already_nominated(person)
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                award_round=award_round,
                person=person,
                occupation=data.occupation,
                employer=data.employer or _employer_of(person),
                nominated_by_organization=data.nominated_by_organization,
                nominated_by=actor,
                statement=statement,
            )
    except IntegrityError:
        raise _already_nominated(person) from None
    audit.record(
        actor,
        "talent.nomination.created",
        nomination,
        person_id=person.pk,
        data={
            "round": award_round.pk,
            "occupation": data.occupation.code if data.occupation else None,
            "employer": nomination.employer_id,
            "nominated_by_organization": nomination.nominated_by_organization_id,
        },
    )
    return nomination


def _already_nominated(person: Person) -> AlreadyNominated:
    return AlreadyNominated(
        _("{name} is already nominated in this round.").format(name=person.name), field="person"
    )


def _move(award_round: AwardRound, to: str, actor: Actor, **data: object) -> None:
    before = award_round.status
    check_round_transition(award_round, to)
    award_round.status = to
    award_round.save()
    audit.record(
        actor,
        "talent.awardround.advanced",
        award_round,
        data={"from": before, "to": to, **data},
    )


@transaction.atomic(durable=True)
def start_review(round_id: int, *, actor: Actor) -> AwardRound:
    """Close nominations and start the review (进入评审), audited."""
    require_manager(actor)
    award_round = locks.round_for_update(round_id)
    in_scope(actor, award_round, _("No such award round."))
    _move(award_round, RoundStatus.REVIEWING, actor)
    return award_round


@transaction.atomic(durable=True)
def decide_nomination(
    nomination_id: int, *, approve: bool, reason: str, actor: Actor
) -> Nomination:
    """Approve or reject a nomination under review, with the reason (评审意见), audited."""
    require_manager(actor)
    nomination = locks.nomination_for_update(nomination_id)
    in_scope(actor, nomination, _("No such nomination."))
    reason = text(reason, field="reason", required=not approve)
    if nomination.award_round.status != RoundStatus.REVIEWING:
        raise AlreadyDecided(
            _("{round} is not under review: its nominations can no longer be decided.").format(
                round=nomination.award_round
            )
        )
    nomination.decision = Decision.APPROVED if approve else Decision.REJECTED
    nomination.decision_reason = reason
    nomination.decided_by = actor
    nomination.decided_at = timezone.now()
    nomination.save()
    audit.record(
        actor,
        "talent.nomination.decided",
        nomination,
        person_id=nomination.person_id,
        data={"decision": nomination.decision, "reason": reason},
    )
    return nomination


@transaction.atomic(durable=True)
def start_notice(round_id: int, *, actor: Actor) -> AwardRound:
    """Put the approved nominees on public notice from today for the round's days (公示)."""
    require_manager(actor)
    award_round = locks.round_for_update(round_id)
    in_scope(actor, award_round, _("No such award round."))
    nominations = award_round.nominations.all()
    if nominations.filter(decision=Decision.PENDING).exists():
        raise ValidationFailed(
            _("Decide every nomination before the public notice starts."), field="status"
        )
    if not nominations.filter(decision=Decision.APPROVED).exists():
        raise ValidationFailed(
            _("No nomination is approved: there is nobody to put on notice."), field="status"
        )
    today = timezone.localdate()
    award_round.notice_starts_on = today
    award_round.notice_ends_on = today + datetime.timedelta(days=award_round.notice_days)
    _move(
        award_round,
        RoundStatus.NOTICE,
        actor,
        notice_starts_on=award_round.notice_starts_on,
        notice_ends_on=award_round.notice_ends_on,
    )
    return award_round


@transaction.atomic(durable=True)
def raise_objection(
    round_id: int, nomination_id: int, *, objector_name: str, contact: str, objection: str
) -> Objection:
    """Take an objection to a nominee on public notice from anyone (公示异议), audited.

    It answers the same whatever the nominee: a nomination not on this round's notice is
    refused like a closed notice, so the form reads nothing about anyone.
    """
    award_round = locks.round_for_update(round_id)
    nomination = (
        Nomination.objects.filter(
            pk=nomination_id, award_round=award_round, decision=Decision.APPROVED
        ).first()
        if award_round.is_on_notice(timezone.localdate())
        else None
    )
    if nomination is None:
        raise NoticeClosed(_("This public notice takes no objections now."))
    created = Objection.objects.create(
        nomination=nomination,
        objector_name=text(objector_name, field="objector_name", required=True, max_length=50),
        contact=text(contact, field="contact", required=True, max_length=100),
        text=text(objection, field="text", required=True),
    )
    # The objector's name and contact stay in the row, out of the audit trail's data.
    audit.record(
        None,
        "talent.objection.raised",
        created,
        person_id=nomination.person_id,
        data={"round": award_round.pk, "nomination": nomination.pk},
    )
    return created


@transaction.atomic(durable=True)
def resolve_objection(objection_id: int, *, upheld: bool, reason: str, actor: Actor) -> Objection:
    """Resolve an objection with the reason (异议处理); upheld withdraws the nominee, audited.

    A dismissed objection to a nominee of a round already published publishes the nominee,
    once no other objection to them is open.
    """
    require_manager(actor)
    # Lock in the app's order (round, nomination, objection), found by a plain read first.
    found = Objection.objects.filter(pk=objection_id).select_related("nomination").first()
    if found is None:
        raise NotFound(_("No such objection."))
    award_round = locks.round_for_update(found.nomination.award_round_id)
    nomination = locks.nomination_for_update(found.nomination_id)
    objection = locks.objection_for_update(objection_id)
    in_scope(actor, objection, _("No such objection."))
    reason = text(reason, field="reason", required=True)
    if objection.status != ObjectionStatus.OPEN:
        raise AlreadyDecided(_("This objection has already been resolved."))
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution_reason = reason
    objection.resolved_by = actor
    objection.resolved_at = timezone.now()
    objection.save()
    audit.record(
        actor,
        "talent.objection.resolved",
        objection,
        person_id=nomination.person_id,
        data={"status": objection.status, "reason": reason, "nomination": nomination.pk},
    )
    if upheld and nomination.decision == Decision.APPROVED:
        nomination.decision = Decision.REJECTED
        nomination.decision_reason = _("Objection upheld: {reason}").format(reason=reason)
        nomination.published_on = None
        nomination.save()
        audit.record(
            actor,
            "talent.nomination.withdrawn",
            nomination,
            person_id=nomination.person_id,
            data={"objection": objection.pk},
        )
    elif award_round.status == RoundStatus.PUBLISHED:
        _publish_if_clear(nomination, actor)
    return objection


def _publish_if_clear(nomination: Nomination, actor: Actor) -> bool:
    if nomination.decision != Decision.APPROVED or nomination.published_on is not None:
        return False
    if nomination.objections.filter(status=ObjectionStatus.OPEN).exists():
        return False
    nomination.published_on = timezone.localdate()
    nomination.save(update_fields=["published_on"])
    audit.record(
        actor,
        "talent.nomination.published",
        nomination,
        person_id=nomination.person_id,
        data={"round": nomination.award_round_id, "published_on": nomination.published_on},
    )
    return True


@transaction.atomic(durable=True)
def publish_round(round_id: int, *, actor: Actor) -> PublishOutcome:
    """Publish the winners once the notice is over (公布); open objections hold their nominee."""
    require_manager(actor)
    award_round = locks.round_for_update(round_id)
    in_scope(actor, award_round, _("No such award round."))
    today = timezone.localdate()
    if award_round.status == RoundStatus.NOTICE and (
        award_round.notice_ends_on is None or today < award_round.notice_ends_on
    ):
        raise NoticeNotOver(
            _("The public notice of {round} runs until {date}: publish after it ends.").format(
                round=award_round, date=award_round.notice_ends_on
            )
        )
    award_round.published_on = today
    _move(award_round, RoundStatus.PUBLISHED, actor, published_on=today)
    published = held = 0
    for nomination in award_round.nominations.filter(decision=Decision.APPROVED):
        if _publish_if_clear(nomination, actor):
            published += 1
        else:
            held += 1
    return PublishOutcome(award_round=award_round, published=published, held=held)


@transaction.atomic(durable=True)
def close_round(round_id: int, *, reason: str, actor: Actor) -> AwardRound:
    """Close a round without publishing it, with the reason (终止评选), audited."""
    require_manager(actor)
    award_round = locks.round_for_update(round_id)
    in_scope(actor, award_round, _("No such award round."))
    reason = text(reason, field="reason", required=True)
    _move(award_round, RoundStatus.CLOSED, actor, reason=reason)
    return award_round
