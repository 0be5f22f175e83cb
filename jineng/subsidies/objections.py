"""An objector's contact (公示异议的联系方式): kept encrypted, shown to a reviewer on request.

Whoever objects during the public notice may leave a way to reach them; only the reviewers
who resolve objections read it (``access.sees_objector_contact``), one objection at a time,
with the reason they state. Each reading is a disclosure of personal data like a reveal in
people (ADR 0003): an audit event in the same transaction, ``subsidies.objection.contact_viewed``
(with the purpose, never the contact), counted in the account's one allowance of disclosures
(``people.identity.check_disclosure_rate``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit, pii
from jineng.core.errors import PermissionDenied
from jineng.core.scope import CHANGE
from jineng.people.identity import check_disclosure_rate, clean_purpose
from jineng.subsidies import access


@transaction.atomic
def reveal_contact(objection_id: int | str, *, actor: Actor, purpose: str) -> str:
    """Return how to reach an objector to a reviewer who may resolve the objection, audited
    ("" when the objector left none).

    Anyone the objection is not theirs to resolve finds nothing (NotFound, like a missing
    objection); an empty or long purpose is refused (ValidationFailed), and past the
    account's allowance the reading is refused and its event rolled back (RateLimited).
    """
    objection = access.get_objection_for_user(actor, objection_id, action=CHANGE)
    if not access.sees_objector_contact(actor):
        raise PermissionDenied(_("Only a reviewer may read how to reach an objector."))
    cleaned = clean_purpose(purpose)
    if not objection.contact_encrypted:
        return ""  # nothing to disclose, nothing to audit
    audit.record(
        actor,
        "subsidies.objection.contact_viewed",
        objection,
        data={"number": objection.claim.number, "purpose": cleaned},
    )
    check_disclosure_rate(actor)
    return pii.decrypt(objection.contact_encrypted)
