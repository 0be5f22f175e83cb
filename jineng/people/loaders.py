"""Load the target groups (重点群体) from their data file."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import ValidationFailed
from jineng.people.models import TargetGroup

DATA_FILE = Path(__file__).parent / "data" / "target_groups.csv"


# How the data file spells the ``is_sensitive`` column.
_FLAGS = {"yes": True, "no": False}


def _is_sensitive(row: dict[str, str], line: int) -> bool:
    """Read a row's sensitivity flag; a missing or misspelt flag stops the load."""
    value = (row.get("is_sensitive") or "").strip().lower()
    if value not in _FLAGS:
        raise ValidationFailed(
            _('Line {line}: is_sensitive must be yes or no, not "{value}".').format(
                line=line, value=value
            ),
            field="is_sensitive",
        )
    return _FLAGS[value]


@transaction.atomic(durable=True)
def load_target_groups(path: Path = DATA_FILE, *, actor: Actor | None = None) -> int:
    """Create or update target groups from the data file; return how many were created."""
    created = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            defaults = {
                "name": row["name"],
                "name_en": row["name_en"],
                "is_sensitive": _is_sensitive(row, line),
            }
            _, was_created = TargetGroup.objects.update_or_create(
                code=row["code"], defaults=defaults
            )
            created += was_created
    if created:
        audit.record(
            actor,
            "people.targetgroup.loaded",
            object_type="people.targetgroup",
            object_id="all",
            data={"created": created},
        )
    return created
