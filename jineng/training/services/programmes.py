"""Write programmes (培训项目): what an institution offers, editable until a class goes ahead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.catalogs.choices import TrainingType
from jineng.core import audit
from jineng.core.errors import ValidationFailed
from jineng.core.money import MAX_FEN, format_yuan
from jineng.core.scope import CHANGE
from jineng.occupations.models import Occupation, SkillLevel
from jineng.training import access, locks
from jineng.training.models import Programme
from jineng.training.services.classes import EDITABLE_STATUSES
from jineng.training.services.common import (
    organization_of,
    require,
)


@dataclass(frozen=True)
class ProgrammeInput:
    """What an institution offers: occupation, level, type, hours, fee, catalog entry."""

    name: str
    occupation_code: str
    training_type: str
    theory_hours: int
    practice_hours: int
    skill_level_code: str = ""
    fee_fen: int = 0
    catalog_entry_key: str = ""


def _programme_fields(data: ProgrammeInput) -> dict[str, Any]:
    name = (data.name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("Give the programme a name of 1 to 200 characters."), field="name")
    occupation = Occupation.objects.filter(code=(data.occupation_code or "").strip()).first()
    if occupation is None:
        raise ValidationFailed(
            _("Occupation code {code} is not in the classification.").format(
                code=data.occupation_code
            ),
            field="occupation_code",
        )
    level = None
    if data.skill_level_code:
        level = SkillLevel.objects.filter(code=data.skill_level_code).first()
        if level is None:
            raise ValidationFailed(
                _("Skill level {code} is not known.").format(code=data.skill_level_code),
                field="skill_level_code",
            )
    if data.training_type not in TrainingType.values:
        raise ValidationFailed(_("Choose a training type."), field="training_type")
    if data.theory_hours < 0 or data.practice_hours < 0 or data.fee_fen < 0:
        raise ValidationFailed(_("Hours and fee cannot be negative."), field="theory_hours")
    if data.theory_hours + data.practice_hours == 0:
        raise ValidationFailed(_("A programme has at least one hour."), field="theory_hours")
    if data.fee_fen > MAX_FEN:
        # fee_fen is a 32-bit column: a larger fee would fail in the database (a 500).
        raise ValidationFailed(
            _("The fee is at most {maximum} yuan.").format(maximum=format_yuan(MAX_FEN)),
            field="fee_fen",
        )
    return {
        "name": name,
        "occupation": occupation,
        "skill_level": level,
        "training_type": data.training_type,
        "theory_hours": data.theory_hours,
        "practice_hours": data.practice_hours,
        "fee_fen": data.fee_fen,
        "catalog_entry_key": (data.catalog_entry_key or "").strip(),
    }


@transaction.atomic(durable=True)
def create_programme(data: ProgrammeInput, *, actor: Actor) -> Programme:
    """Create a programme of the actor's institution (培训项目)."""
    require(actor, Capability.MANAGE_CLASSES)
    programme = Programme.objects.create(
        organization_id=organization_of(actor), **_programme_fields(data)
    )
    audit.record(actor, "training.programme.created", programme, data={"name": programme.name})
    return programme


@transaction.atomic(durable=True)
def update_programme(programme_id: int, data: ProgrammeInput, *, actor: Actor) -> Programme:
    """Edit a programme while none of its classes has gone beyond preparation."""
    require(actor, Capability.MANAGE_CLASSES)
    access.get_programme_for_user(actor, programme_id, action=CHANGE)
    # Locked before the check, so a class's submission or approval (which takes it too)
    # cannot read the programme as it was while this edit commits (ADR 0006).
    programme = locks.programme_for_update(programme_id)
    if programme.classes.exclude(status__in=EDITABLE_STATUSES).exists():
        raise ValidationFailed(
            _(
                "Programme {name} has submitted or approved classes and can no longer change."
            ).format(name=programme.name)
        )
    for key, value in _programme_fields(data).items():
        setattr(programme, key, value)
    programme.save()
    audit.record(actor, "training.programme.updated", programme, data={"name": programme.name})
    return programme
