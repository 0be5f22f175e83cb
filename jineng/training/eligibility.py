"""Who may enrol in a class: the catalog entry's conditions, checked and explained in words."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from jineng.catalogs.choices import CatalogKind, EntryStatus
from jineng.catalogs.models import CatalogEntry
from jineng.catalogs.queries import current_version
from jineng.people.models import Person, TargetGroupMembership
from jineng.training.models import TrainingClass


def entry_for(training_class: TrainingClass) -> CatalogEntry | None:
    """Return the catalog entry a subsidised class trains for (stored at approval, else current)."""
    if training_class.catalog_entry_id:
        return training_class.catalog_entry
    key = training_class.programme.catalog_entry_key
    if not key:
        return None
    version = current_version(CatalogKind.SUBSIDISED_TRAINING, on=training_class.starts_on)
    if version is None:
        return None
    return version.entries.filter(key=key, status=EntryStatus.ACTIVE).first()


def unmet_conditions(person: Person, training_class: TrainingClass) -> list[str]:
    """List, in words, every condition of the class the person does not meet (empty = eligible).

    Conditions come from the catalog entry of a subsidised class: target group membership
    current at the class start, age at the class start, and residence in the city.
    Unsubsidised classes are open to anyone.
    """
    entry = entry_for(training_class)
    if entry is None:
        return []
    day = training_class.starts_on
    problems: list[str] = []
    groups = list(entry.target_groups.order_by("code"))
    if groups:
        held = set(
            TargetGroupMembership.objects.current(on=day)
            .filter(person=person, group__in=groups)
            .values_list("group_id", flat=True)
        )
        if not held:
            problems.append(
                _("On {day} you are not recognised in any of these groups: {groups}.").format(
                    day=day.isoformat(), groups="、".join(g.name for g in groups)
                )
            )
    # The exact age is not said: staff read these reasons beside a masked ID (ADR 0003).
    age = person.age_on(day)
    if entry.age_min is not None and age < entry.age_min:
        problems.append(
            _("The class is for people aged {min} or more when it starts.").format(
                min=entry.age_min
            )
        )
    if entry.age_max is not None and age > entry.age_max:
        problems.append(
            _("The class is for people aged {max} or less when it starts.").format(
                max=entry.age_max
            )
        )
    city = settings.JINENG_CITY_REGION_CODE
    if not person.region.code.startswith(city):
        problems.append(
            _(
                "Subsidised training is for residents of region {city}; you live in {region}."
            ).format(city=city, region=person.region.name)
        )
    return problems
