"""Close a class (结业): each trainee's completion follows from attended plus online time."""

from __future__ import annotations

from django.db import transaction

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit
from jineng.training import queries
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass
from jineng.training.services.common import move, require, require_own
from jineng.training.services.workflow import locked_class


@transaction.atomic(durable=True)
def close_class(class_id: int, *, actor: Actor, note: str = "") -> TrainingClass:
    """End a running class and decide each trainee's completion (结业).

    A trainee completes when attended plus online minutes reach the programme's hours. Online
    minutes are those ``learning.queries.online_minutes`` credits: none in an in-person class,
    at most the part a blended or online class may teach online, only for learning on the
    class's days, at most a whole day's hours a day.
    Waitlisted people never had a seat: their places lapse as withdrawn.
    """
    require(actor, Capability.MANAGE_CLASSES)
    training_class = locked_class(class_id)
    require_own(actor, training_class.programme)
    move(training_class, ClassStatus.CLOSED)
    training_class.closing_note = (note or "").strip()
    training_class.save()
    hours = training_class.programme.required_hours
    required = hours * 60
    seated = list(
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
    )
    attended = queries.attended_minutes([e.pk for e in seated])
    counts = {EnrolmentStatus.COMPLETED: 0, EnrolmentStatus.NOT_COMPLETED: 0}
    for e in seated:
        e.attended_minutes = attended[e.pk]
        e.online_minutes = queries.online_minutes(e.person_id, training_class.code)
        total = e.attended_minutes + e.online_minutes
        e.status = EnrolmentStatus.COMPLETED if total >= required else EnrolmentStatus.NOT_COMPLETED
        # The result is rendered from these numbers when shown (Enrolment.result).
        e.required_hours = hours
        counts[e.status] += 1
    Enrolment.objects.bulk_update(
        seated, ["attended_minutes", "online_minutes", "required_hours", "status"]
    )
    lapsed = Enrolment.objects.filter(
        training_class=training_class, status=EnrolmentStatus.WAITLISTED
    ).update(status=EnrolmentStatus.WITHDRAWN, waitlist_position=None)
    audit.record(
        actor,
        "training.class.closed",
        training_class,
        data={
            "code": training_class.code,
            "note": training_class.closing_note,
            "completed": counts[EnrolmentStatus.COMPLETED],
            "not_completed": counts[EnrolmentStatus.NOT_COMPLETED],
            "waitlist_lapsed": lapsed,
            "results": {
                str(e.pk): [e.status, e.attended_minutes, e.online_minutes] for e in seated
            },
        },
    )
    return training_class
