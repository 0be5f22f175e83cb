"""The one rule of crediting online learning toward a class, and the minutes it credits.

Online minutes count toward a class only when the platform that reported them is registered
for that class or for its institution (``LearningPlatform.institutions`` and
``training_classes``), the class has an online part (an in-person class has none), and the
learning was done on one of the class's days. A person's minutes in a class count at most
``MAX_SECONDS_A_DAY`` a day and at most the class's online part (``online_part_minutes``).
Statements about other classes are stored and served over xAPI as usual, but credit nothing;
the pages that show a class's or a person's online learning say so and why
(``uncounted_in_class``, ``record_entries``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.learning.models import LearningPlatform, Statement
from jineng.learning.validation import VOIDED
from jineng.training.choices import ClassMode
from jineng.training.models import TrainingClass

# Verbs whose result.duration is time spent learning; any other verb's duration is ignored.
TIME_VERBS = (
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/progressed",
)
# A person's learning in one class counts at most a whole day's hours on any one day, however
# long the durations a platform reports for that day (one statement may claim 90 hours).
MAX_SECONDS_A_DAY = 24 * 60 * 60


def with_learning_time() -> QuerySet[Statement]:
    """Statements that carry learning time, whichever class they name."""
    return Statement.objects.filter(
        is_voided=False, verb_id__in=TIME_VERBS, duration_seconds__isnull=False
    ).exclude(verb_id=VOIDED)


def registered_for_class() -> Exists:
    """Match statements whose platform is registered for the class they name or its institution."""
    return Exists(
        LearningPlatform.objects.filter(pk=OuterRef("platform_id")).filter(
            Q(training_classes__code=OuterRef("class_code"))
            | Q(institutions__programmes__classes__code=OuterRef("class_code"))
        )
    )


# Why a statement about a class credits nothing, in the order the reasons are given.
UNREGISTERED = "unregistered"
IN_PERSON = "in_person"
OUTSIDE_DATES = "outside_dates"


def _with_class(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    """Add the local day of each statement and the mode and dates of the class it names."""
    named = TrainingClass.objects.filter(code=OuterRef("class_code"))
    return statements.annotate(
        learned_on=TruncDate("timestamp", tzinfo=timezone.get_current_timezone()),
        class_mode=Subquery(named.values("mode")[:1]),
        class_starts=Subquery(named.values("starts_on")[:1]),
        class_ends=Subquery(named.values("ends_on")[:1]),
    )


def _why_not() -> Case:
    """The reason a statement about a class credits nothing, or None when it counts."""
    return Case(
        When(~registered_for_class(), then=Value(UNREGISTERED)),
        When(class_mode=ClassMode.OFFLINE, then=Value(IN_PERSON)),
        When(
            Q(learned_on__lt=F("class_starts")) | Q(learned_on__gt=F("class_ends")),
            then=Value(OUTSIDE_DATES),
        ),
        default=None,
        output_field=CharField(),
    )


def about_classes() -> QuerySet[Statement]:
    """Statements with learning time that name a class, each with ``why_not`` (None: counts)."""
    return _with_class(with_learning_time().exclude(class_code="")).annotate(why_not=_why_not())


def credited() -> QuerySet[Statement]:
    """Statements whose time counts toward the class they name (the one rule of crediting).

    The platform is registered for the class or its institution, the class has an online part
    and the statement's day (local time) lies within the class's dates. The caps on a person's
    total (``online_minutes``) come on top.
    """
    # why_not is about_classes()'s annotation, which django-stubs cannot follow.
    return about_classes().filter(why_not__isnull=True)  # type: ignore[misc]


def online_part_minutes(training_class: TrainingClass) -> int:
    """Return the minutes of a class's programme that may be learned online.

    Whatever a class does not hold in person (``workflow.classroom_hours``): all of an online
    class, the theory of a blended one, none of an in-person one.
    """
    from jineng.training.services.workflow import classroom_hours

    programme = training_class.programme
    return (programme.required_hours - classroom_hours(programme, training_class.mode)) * 60


def online_minutes(person_id: int, class_code: str) -> int:
    """Return a person's whole minutes of online learning in a class, from statement durations.

    Sums the credited statements per day (each statement is one row, its id unique, so a
    resent statement counts once), counts at most ``MAX_SECONDS_A_DAY`` of each day and at
    most the class's online part in all.
    """
    training_class = (
        TrainingClass.objects.select_related("programme").filter(code=class_code).first()
    )
    if training_class is None:
        return 0
    limit = online_part_minutes(training_class)
    if limit <= 0:
        return 0
    days = (
        credited()
        .filter(person_id=person_id, class_code=class_code)
        .values("learned_on")  # type: ignore[misc]  # credited()'s annotation
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
    )
    seconds = sum(min(r["seconds"] or 0, MAX_SECONDS_A_DAY) for r in days)
    return min(int(seconds // 60), limit)


@dataclass(frozen=True)
class Uncounted:
    """Online learning a platform reported for a class that does not count, and why."""

    platform: str
    people: int
    statements: int
    minutes: int
    reason: str


def not_registered_reason(platform: str, institution: str) -> str:
    """Say why a platform's minutes do not count toward a class of an institution."""
    return _(
        "Not counted: platform {platform} is not registered for the classes of {institution}."
    ).format(platform=platform, institution=institution)


def _class_reason(why: str, platform: str, training_class: TrainingClass) -> str:
    """Say why a platform's minutes do not count toward this class."""
    if why == IN_PERSON:
        return _(
            "Not counted: this class is held in person, so all its hours are attended in "
            "its sessions and online learning adds none."
        )
    if why == OUTSIDE_DATES:
        return _(
            "Not counted: learned on days outside the class's dates ({starts} to {ends})."
        ).format(starts=training_class.starts_on, ends=training_class.ends_on)
    return not_registered_reason(platform, training_class.programme.organization.name)


def uncounted_in_class(training_class: TrainingClass) -> list[Uncounted]:
    """Return, per platform and reason, the online learning reported for a class that does not
    count.

    One grouped query; the rows name platforms and counts, never the people (a platform may
    name anyone, and the class's staff see only their own trainees).
    """
    rows = (
        about_classes()
        .filter(class_code=training_class.code, why_not__isnull=False)  # type: ignore[misc]
        .values("platform__name", "why_not")
        .annotate(
            people=Count("person_id", distinct=True),
            statements=Count("pk"),
            seconds=Sum("duration_seconds"),
        )
        .order_by("platform__name", "why_not")
    )
    return [
        Uncounted(
            platform=r["platform__name"],
            people=r["people"],
            statements=r["statements"],
            minutes=int((r["seconds"] or 0) // 60),
            reason=_class_reason(r["why_not"], r["platform__name"], training_class),
        )
        for r in rows
    ]
