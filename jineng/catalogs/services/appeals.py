"""Every write to appeals (申诉) against a removal or suspension, and their decisions."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.catalogs import access, locks
from jineng.catalogs.choices import APPEAL_TRANSITIONS, AppealStatus
from jineng.catalogs.errors import AppealExists
from jineng.catalogs.models import CatalogAppeal
from jineng.catalogs.services.common import require
from jineng.core import audit, scope
from jineng.core.errors import InvalidTransition, NotFound, ValidationFailed
from jineng.core.scope import CHANGE
from jineng.notifications.choices import NotificationKind
from jineng.notifications.services import notify

MAX_TEXT = 5000


def _clean_text(value: str, *, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(_("{label} is required.").format(label=label), field=field)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("{label} has at most {n} characters.").format(label=label, n=MAX_TEXT), field=field
        )
    return text


@transaction.atomic(durable=True)
def file_appeal(change_id: int, *, grounds: str, actor: Actor) -> CatalogAppeal:
    """Appeal a published removal or suspension of one's own organisation (提出申诉)."""
    require(actor, Capability.FILE_APPEALS)
    change = access.get_change_to_appeal(actor, change_id)
    # An appealable change concerns the actor's own organisation (access._appealable).
    organization = change.organization
    if organization is None:
        raise NotFound(_("No such change concerning your organisation."))
    text = _clean_text(grounds, field="grounds", label=_("The grounds of the appeal"))
    if CatalogAppeal.objects.filter(change=change, organization=organization).exists():
        raise AppealExists(_("Your organisation has already appealed this change."))
    try:
        with transaction.atomic():
            appeal = CatalogAppeal.objects.create(
                change=change, organization=organization, grounds=text, filed_by=actor
            )
    except IntegrityError:
        raise AppealExists(_("Your organisation has already appealed this change.")) from None
    audit.record(
        actor,
        "catalogs.appeal.filed",
        appeal,
        data={
            "change": change.pk,
            "catalog": change.version.catalog.kind,
            "version": change.version.number,
            "key": change.key,
            "reason": change.reason,
        },
    )
    return appeal


@transaction.atomic(durable=True)
def decide_appeal(appeal_id: int, *, upheld: bool, decision: str, actor: Actor) -> CatalogAppeal:
    """Uphold or dismiss an appeal with a written decision (申诉决定), shown in the change log.

    Published versions never change: an upheld appeal is put right by the next version,
    which restores the entry with the appeal decision as its grounds.
    """
    require(actor, Capability.DECIDE_APPEALS)
    appeal = locks.appeal_for_update(appeal_id)
    # A decider limited to a town decides only appeals of organisations there (404 alike).
    scope.require(actor, appeal, action=CHANGE, missing=_("No such appeal."))
    to = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
    if to not in APPEAL_TRANSITIONS[appeal.status]:
        raise InvalidTransition(
            _("This appeal was already decided ({status}).").format(
                status=appeal.get_status_display()
            )
        )
    appeal.decision = _clean_text(decision, field="decision", label=_("The decision"))
    appeal.status = to
    appeal.decided_by = actor
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["status", "decision", "decided_by", "decided_at", "updated_at"])
    audit.record(
        actor,
        "catalogs.appeal.decided",
        appeal,
        data={"status": appeal.status, "decision": appeal.decision, "change": appeal.change_id},
    )
    kind = NotificationKind.APPEAL_UPHELD if upheld else NotificationKind.APPEAL_DISMISSED
    notify(
        # The appellant, while still of the organisation that appealed.
        [u for u in [appeal.filed_by] if u and u.organization_id == appeal.organization_id],
        kind,
        params={"key": appeal.change.key},
        target=reverse("catalogs:my_appeals"),
    )
    return appeal
