"""Every write to notifications: tell accounts of an event, and mark what they have read.

``notify()`` runs inside the transaction of the change it tells of (the caller's service),
so a change that rolls back tells nobody; a text message is sent only once that transaction
has committed, since a message cannot be taken back. Reading is not audited: it changes
nothing anyone else sees, and the audit trail records the events themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.models import User
from jineng.accounts.roles import ORGANIZATION_ROLES, ROLE_CAPABILITIES
from jineng.core import scope
from jineng.core.errors import NotFound
from jineng.core.scope import CHANGE
from jineng.notifications import messages
from jineng.notifications.choices import NotificationKind
from jineng.notifications.models import Notification

logger = logging.getLogger(__name__)

# A parameter is a code, a number or a count: never a sentence, never personal data.
Param = str | int
MAX_PARAM_LENGTH = 100


def _clean_params(params: Mapping[str, Param] | None) -> dict[str, Param]:
    cleaned: dict[str, Param] = {}
    for key, value in (params or {}).items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"notification parameter {key!r} must be a string or an integer")
        cleaned[key] = value[:MAX_PARAM_LENGTH] if isinstance(value, str) else value
    return cleaned


def _clean_target(target: str) -> str:
    # A local path only: the inbox links to it, so it must never lead off the site.
    if target and not (
        target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None)
    ):
        raise ValueError(f"notification target {target!r} is not a local path")
    return target


def notify(
    recipients: Iterable[User],
    kind: NotificationKind | str,
    *,
    params: Mapping[str, Param] | None = None,
    target: str = "",
    sms: bool = False,
) -> list[Notification]:
    """Tell each active recipient (once) of an event; with ``sms``, also by text message.

    Called inside the service that makes the change. The text message goes, after the
    commit, to recipients whose account has a confirmed phone; it is written in the site's
    language (a phone has no session to choose another).
    """
    kind = NotificationKind(kind)
    cleaned = _clean_params(params)
    path = _clean_target(target)
    unique = {user.pk: user for user in recipients if user.is_active}
    rows = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, params=cleaned, target=path)
        for user in unique.values()
    )
    if sms:
        for user in unique.values():
            _text_later(user, kind, cleaned)
    return rows


def _text_later(user: User, kind: str, params: dict[str, Param]) -> None:
    phone = confirmed_phone(user)
    if phone:
        text_later(phone, kind, params, user_id=user.pk)


def text_later(
    phone: str, kind: NotificationKind | str, params: Mapping[str, Param], *, user_id: int | None
) -> None:
    """Send a notification's words by text message to a phone once the change has committed.

    For a person without an account, to the phone on their record (``people.notices``); the
    message is written in the site's language (a phone has no session to choose another).
    """
    kind = NotificationKind(kind)
    cleaned = _clean_params(params)
    with translation.override(settings.LANGUAGE_CODE):
        title, body = messages.render(kind, cleaned)
    text = body or title

    def send() -> None:
        from jineng.core.sms import send_sms

        send_sms(phone, text, purpose=f"notification.{kind}", user_id=user_id)

    # robust: the change has committed; a gateway refusing the message is logged, not raised.
    transaction.on_commit(send, robust=True)


def confirmed_phone(user: User) -> str:
    """Return the account's confirmed phone, or "" when it has none."""
    # Only a number confirmed by a one-time code: an unconfirmed one may be anyone's.
    if not getattr(user, "has_confirmed_phone", False):
        return ""
    return str(user.phone)


def organization_staff(organization_id: int | None) -> models.QuerySet[User]:
    """The active staff accounts of an organisation (institution, evaluator, employer)."""
    if organization_id is None:
        return User.objects.none()
    return User.objects.filter(
        organization_id=organization_id, is_active=True, role__in=ORGANIZATION_ROLES
    ).order_by("pk")


def accounts_of_people(person_ids: Iterable[int]) -> models.QuerySet[User]:
    """The active accounts of people (workers who have one)."""
    return User.objects.filter(person_id__in=list(person_ids), is_active=True).order_by("pk")


def users_with(capability: str, *, deciding: models.Model | None = None) -> list[User]:
    """The active accounts whose role grants a capability.

    With ``deciding``, only those whose data scope lets them change that object (a bureau
    account limited to a town hears only of its town's classes).
    """
    roles = [role for role, granted in ROLE_CAPABILITIES.items() if capability in granted]
    users = list(User.objects.filter(role__in=roles, is_active=True).order_by("pk"))
    if deciding is None:
        return users
    rows = type(deciding)._default_manager.filter(pk=deciding.pk)
    return [user for user in users if scope.restrict(rows, user, CHANGE).exists()]


def _own(notification_id: int, actor: Actor) -> Notification:
    found = scope.restrict(Notification.objects.all(), actor, CHANGE).filter(pk=notification_id)
    notification = found.first()
    if notification is None:
        raise NotFound(_("No such notification."))
    return notification


@transaction.atomic(durable=True)
def mark_read(notification_id: int, *, actor: Actor) -> Notification:
    """Mark one of the actor's notifications read (another's answers NotFound, as missing)."""
    notification = _own(notification_id, actor)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic(durable=True)
def mark_all_read(*, actor: Actor) -> int:
    """Mark every unread notification of the actor read; return how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
