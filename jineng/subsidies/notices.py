"""Tell workers of every claim line and payment in their name (本人告知).

Each notice goes to the worker through ``people.notices``: into their inbox with a text
message to their confirmed phone, or, for a person without an account, by text message to
the phone on their record. Messages carry the claim number and the amount only: never a
name or an ID number.
"""

from __future__ import annotations

from collections.abc import Iterable

from jineng.core.money import format_yuan
from jineng.notifications.choices import NotificationKind
from jineng.people import notices

# The notification kinds of subsidies.
LINE_CLAIMED = NotificationKind.SUBSIDY_LINE_CLAIMED
LINE_REMOVED = NotificationKind.SUBSIDY_LINE_REMOVED
CLAIM_PAID = NotificationKind.SUBSIDY_PAID
CLAIM_HELD = NotificationKind.SUBSIDY_HELD
KINDS = (LINE_CLAIMED, LINE_REMOVED, CLAIM_PAID, CLAIM_HELD)


def tell_people(
    kind: str, number: str, amounts: Iterable[tuple[int, int]], *, target: str = ""
) -> int:
    """Tell each person (``(person_id, amount_fen)``) of a claim event; return how many.

    Call it inside the service's transaction: a change that rolls back tells nobody.
    """
    return notices.tell_people(
        kind,
        {
            person_id: {"number": number, "amount": format_yuan(amount_fen)}
            for person_id, amount_fen in amounts
        },
        target=target,
    )
