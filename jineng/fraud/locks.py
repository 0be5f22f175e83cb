"""Row locks of fraud: the only place select_for_update() appears in this app.

Lock order, where a service takes more than one: the rule's versions, then an alert. The lock
timeout is the connection's (jineng.core.db), as for every lock of the product.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jineng.core.errors import NotFound
from jineng.fraud.models import Alert, FraudRule


def rule_versions_for_update(code: str) -> list[FraudRule]:
    """Lock every version of a rule so that two changes never take the same version number."""
    return list(FraudRule.objects.select_for_update().filter(code=code).order_by("-version"))


def alert_for_update(pk: int) -> Alert:
    """Lock an alert so that it is disposed of once."""
    found = (
        Alert.objects.select_for_update(of=("self",)).select_related("rule").filter(pk=pk).first()
    )
    if found is None:
        raise NotFound(_("No such alert."))
    return found
