"""Tell workers of every claim line and payment in their name (本人告知).

Each notice goes into the worker's inbox (notifications) with a text message to their
confirmed phone; a person without an account gets the text message at the phone on their
record (read through ``people.system_reads``, the one place that decrypts it). Messages carry
the claim number and the amount only: never a name or an ID number.

The inbox needs the notification kinds below in ``jineng.notifications.choices``; until that
app lists them, the notice goes by text message only (the same gateway, after the commit).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from jineng.accounts.models import User
from jineng.core.money import format_yuan
from jineng.people.system_reads import phones_of

logger = logging.getLogger(__name__)

# The notification kinds of subsidies (values notifications.choices is asked to list).
LINE_CLAIMED = "subsidy_line_claimed"
LINE_REMOVED = "subsidy_line_removed"
CLAIM_PAID = "subsidy_paid"
CLAIM_HELD = "subsidy_held"
KINDS = (LINE_CLAIMED, LINE_REMOVED, CLAIM_PAID, CLAIM_HELD)


def _text(kind: str, number: str, amount_fen: int) -> str:
    amount = format_yuan(amount_fen)
    if kind == LINE_CLAIMED:
        return _(
            "A subsidy of {amount} yuan was claimed in your name (claim {number}). Sign in to "
            "confirm you attended and were assessed, or tap “this is not right”."
        ).format(amount=amount, number=number)
    if kind == LINE_REMOVED:
        return _("Your line of {amount} yuan was taken out of subsidy claim {number}.").format(
            amount=amount, number=number
        )
    if kind == CLAIM_PAID:
        return _("Subsidy claim {number} was paid: {amount} yuan in your name.").format(
            amount=amount, number=number
        )
    return _(
        "Payment of subsidy claim {number} in your name is on hold while it is checked."
    ).format(number=number)


def _registered_kind(kind: str) -> str | None:
    from jineng.notifications.choices import NotificationKind

    return kind if kind in NotificationKind.values else None


def _sms_later(phone: str, text: str, *, kind: str, user_id: int | None) -> None:
    def send() -> None:
        from jineng.core.sms import send_sms

        send_sms(phone, text, purpose=f"notification.{kind}", user_id=user_id)

    # robust: the change has committed; a gateway refusing the message is logged, not raised.
    transaction.on_commit(send, robust=True)


def tell_people(
    kind: str, number: str, amounts: Iterable[tuple[int, int]], *, target: str = ""
) -> int:
    """Tell each person (``(person_id, amount_fen)``) of a claim event; return how many.

    Call it inside the service's transaction: a change that rolls back tells nobody.
    """
    by_person = dict(amounts)
    if not by_person:
        return 0
    accounts = {
        user.person_id: user
        for user in User.objects.filter(person_id__in=list(by_person), is_active=True)
    }
    registered = _registered_kind(kind)
    # The phone on record of those the inbox and a confirmed account phone do not reach.
    on_record = phones_of(
        [
            person_id
            for person_id in by_person
            if not _reached_by_account(accounts.get(person_id), registered)
        ]
    )
    told = 0
    with translation.override(settings.LANGUAGE_CODE):
        for person_id, amount_fen in by_person.items():
            user = accounts.get(person_id)
            if user is not None and registered is not None:
                from jineng.notifications.services import notify

                notify(
                    [user],
                    registered,
                    params={"number": number, "amount": format_yuan(amount_fen)},
                    target=target,
                    sms=True,
                )
                told += 1
                continue
            if user is not None and user.has_confirmed_phone:
                phone = str(user.phone)
            else:
                phone = on_record.get(person_id, "")
            if phone:
                user_id = user.pk if user is not None else None
                _sms_later(phone, _text(kind, number, amount_fen), kind=kind, user_id=user_id)
                told += 1
    return told


def _reached_by_account(user: User | None, registered: str | None) -> bool:
    """Tell whether the account is told without the phone on the person's record: by its
    inbox (and the SMS the inbox sends), or by text message to its confirmed phone."""
    return user is not None and (registered is not None or bool(user.has_confirmed_phone))
