"""Every write that takes a draft to publication: change reasons, review, publishing."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability, has_capability
from jineng.catalogs import locks, queries
from jineng.catalogs.choices import ChangeReason, GroundsKind, VersionStatus
from jineng.catalogs.errors import BackDated, FourEyesRequired, ReasonsMissing, StaleDraft
from jineng.catalogs.models import CatalogChange, CatalogEntry, CatalogVersion
from jineng.catalogs.services.common import editable, require, touch, transition
from jineng.core import audit
from jineng.core.errors import NotFound, PermissionDenied, ValidationFailed
from jineng.organizations.models import Organization


@dataclass(frozen=True)
class ChangeInput:
    """Why some entries differ from the version before: reason and grounds."""

    reason: str
    grounds_kind: str
    grounds_reference: str
    note: str = ""


def _clean_change(change: ChangeInput) -> ChangeInput:
    if change.reason not in ChangeReason.values:
        raise ValidationFailed(
            _("Unknown change reason {value}.").format(value=change.reason), field="reason"
        )
    if change.grounds_kind not in GroundsKind.values:
        raise ValidationFailed(
            _("Unknown kind of grounds {value}.").format(value=change.grounds_kind),
            field="grounds_kind",
        )
    reference = " ".join((change.grounds_reference or "").split())
    if not reference:
        raise ValidationFailed(
            _("Say which scorecard, inspection, complaint, licence or application it rests on."),
            field="grounds_reference",
        )
    if len(reference) > 300:
        raise ValidationFailed(
            _("The grounds reference has at most 300 characters."), field="grounds_reference"
        )
    return ChangeInput(change.reason, change.grounds_kind, reference, (change.note or "").strip())


def kind_label(kind: str) -> str:
    """The translated word for a kind of difference: added, removed or changed."""
    labels = {"added": _("added"), "removed": _("removed"), "changed": _("changed")}
    return labels.get(kind, kind)


def reason_error(item: queries.EntryDiff | None, key: str, reason: str) -> str | None:
    """Explain why a reason does not fit an entry's difference, or None when it fits."""
    if item is None:
        return _("Entry {key} does not differ from the version this draft is based on.").format(
            key=key
        )
    if reason not in item.allowed_reasons:
        return _("Entry {key} was {kind}: its reason must be one of {allowed}.").format(
            key=key,
            kind=kind_label(item.kind),
            allowed=", ".join(str(ChangeReason(r).label) for r in item.allowed_reasons),
        )
    return None


def _organization_of(item: queries.EntryDiff) -> int | None:
    """The organisation an entry concerns, from its new or (if removed) its old state."""
    credit_code = (item.after or item.before or {}).get("organization")
    if not credit_code:
        return None
    organizations = Organization.objects.filter(credit_code=credit_code)
    return organizations.values_list("pk", flat=True).first()


def write_changes(
    version: CatalogVersion, keys: Sequence[str], change: ChangeInput, *, actor: Actor
) -> list[CatalogChange]:
    """Record one reason for several differing entries (the caller holds the version lock)."""
    change = _clean_change(change)
    differences = queries.diff(version.based_on, version).by_key()
    problems = [
        {"field": key, "detail": problem}
        for key in keys
        if (problem := reason_error(differences.get(key), key, change.reason))
    ]
    if problems:
        raise ValidationFailed(problems[0]["detail"], field="keys", errors=problems)
    recorded = []
    for key in keys:
        row, _created = CatalogChange.objects.update_or_create(
            version=version,
            key=key,
            defaults={
                "reason": change.reason,
                "grounds_kind": change.grounds_kind,
                "grounds_reference": change.grounds_reference,
                "note": change.note,
                "organization_id": _organization_of(differences[key]),
                "recorded_by": actor,
            },
        )
        audit.record(
            actor,
            "catalogs.change.recorded",
            row,
            data={
                "version": version.pk,
                "key": key,
                "reason": row.reason,
                "grounds_kind": row.grounds_kind,
                "grounds_reference": row.grounds_reference,
            },
        )
        recorded.append(row)
    return recorded


@transaction.atomic(durable=True)
def record_changes(
    version_id: int, keys: Sequence[str], change: ChangeInput, *, actor: Actor
) -> list[CatalogChange]:
    """Give the reason and grounds (变动原因和依据) for differences of a draft, one per key."""
    require(actor, Capability.EDIT_CATALOGS)
    version = locks.version_for_update(version_id)
    editable(version)
    if not keys:
        raise ValidationFailed(_("Choose at least one entry."), field="keys")
    recorded = write_changes(version, list(dict.fromkeys(keys)), change, actor=actor)
    touch(version, actor)
    return recorded


@transaction.atomic(durable=True)
def delete_change(change_id: int, *, actor: Actor) -> None:
    """Withdraw a recorded reason from a draft."""
    require(actor, Capability.EDIT_CATALOGS)
    version_id = CatalogChange.objects.filter(pk=change_id).values_list("version_id", flat=True)
    if not version_id:
        raise NotFound(_("No such change."))
    version = locks.version_for_update(version_id[0])
    editable(version)
    change = CatalogChange.objects.get(pk=change_id)
    audit.record(
        actor, "catalogs.change.deleted", change, data={"version": version.pk, "key": change.key}
    )
    change.delete()
    touch(version, actor)


def reason_problems(version: CatalogVersion) -> list[dict[str, str]]:
    """List every difference without a fitting reason and every reason without a difference."""
    differences = queries.diff(version.based_on, version)
    by_key = differences.by_key()
    recorded = {c.key: c for c in CatalogChange.objects.filter(version=version)}
    problems = []
    for key, item in by_key.items():
        change = recorded.get(key)
        if change is None:
            if version.based_on_id is None:
                # The first version of a catalog has nothing to differ from.
                continue
            problems.append(
                {
                    "field": key,
                    "detail": _("Entry {key} was {kind} but has no reason.").format(
                        key=key, kind=kind_label(item.kind)
                    ),
                }
            )
        elif problem := reason_error(item, key, change.reason):
            problems.append({"field": key, "detail": problem})
    for key in recorded.keys() - by_key.keys():
        problems.append({"field": key, "detail": reason_error(None, key, "") or ""})
    return sorted(problems, key=lambda p: p["field"])


@transaction.atomic(durable=True)
def submit_version(version_id: int, *, actor: Actor) -> CatalogVersion:
    """Send a draft for review once every difference carries a reason (提交审核)."""
    require(actor, Capability.EDIT_CATALOGS)
    version = locks.version_for_update(version_id)
    transition(version, VersionStatus.IN_REVIEW)
    entries = CatalogEntry.objects.filter(version=version).count()
    if version.based_on_id is None and entries == 0:
        raise ValidationFailed(_("The version has no entries."), field="entries")
    if version.based_on is not None and not queries.diff(version.based_on, version):
        raise ValidationFailed(
            _("The draft does not differ from version {number}.").format(
                number=version.based_on.number
            )
        )
    problems = reason_problems(version)
    if problems:
        raise ReasonsMissing(
            _("{n} differences lack a fitting reason; the first: {detail}").format(
                n=len(problems), detail=problems[0]["detail"]
            ),
            field="changes",
            errors=problems,
        )
    version.submitted_by = actor
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    audit.record(
        actor,
        "catalogs.version.submitted",
        version,
        data={"number": version.number, "entries": entries},
    )
    return version


@transaction.atomic(durable=True)
def return_version(version_id: int, *, actor: Actor, note: str = "") -> CatalogVersion:
    """Send a version in review back to draft, e.g. when the reviewer finds a mistake."""
    if not (
        has_capability(actor, Capability.EDIT_CATALOGS)
        or has_capability(actor, Capability.PUBLISH_CATALOGS)
    ):
        raise PermissionDenied(_("Your role may not do this."))
    version = locks.version_for_update(version_id)
    transition(version, VersionStatus.DRAFT)
    version.save(update_fields=["status", "updated_at"])
    audit.record(
        actor, "catalogs.version.returned", version, data={"number": version.number, "note": note}
    )
    return version


def _check_four_eyes(version: CatalogVersion, actor: Actor) -> None:
    prepared_by = {version.created_by_id, version.submitted_by_id}
    prepared_by.update(version.editors.values_list("pk", flat=True))
    if actor.pk in prepared_by:
        raise FourEyesRequired(
            _("You edited or submitted version {number}: another person must publish it.").format(
                number=version.number
            )
        )


def _check_dates(version: CatalogVersion, day: datetime.date, latest: Any) -> None:
    """Refuse back-dating: a version takes effect today or later, after the latest one.

    The one exception is the first version of a catalog: it records the catalog already in
    force when the platform is adopted (e.g. since 1 January), and no earlier published
    version exists whose period it could rewrite.
    """
    today = timezone.localdate()
    if day < today and latest is not None:
        raise BackDated(
            _("A version cannot take effect in the past ({day}); choose today or later.").format(
                day=day.isoformat()
            ),
            field="effective_from",
        )
    if version.based_on_id != (latest.pk if latest else None):
        raise StaleDraft(
            _(
                "Version {latest} was published after this draft was started; start a new draft "
                "from it."
            ).format(latest=latest.number if latest else "?")
        )
    if latest is not None and day <= latest.effective_from:
        raise BackDated(
            _("Version {number} takes effect on {day}; this one must take effect later.").format(
                number=latest.number, day=latest.effective_from.isoformat()
            ),
            field="effective_from",
        )


@transaction.atomic(durable=True)
def publish_version(
    version_id: int, *, actor: Actor, effective_from: datetime.date | None = None
) -> CatalogVersion:
    """Publish a reviewed version (发布) from its effective date; a second person must do it.

    The catalog row is locked first, so two publishers of the same catalog queue up and the
    second sees the first's version when it re-checks the dates and the base.
    """
    require(actor, Capability.PUBLISH_CATALOGS)
    catalog_id = CatalogVersion.objects.filter(pk=version_id).values_list("catalog_id", flat=True)
    if not catalog_id:
        raise NotFound(_("No such catalog version."))
    locks.catalog_for_update(catalog_id[0])
    version = locks.version_for_update(version_id)
    transition(version, VersionStatus.PUBLISHED)
    _check_four_eyes(version, actor)
    day = effective_from or version.effective_from
    if day is None:
        raise ValidationFailed(
            _("Choose the day the version takes effect."), field="effective_from"
        )
    latest = queries.latest_published(version.catalog_id)
    _check_dates(version, day, latest)
    now = timezone.now()
    if latest is not None:
        latest.status = VersionStatus.SUPERSEDED
        latest.superseded_at = now
        latest.save(update_fields=["status", "superseded_at", "updated_at"])
        audit.record(
            actor,
            "catalogs.version.superseded",
            latest,
            data={"number": latest.number, "by": version.number, "until": day.isoformat()},
        )
    version.effective_from = day
    version.published_by = actor
    version.published_at = now
    version.save(
        update_fields=["status", "effective_from", "published_by", "published_at", "updated_at"]
    )
    audit.record(
        actor,
        "catalogs.version.published",
        version,
        data={
            "number": version.number,
            "effective_from": day.isoformat(),
            "supersedes": latest.number if latest else None,
        },
    )
    return version
