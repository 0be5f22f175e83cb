"""Name the people's audit actions and link a person's page (core.audit_labels)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import (
    PEOPLE,
    access_link,
    register_actions,
    register_fields,
    register_object_link,
    register_person_finder,
    register_scope,
    register_values,
)
from jineng.people.access import get_person_for_user

register_actions(
    {
        "people.affiliation.created": _("Recorded a person's organisation"),
        "people.affiliation.ended": _("Ended a person's tie to an organisation"),
        "people.export.completed": _("Exported people"),
        "people.export.downloaded": _("Downloaded an export of people"),
        "people.import.completed": _("Imported people"),
        "people.membership.created": _("Recorded a target-group membership"),
        "people.person.created": _("Registered a person"),
        "people.person.identity_missed": _("Checked an ID card that matched nobody"),
        "people.person.looked_up": _("Looked a person up by full ID or mobile number"),
        "people.person.pii_viewed": _("Viewed a person's full ID and mobile number"),
        "people.registration.charged": _("Counted registrations against the allowance"),
        "people.synthetic.generated": _("Generated demonstration people"),
        "people.targetgroup.loaded": _("Loaded the target groups"),
    }
)
register_fields(
    {
        "affiliations": _("Organisation ties"),
        "memberships": _("Target-group memberships"),
        "linked": _("Linked"),
        "full": _("Full numbers"),
        "shows_target_groups": _("Shows target groups"),
        "started_on": _("Started on"),
        "demo_history": _("Demonstration history"),
    }
)
register_object_link("people.person", access_link(get_person_for_user, "people:detail"))
register_values(
    "by",
    {"id_number": _("Citizen ID"), "phone": _("Mobile number")},
    actions="people.person.looked_up",
)


def _find_people(viewer: Any, id_number: str, purpose: str) -> list[int]:
    """The audit trail's search by full citizen ID: the audited, limited people lookup."""
    from jineng.people.identity import Lookup, look_up_people

    found = look_up_people(Lookup(id_number=id_number), actor=viewer, purpose=purpose)
    return [person.pk for person in found]


register_person_finder(_find_people)


def _in_scope(viewer: Any) -> Any:
    """The people the viewer may see (the people access layer), for the audit trail."""
    from jineng.people.models import Person

    return Person.objects.visible_to(viewer)


register_scope(PEOPLE, _in_scope)
