"""Name the accreditations' audit actions and link their pages (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.accreditations.access import get_accreditation_for_user, get_application_for_user
from jineng.core.audit_labels import (
    access_link,
    register_actions,
    register_fields,
    register_object_link,
)

register_actions(
    {
        "accreditations.accreditation.granted": _("Granted an accreditation"),
        "accreditations.accreditation.suspended": _("Suspended an accreditation"),
        "accreditations.accreditation.withdrawn": _("Withdrew an accreditation"),
        "accreditations.application.approved": _("Approved an accreditation application"),
        "accreditations.application.rejected": _("Rejected an accreditation application"),
        "accreditations.application.submitted": _("Submitted an accreditation application"),
        "accreditations.document.added": _("Added a document to an application"),
        "accreditations.suspension.lifted": _("Lifted a suspension"),
    }
)
register_fields(
    {
        "application": _("Application"),
        "basis": _("Basis"),
        "decision": _("Decision"),
        "licence_number": _("Licence number"),
        "suspension": _("Suspension"),
        "starts_on": _("Starts on"),
        "ends_on": _("Ends on"),
        "withdrawn_on": _("Withdrawn on"),
        "content_type": _("File type"),
        "grounds_kind": _("Kind of grounds"),
        "grounds_reference": _("Reference of the grounds"),
    }
)
register_object_link(
    "accreditations.accreditationapplication",
    access_link(get_application_for_user, "accreditations:application", "application_id"),
)
register_object_link(
    "accreditations.accreditation",
    access_link(get_accreditation_for_user, "accreditations:detail", "accreditation_id"),
)
