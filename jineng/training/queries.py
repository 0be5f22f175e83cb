"""Reads about training for pages, the API, completion and the lifelong record."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jineng.people.models import Person
from jineng.people.queries import RecordEntry, RecordScope
from jineng.regions.models import Region
from jineng.training import providers
from jineng.training.access import PUBLIC_STATUSES
from jineng.training.choices import SEATED_ENROLMENT_STATUSES, ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass


def attended_minutes(enrolment_ids: list[int]) -> dict[int, int]:
    """Minutes each enrolment attended, from the check-ins (provided by jineng.attendance)."""
    found = providers.attended_minutes(enrolment_ids)
    return {pk: int(found.get(pk, 0)) for pk in enrolment_ids}


def online_minutes(person_id: int, class_code: str) -> int:
    """Minutes of online learning that count in a class, over xAPI (provided by jineng.learning)."""
    return int(providers.online_minutes(person_id, class_code) or 0)


def with_counts(classes: QuerySet[TrainingClass]) -> QuerySet[TrainingClass]:
    """Add seat, completion and waitlist counts and the relations a list shows, in one query.

    ``enrolled_count`` counts everyone who kept a seat, so a finished class still shows the
    trainees it had; ``completed_count`` is how many of them completed (结业合格).
    """
    return classes.select_related(
        "programme__organization", "programme__occupation", "programme__skill_level", "region"
    ).annotate(
        enrolled_count=Count(
            "enrolments", filter=Q(enrolments__status__in=SEATED_ENROLMENT_STATUSES)
        ),
        completed_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.COMPLETED)),
        waitlisted_count=Count(
            "enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)
        ),
    )


# Filters search_classes() understands (the 找培训 page and the API).
SEARCH_KEYS = ("occupation", "town", "starts_after", "starts_before", "subsidised")


def city_towns() -> QuerySet[Region]:
    """The townships and subdistricts (乡镇/街道) of the configured city, for the town filter."""
    return Region.objects.towns().filter(code__startswith=settings.JINENG_CITY_REGION_CODE)


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def search_classes(
    params: Mapping[str, Any], *, base: QuerySet[TrainingClass] | None = None
) -> QuerySet[TrainingClass]:
    """Find classes by occupation, town, dates and subsidy (published ones unless given)."""
    classes = base if base is not None else TrainingClass.objects.filter(status__in=PUBLIC_STATUSES)
    occupation = str(params.get("occupation") or "").strip()
    if occupation:
        classes = classes.filter(
            Q(programme__occupation__code__startswith=occupation)
            | Q(programme__occupation__name__contains=occupation)
            | Q(programme__name__contains=occupation)
        )
    town = str(params.get("town") or "").strip()
    if town:
        classes = classes.filter(Q(region__code=town) | Q(region__name__contains=town))
    after = _date(str(params.get("starts_after") or ""))
    if after:
        classes = classes.filter(starts_on__gte=after)
    before = _date(str(params.get("starts_before") or ""))
    if before:
        classes = classes.filter(starts_on__lte=before)
    subsidised = str(params.get("subsidised") or "")
    if subsidised in ("1", "true", "yes"):
        classes = classes.exclude(programme__catalog_entry_key="")
    elif subsidised in ("0", "false", "no"):
        classes = classes.filter(programme__catalog_entry_key="")
    return with_counts(classes).order_by("starts_on", "code")


def running_by_town(
    classes: QuerySet[TrainingClass],
) -> list[tuple[str, list[TrainingClass]]]:
    """Running classes of those given (the viewer's scope) grouped by township."""
    classes = with_counts(classes.filter(status=ClassStatus.RUNNING)).order_by(
        "region__code", "starts_on", "code"
    )
    groups: dict[str, list[TrainingClass]] = {}
    for c in classes:
        groups.setdefault(c.region.name if c.region else _("No township"), []).append(c)
    return list(groups.items())


def roster(training_class: TrainingClass) -> QuerySet[Enrolment]:
    """The class's enrolments, seated first, then the waitlist in order."""
    return training_class.enrolments.select_related("person").order_by(
        "status", "waitlist_position", "pk"
    )


def my_enrolments(person: Person) -> QuerySet[Enrolment]:
    """A worker's enrolments with their classes and sessions (我的课程)."""
    return (
        Enrolment.objects.filter(person=person)
        .select_related("training_class__programme__organization", "training_class__region")
        .prefetch_related("training_class__sessions__venue")
        .order_by("-training_class__starts_on", "-pk")
    )


@dataclass(frozen=True)
class CompletionData:
    """What a 培训合格证书 shows about one completer."""

    enrolment_id: int
    person_id: int
    name: str
    class_code: str
    programme: str
    institution: str
    occupation: str
    occupation_code: str
    level: str
    hours: float
    starts_on: datetime.date
    ends_on: datetime.date


def completers(training_class: TrainingClass) -> list[CompletionData]:
    """The data for each completer's training certificate (培训合格证书)."""
    programme = training_class.programme
    rows = training_class.enrolments.filter(status=EnrolmentStatus.COMPLETED).select_related(
        "person"
    )
    return [
        CompletionData(
            enrolment_id=e.pk,
            person_id=e.person_id,
            name=e.person.name,
            class_code=training_class.code,
            programme=programme.name,
            institution=programme.organization.name,
            occupation=programme.occupation.name,
            occupation_code=programme.occupation.code,
            level=programme.skill_level.name if programme.skill_level else "",
            hours=round(((e.attended_minutes or 0) + (e.online_minutes or 0)) / 60, 1),
            starts_on=training_class.starts_on,
            ends_on=training_class.ends_on,
        )
        for e in rows.order_by("pk")
    ]


_RECORD_TITLES = {
    EnrolmentStatus.ENROLLED: gettext_lazy("Enrolled in {programme} ({code}) at {org}"),
    EnrolmentStatus.WAITLISTED: gettext_lazy("Waitlisted for {programme} ({code}) at {org}"),
    EnrolmentStatus.WITHDRAWN: gettext_lazy("Withdrew from {programme} ({code}) at {org}"),
    EnrolmentStatus.TRANSFERRED: gettext_lazy("Transferred out of {programme} ({code}) at {org}"),
    EnrolmentStatus.COMPLETED: gettext_lazy("Completed {programme} ({code}) at {org}"),
    EnrolmentStatus.NOT_COMPLETED: gettext_lazy("Did not complete {programme} ({code}) at {org}"),
}


def record_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    """Return the person's training facts for the lifelong record (培训电子档案).

    An organisation's scope keeps only the enrolments in its own programmes.
    """
    enrolments = scope.by_organization(
        Enrolment.objects.filter(person=person), "training_class__programme__organization_id"
    ).select_related(
        "training_class__programme__organization", "training_class__programme__occupation"
    )
    entries = []
    for e in enrolments:
        c = e.training_class
        done = e.status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
        entries.append(
            RecordEntry(
                day=c.ends_on if done else timezone.localdate(e.created_at),
                kind=f"training.{e.status}",
                title=str(_RECORD_TITLES[e.status]).format(
                    programme=c.programme.name,
                    code=c.code,
                    org=c.programme.organization.name,
                ),
                details={
                    "class": c.code,
                    "occupation": c.programme.occupation.code,
                    "starts_on": c.starts_on.isoformat(),
                    "ends_on": c.ends_on.isoformat(),
                    "hours": round(((e.attended_minutes or 0) + (e.online_minutes or 0)) / 60, 1)
                    if done
                    else None,
                },
            )
        )
    return entries
