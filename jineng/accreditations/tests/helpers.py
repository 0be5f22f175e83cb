"""Build accreditation test data through the services, as a real workflow would."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from jineng.accreditations import services
from jineng.accreditations.choices import AccreditationKind
from jineng.accreditations.models import Accreditation, AccreditationApplication
from jineng.occupations.models import Occupation, SkillLevel

_numbers = itertools.count(1)


def apply(
    staff: Any,
    occupation: Occupation,
    level: SkillLevel,
    *,
    kind: str = AccreditationKind.TRAINING,
    evaluation_kind: str = "",
    statement: str = "",
) -> AccreditationApplication:
    """File an application as an organisation's staff member."""
    return services.apply_for_accreditation(
        services.ApplicationInput(
            kind=kind,
            occupation_code=occupation.code,
            max_level_code=level.code,
            evaluation_kind=evaluation_kind,
            statement=statement,
        ),
        actor=staff,
    )


def approval(
    valid_from: datetime.date,
    valid_until: datetime.date,
    *,
    licence_number: str = "",
    max_level_code: str = "",
) -> services.ApprovalInput:
    """An approval with a fresh licence number unless one is given."""
    return services.ApprovalInput(
        licence_number=licence_number or f"JN-T-{next(_numbers):05d}",
        valid_from=valid_from,
        valid_until=valid_until,
        max_level_code=max_level_code,
    )


def grant(
    staff: Any,
    admin: Any,
    occupation: Occupation,
    level: SkillLevel,
    valid_from: datetime.date,
    valid_until: datetime.date,
    **apply_kwargs: Any,
) -> Accreditation:
    """Apply and approve in one step."""
    application = apply(staff, occupation, level, **apply_kwargs)
    return services.approve_application(
        application.pk, approval(valid_from, valid_until), actor=admin
    )
