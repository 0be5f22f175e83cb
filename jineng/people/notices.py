"""Tell a person of something done in their name (本人告知), whether or not they have an account.

A person with an account reads it in their inbox, with a text message to the account's
confirmed phone; a person without one (enrolled by an institution from their ID card) gets
the text message at the phone on their record. The words are the notification kind's own
(``jineng.notifications.messages``): codes and names of classes and organisations only,
never the person's name or ID number.
"""

from __future__ import annotations

from collections.abc import Mapping

from jineng.notifications.choices import NotificationKind
from jineng.notifications.services import Param, accounts_of_people, notify, text_later
from jineng.people.models import Person


def tell_person(
    person: Person,
    kind: NotificationKind,
    *,
    params: Mapping[str, Param],
    target: str = "",
) -> None:
    """Tell the person of an event in their name; call it inside the change's transaction."""
    accounts = list(accounts_of_people([person.pk]))
    if accounts:
        notify(accounts, kind, params=params, target=target, sms=True)
        return
    # The phone on the record is read here, in people, the one app that decrypts it.
    phone = person.phone
    if phone:
        text_later(phone, kind, params, user_id=None)
