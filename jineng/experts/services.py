"""Every write of the judge pool (评委库): keep experts, their occupations, qualifications and
relations, and draw examiners for an assessment.

Each public service owns its transaction, checks the actor's capability, locks the row it
changes, and writes its audit event in the same transaction. The pool itself is built in
``pool.py``; the draw's arithmetic is the pure function in ``draw.py``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.models import User
from jineng.accounts.roles import Capability
from jineng.core import audit, scope
from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from jineng.core.scope import CHANGE
from jineng.experts import draw as drawing
from jineng.experts import locks, pool
from jineng.experts.choices import QualificationKind, RelationKind
from jineng.experts.errors import (
    AccountTaken,
    DrawAlreadyMade,
    ExpertAlreadyRegistered,
    OccupationAlreadyHeld,
    PurposeReserved,
    QualificationNumberTaken,
    RelationAlreadyDeclared,
)
from jineng.experts.models import (
    Draw,
    DrawPick,
    Expert,
    ExpertOccupation,
    ExpertQualification,
    ExpertRelation,
)
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization
from jineng.people import access as people_access
from jineng.people.models import Person

MAX_TEXT = 2000
MAX_DRAW = 50

# Purposes other apps draw for through their own services (``reserved=True``); a hand draw
# may not use them, and the judge pool's pages may not cancel such a draw: the session that
# adopted it would keep examiners from a cancelled draw. Assessment draws for its sessions
# as ``assessment-session:<id>``.
RESERVED_PURPOSE_PREFIXES: tuple[str, ...] = ("assessment-session:",)


def is_reserved_purpose(purpose: str) -> bool:
    """Tell whether a purpose is reserved for another app's draws (RESERVED_PURPOSE_PREFIXES)."""
    text = (purpose or "").strip().casefold()
    return any(text.startswith(prefix.casefold()) for prefix in RESERVED_PURPOSE_PREFIXES)


@dataclass(frozen=True)
class ExpertInput:
    """What the bureau records about an expert besides the person (评委信息)."""

    organization: Organization | None = None
    title: str = ""
    note: str = ""
    user: User | None = None


@dataclass(frozen=True)
class QualificationInput:
    """A qualification card (考评员证/督导员证/评委聘书) and its validity."""

    kind: str
    number: str
    valid_from: datetime.date
    valid_until: datetime.date
    issued_by: str = ""


@dataclass(frozen=True)
class DrawSpec:
    """What a draw is for and whom it must avoid (抽取条件).

    ``level`` is None for an item without levels (专项职业能力). ``on_date`` to ``end_date``
    (inclusive; ``end_date`` None means the one day ``on_date``) are the examination days:
    the examiner card must be valid on every one. ``excluded_organization_ids`` are the
    evaluating body and every candidate's training institution and employer. There is no
    seed: every draw's seed comes from the operating system's generator.
    """

    purpose: str
    occupation: Occupation
    level: SkillLevel | None
    on_date: datetime.date
    count: int
    excluded_organization_ids: frozenset[int] = frozenset()
    candidate_person_ids: frozenset[int] = frozenset()
    end_date: datetime.date | None = None

    @property
    def last_day(self) -> datetime.date:
        """Return the last examination day (``end_date``, or ``on_date`` for one day)."""
        return self.end_date or self.on_date


def _require(actor: Actor, capability: str, message: str) -> None:
    if not actor.can(capability):
        raise PermissionDenied(message)


def _require_keeper(actor: Actor) -> None:
    _require(actor, Capability.MANAGE_EXPERTS, _("Your role may not keep the judge pool."))


def _text(value: str, *, field: str, required: bool = False, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=max_length), field=field
        )
    return text


def _locked_expert(expert_id: int, actor: Actor) -> Expert:
    """Lock an expert the actor may change; NotFound when missing or out of scope."""
    expert = locks.expert_for_update(expert_id)
    scope.require(actor, expert, action=CHANGE, missing=_("No such expert."))
    return expert


def _organization_with_account(
    user: User | None, organization: Organization | None
) -> Organization | None:
    """Return the expert's organisation given their account, or refuse a mismatch.

    An account that belongs to an organisation says where the expert works: the expert's
    organisation must be the same one, or none (then it becomes the account's). Otherwise
    the conflict check would miss the organisation the expert signs in for.
    """
    if user is None or user.organization_id is None:
        return organization
    if organization is None:
        return user.organization
    if organization.pk != user.organization_id:
        raise ValidationFailed(
            _(
                "The account {username} belongs to another organisation ({organization}): "
                "an expert's account must belong to the organisation they work for."
            ).format(username=user.username, organization=user.organization),
            field="user",
        )
    return organization


def _check_account(user: User | None, expert: Expert | None) -> None:
    if user is None:
        return
    taken = Expert.objects.filter(user=user)
    if expert is not None:
        taken = taken.exclude(pk=expert.pk)
    if taken.exists():
        raise AccountTaken(
            _("The account {username} already belongs to another expert.").format(
                username=user.username
            ),
            field="user",
        )


def _details(expert: Expert) -> dict[str, object]:
    return {
        "organization": expert.organization_id,
        "title": expert.title,
        "user": expert.user_id,
        "active": expert.active,
    }


@transaction.atomic(durable=True)
def create_expert(person: Person, data: ExpertInput, *, actor: Actor) -> Expert:
    """Put a person in the judge pool (入库), audited."""
    _require_keeper(actor)
    if not people_access.is_visible_to(actor, person):
        raise NotFound(_("No such person."))
    if Expert.objects.filter(person=person).exists():
        raise ExpertAlreadyRegistered(
            _("{name} is already in the judge pool.").format(name=person.name), field="person"
        )
    _check_account(data.user, None)
    expert = Expert(
        person=person,
        organization=_organization_with_account(data.user, data.organization),
        title=_text(data.title, field="title", max_length=100),
        note=_text(data.note, field="note"),
        user=data.user,
    )
    try:
        with transaction.atomic():
            expert.save(force_insert=True)
    except IntegrityError:
        raise ExpertAlreadyRegistered(
            _("{name} is already in the judge pool.").format(name=person.name), field="person"
        ) from None
    audit.record(
        actor, "experts.expert.created", expert, person_id=person.pk, data=_details(expert)
    )
    return expert


@transaction.atomic(durable=True)
def update_expert(expert_id: int, data: ExpertInput, *, actor: Actor) -> Expert:
    """Change an expert's organisation, title, note or account, audited with before and after."""
    _require_keeper(actor)
    expert = _locked_expert(expert_id, actor)
    before = _details(expert)
    _check_account(data.user, expert)
    expert.organization = _organization_with_account(data.user, data.organization)
    expert.title = _text(data.title, field="title", max_length=100)
    expert.note = _text(data.note, field="note")
    expert.user = data.user
    try:
        with transaction.atomic():
            expert.save(update_fields=["organization", "title", "note", "user", "updated_at"])
    except IntegrityError:
        raise AccountTaken(
            _("The account already belongs to another expert."), field="user"
        ) from None
    audit.record(
        actor,
        "experts.expert.updated",
        expert,
        person_id=expert.person_id,
        data={"before": before, "after": _details(expert)},
    )
    return expert


@transaction.atomic(durable=True)
def deactivate_expert(expert_id: int, *, reason: str, actor: Actor) -> Expert:
    """Take an expert out of the pool (出库): never drawn again; past draws keep them."""
    _require_keeper(actor)
    reason = _text(reason, field="reason", required=True)
    expert = _locked_expert(expert_id, actor)
    if not expert.active:
        raise InvalidTransition(_("This expert is already out of the pool."), field="active")
    expert.active = False
    expert.save(update_fields=["active", "updated_at"])
    audit.record(
        actor,
        "experts.expert.deactivated",
        expert,
        person_id=expert.person_id,
        data={"reason": reason},
    )
    return expert


@transaction.atomic(durable=True)
def reactivate_expert(expert_id: int, *, actor: Actor) -> Expert:
    """Bring an expert back into the pool, audited."""
    _require_keeper(actor)
    expert = _locked_expert(expert_id, actor)
    if expert.active:
        raise InvalidTransition(_("This expert is already in the pool."), field="active")
    expert.active = True
    expert.save(update_fields=["active", "updated_at"])
    audit.record(actor, "experts.expert.reactivated", expert, person_id=expert.person_id)
    return expert


@transaction.atomic(durable=True)
def add_occupation(
    expert_id: int, occupation: Occupation, max_level: SkillLevel, *, actor: Actor
) -> ExpertOccupation:
    """Let an expert examine an occupation up to a level (增加考评职业), audited."""
    _require_keeper(actor)
    expert = _locked_expert(expert_id, actor)
    if expert.occupations.filter(occupation=occupation, ended_on__isnull=True).exists():
        raise OccupationAlreadyHeld(
            _("The expert already examines {code} {name}.").format(
                code=occupation.code, name=occupation.name
            ),
            field="occupation",
        )
    entry = ExpertOccupation.objects.create(
        expert=expert, occupation=occupation, max_level=max_level
    )
    audit.record(
        actor,
        "experts.occupation.added",
        entry,
        person_id=expert.person_id,
        data={"expert": expert.pk, "occupation": occupation.code, "max_level": max_level.code},
    )
    return entry


@transaction.atomic(durable=True)
def end_occupation(
    expert_id: int, entry_id: int, *, actor: Actor, ended_on: datetime.date | None = None
) -> ExpertOccupation:
    """Stop an expert examining an occupation from a day (today by default), audited."""
    _require_keeper(actor)
    expert = _locked_expert(expert_id, actor)
    entry = expert.occupations.select_related("occupation").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("No such occupation of this expert."))
    if entry.ended_on is not None:
        raise InvalidTransition(_("This occupation has already ended."), field="ended_on")
    day = ended_on or timezone.localdate()
    if day < entry.started_on:
        raise ValidationFailed(
            _("The end cannot be before the start ({day}).").format(day=entry.started_on),
            field="ended_on",
        )
    entry.ended_on = day
    entry.save(update_fields=["ended_on"])
    audit.record(
        actor,
        "experts.occupation.ended",
        entry,
        person_id=expert.person_id,
        data={"expert": expert.pk, "occupation": entry.occupation.code, "ended_on": str(day)},
    )
    return entry


@transaction.atomic(durable=True)
def add_qualification(
    expert_id: int, data: QualificationInput, *, actor: Actor
) -> ExpertQualification:
    """Record a qualification card of an expert with its validity (登记资格证), audited."""
    _require_keeper(actor)
    if data.kind not in QualificationKind.values:
        raise ValidationFailed(_("Choose a kind of qualification."), field="kind")
    if data.valid_until < data.valid_from:
        raise ValidationFailed(
            _("A qualification cannot end before it starts."), field="valid_until"
        )
    number = _text(data.number, field="number", required=True, max_length=60)
    expert = _locked_expert(expert_id, actor)
    taken = _("A qualification of this kind already has number {number}.").format(number=number)
    if ExpertQualification.objects.filter(kind=data.kind, number=number).exists():
        raise QualificationNumberTaken(taken, field="number")
    qualification = ExpertQualification(
        expert=expert,
        kind=data.kind,
        number=number,
        issued_by=_text(data.issued_by, field="issued_by", max_length=200),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
    )
    try:
        with transaction.atomic():
            qualification.save(force_insert=True)
    except IntegrityError:
        raise QualificationNumberTaken(taken, field="number") from None
    audit.record(
        actor,
        "experts.qualification.added",
        qualification,
        person_id=expert.person_id,
        data={
            "expert": expert.pk,
            "kind": data.kind,
            "number": number,
            "valid_from": str(data.valid_from),
            "valid_until": str(data.valid_until),
        },
    )
    return qualification


@transaction.atomic(durable=True)
def declare_relation(
    expert_id: int, person: Person, kind: str, *, actor: Actor, note: str = ""
) -> ExpertRelation:
    """Record a relation an expert declares to a person (申报利害关系): the keeper or the expert."""
    expert = locks.expert_for_update(expert_id)
    is_own = expert.user_id is not None and expert.user_id == actor.pk
    if not is_own:
        _require_keeper(actor)
        scope.require(actor, expert, action=CHANGE, missing=_("No such expert."))
        if not people_access.is_visible_to(actor, person):
            raise NotFound(_("No such person."))
    if kind not in RelationKind.values:
        raise ValidationFailed(_("Choose how the expert is related."), field="kind")
    if person.pk == expert.person_id:
        raise ValidationFailed(
            _("An expert cannot declare a relation to themselves."), field="person"
        )
    if expert.relations.filter(person=person).exists():
        raise RelationAlreadyDeclared(
            _("A relation to this person is already declared."), field="person"
        )
    relation = ExpertRelation.objects.create(
        expert=expert, person=person, kind=kind, note=_text(note, field="note", max_length=200)
    )
    audit.record(
        actor,
        "experts.relation.declared",
        relation,
        person_id=expert.person_id,
        data={"expert": expert.pk, "related_person": person.pk, "kind": kind},
    )
    return relation


def _reserved_refusal(purpose: str) -> PurposeReserved:
    return PurposeReserved(
        _(
            "The purpose {purpose} is reserved: examiners for an assessment session are "
            "drawn from the session's page. Name the purpose otherwise."
        ).format(purpose=purpose),
        field="purpose",
    )


def _check_spec(actor: Actor, spec: DrawSpec, *, reserved: bool) -> str:
    """Check who may draw and what; return the purpose as stored."""
    if not (actor.can(Capability.MANAGE_EXPERTS) or actor.can(Capability.RUN_ASSESSMENTS)):
        raise PermissionDenied(_("Your role may not draw examiners."))
    if not 1 <= spec.count <= MAX_DRAW:
        raise ValidationFailed(
            _("Draw between 1 and {n} examiners.").format(n=MAX_DRAW), field="count"
        )
    if spec.last_day < spec.on_date:
        raise ValidationFailed(
            _("The last examination day cannot be before the first."), field="end_date"
        )
    purpose = _text(spec.purpose, field="purpose", required=True, max_length=100)
    if is_reserved_purpose(purpose) != reserved:
        if reserved:
            raise ValidationFailed(
                _("Only a reserved purpose is drawn as reserved."), field="purpose"
            )
        raise _reserved_refusal(purpose)
    return purpose


def _already_drawn(purpose: str) -> DrawAlreadyMade:
    return DrawAlreadyMade(
        _("Examiners have already been drawn for {purpose}.").format(purpose=purpose),
        field="purpose",
    )


@transaction.atomic(durable=True)
def draw_examiners(actor: Actor, spec: DrawSpec, *, reserved: bool = False) -> Draw:
    """Draw examiners at random from the qualified, conflict-free pool (抽取考评员), audited.

    A purpose in RESERVED_PURPOSE_PREFIXES is drawn only by the app that reserved it, with
    ``reserved=True`` (the assessment app for its sessions); the pages draw without it and
    are refused such a purpose (PurposeReserved). The seed is always fresh from the
    operating system's generator. Raises TooFewExperts, and writes nothing, when too few
    remain.
    """
    purpose = _check_spec(actor, spec, reserved=reserved)
    if Draw.objects.standing().filter(purpose=purpose).exists():
        raise _already_drawn(purpose)
    experts = pool.pool_experts(spec.occupation, spec.on_date)
    # Parallel draws over the same experts queue here, so each counts the other's picks.
    locks.pool_for_update(e.pk for e in experts)
    entries = pool.build_pool(
        experts,
        occupation=spec.occupation,
        level=spec.level,
        on_date=spec.on_date,
        end_date=spec.last_day,
        excluded_organization_ids=spec.excluded_organization_ids,
        candidate_person_ids=spec.candidate_person_ids,
    )
    seed = drawing.new_seed()
    picked = drawing.pick(seed, entries, spec.count)
    made = Draw(
        purpose=purpose,
        occupation=spec.occupation,
        level=spec.level,
        on_date=spec.on_date,
        end_date=spec.last_day,
        count=spec.count,
        seed=seed,
        algorithm=drawing.ALGORITHM,
        pool=drawing.snapshot(entries),
        excluded_organization_ids=sorted(spec.excluded_organization_ids),
        candidate_person_ids=sorted(spec.candidate_person_ids),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            made.save(force_insert=True)
    except IntegrityError:
        raise _already_drawn(purpose) from None
    DrawPick.objects.bulk_create(
        DrawPick(draw=made, expert_id=expert_id, order=order)
        for order, expert_id in enumerate(picked, start=1)
    )
    audit.record(
        actor,
        "experts.draw.made",
        made,
        data={
            "purpose": purpose,
            "occupation": spec.occupation.code,
            "level": spec.level.code if spec.level else "",
            "on_date": str(spec.on_date),
            "end_date": str(spec.last_day),
            "seed": seed,
            "algorithm": drawing.ALGORITHM,
            "picks": picked,
            "pool": len(entries),
            "eligible": sum(1 for e in entries if e.eligible),
        },
    )
    return made


@transaction.atomic(durable=True)
def cancel_draw(draw_id: int, *, reason: str, actor: Actor, reserved: bool = False) -> Draw:
    """Cancel a draw so the purpose may be drawn again (作废抽取), with the reason, audited.

    A draw of a reserved purpose is cancelled only by the app that reserved it
    (``reserved=True``); the judge pool's pages are refused (PurposeReserved). The cancelled
    draw stays listed and its picks still count as workload: its experts were named.
    """
    _require_keeper(actor)
    reason = _text(reason, field="reason", required=True)
    made = locks.draw_for_update(draw_id)
    scope.require(actor, made, action=CHANGE, missing=_("No such draw."))
    if made.cancelled_at is not None:
        raise InvalidTransition(_("This draw has already been cancelled."), field="status")
    if is_reserved_purpose(made.purpose) and not reserved:
        raise PurposeReserved(
            _(
                "This draw is for {purpose}: it is cancelled or drawn again from the "
                "session's page, not here."
            ).format(purpose=made.purpose),
            field="status",
        )
    made.cancelled_at = timezone.now()
    made.cancelled_by = actor
    made.cancel_reason = reason
    made.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    audit.record(actor, "experts.draw.cancelled", made, data={"reason": reason})
    return made
