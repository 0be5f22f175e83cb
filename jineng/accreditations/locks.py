"""Row locks of accreditation: the only place select_for_update() appears in this app."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jineng.accreditations.models import Accreditation, AccreditationApplication
from jineng.core.errors import NotFound


def application_for_update(pk: int) -> AccreditationApplication:
    """Lock an application so that one decision, or one upload, runs on it at a time."""
    application = (
        AccreditationApplication.objects.select_for_update(of=("self",))
        .select_related("organization", "occupation", "max_level")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise NotFound(_("No such accreditation application."))
    return application


def accreditation_for_update(pk: int) -> Accreditation:
    """Lock a licence so that suspensions and withdrawal are decided one at a time."""
    accreditation = (
        Accreditation.objects.select_for_update(of=("self",))
        .select_related("organization", "occupation", "max_level")
        .filter(pk=pk)
        .first()
    )
    if accreditation is None:
        raise NotFound(_("No such accreditation."))
    return accreditation
