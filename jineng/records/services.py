"""Writes on the lifelong record: share links."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import NotFound, PermissionDenied, ValidationFailed
from jineng.people.models import Person
from jineng.records.models import ShareLink, hash_share_token

MAX_SHARE_DAYS = 90


@transaction.atomic(durable=True)
def share_record(
    person: Person, *, actor: Actor, days: int | None = None, shows_target_groups: bool = False
) -> tuple[ShareLink, str]:
    """Create a time-limited link to a person's record (分享档案); return it and its token.

    Target groups stay off the link unless the worker asks for them: who reads a shared link
    is not known, and a group such as 残疾人 or 脱贫人口 is sensitive personal information.
    """
    if getattr(actor, "person_id", None) != person.pk:
        raise PermissionDenied(_("Only the worker can share their own record."))
    days = settings.JINENG_SHARE_LINK_DAYS if days is None else days
    if not 1 <= days <= MAX_SHARE_DAYS:
        raise ValidationFailed(
            _("A share link lasts 1 to {max} days.").format(max=MAX_SHARE_DAYS), field="days"
        )
    token = ShareLink.new_token()
    link = ShareLink.objects.create(
        person=person,
        token_hash=hash_share_token(token),
        created_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=days),
        shows_target_groups=shows_target_groups,
    )
    audit.record(
        actor,
        "records.sharelink.created",
        link,
        person_id=person.pk,
        data={"expires_at": link.expires_at, "shows_target_groups": shows_target_groups},
    )
    return link, token


@transaction.atomic(durable=True)
def revoke_share_link(link: ShareLink, *, actor: Actor) -> ShareLink:
    """Stop a share link from working before it expires."""
    if getattr(actor, "person_id", None) != link.person_id:
        raise NotFound(_("No such share link."))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit.record(actor, "records.sharelink.revoked", link, person_id=link.person_id)
    return link


@transaction.atomic(durable=True)
def open_shared_record(token: str) -> ShareLink:
    """Return a usable share link, with its person, and count the view; NotFound otherwise."""
    link = (
        ShareLink.objects.usable()
        .select_related("person__region", "person__town")
        .filter(token_hash=hash_share_token(token))
        .first()
    )
    if link is None:
        raise NotFound(_("This link has expired or does not exist."))
    ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1)
    audit.record(None, "records.sharelink.opened", link, person_id=link.person_id)
    return link


@transaction.atomic(durable=True)
def note_record_download(person: Person, *, actor: Actor, file_format: str) -> None:
    """Audit that staff downloaded a person's record (档案下载), even though it is masked."""
    audit.record(
        actor,
        "records.record.downloaded",
        person,
        person_id=person.pk,
        data={"format": file_format},
    )
