"""Row locks for training delivery: the only place select_for_update() appears in this app."""

from __future__ import annotations

from jineng.training.models import Programme, TrainingClass


def class_for_update(class_id: int) -> TrainingClass:
    """Lock a training class row until the transaction ends (enrolment, moves).

    Only the class's row: its programme, institution, occupation and level come along
    unlocked (enrolment asks whether the institution is accredited for them without another
    query), so the classes of one programme take enrolments side by side. The rules across
    classes (one place per programme, no overlapping places) hold under the person's lock.
    """
    return (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related(
            "programme__organization", "programme__occupation", "programme__skill_level"
        )
        .get(pk=class_id)
    )


def programme_for_update(programme_id: int) -> Programme:
    """Lock a programme row until the transaction ends, and return it as it now stands.

    Taken by an edit of the programme before it checks that no class has gone beyond
    preparation, and by a class's submission or approval (after the class's lock: class,
    then programme, ADR 0006) before it decides who approves and checks the class against
    the programme: so a school cannot self-approve a class of a programme that, in a
    parallel request, becomes subsidised. Enrolment never takes it, so the classes of one
    programme take enrolments side by side.
    """
    return (
        Programme.objects.select_for_update(of=("self",))
        .select_related("organization", "occupation", "skill_level")
        .get(pk=programme_id)
    )


def classes_for_update(class_ids: list[int]) -> dict[int, TrainingClass]:
    """Lock several classes in id order (transfers), so two transfers never deadlock."""
    rows = TrainingClass.objects.select_for_update().filter(pk__in=class_ids).order_by("pk")
    return {row.pk: row for row in rows}


def venues_and_teachers_for_update(venue_ids: list[int], teacher_ids: list[int]) -> None:
    """Lock the venues, then the teachers, each in id order, so schedulers never deadlock."""
    from jineng.training.models import Teacher, Venue

    list(Venue.objects.select_for_update().filter(pk__in=venue_ids).order_by("pk").values("pk"))
    list(Teacher.objects.select_for_update().filter(pk__in=teacher_ids).order_by("pk").values("pk"))
