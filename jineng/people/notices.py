"""Tell people of something done in their name (本人告知), whether or not they have an account.

A person with an account reads it in their inbox, with a text message to the account's
confirmed phone; a person without one (enrolled by an institution from their ID card) gets
the text message at the phone on their record, read through ``people.system_reads``. The words
are the notification kind's own (``jineng.notifications.messages``): codes, numbers, amounts
and the names of classes and organisations only, never the person's name or ID number.
"""

from __future__ import annotations

from collections.abc import Mapping

from jineng.accounts.models import User
from jineng.notifications.choices import NotificationKind
from jineng.notifications.services import Param, accounts_of_people, notify, text_later
from jineng.people.models import Person
from jineng.people.system_reads import phones_of


def tell_people(
    kind: NotificationKind | str,
    params: Mapping[int, Mapping[str, Param]],
    *,
    target: str = "",
) -> int:
    """Tell each person (by id, with the notice's parameters) of an event; return how many.

    Call it inside the change's transaction: a change that rolls back tells nobody. Two
    queries whatever the number of people: their accounts, and the phones of the others.
    """
    if not params:
        return 0
    accounts: dict[int, list[User]] = {}
    for user in accounts_of_people(params):
        if user.person_id is not None:
            accounts.setdefault(user.person_id, []).append(user)
    phones = phones_of([person_id for person_id in params if person_id not in accounts])
    told = 0
    for person_id, values in params.items():
        if person_id in accounts:
            notify(accounts[person_id], kind, params=values, target=target, sms=True)
        elif person_id in phones:
            text_later(phones[person_id], kind, values, user_id=None)
        else:
            continue
        told += 1
    return told


def tell_person(
    person: Person, kind: NotificationKind | str, *, params: Mapping[str, Param], target: str = ""
) -> None:
    """Tell one person of an event in their name (tell_people for one)."""
    tell_people(kind, {person.pk: params}, target=target)
