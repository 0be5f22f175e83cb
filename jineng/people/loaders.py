"""Load the target groups (重点群体) from their data file."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.db import transaction

from jineng.core import audit
from jineng.people.models import TargetGroup

DATA_FILE = Path(__file__).parent / "data" / "target_groups.csv"


@transaction.atomic(durable=True)
def load_target_groups(path: Path = DATA_FILE, *, actor: Any = None) -> int:
    """Create or update target groups from the data file; return how many were created."""
    created = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            _, was_created = TargetGroup.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "name_en": row["name_en"]}
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
