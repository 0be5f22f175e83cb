"""An alert's evidence as the pages and the API show it: masked by default, in full on request.

Evidence rows are what a rule's query returned (ids, dates, counts, sometimes a name, a phone
or an address). By default every value that may name or reach a person is masked with the
one rule of ``core.pii``, and a person's id is shown as their masked name. A role that needs
the full values (view_alerts and view_full_pii: the bureau, reviewers) asks for them with a
purpose; each such view writes the audit event ``fraud.alert.viewed`` in its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jineng.accounts.actors import Actor
from jineng.core import audit, pii
from jineng.core.errors import PermissionDenied
from jineng.fraud import access
from jineng.fraud.models import Alert
from jineng.people.identity import check_disclosure_rate, clean_purpose
from jineng.people.models import Person

# Words for the evidence keys the rules use most; others are shown from the key itself.
COLUMN_LABELS: dict[str, str | Promise] = {
    "person_id": gettext_lazy("Person"),
    "class_id": gettext_lazy("Class"),
    "organization_id": gettext_lazy("Organisation"),
    "enrolment_id": gettext_lazy("Enrolment"),
    "claim_id": gettext_lazy("Claim"),
    "claim_number": gettext_lazy("Claim number"),
    "line_id": gettext_lazy("Claim line"),
    "account_id": gettext_lazy("Account"),
    "certificate_id": gettext_lazy("Certificate"),
    "session_id": gettext_lazy("Session"),
    "assessment_session_id": gettext_lazy("Assessment session"),
    "kind": gettext_lazy("Kind"),
    "occupation": gettext_lazy("Occupation"),
    "level": gettext_lazy("Level"),
    "starts_on": gettext_lazy("Starts on"),
    "ends_on": gettext_lazy("Ends on"),
    "submitted_at": gettext_lazy("Submitted at"),
    "hours": gettext_lazy("Hours"),
    "claimed_hours": gettext_lazy("Hours claimed"),
    "attended_hours": gettext_lazy("Hours attended"),
    "reason": gettext_lazy("Reason"),
    "count": gettext_lazy("Count"),
    "month": gettext_lazy("Month"),
    "day": gettext_lazy("Day"),
    "change": gettext_lazy("Change"),
    "changed_at": gettext_lazy("Changed at"),
    "enrolled_at": gettext_lazy("Enrolled at"),
    "counted_minutes": gettext_lazy("Minutes the claim counts"),
    "attested_minutes": gettext_lazy("Minutes the check-ins attest"),
    "required_hours": gettext_lazy("Hours required"),
    "submitted_on": gettext_lazy("Submitted on"),
    "class_ends_on": gettext_lazy("Class ends on"),
    "certificate_issued_on": gettext_lazy("Certificate issued on"),
    "year": gettext_lazy("Year"),
    "median": gettext_lazy("Median"),
    "months_compared": gettext_lazy("Months compared"),
}
MASKED = "***"


def column_label(key: str) -> str:
    """The words for one evidence column."""
    given = COLUMN_LABELS.get(key)
    return str(given) if given is not None else key.replace("_", " ").capitalize()


def _mask_text(value: str) -> str:
    text = value.strip()
    return (text[:2] + MASKED) if len(text) > 2 else MASKED


def mask_value(key: str, value: Any) -> Any:
    """The value of one evidence cell as a masked view shows it."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    name = key.lower()
    if name.endswith("_hash"):
        return text[:8] + "…" if len(text) > 8 else text
    if "id_number" in name:
        return pii.mask_id_number(text)
    if "phone" in name or "mobile" in name:
        return pii.mask_phone(text)
    if "name" in name:
        return pii.mask_name(text)
    if "address" in name or "email" in name or "device" in name or "account_number" in name:
        return _mask_text(text)
    return text


@dataclass(frozen=True)
class PersonRow:
    """A person an alert concerns, as the viewer may see them."""

    id: int
    name: str
    id_number: str


def people_of(alert: Alert, user: Any, *, full: bool) -> dict[int, PersonRow]:
    """The alert's people the viewer may see, by id: masked unless ``full``."""
    found: dict[int, PersonRow] = {}
    if not alert.person_ids:
        return found
    people = Person.objects.visible_to(user).filter(pk__in=alert.person_ids)
    for person in people.only("pk", "name", "id_number_encrypted"):
        found[person.pk] = PersonRow(
            id=person.pk,
            name=person.name if full else pii.mask_name(person.name),
            id_number=person.id_number if full else person.id_number_masked,
        )
    return found


def evidence_table(
    alert: Alert, people: dict[int, PersonRow], *, full: bool
) -> tuple[list[tuple[str, str]], list[list[Any]]]:
    """The evidence as (columns as (key, label), rows of cells), masked unless ``full``."""
    keys: list[str] = []
    for row in alert.evidence:
        for key in row:
            if key not in keys:
                keys.append(key)
    rows = []
    for row in alert.evidence:
        cells = []
        for key in keys:
            value = row.get(key)
            if key == "person_id" and isinstance(value, int) and value in people:
                cells.append(people[value].name)
            else:
                cells.append(value if full else mask_value(key, value))
        rows.append(cells)
    return [(key, column_label(key)) for key in keys], rows


def may_see_full(user: Any) -> bool:
    """Tell whether the user may ask for an alert's evidence in full."""
    return access.may_view(user) and access.sees_full_pii(user)


@transaction.atomic
def record_full_view(alert: Alert, *, actor: Actor, purpose: str) -> str:
    """Audit that the actor sees an alert's evidence with full personal data; return the
    cleaned purpose. Refuses a role without view_full_pii, and RateLimited past the account's
    allowance of disclosures (people.identity.check_disclosure_rate)."""
    if not may_see_full(actor):
        raise PermissionDenied(_("Your role may not see full personal data."))
    cleaned = clean_purpose(purpose)
    audit.record(
        actor,
        "fraud.alert.viewed",
        alert,
        data={
            "rule": alert.rule_code,
            "purpose": cleaned,
            "people": len(alert.person_ids),
            "evidence_count": alert.evidence_count,
        },
    )
    # One allowance with people's reveals and lookups: past it, the event rolls back.
    check_disclosure_rate(actor)
    return cleaned
