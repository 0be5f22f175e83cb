"""Row locks for organisations and their staff: the only place select_for_update() appears here.

Lock order (ADR 0006): the organisation, then one of its accounts. Every change to an
organisation's staff takes the organisation's row first, so the rule "an organisation keeps an
active administrator" is decided by one request at a time: two administrators removing each
other at once cannot both see "another administrator remains".
"""

from __future__ import annotations

from jineng.accounts.models import User
from jineng.organizations.models import Organization


def organization_for_update(organization_id: int) -> Organization:
    """Lock an organisation's row until the transaction ends, and return it as it now stands."""
    return Organization.objects.select_for_update().get(pk=organization_id)


def staff_for_update(organization_id: int, user_id: int) -> User | None:
    """Lock the organisation, then one of its accounts; None when it is not one of its accounts."""
    organization_for_update(organization_id)
    return (
        User.objects.select_for_update().filter(pk=user_id, organization_id=organization_id).first()
    )


def account_for_update(user_id: int) -> User | None:
    """Lock any account's row (the bureau's account list), or None when there is none."""
    return User.objects.select_for_update().filter(pk=user_id).first()
