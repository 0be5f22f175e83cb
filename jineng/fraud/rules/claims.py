"""Rules on claims, payment and the worker's account (FRAUD_RULES.md A/C/E).

R34 account-takeover signals: an enrolment shortly after the worker's password was reset or
set, their mobile number changed or an authenticator app added (the audit trail records each
against the account), and many workers' reset or registration codes asked for from one client
address (accounts.OneTimeCode keeps the address as a keyed hash).

The rules on subsidy claims (jineng.subsidies: Claim, ClaimLine) look at live lines (in the
claim, of a claim not rejected): R09 the same person, occupation and level claimed twice, or
one enrolment under two kinds, or more trainings a year than the cap; R22 attended minutes a
claim is computed from above what the check-ins attest; R29 a claim submitted before the
class ended or the certificate's date; R30 an organisation's monthly claims far above its
trailing median; R33 lines the worker says are not right, which hold the class's claims.
"""

from __future__ import annotations

import calendar
import datetime
import statistics
from collections import defaultdict
from collections.abc import Iterator, Mapping

from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.accounts.models import OneTimeCode
from jineng.accounts.roles import Role
from jineng.attendance.models import Attendance
from jineng.attendance.queries import SESSION_LENGTH
from jineng.certificates.models import Certificate, CertificateStatus
from jineng.core.models import AuditEvent
from jineng.fraud.rules.base import Evidence, Hit, Threshold, Window, evidence_rows, rule
from jineng.subsidies.choices import ClaimStatus, Confirmation, SubsidyKind
from jineng.subsidies.models import Claim, ClaimLine
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


# --- Rules on subsidy claims (R09, R22, R29, R30, R33) --------------------------------------

# Kinds that pay for the training itself: a person, occupation and level is paid once by them.
TRAINING_KINDS = (
    SubsidyKind.TRAINING.value,
    SubsidyKind.SKILL_UPGRADE.value,
    SubsidyKind.APPRENTICESHIP.value,
    SubsidyKind.WORK_FOR_TRAINING.value,
)
# Kinds that pay for one enrolment's training: the same enrolment under two of them is paid
# twice (a living allowance or an evaluation subsidy beside the training subsidy is not).
ENROLMENT_KINDS = (
    SubsidyKind.TRAINING.value,
    SubsidyKind.APPRENTICESHIP.value,
    SubsidyKind.WORK_FOR_TRAINING.value,
)
_PROGRAMME = "enrolment__training_class__programme__"


def _live_lines() -> QuerySet[ClaimLine]:
    """Lines still in their claim, of claims not rejected."""
    return ClaimLine.objects.filter(active=True).exclude(claim__status=ClaimStatus.REJECTED)


def _in_window(lines: QuerySet[ClaimLine], window: Window) -> QuerySet[ClaimLine]:
    """The lines a window touches: submitted since, of these people, of these classes."""
    if window.since is not None:
        lines = lines.filter(claim__submitted_at__gte=window.since)
    if window.person_ids:
        lines = lines.filter(person_id__in=window.person_ids)
    if window.class_ids:
        lines = lines.filter(
            Q(claim__training_class_id__in=window.class_ids)
            | Q(enrolment__training_class_id__in=window.class_ids)
        )
    return lines


def _of_touched_people(window: Window) -> QuerySet[ClaimLine]:
    """Every live line of the people a window touches (every live line without a window)."""
    lines = _live_lines()
    if window.since is None and not window.person_ids and not window.class_ids:
        return lines
    touched = _in_window(_live_lines(), window).values("person_id")
    return lines.filter(person_id__in=Subquery(touched))


_LINE_FIELDS = (
    "pk",
    "kind",
    "person_id",
    "claim_id",
    "claim__number",
    "claim__organization_id",
    "claim__training_class_id",
    "enrolment_id",
    "enrolment__training_class_id",
    "certificate_id",
)


def _line_row(row: Mapping[str, object], **more: object) -> Evidence:
    """A claim line as an evidence row."""
    found: Evidence = {
        "line_id": _int(row["pk"]),
        "claim_number": str(row["claim__number"]),
        "kind": str(row["kind"]),
        "person_id": _int(row["person_id"]),
    }
    for key, value in more.items():
        found[key] = (
            value if value is None or isinstance(value, (int, float, str, bool)) else str(value)
        )
    return found


def _int(value: object) -> int:
    return int(str(value)) if value is not None else 0


def _class_of(row: Mapping[str, object]) -> int | None:
    value = row.get("claim__training_class_id") or row.get("enrolment__training_class_id")
    return _int(value) if value is not None else None


def _concerned(rows: list[Mapping[str, object]]) -> dict[str, tuple[int, ...]]:
    """Whom and what a group of lines concerns: their people, classes and claimants."""
    classes = {c for c in (_class_of(r) for r in rows) if c is not None}
    organizations = {_int(r["claim__organization_id"]) for r in rows if r["claim__organization_id"]}
    return {
        "person_ids": tuple(sorted({_int(r["person_id"]) for r in rows})),
        "class_ids": tuple(sorted(classes)),
        "organization_ids": tuple(sorted(organizations)),
    }


@rule(
    "R09",
    name=_("Subsidy claimed twice or past the cap"),
    action="block",
    defaults={"max_per_year": 3, "months_after_certificate": 12},
    labels={
        "max_per_year": _("Most training subsidies per person in a year (0: no cap)"),
        "months_after_certificate": _(
            "Months after a certificate a skill upgrade subsidy may be claimed (0: no limit)"
        ),
    },
    explanation=_(
        "The same person, occupation and level in more than one claim that is not rejected, "
        "whatever the kind of subsidy; one enrolment claimed under two kinds that both pay "
        "for the training; more training subsidies for one person in a year than the cap; "
        "training in a level below a certificate the person already held in the occupation; "
        "or a skill upgrade subsidy claimed too long after the certificate."
    ),
)
def claimed_twice(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    lines = _of_touched_people(window)
    yield from _same_occupation_and_level(lines)
    yield from _one_enrolment_two_kinds(lines)
    cap = int(params["max_per_year"])
    if cap > 0:
        yield from _more_than_the_cap(lines, cap)
    yield from _below_a_level_held(_in_window(_live_lines(), window))
    months = int(params["months_after_certificate"])
    if months > 0:
        yield from _upgrade_claimed_late(_in_window(_live_lines(), window), months)


def _below_a_level_held(lines: QuerySet[ClaimLine]) -> Iterator[Hit]:
    higher = Certificate.objects.filter(
        holder_id=OuterRef("person_id"),
        occupation_id=OuterRef(f"{_PROGRAMME}occupation_id"),
        level__rank__gt=OuterRef(f"{_PROGRAMME}skill_level__rank"),
        issued_on__lte=OuterRef("enrolment__training_class__starts_on"),
    ).exclude(status=CertificateStatus.REVOKED)
    rows = (
        lines.filter(kind=SubsidyKind.TRAINING, enrolment__isnull=False)
        .annotate(held=Subquery(higher.order_by("-level__rank", "pk").values("pk")[:1]))
        .filter(held__isnull=False)
        .order_by("pk")
        .values(*_LINE_FIELDS, "held", level_name=F(f"{_PROGRAMME}skill_level__name"))
    )
    for row in rows:
        yield Hit(
            subject="person",
            subject_id=_int(row["person_id"]),
            key=f"below:{row['pk']}",
            summary=gettext(
                "Training in {level} is claimed for a person who already held a higher "
                "certificate in the same occupation."
            ).format(level=row["level_name"]),
            evidence=(_line_row(row, level=row["level_name"], certificate_id=_int(row["held"])),),
            evidence_count=1,
            **_concerned([row]),
        )


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _upgrade_claimed_late(lines: QuerySet[ClaimLine], months: int) -> Iterator[Hit]:
    # Narrowed in SQL by four weeks a month, then decided exactly by the calendar.
    rough = ExpressionWrapper(
        F("certificate__issued_on") + datetime.timedelta(days=28 * months),
        output_field=DateField(),
    )
    rows = (
        lines.filter(kind=SubsidyKind.SKILL_UPGRADE, certificate__isnull=False)
        .annotate(submitted_on=TruncDate("claim__submitted_at"))
        .filter(submitted_on__gt=rough)
        .order_by("pk")
        .values(*_LINE_FIELDS, "submitted_on", "certificate__issued_on")
    )
    for row in rows:
        issued = row["certificate__issued_on"]
        submitted = row["submitted_on"]
        if not isinstance(issued, datetime.date) or not isinstance(submitted, datetime.date):
            continue
        deadline = _add_months(issued, months)
        if submitted <= deadline:
            continue
        yield Hit(
            subject="claim",
            subject_id=_int(row["claim_id"]),
            key=f"late:{row['pk']}",
            summary=gettext(
                "A skill upgrade subsidy is claimed on {day} for a certificate of {issued}: "
                "more than {months} months after it."
            ).format(day=submitted.isoformat(), issued=issued.isoformat(), months=months),
            evidence=(
                _line_row(
                    row,
                    certificate_issued_on=issued.isoformat(),
                    submitted_on=submitted.isoformat(),
                    deadline=deadline.isoformat(),
                ),
            ),
            evidence_count=1,
            **_concerned([row]),
        )


def _same_occupation_and_level(lines: QuerySet[ClaimLine]) -> Iterator[Hit]:
    paid = (
        lines.filter(kind__in=TRAINING_KINDS)
        .annotate(
            occupation=Coalesce(F(f"{_PROGRAMME}occupation_id"), F("certificate__occupation_id")),
            level=Coalesce(F(f"{_PROGRAMME}skill_level_id"), F("certificate__level_id")),
            occupation_code=Coalesce(
                F(f"{_PROGRAMME}occupation__code"), F("certificate__occupation__code")
            ),
            level_name=Coalesce(F(f"{_PROGRAMME}skill_level__name"), F("certificate__level__name")),
        )
        .filter(occupation__isnull=False, level__isnull=False)
    )
    twice = (
        paid.values("person_id", "occupation", "level")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .values("person_id")
    )
    groups: dict[tuple[int, int, int], list[Mapping[str, object]]] = defaultdict(list)
    rows = (
        paid.filter(person_id__in=Subquery(twice))
        .order_by("person_id", "claim__submitted_at", "pk")
        .values(*_LINE_FIELDS, "occupation", "level", "occupation_code", "level_name")
    )
    for row in rows:
        groups[(_int(row["person_id"]), _int(row["occupation"]), _int(row["level"]))].append(row)
    for (person, occupation, level), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        shown, count = evidence_rows(
            [_line_row(r, occupation=r["occupation_code"], level=r["level_name"]) for r in members]
        )
        yield Hit(
            subject="person",
            subject_id=person,
            key=f"occupation:{person}:{occupation}:{level}",
            summary=gettext(
                "{occupation} {level} is claimed {count} times for one person: a person, "
                "occupation and level is subsidised once."
            ).format(
                occupation=members[0]["occupation_code"],
                level=members[0]["level_name"],
                count=count,
            ),
            evidence=shown,
            evidence_count=count,
            **_concerned(members),
        )


def _one_enrolment_two_kinds(lines: QuerySet[ClaimLine]) -> Iterator[Hit]:
    paid = lines.filter(kind__in=ENROLMENT_KINDS, enrolment__isnull=False)
    twice = (
        paid.values("enrolment_id")
        .annotate(kinds=Count("kind", distinct=True))
        .filter(kinds__gte=2)
        .values("enrolment_id")
    )
    groups: dict[int, list[Mapping[str, object]]] = defaultdict(list)
    for row in (
        paid.filter(enrolment_id__in=Subquery(twice))
        .order_by("enrolment_id", "pk")
        .values(*_LINE_FIELDS)
    ):
        groups[_int(row["enrolment_id"])].append(row)
    for enrolment, members in sorted(groups.items()):
        shown, count = evidence_rows([_line_row(r, enrolment_id=enrolment) for r in members])
        yield Hit(
            subject="person",
            subject_id=_int(members[0]["person_id"]),
            key=f"enrolment:{enrolment}",
            summary=gettext(
                "One enrolment is claimed under {count} kinds of subsidy that each pay for the "
                "training."
            ).format(count=len({r["kind"] for r in members})),
            evidence=shown,
            evidence_count=count,
            **_concerned(members),
        )


def _more_than_the_cap(lines: QuerySet[ClaimLine], cap: int) -> Iterator[Hit]:
    paid = lines.filter(kind=SubsidyKind.TRAINING)
    over = (
        paid.values("person_id", "claim__year")
        .annotate(n=Count("pk"))
        .filter(n__gt=cap)
        .values("person_id")
    )
    groups: dict[tuple[int, int], list[Mapping[str, object]]] = defaultdict(list)
    rows = (
        paid.filter(person_id__in=Subquery(over))
        .order_by("person_id", "claim__submitted_at", "pk")
        .values(*_LINE_FIELDS, "claim__year")
    )
    for row in rows:
        groups[(_int(row["person_id"]), _int(row["claim__year"]))].append(row)
    for (person, year), members in sorted(groups.items()):
        if len(members) <= cap:
            continue
        shown, count = evidence_rows([_line_row(r, year=year) for r in members])
        yield Hit(
            subject="person",
            subject_id=person,
            key=f"year:{person}:{year}",
            summary=gettext(
                "{count} training subsidies are claimed for one person in {year}; at most {cap} "
                "are paid a year."
            ).format(count=count, year=year, cap=cap),
            evidence=shown,
            evidence_count=count,
            **_concerned(members),
        )


@rule(
    "R22",
    name=_("More hours claimed than attended"),
    action="block",
    defaults={"tolerance_minutes": 30},
    labels={
        "tolerance_minutes": _(
            "Minutes the attendance a claim counts may exceed what the check-ins attest"
        )
    },
    explanation=_(
        "A claim line counts more attended minutes for a trainee than the trainee's own "
        "check-ins attest (the scheduled length of the sessions they checked in to, rejected "
        "and invalid check-ins left out). The difference is not paid."
    ),
)
def more_hours_than_attended(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    tolerance = int(params["tolerance_minutes"])
    lines = _in_window(_live_lines(), window).filter(
        enrolment__isnull=False, enrolment__attended_minutes__isnull=False
    )
    attested = (
        Attendance.objects.filter(enrolment_id__in=Subquery(lines.values("enrolment_id")))
        .counted()
        .values("enrolment_id")
        .annotate(total=Sum(SESSION_LENGTH))
        .order_by()
    )
    minutes = {
        _int(row["enrolment_id"]): int(row["total"].total_seconds() // 60)
        for row in attested
        if isinstance(row["total"], datetime.timedelta)
    }
    groups: dict[int, list[Evidence]] = defaultdict(list)
    concerned: dict[int, list[Mapping[str, object]]] = defaultdict(list)
    rows = lines.order_by("claim_id", "pk").values(
        *_LINE_FIELDS, "enrolment__attended_minutes", "enrolment__required_hours"
    )
    for row in rows:
        counted = _int(row["enrolment__attended_minutes"])
        checked = minutes.get(_int(row["enrolment_id"]), 0)
        if counted <= checked + tolerance:
            continue
        claim = _int(row["claim_id"])
        groups[claim].append(
            _line_row(
                row,
                enrolment_id=_int(row["enrolment_id"]),
                counted_minutes=counted,
                attested_minutes=checked,
                required_hours=row["enrolment__required_hours"],
            )
        )
        concerned[claim].append(row)
    for claim, found in sorted(groups.items()):
        shown, count = evidence_rows(found)
        yield Hit(
            subject="claim",
            subject_id=claim,
            key=f"claim:{claim}",
            summary=gettext(
                "Claim {number} counts more attended minutes than the check-ins attest for "
                "{count} trainees (first: {counted} counted, {attested} attested)."
            ).format(
                number=found[0]["claim_number"],
                count=count,
                counted=found[0]["counted_minutes"],
                attested=found[0]["attested_minutes"],
            ),
            evidence=shown,
            evidence_count=count,
            **_concerned(concerned[claim]),
        )


@rule(
    "R29",
    name=_("Claim before the class ended or the certificate's date"),
    action="block",
    defaults={},
    explanation=_(
        "A claim submitted before the last day of the class it pays for, or before the date "
        "of the certificate it pays for. Money is paid only after completion and assessment."
    ),
)
def claimed_too_early(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    lines = (
        _in_window(_live_lines(), window)
        .annotate(submitted_on=TruncDate("claim__submitted_at"))
        .filter(
            Q(
                enrolment__isnull=False,
                submitted_on__lt=F("enrolment__training_class__ends_on"),
            )
            | Q(
                claim__training_class__isnull=False,
                submitted_on__lt=F("claim__training_class__ends_on"),
            )
            | Q(certificate__isnull=False, submitted_on__lt=F("certificate__issued_on"))
        )
        .order_by("claim_id", "pk")
        .values(
            *_LINE_FIELDS,
            "submitted_on",
            "certificate__issued_on",
            class_ends_on=Coalesce(
                F("claim__training_class__ends_on"), F("enrolment__training_class__ends_on")
            ),
        )
    )
    groups: dict[int, list[Mapping[str, object]]] = defaultdict(list)
    for row in lines:
        groups[_int(row["claim_id"])].append(row)
    for claim, members in sorted(groups.items()):
        first = members[0]
        shown, count = evidence_rows(
            [
                _line_row(
                    r,
                    submitted_on=_iso(r["submitted_on"]),
                    class_ends_on=_iso(r["class_ends_on"]),
                    certificate_issued_on=_iso(r["certificate__issued_on"]),
                )
                for r in members
            ]
        )
        if first["certificate__issued_on"] is not None and first["class_ends_on"] is None:
            summary = gettext(
                "Claim {number} was submitted on {day}, before the certificate's date {date}."
            ).format(
                number=first["claim__number"],
                day=_iso(first["submitted_on"]),
                date=_iso(first["certificate__issued_on"]),
            )
        else:
            summary = gettext(
                "Claim {number} was submitted on {day}, before its class ended on {date}."
            ).format(
                number=first["claim__number"],
                day=_iso(first["submitted_on"]),
                date=_iso(first["class_ends_on"]),
            )
        yield Hit(
            subject="claim",
            subject_id=claim,
            key=f"claim:{claim}",
            summary=summary,
            evidence=shown,
            evidence_count=count,
            **_concerned(members),
        )


def _iso(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _month_index(value: object) -> int:
    day = value.date() if isinstance(value, datetime.datetime) else value
    assert isinstance(day, datetime.date)
    return day.year * 12 + day.month - 1


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@rule(
    "R30",
    name=_("Claim bursts"),
    action="hold",
    defaults={
        "ratio": 3.0,
        "min_monthly": 5,
        "months": 12,
        "daily_ratio": 5.0,
        "min_daily": 20,
        "baseline_days": 30,
    },
    labels={
        "months": _("Months of history the median is taken over"),
        "daily_ratio": _("How many times the city's daily median counts as a spike"),
        "min_daily": _("Fewest claims in the city in a day before a spike counts"),
        "baseline_days": _("Days of history the city's daily median is taken over"),
    },
    explanation=_(
        "An institution's or employer's claims in a month are more than the given times the "
        "median of its months before (up to a year, from its first claim); or the whole "
        "city's claims in a day are many times the median of the days before. New claims "
        "from that institution or employer, or from that day's claimants, are held while the "
        "burst is reviewed."
    ),
)
def claim_bursts(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    yield from _monthly_bursts(params, window)
    if not window.class_ids and not window.person_ids:
        yield from _city_daily_spikes(params, window)


def _city_daily_spikes(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    ratio = float(params["daily_ratio"])
    least = int(params["min_daily"])
    span = max(int(params["baseline_days"]), 1)
    days = {
        row["day"]: _int(row["n"])
        for row in Claim.objects.annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    }
    if not days:
        return
    first = min(days)
    since = timezone.localdate(window.since) if window.since is not None else None
    spikes: dict[datetime.date, tuple[int, float]] = {}
    for day, count in sorted(days.items()):
        if count < least or day == first or (since is not None and day < since):
            continue
        start = max(first, day - datetime.timedelta(days=span))
        history = [
            days.get(start + datetime.timedelta(days=n), 0) for n in range((day - start).days)
        ]
        median = statistics.median(history)
        if count > ratio * median:
            spikes[day] = (count, float(median))
    if not spikes:
        return
    cohort: dict[datetime.date, list[Mapping[str, object]]] = defaultdict(list)
    for row in (
        Claim.objects.annotate(day=TruncDate("submitted_at"))
        .filter(day__in=list(spikes))
        .order_by("day", "pk")
        .values("pk", "day", "organization_id", "person_id")
    ):
        cohort[row["day"]].append(row)
    for day, (count, median) in sorted(spikes.items()):
        members = cohort[day]
        by_claimant: dict[str, int] = defaultdict(int)
        for member in members:
            if member["organization_id"] is not None:
                by_claimant[f"organization:{member['organization_id']}"] += 1
            else:
                by_claimant[f"person:{member['person_id']}"] += 1
        rows: list[Evidence] = [
            {"claimant": claimant, "count": n, "day": day.isoformat()}
            for claimant, n in sorted(by_claimant.items(), key=lambda item: (-item[1], item[0]))
        ]
        shown, _count = evidence_rows(rows)
        yield Hit(
            subject="claim",
            subject_id=_int(members[0]["pk"]),
            key=f"spike:{day.isoformat()}",
            summary=gettext(
                "{count} claims in the city on {day}, more than {ratio} times the median of "
                "the days before ({median})."
            ).format(count=count, day=day.isoformat(), ratio=ratio, median=median),
            evidence=shown,
            evidence_count=len(rows),
            person_ids=tuple(sorted({_int(r["person_id"]) for r in members if r["person_id"]})),
            organization_ids=tuple(
                sorted({_int(r["organization_id"]) for r in members if r["organization_id"]})
            ),
        )


def _monthly_bursts(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    ratio = float(params["ratio"])
    least = int(params["min_monthly"])
    span = max(int(params["months"]), 1)
    claims = Claim.objects.filter(organization__isnull=False)
    if window.class_ids or window.person_ids:
        touched = _in_window(
            _live_lines(), Window(class_ids=window.class_ids, person_ids=window.person_ids)
        ).values("claim__organization_id")
        claims = claims.filter(organization_id__in=Subquery(touched))
    monthly = (
        claims.annotate(month=TruncMonth("submitted_at"))
        .values("organization_id", "month")
        .annotate(n=Count("pk"))
        .order_by("organization_id", "month")
    )
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for row in monthly:
        counts[_int(row["organization_id"])][_month_index(row["month"])] = _int(row["n"])
    since = _month_index(timezone.localtime(window.since)) if window.since is not None else None
    for organization, months in sorted(counts.items()):
        first = min(months)
        for month, count in sorted(months.items()):
            if count < least or month == first or (since is not None and month < since):
                continue
            history = [months.get(m, 0) for m in range(max(first, month - span), month)]
            median = statistics.median(history)
            if count <= ratio * median:
                continue
            yield Hit(
                subject="organization",
                subject_id=organization,
                key=f"burst:{organization}:{_month_name(month)}",
                summary=gettext(
                    "{count} claims in {month}, more than {ratio} times the median of the "
                    "months before ({median})."
                ).format(count=count, month=_month_name(month), ratio=ratio, median=median),
                evidence=(
                    {
                        "organization_id": organization,
                        "month": _month_name(month),
                        "count": count,
                        "median": float(median),
                        "months_compared": len(history),
                    },
                ),
                evidence_count=1,
                organization_ids=(organization,),
            )


@rule(
    "R33",
    name=_("Trainee says a claim is not right"),
    action="hold",
    defaults={"min_disputed": 1},
    labels={"min_disputed": _("Fewest lines a worker disputes before the class is held")},
    explanation=_(
        "A worker says a claim line in their name is not right (they did not attend, or did "
        "not enrol). Every claim of that class and institution is held until the case is "
        "reviewed; visits without notice complement it, because trainees may be coached."
    ),
)
def trainee_disputes(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    least = max(int(params["min_disputed"]), 1)
    lines = (
        _in_window(_live_lines(), window)
        .filter(confirmation=Confirmation.DISPUTED)
        .order_by("claim_id", "pk")
        .values(*_LINE_FIELDS, "confirmed_at")
    )
    groups: dict[tuple[str, int], list[Mapping[str, object]]] = defaultdict(list)
    for row in lines:
        training_class = _class_of(row)
        if training_class is not None:
            groups[("class", training_class)].append(row)
        else:
            groups[("claim", _int(row["claim_id"]))].append(row)
    for (what, pk), members in sorted(groups.items()):
        if len(members) < least:
            continue
        shown, count = evidence_rows([_line_row(r) for r in members])
        yield Hit(
            subject="class" if what == "class" else "claim",
            subject_id=pk,
            key=f"{what}:{pk}",
            summary=gettext("Lines disputed by the workers they name: {count}.").format(
                count=count
            ),
            evidence=shown,
            evidence_count=count,
            **_concerned(members),
        )
