"""Name the training audit actions and link a class's page (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import (
    access_link,
    register_actions,
    register_fields,
    register_object_link,
    register_values,
)
from jineng.training.access import get_class_for_user
from jineng.training.choices import ClassStatus, EnrolmentStatus

register_actions(
    {
        "training.class.approved": _("Approved a training class"),
        "training.class.archived": _("Archived a training class"),
        "training.class.closed": _("Closed a training class"),
        "training.class.created": _("Created a training class"),
        "training.class.returned": _("Returned a training class"),
        "training.class.started": _("Started a training class"),
        "training.class.submitted": _("Submitted a training class for approval"),
        "training.class.updated": _("Changed a training class"),
        "training.enrolment.created": _("Enrolled a trainee"),
        "training.enrolment.imported": _("Imported trainees"),
        "training.enrolment.promoted": _("Moved a trainee from the waitlist into the class"),
        "training.enrolment.transferred": _("Transferred a trainee to another class"),
        "training.enrolment.withdrawn": _("Withdrew a trainee"),
        "training.programme.created": _("Created a training programme"),
        "training.programme.updated": _("Changed a training programme"),
        "training.session.created": _("Added a class session"),
        "training.session.deleted": _("Deleted a class session"),
        "training.teacher.created": _("Added a teacher"),
        "training.teacher.updated": _("Changed a teacher"),
        "training.venue.created": _("Added a venue"),
        "training.venue.updated": _("Changed a venue"),
    }
)
register_fields(
    {
        "class": _("Class"),
        "enrolment": _("Enrolment"),
        "enrolled": _("Enrolled"),
        "waitlisted": _("Waitlisted"),
        "waitlist_position": _("Waitlist position"),
        "waitlist_lapsed": _("Waitlist lapsed"),
        "completed": _("Completed"),
        "not_completed": _("Not completed"),
        "refused": _("Refused"),
        "results": _("Results"),
        "mode": _("Mode"),
        "starts_at": _("Starts at"),
        "identified": _("Identified"),
        "transferred_from": _("Transferred from"),
    }
)
register_object_link(
    "training.trainingclass", access_link(get_class_for_user, "training:detail", "class_id")
)
for key in ("from", "to", "status"):
    register_values(key, dict(ClassStatus.choices), actions="training.class.")
register_values("status", dict(EnrolmentStatus.choices), actions="training.enrolment.")
