"""Check a person's other places before they take one: same programme, overlap, same days.

A person holds one active place per programme, none whose sessions overlap, and no two
places in subsidised classes on the same days.

Reads only: enrolment calls ``check_other_places`` under the person's lock, and 找培训 calls
it to explain a refusal. The other class is named only to a viewer who may see that place.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.people.models import Person
from jineng.training.choices import (
    ACTIVE_ENROLMENT_STATUSES,
    ClassMode,
)
from jineng.training.errors import (
    OverlappingEnrolment,
    SameProgrammeEnrolled,
)
from jineng.training.models import ClassSession, Enrolment, TrainingClass


def _when(session: ClassSession) -> str:
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _shown_to(actor: Actor, place: Enrolment) -> bool:
    """Tell whether the actor may see a place (their own, or their institution's)."""
    return Enrolment.objects.visible_to(actor).filter(pk=place.pk).exists()


def check_other_places(
    training_class: TrainingClass,
    person: Person,
    *,
    actor: Actor,
    replacing: Enrolment | None = None,
) -> None:
    """Raise SameProgrammeEnrolled or OverlappingEnrolment if the person may not take a place.

    Reads only: enrolment calls it under the person's lock, the 找培训 page to explain. One
    query finds the places standing in the way (usually none); only a refusal reads more,
    to word it.
    """
    places = Enrolment.objects.filter(person=person, status__in=ACTIVE_ENROLMENT_STATUSES).exclude(
        training_class=training_class
    )
    if replacing is not None:
        places = places.exclude(pk=replacing.pk)
    standing_in_the_way: Q | Combinable = Q(
        training_class__programme_id=training_class.programme_id
    ) | Exists(
        ClassSession.objects.filter(training_class=OuterRef("training_class_id")).filter(
            _overlaps_ours(training_class)
        )
    )
    same_days = _subsidies_on_the_same_days(training_class)
    if same_days is not None:
        standing_in_the_way |= same_days
    in_the_way = list(
        places.filter(standing_in_the_way)
        .select_related("training_class__programme")
        .order_by("pk")
    )
    if not in_the_way:
        return
    same = next(
        (p for p in in_the_way if p.training_class.programme_id == training_class.programme_id),
        None,
    )
    if same is not None:
        _refuse_same_programme(person, actor, same)
    subsidy = next((p for p in in_the_way if _claims_the_same_days(training_class, p)), None)
    if subsidy is not None:
        _refuse_same_days(training_class, person, actor, subsidy)
    _refuse_overlap(training_class, person, actor, places)


# Modes whose hours (all, or a blended class's theory) are learned online on any of the
# class's days: no session says when, so their time is the class's days.
LEARNED_ONLINE = (ClassMode.ONLINE, ClassMode.BLENDED)


def _subsidies_on_the_same_days(training_class: TrainingClass) -> Q | None:
    """Match the places in subsidised classes whose days meet this subsidised class's days,
    when either class's hours are learned online (no subsidised hour is claimed twice).

    None for an unsubsidised class; never matches between two in-person classes (their
    sessions say when they are held, _overlaps_ours()).
    """
    if not training_class.programme.is_subsidised:
        return None
    days = (
        Q(training_class__starts_on__lte=training_class.ends_on)
        & Q(training_class__ends_on__gte=training_class.starts_on)
        & ~Q(training_class__programme__catalog_entry_key="")
    )
    if training_class.mode in LEARNED_ONLINE:
        return days
    return days & Q(training_class__mode__in=LEARNED_ONLINE)


def _claims_the_same_days(training_class: TrainingClass, place: Enrolment) -> bool:
    """The same rule as _subsidies_on_the_same_days() for one place already read."""
    other = place.training_class
    return (
        training_class.programme.is_subsidised
        and other.programme.is_subsidised
        and (training_class.mode in LEARNED_ONLINE or other.mode in LEARNED_ONLINE)
        and other.starts_on <= training_class.ends_on
        and training_class.starts_on <= other.ends_on
    )


def _refuse_same_days(
    training_class: TrainingClass, person: Person, actor: Actor, place: Enrolment
) -> None:
    """Refuse a second subsidised place on the same days when hours are learned online."""
    other = place.training_class
    if _shown_to(actor, place):
        detail = _(
            "{name} already holds a place in subsidised class {code} ({start} to {end}) on "
            "days this subsidised class also runs, and one of the two is learned online: "
            "one subsidised class at a time when its hours are learned online. Choose a "
            "class on other days, or withdraw from that class."
        ).format(
            name=person.name,
            code=other.code,
            start=other.starts_on.isoformat(),
            end=other.ends_on.isoformat(),
        )
    else:
        detail = _(
            "{name} already holds a place in another subsidised class on the same days, and "
            "one of the two is learned online."
        ).format(name=person.name)
    raise OverlappingEnrolment(detail, field="person")


def _overlaps_ours(training_class: TrainingClass) -> Exists:
    """True for a session overlapping a session of this class (end = start is fine)."""
    return Exists(
        ClassSession.objects.filter(
            training_class=training_class,
            starts_at__lt=OuterRef("ends_at"),
            ends_at__gt=OuterRef("starts_at"),
        )
    )


def _refuse_same_programme(person: Person, actor: Actor, same: Enrolment) -> None:
    if _shown_to(actor, same):
        detail = _(
            "{name} already holds a place in class {code} of the same programme: one "
            "place per programme at a time. Withdraw from that class, or transfer."
        ).format(name=person.name, code=same.training_class.code)
    else:
        detail = _("{name} already holds a place in another class of this programme.").format(
            name=person.name
        )
    raise SameProgrammeEnrolled(detail, field="person")


def _refuse_overlap(
    training_class: TrainingClass, person: Person, actor: Actor, places: QuerySet[Enrolment]
) -> None:
    """Refuse a place whose sessions overlap a session of another place, naming the first."""
    clash = (
        ClassSession.objects.filter(training_class__enrolments__in=places)
        .filter(_overlaps_ours(training_class))
        .select_related("training_class")
        .order_by("starts_at", "pk")
        .first()
    )
    # None only if the other class's timetable changed since the first read: refuse anyway.
    other = places.filter(training_class=clash.training_class_id).first() if clash else None
    if clash is not None and other is not None and _shown_to(actor, other):
        mine = (
            training_class.sessions.filter(starts_at__lt=clash.ends_at, ends_at__gt=clash.starts_at)
            .order_by("starts_at", "pk")
            .first()
        )
        assert mine is not None
        detail = _(
            "{name} already holds a place in class {code}, whose session {other} overlaps "
            "this class's session {this}."
        ).format(
            name=person.name, code=clash.training_class.code, other=_when(clash), this=_when(mine)
        )
    else:
        detail = _(
            "{name} already holds a place in another class whose sessions overlap this class's."
        ).format(name=person.name)
    raise OverlappingEnrolment(detail, field="person")
