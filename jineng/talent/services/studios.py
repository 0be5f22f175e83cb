"""Master studios (技能大师工作室, 首席技师工作室) and their apprentices (带徒传技)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import NotFound, ValidationFailed
from jineng.occupations.models import Occupation
from jineng.organizations.models import Organization
from jineng.people.models import Person
from jineng.talent import access
from jineng.talent.choices import StudioKind
from jineng.talent.errors import AlreadyApprentice
from jineng.talent.models import MasterStudio, StudioApprenticeship
from jineng.talent.services.common import in_scope, person_in_scope, require_manager, text


@dataclass(frozen=True)
class StudioInput:
    """A studio as the bureau recognises it."""

    kind: str
    name: str
    host: Organization
    master: Person
    occupation: Occupation
    recognised_on: datetime.date


@transaction.atomic(durable=True)
def create_studio(data: StudioInput, *, actor: Actor) -> MasterStudio:
    """Recognise a master studio with its host, master and occupation (认定工作室), audited."""
    require_manager(actor)
    if data.kind not in StudioKind.values:
        raise ValidationFailed(
            _("{value} is not one of: {allowed}.").format(
                value=data.kind, allowed=", ".join(StudioKind.values)
            ),
            field="kind",
        )
    master = person_in_scope(actor, data.master, field="master")
    studio = MasterStudio.objects.create(
        kind=data.kind,
        name=text(data.name, field="name", required=True, max_length=200),
        host=data.host,
        master=master,
        occupation=data.occupation,
        recognised_on=data.recognised_on,
    )
    audit.record(
        actor,
        "talent.masterstudio.created",
        studio,
        person_id=master.pk,
        data={
            "kind": data.kind,
            "host": data.host.pk,
            "occupation": data.occupation.code,
            "recognised_on": data.recognised_on,
        },
    )
    return studio


@transaction.atomic(durable=True)
def add_apprentice(
    studio_id: int, apprentice: Person, *, started_on: datetime.date, actor: Actor
) -> StudioApprenticeship:
    """Take an apprentice into a studio from a date (收徒), audited."""
    require_manager(actor)
    studio = access.get_studio_for_user(actor, studio_id)
    in_scope(actor, studio, _("No such master studio."))
    apprentice = person_in_scope(actor, apprentice, field="apprentice")
    if apprentice.pk == studio.master_id:
        raise ValidationFailed(_("The master cannot be their own apprentice."), field="apprentice")
    if studio.apprenticeships.filter(apprentice=apprentice, ended_on__isnull=True).exists():
        raise _already(apprentice)
    try:
        with transaction.atomic():
            apprenticeship = StudioApprenticeship.objects.create(
                studio=studio, apprentice=apprentice, started_on=started_on
            )
    except IntegrityError:
        raise _already(apprentice) from None
    audit.record(
        actor,
        "talent.apprenticeship.started",
        apprenticeship,
        person_id=apprentice.pk,
        data={"studio": studio.pk, "master": studio.master_id, "started_on": started_on},
    )
    return apprenticeship


def _already(person: Person) -> AlreadyApprentice:
    return AlreadyApprentice(
        _("{name} is already an apprentice of this studio.").format(name=person.name),
        field="apprentice",
    )


@transaction.atomic(durable=True)
def end_apprenticeship(
    studio_id: int, apprenticeship_id: int, *, ended_on: datetime.date, actor: Actor
) -> StudioApprenticeship:
    """End an apprenticeship on a date (出师), audited."""
    require_manager(actor)
    studio = access.get_studio_for_user(actor, studio_id)
    in_scope(actor, studio, _("No such master studio."))
    apprenticeship = studio.apprenticeships.filter(pk=apprenticeship_id).first()
    if apprenticeship is None:
        raise NotFound(_("No such apprenticeship."))
    if apprenticeship.ended_on is not None:
        raise ValidationFailed(_("This apprenticeship has already ended."), field="ended_on")
    if ended_on < apprenticeship.started_on:
        raise ValidationFailed(
            _("An apprenticeship cannot end before it starts ({date}).").format(
                date=apprenticeship.started_on
            ),
            field="ended_on",
        )
    apprenticeship.ended_on = ended_on
    apprenticeship.save(update_fields=["ended_on"])
    audit.record(
        actor,
        "talent.apprenticeship.ended",
        apprenticeship,
        person_id=apprenticeship.apprentice_id,
        data={"studio": studio.pk, "ended_on": ended_on},
    )
    return apprenticeship
