"""Rules on claims, payment and the worker's account (FRAUD_RULES.md A/C/E).

R34 account-takeover signals: an enrolment shortly after the worker's password was reset or
set, their mobile number changed or an authenticator app added (the audit trail records each
against the account), and many workers' reset or registration codes asked for from one client
address (accounts.OneTimeCode keeps the address as a keyed hash).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Mapping

from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Cast, TruncDate
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.accounts.models import OneTimeCode
from jineng.accounts.roles import Role
from jineng.core.models import AuditEvent
from jineng.fraud.rules.base import Evidence, Hit, Threshold, Window, evidence_rows, rule
from jineng.training.models import Enrolment

# Changes to an account that whoever takes it over makes first (recorded on the account).
ACCOUNT_CHANGES = (
    "accounts.user.password_reset",
    "accounts.user.password_set",
    "accounts.user.password_changed",
    "accounts.user.phone_set",
)
# A new authenticator app: recorded on the device, by the account itself.
NEW_DEVICE = "accounts.totpdevice.confirmed"
CHANGE_WORDS = {
    "accounts.user.password_reset": _("the password was reset by text message"),
    "accounts.user.password_set": _("the password was set by the bureau"),
    "accounts.user.password_changed": _("the password was changed"),
    "accounts.user.phone_set": _("the mobile number was changed"),
    NEW_DEVICE: _("a new authenticator app was added"),
}


def _account_change_before(account: str, moment: str, hours: int) -> Subquery:
    """The latest change to the outer row's account within ``hours`` before ``moment``."""
    since = ExpressionWrapper(
        OuterRef(moment) - datetime.timedelta(hours=hours), output_field=DateTimeField()
    )
    return Subquery(
        AuditEvent.objects.filter(
            Q(
                object_type="accounts.user",
                object_id=Cast(OuterRef(account), CharField()),
                action__in=ACCOUNT_CHANGES,
            )
            | Q(actor_id=OuterRef(account), action=NEW_DEVICE),
            created_at__lte=OuterRef(moment),
            created_at__gte=since,
        )
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )


@rule(
    "R34",
    name=_("Account-takeover signals"),
    action="hold",
    defaults={"hours_after_change": 72, "accounts_per_address": 5},
    explanation=_(
        "An enrolment shortly after the worker's password was reset, their mobile number "
        "changed or a new authenticator app added; or codes for many workers' accounts asked "
        "for from one address in a day. The worker confirms with a stronger sign-in, and is "
        "told by text message, before any subsidy in their name is spent."
    ),
)
def account_takeover(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    yield from _enrolments_after_change(params, window)
    yield from _many_accounts_from_one_address(params, window)


def _enrolments_after_change(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    hours = int(params["hours_after_change"])
    enrolments = Enrolment.objects.filter(person__account__isnull=False)
    if window.since is not None:
        enrolments = enrolments.filter(created_at__gte=window.since)
    if window.person_ids:
        enrolments = enrolments.filter(person_id__in=window.person_ids)
    if window.class_ids:
        enrolments = enrolments.filter(training_class_id__in=window.class_ids)
    rows = list(
        enrolments.annotate(
            change_id=_account_change_before("person__account__id", "created_at", hours)
        )
        .filter(change_id__isnull=False)
        .order_by("pk")
        .values(
            "pk",
            "created_at",
            "person_id",
            "training_class_id",
            "change_id",
            account_id=F("person__account__id"),
            organization_id=F("training_class__programme__organization_id"),
        )
    )
    if not rows:
        return
    changes = {
        pk: (action, at)
        for pk, action, at in AuditEvent.objects.filter(
            pk__in={row["change_id"] for row in rows}
        ).values_list("pk", "action", "created_at")
    }
    for row in rows:
        change, changed_at = changes[row["change_id"]]
        yield Hit(
            subject="account",
            subject_id=row["account_id"],
            key=f"enrolment:{row['pk']}",
            summary=gettext(
                "The worker was enrolled within {hours} hours after a change to their account "
                "({change})."
            ).format(hours=hours, change=CHANGE_WORDS.get(change, change)),
            evidence=(
                {
                    "enrolment_id": row["pk"],
                    "enrolled_at": row["created_at"].isoformat(),
                    "class_id": row["training_class_id"],
                    "account_id": row["account_id"],
                    "change": change,
                    "changed_at": changed_at.isoformat(),
                    "audit_event_id": row["change_id"],
                },
            ),
            evidence_count=1,
            person_ids=(row["person_id"],),
            class_ids=(row["training_class_id"],),
        )


def _many_accounts_from_one_address(
    params: Mapping[str, Threshold], window: Window
) -> Iterator[Hit]:
    codes = OneTimeCode.objects.filter(user__role=Role.WORKER).exclude(address_hash="")
    if window.since is not None:
        codes = codes.filter(created_at__gte=window.since)
    codes = codes.annotate(day=TruncDate("created_at"))
    crowded = (
        codes.values("address_hash", "day")
        .annotate(accounts=Count("user_id", distinct=True))
        .filter(accounts__gte=int(params["accounts_per_address"]))
    )
    members = (
        codes.filter(address_hash__in=crowded.values("address_hash"), day__in=crowded.values("day"))
        .values("address_hash", "day", "user_id", "user__person_id")
        .annotate(codes=Count("pk"))
        .order_by("address_hash", "day", "user_id")
    )
    groups: dict[tuple[str, datetime.date], list[Evidence]] = defaultdict(list)
    people: dict[tuple[str, datetime.date], list[int]] = defaultdict(list)
    for row in members:
        group = (row["address_hash"], row["day"])
        groups[group].append({"account_id": row["user_id"], "codes": row["codes"]})
        if row["user__person_id"] is not None:
            people[group].append(row["user__person_id"])
    least = int(params["accounts_per_address"])
    for (address, day), rows in sorted(groups.items()):
        # The two subqueries pair an address with any crowded day: keep the crowded pairs.
        if len(rows) < least:
            continue
        shown, count = evidence_rows(rows)
        first = int(rows[0]["account_id"] or 0)
        yield Hit(
            subject="account",
            subject_id=first,
            key=f"address:{address[:16]}:{day.isoformat()}",
            summary=gettext(
                "On {day}, codes for {count} workers' accounts were asked for from one address."
            ).format(day=day.isoformat(), count=count),
            evidence=tuple({**row, "day": day.isoformat()} for row in shown),
            evidence_count=count,
            person_ids=tuple(sorted(people[(address, day)])),
        )
