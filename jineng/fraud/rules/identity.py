"""Rules on the trainee's identity and eligibility and on borrowed IDs (FRAUD_RULES.md A/B).

R01 ID validity, R02 age window, R06 eligibility time-travel, R10 shared contact, R13 mass
registration by staff, R14 roster recycling. Each check is a few aggregate queries; Python only
turns the groups they return into hits.

What the platform does not keep, these rules cannot look at: citizen IDs are stored encrypted
(only a keyed hash is searchable), so a scan checks the birth date and sex derived from them
and only a check on write (a few people) has people check the numbers themselves
(people.system_reads, the one place that decrypts them: the rules see reasons, not numbers);
bank accounts, device fingerprints other than the check-in device, and postal addresses of
people are not recorded.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, ExtractYear, Lower
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.attendance.choices import AttendanceMethod
from jineng.attendance.models import Attendance
from jineng.catalogs.models import CatalogEntry, EntrySubsidy
from jineng.core import pii
from jineng.core.models import AuditEvent
from jineng.fraud.rules.base import Evidence, Hit, Threshold, Window, evidence_rows, rule
from jineng.people.models import Person, TargetGroupMembership, age_on
from jineng.people.system_reads import (
    ID_NUMBER_INVALID,
    ID_NUMBER_MISMATCH,
    citizen_id_problems,
    phone_keys,
)
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass

# Places that kept or keep a seat, in classes past the institution's own drafts.
_SEATED = (
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.NOT_COMPLETED,
)
_LIVE_CLASS = (
    ClassStatus.SUBMITTED,
    ClassStatus.APPROVED,
    ClassStatus.RUNNING,
    ClassStatus.CLOSED,
    ClassStatus.ARCHIVED,
)
# The earliest birth date a living trainee can have.
_OLDEST = datetime.date(1900, 1, 1)


def _enrolments(window: Window) -> QuerySet[Enrolment]:
    """Seated places in live classes, limited to the window's classes, people and changes."""
    enrolments = Enrolment.objects.filter(
        status__in=_SEATED, training_class__status__in=_LIVE_CLASS
    )
    if window.since is not None:
        enrolments = enrolments.filter(
            Q(created_at__gte=window.since)
            | Q(updated_at__gte=window.since)
            | Q(person__updated_at__gte=window.since)
        )
    if window.class_ids:
        enrolments = enrolments.filter(training_class_id__in=window.class_ids)
    if window.person_ids:
        enrolments = enrolments.filter(person_id__in=window.person_ids)
    return enrolments


def _ymd(path: str) -> Any:
    """A date as the number yyyymmdd: whole years between two are their difference // 10000."""
    return ExtractYear(path) * Value(10000) + ExtractMonth(path) * Value(100) + ExtractDay(path)


def _short(value: str) -> str:
    """A value as a short stable digest, for keys and evidence that must not show it."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


# --- R01 -------------------------------------------------------------------------------------


@rule(
    "R01",
    name=_("ID validity"),
    action="block",
    defaults={"verify_numbers_on_write": True, "max_numbers_read": 500},
    labels={
        "verify_numbers_on_write": _(
            "On a check of a few people (a claim or an enrolment), also read their citizen "
            "IDs and check the check digit, birth date and region code"
        ),
        "max_numbers_read": _("At most this many citizen IDs read in one check on write"),
    },
    explanation=_(
        "The citizen ID recorded for you does not hold together: its check digit, birth date "
        "or region code is not valid, or the birth date or sex recorded does not match it. "
        "An enrolment needs a valid ID: please have it corrected at the service desk."
    ),
)
def id_validity(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    trainees = Person.objects.filter(
        Exists(_enrolments(Window(class_ids=window.class_ids)).filter(person_id=OuterRef("pk")))
    )
    if window.person_ids:
        trainees = trainees.filter(pk__in=window.person_ids)
    if window.since is not None:
        trainees = trainees.filter(
            Q(updated_at__gte=window.since)
            | Q(
                Exists(
                    Enrolment.objects.filter(person_id=OuterRef("pk"), created_at__gte=window.since)
                )
            )
        )
    # The facts derived from the number are stored in clear: a real birth date and a sex.
    today = timezone.localdate()
    broken = trainees.filter(
        Q(birth_date__gt=today) | Q(birth_date__lt=_OLDEST) | ~Q(sex__in=("M", "F"))
    )
    found: dict[int, dict[str, Any]] = {}
    for row in broken.order_by("pk").values("pk", "name", "birth_date", "sex"):
        reason = "birth_date" if not _OLDEST <= row["birth_date"] <= today else "sex"
        found[row["pk"]] = {**row, "reason": reason}
    # The number itself is encrypted: read it only for the few people a write concerns.
    few = (
        bool(params.get("verify_numbers_on_write", True))
        and window.person_ids
        and len(window.person_ids) <= int(params["max_numbers_read"])
    )
    if few:
        # people reads and checks the numbers (people.system_reads); only the reasons come back.
        unread = trainees.exclude(pk__in=found)
        problems = citizen_id_problems(list(unread.values_list("pk", flat=True)))
        for row in (
            unread.filter(pk__in=list(problems))
            .order_by("pk")
            .values("pk", "name", "birth_date", "sex")
        ):
            found[row["pk"]] = {**row, "reason": problems[row["pk"]]}
    for person_id in sorted(found):
        found_row = found[person_id]
        yield Hit(
            subject="person",
            subject_id=person_id,
            key=f"person:{person_id}",
            summary=gettext(
                "The citizen ID of trainee {name} is not valid ({reason}); enrolment is blocked "
                "until it is corrected."
            ).format(
                name=pii.mask_name(found_row["name"]), reason=_R01_REASONS[found_row["reason"]]
            ),
            evidence=(
                {
                    "person_id": person_id,
                    "reason": found_row["reason"],
                    "birth_date_valid": _OLDEST <= found_row["birth_date"] <= today,
                    "sex": found_row["sex"],
                },
            ),
            evidence_count=1,
            person_ids=(person_id,),
        )


_R01_REASONS = {
    "birth_date": _("the birth date is not a real date of a living person"),
    "sex": _("the sex is not recorded as the number gives it"),
    ID_NUMBER_INVALID: _("the check digit, birth date or region code of the number is wrong"),
    ID_NUMBER_MISMATCH: _("the birth date or sex recorded differs from the number's"),
}


# --- R02 -------------------------------------------------------------------------------------


# The gradual raising of the statutory retirement age (全国人民代表大会常务委员会关于实施渐进式
# 延迟法定退休年龄的决定, from 1 January 2025): for people reaching the old age from 2025 on, one
# month more per four months of birth (per two months from the base of 50), up to three years
# (five from the base of 50). Keyed by the old age: (months per step, most months added).
_GRADUAL_STEPS = {60: (4, 36), 55: (4, 36), 50: (2, 60)}
_REFORM_YEAR = 2025


def _retirement_months(base_age: int, gradual: bool) -> Any:
    """The statutory retirement age in months of the row's person, as an SQL expression."""
    base = Value(base_age * 12)
    if not gradual or base_age not in _GRADUAL_STEPS:
        return base
    step, most = _GRADUAL_STEPS[base_age]
    # Months of birth from January of the first year whose people reach the old age in 2025.
    # Cast: PostgreSQL extracts numerics, whose division is not the whole-number one.
    since = Cast(
        ExtractYear("person__birth_date") * Value(12)
        + ExtractMonth("person__birth_date")
        - Value(1 + (_REFORM_YEAR - base_age) * 12),
        IntegerField(),
    )
    added = Case(
        When(LessThan(since, 0), then=Value(0)),
        When(GreaterThanOrEqual(since, most * step), then=Value(most)),
        default=since / Value(step) + Value(1),
        output_field=IntegerField(),
    )
    return base + added


@rule(
    "R02",
    name=_("Age window"),
    action="hold",
    defaults={
        "min_age": 16,
        "retirement_age_men": 60,
        "retirement_age_women": 55,
        "gradual_retirement": True,
        "subsidised_only": True,
    },
    labels={
        "min_age": _("Youngest age at the class start (when the catalog entry sets none)"),
        "retirement_age_men": _(
            "Statutory retirement age of men before the 2025 reform: from this age at the class "
            "start a man is outside the window (when the catalog entry sets no maximum age)"
        ),
        "retirement_age_women": _(
            "Statutory retirement age of women before the 2025 reform (50 or 55): from this age "
            "at the class start a woman is outside the window (when the catalog entry sets no "
            "maximum age)"
        ),
        "gradual_retirement": _(
            "Raise the retirement ages month by month as the 2025 reform does, by birth month"
        ),
        "subsidised_only": _(
            "Look only at classes that train for a subsidised catalog entry (others pay no subsidy)"
        ),
    },
    explanation=_(
        "Your age on the first day of the class is outside the ages the training's subsidy "
        "is for: the catalog entry's age range, or else from the working age to the statutory "
        "retirement age. The claim waits until a reviewer has looked at it."
    ),
)
def age_window(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    gradual = bool(params.get("gradual_retirement", True))
    retirement = Case(
        When(
            person__sex="F",
            then=_retirement_months(int(params["retirement_age_women"]), gradual),
        ),
        default=_retirement_months(int(params["retirement_age_men"]), gradual),
        output_field=IntegerField(),
    )
    enrolments = _enrolments(window)
    if params.get("subsidised_only", True):
        enrolments = enrolments.filter(
            Q(training_class__catalog_entry__isnull=False)
            | ~Q(training_class__programme__catalog_entry_key="")
        )
    rows = (
        enrolments.annotate(
            gap=ExpressionWrapper(
                _ymd("training_class__starts_on") - _ymd("person__birth_date"),
                output_field=IntegerField(),
            ),
            # Whole months of age on the first day.
            age_months=ExpressionWrapper(
                (ExtractYear("training_class__starts_on") - ExtractYear("person__birth_date"))
                * Value(12)
                + ExtractMonth("training_class__starts_on")
                - ExtractMonth("person__birth_date")
                - Case(
                    When(
                        Q(training_class__starts_on__day__lt=ExtractDay("person__birth_date")),
                        then=Value(1),
                    ),
                    default=Value(0),
                ),
                output_field=IntegerField(),
            ),
            youngest=Coalesce(
                F("training_class__catalog_entry__age_min"), Value(int(params["min_age"]))
            ),
            entry_oldest=F("training_class__catalog_entry__age_max"),
            retirement_months=retirement,
        )
        .filter(
            Q(gap__lt=F("youngest") * 10000)
            | Q(entry_oldest__isnull=False, gap__gte=(F("entry_oldest") + 1) * 10000)
            | Q(entry_oldest__isnull=True, age_months__gte=F("retirement_months"))
        )
        .order_by("pk")
        .values(
            "pk",
            "person_id",
            "person__name",
            "person__birth_date",
            "training_class_id",
            "training_class__code",
            "training_class__starts_on",
            "youngest",
            "entry_oldest",
            "age_months",
            "retirement_months",
        )
    )
    for row in rows:
        age = age_on(row["person__birth_date"], row["training_class__starts_on"])
        values = {
            "name": pii.mask_name(row["person__name"]),
            "age": age,
            "code": row["training_class__code"],
            "youngest": row["youngest"],
        }
        if row["entry_oldest"] is not None or age < row["youngest"]:
            oldest = row["entry_oldest"]
            summary = gettext(
                "Trainee {name} was {age} on the first day of class {code}, outside the ages "
                "{youngest} to {oldest}."
            ).format(**values, oldest=oldest if oldest is not None else "—")
        else:
            years, months = divmod(int(row["retirement_months"]), 12)
            summary = gettext(
                "Trainee {name} was {age} on the first day of class {code}, at or above the "
                "statutory retirement age of {years} years and {months} months."
            ).format(**values, years=years, months=months)
        yield Hit(
            subject="person",
            subject_id=row["person_id"],
            key=f"enrolment:{row['pk']}",
            summary=summary,
            evidence=(
                {
                    "enrolment_id": row["pk"],
                    "person_id": row["person_id"],
                    "class_id": row["training_class_id"],
                    "class_starts_on": row["training_class__starts_on"].isoformat(),
                    "age_at_start": age,
                    "age_months_at_start": row["age_months"],
                    "youngest": row["youngest"],
                    "oldest": row["entry_oldest"],
                    "retirement_age_months": row["retirement_months"],
                },
            ),
            evidence_count=1,
            person_ids=(row["person_id"],),
            class_ids=(row["training_class_id"],),
        )


# --- R06 -------------------------------------------------------------------------------------


@rule(
    "R06",
    name=_("Eligibility time-travel"),
    action="hold",
    defaults={},
    explanation=_(
        "The target-group membership that makes you eligible for this class's subsidy (for "
        "example a disability certificate, low-income status or unemployment registration) "
        "starts after the class started, and you held none of that group on the first day. "
        "The claim waits until a reviewer has looked at it."
    ),
)
def eligibility_time_travel(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    # A group counts if the class's catalog entry limits the subsidy to it or pays it more.
    eligible = CatalogEntry.target_groups.through.objects.filter(
        catalogentry_id=OuterRef(OuterRef("training_class__catalog_entry_id")),
        targetgroup_id=OuterRef("group_id"),
    )
    paid_more = EntrySubsidy.objects.filter(
        entry_id=OuterRef(OuterRef("training_class__catalog_entry_id")),
        target_group_id=OuterRef("group_id"),
    )
    held_at_start = TargetGroupMembership.objects.filter(
        person_id=OuterRef(OuterRef("person_id")),
        group_id=OuterRef("group_id"),
        valid_from__lte=OuterRef(OuterRef("training_class__starts_on")),
    ).filter(
        Q(valid_until__isnull=True)
        | Q(valid_until__gte=OuterRef(OuterRef("training_class__starts_on")))
    )
    late = (
        TargetGroupMembership.objects.filter(
            person_id=OuterRef("person_id"),
            valid_from__gt=OuterRef("training_class__starts_on"),
        )
        .filter(Q(Exists(eligible)) | Q(Exists(paid_more)))
        .exclude(Exists(held_at_start))
        .order_by("valid_from", "pk")
    )
    rows = list(
        _enrolments(window)
        .filter(training_class__catalog_entry__isnull=False)
        .annotate(late_id=Subquery(late.values("pk")[:1]))
        .filter(late_id__isnull=False)
        .order_by("pk")
        .values(
            "pk",
            "person_id",
            "person__name",
            "late_id",
            "training_class_id",
            "training_class__code",
            "training_class__starts_on",
        )
    )
    if not rows:
        return
    memberships = {
        m["pk"]: m
        for m in TargetGroupMembership.objects.filter(
            pk__in={row["late_id"] for row in rows}
        ).values("pk", "group__code", "group__name", "valid_from", "source")
    }
    for row in rows:
        membership = memberships[row["late_id"]]
        yield Hit(
            subject="person",
            subject_id=row["person_id"],
            key=f"enrolment:{row['pk']}",
            summary=gettext(
                "Trainee {name} became eligible as {group} on {since}, after class {code} "
                "started on {starts}."
            ).format(
                name=pii.mask_name(row["person__name"]),
                group=membership["group__name"],
                since=membership["valid_from"].isoformat(),
                code=row["training_class__code"],
                starts=row["training_class__starts_on"].isoformat(),
            ),
            evidence=(
                {
                    "enrolment_id": row["pk"],
                    "person_id": row["person_id"],
                    "class_id": row["training_class_id"],
                    "class_starts_on": row["training_class__starts_on"].isoformat(),
                    "membership_id": membership["pk"],
                    "target_group": membership["group__code"],
                    "valid_from": membership["valid_from"].isoformat(),
                    "source": membership["source"],
                },
            ),
            evidence_count=1,
            person_ids=(row["person_id"],),
            class_ids=(row["training_class_id"],),
        )


# --- R10 -------------------------------------------------------------------------------------

# What several trainees may share, in words for the summary.
SHARED_CONTACT = {
    "phone": _("mobile number"),
    "account_phone": _("account mobile number"),
    "email": _("e-mail address"),
    "device": _("check-in device"),
}


def _contact_pairs(kind: str) -> QuerySet[Any, Any]:
    """(value, person) rows of one kind of contact, each value non-empty."""
    trainees = Enrolment.objects.filter(status__in=_SEATED).values("person_id")
    if kind == "phone":
        return phone_keys(Person.objects.filter(pk__in=trainees))
    if kind == "account_phone":
        return (
            User.objects.filter(role=Role.WORKER, person__in=trainees)
            .exclude(phone_hash="")
            .values(value=F("phone_hash"), who=F("person_id"))
        )
    if kind == "email":
        return (
            User.objects.filter(role=Role.WORKER, person__in=trainees)
            .exclude(email="")
            .annotate(value=Lower("email"))
            .values("value", who=F("person_id"))
        )
    # The device cookie of check-ins the trainee made on a phone (not those staff recorded).
    return (
        Attendance.objects.filter(method=AttendanceMethod.QR)
        .exclude(device_id="")
        .values(value=F("device_id"), who=F("enrolment__person_id"))
    )


@rule(
    "R10",
    name=_("Shared contact or payee"),
    action="hold",
    defaults={
        "max_people": 3,
        "use_phone": True,
        "use_account_phone": True,
        "use_email": True,
        "use_device": True,
    },
    labels={
        "max_people": _("Most trainees one mobile number, e-mail or device may belong to"),
        "use_phone": _("Compare the trainees' mobile numbers"),
        "use_account_phone": _("Compare the mobile numbers of the trainees' accounts"),
        "use_email": _("Compare the e-mail addresses of the trainees' accounts"),
        "use_device": _("Compare the devices the trainees checked in from"),
    },
    explanation=_(
        "The mobile number, e-mail address or check-in device linked to you is linked to more "
        "trainees than one person normally uses: someone may be using other people's IDs. "
        "The claims of everyone linked wait until a reviewer has looked at them."
    ),
)
def shared_contact(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    most = int(params["max_people"])
    for kind in SHARED_CONTACT:
        if not params.get(f"use_{kind}", True):
            continue
        pairs = _contact_pairs(kind)
        shared = (
            pairs.values("value")
            .annotate(n=Count("who", distinct=True))
            .filter(n__gt=most)
            .values("value")
        )
        if window.person_ids or window.class_ids:
            touched = pairs
            if window.person_ids:
                touched = touched.filter(who__in=window.person_ids)
            if window.class_ids:
                touched = touched.filter(
                    who__in=Enrolment.objects.filter(training_class_id__in=window.class_ids).values(
                        "person_id"
                    )
                )
            shared = shared.filter(value__in=touched.values("value"))
        members = (
            pairs.filter(value__in=shared)
            .values_list("value", "who")
            .distinct()
            .order_by("value", "who")
        )
        groups: dict[str, list[int]] = defaultdict(list)
        for value, person_id in members:
            groups[value].append(person_id)
        for value, people in sorted(groups.items()):
            digest = _short(value)
            rows: list[Evidence] = [{"person_id": p, "shared": kind} for p in people]
            shown, count = evidence_rows(rows)
            yield Hit(
                subject="person",
                subject_id=people[0],
                key=f"{kind}:{digest}",
                summary=gettext("{count} trainees share one {what}.").format(
                    count=count, what=SHARED_CONTACT[kind]
                ),
                evidence=shown,
                evidence_count=count,
                person_ids=tuple(people),
            )


# --- R13 -------------------------------------------------------------------------------------

# Audit actions that register a trainee: a person recorded, a place taken in a class.
REGISTRATIONS = ("people.person.created", "training.enrolment.created")


@rule(
    "R13",
    name=_("Mass registration by staff"),
    action="flag",
    defaults={"max_people": 20, "minutes": 10},
    labels={
        "max_people": _("Most trainees one staff account may register within the minutes"),
        "minutes": _("Length of the period counted, in minutes"),
    },
    explanation=_(
        "Many trainees were registered or enrolled by one staff account of an institution "
        "within a few minutes, as happens when ID copies are collected and entered in bulk. "
        "The institution's registrations are reviewed; this is not a finding against you."
    ),
)
def mass_registration(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    most = int(params["max_people"])
    span = datetime.timedelta(minutes=int(params["minutes"]))
    events = AuditEvent.objects.filter(
        action__in=REGISTRATIONS,
        person_id__isnull=False,
        actor__role=Role.INSTITUTION_STAFF,
    )
    if window.since is not None:
        events = events.filter(created_at__gte=window.since - span)
    if window.person_ids:
        events = events.filter(
            actor_id__in=AuditEvent.objects.filter(
                action__in=REGISTRATIONS, person_id__in=window.person_ids
            ).values("actor_id")
        )
    following = (
        events.filter(
            actor_id=OuterRef("actor_id"),
            created_at__gte=OuterRef("created_at"),
            created_at__lt=ExpressionWrapper(
                OuterRef("created_at") + span, output_field=DateTimeField()
            ),
        )
        .order_by()
        .values("actor_id")
        .annotate(n=Count("person_id", distinct=True))
        .values("n")
    )
    anchors = list(
        events.annotate(n=Subquery(following, output_field=IntegerField()))
        .filter(n__gt=most)
        .order_by("actor_id", "created_at", "pk")
        .values_list("actor_id", "created_at")
    )
    if not anchors:
        return
    # Anchors of one actor within the span of each other make one burst.
    bursts: list[tuple[int, datetime.datetime, datetime.datetime]] = []
    for actor_id, at in anchors:
        if bursts and bursts[-1][0] == actor_id and at <= bursts[-1][2]:
            bursts[-1] = (actor_id, bursts[-1][1], at + span)
        else:
            bursts.append((actor_id, at, at + span))
    actors = {b[0] for b in bursts}
    rows = (
        events.filter(
            actor_id__in=actors,
            created_at__gte=min(b[1] for b in bursts),
            created_at__lt=max(b[2] for b in bursts),
        )
        .order_by("actor_id", "created_at", "pk")
        .values_list("actor_id", "created_at", "person_id", "action")
    )
    found: dict[int, dict[int, str]] = defaultdict(dict)
    for actor_id, at, person_id, action in rows:
        if person_id is None:
            continue
        for index, (burst_actor, first, last) in enumerate(bursts):
            if burst_actor == actor_id and first <= at < last:
                found[index].setdefault(person_id, action)
    organizations = dict(User.objects.filter(pk__in=actors).values_list("pk", "organization_id"))
    for index, (actor_id, first, _last) in enumerate(bursts):
        people = found[index]
        shown, count = evidence_rows(
            [{"person_id": p, "action": a} for p, a in sorted(people.items())]
        )
        organization_id = organizations.get(actor_id)
        yield Hit(
            subject="account",
            subject_id=actor_id,
            key=f"staff:{actor_id}:{first.isoformat(timespec='seconds')}",
            summary=gettext(
                "One staff account registered {count} trainees within {minutes} minutes from "
                "{first}."
            ).format(
                count=count,
                minutes=params["minutes"],
                first=timezone.localtime(first).strftime("%Y-%m-%d %H:%M"),
            ),
            evidence=shown,
            evidence_count=count,
            person_ids=tuple(sorted(people)),
            organization_ids=(organization_id,) if organization_id else (),
        )


# --- R14 -------------------------------------------------------------------------------------


@rule(
    "R14",
    name=_("Roster recycling"),
    action="flag",
    defaults={"jaccard": 0.6, "min_trainees": 5},
    labels={
        "jaccard": _(
            "Share of trainees two classes have in common (of everyone in either) above which "
            "they are flagged"
        ),
        "min_trainees": _("Fewest trainees the two classes must have in common"),
    },
    explanation=_(
        "Two classes in different occupations, institutions or years have mostly the same "
        "trainees, as when classes are made up from a stock of borrowed IDs. The classes are "
        "reviewed; taking two trainings is not in itself a finding against you."
    ),
)
def roster_recycling(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    ratio = float(params["jaccard"])
    seated = Enrolment.objects.filter(status__in=_SEATED, training_class__status__in=_LIVE_CLASS)
    size = (
        seated.filter(training_class_id=OuterRef("training_class_id"))
        .order_by()
        .values("training_class_id")
        .annotate(n=Count("person_id", distinct=True))
        .values("n")
    )
    other_size = (
        seated.filter(training_class_id=OuterRef("other"))
        .order_by()
        .values("training_class_id")
        .annotate(n=Count("person_id", distinct=True))
        .values("n")
    )
    pairs = seated.filter(
        person__enrolments__status__in=_SEATED,
        person__enrolments__training_class__status__in=_LIVE_CLASS,
        person__enrolments__training_class_id__gt=F("training_class_id"),
    )
    if window.class_ids:
        pairs = pairs.filter(
            Q(training_class_id__in=window.class_ids)
            | Q(person__enrolments__training_class_id__in=window.class_ids)
        )
    if window.person_ids:
        touched = Enrolment.objects.filter(person_id__in=window.person_ids).values(
            "training_class_id"
        )
        pairs = pairs.filter(
            Q(training_class_id__in=touched) | Q(person__enrolments__training_class_id__in=touched)
        )
    if window.since is not None:
        pairs = pairs.filter(
            Q(created_at__gte=window.since) | Q(person__enrolments__created_at__gte=window.since)
        )
    groups = list(
        pairs.values("training_class_id", other=F("person__enrolments__training_class_id"))
        .annotate(shared=Count("person_id", distinct=True))
        .filter(shared__gte=int(params["min_trainees"]))
        .annotate(
            size=Subquery(size, output_field=IntegerField()),
            other_size=Subquery(other_size, output_field=IntegerField()),
        )
        .filter(shared__gt=(F("size") + F("other_size") - F("shared")) * ratio)
        .order_by("training_class_id", "other")
    )
    if not groups:
        return
    ids = {g["training_class_id"] for g in groups} | {g["other"] for g in groups}
    classes = {
        row["pk"]: row
        for row in TrainingClass.objects.filter(pk__in=ids).values(
            "pk",
            "code",
            "starts_on",
            occupation=F("programme__occupation_id"),
            organization=F("programme__organization_id"),
        )
    }
    for group in groups:
        a, b = classes[group["training_class_id"]], classes[group["other"]]
        differs = [
            what
            for what, differ in (
                ("occupation", a["occupation"] != b["occupation"]),
                ("institution", a["organization"] != b["organization"]),
                ("year", a["starts_on"].year != b["starts_on"].year),
            )
            if differ
        ]
        if not differs:
            continue
        union = group["size"] + group["other_size"] - group["shared"]
        jaccard = round(group["shared"] / union, 3)
        yield Hit(
            subject="class",
            subject_id=b["pk"],
            key=f"classes:{a['pk']}:{b['pk']}",
            summary=gettext(
                "Classes {first} and {second} share {shared} of {union} trainees (Jaccard "
                "{jaccard}) though they differ in {differs}."
            ).format(
                first=a["code"],
                second=b["code"],
                shared=group["shared"],
                union=union,
                jaccard=jaccard,
                differs=", ".join(str(_DIFFERS[d]) for d in differs),
            ),
            evidence=(
                {
                    "class_id": a["pk"],
                    "other_class_id": b["pk"],
                    "trainees": group["size"],
                    "other_trainees": group["other_size"],
                    "shared": group["shared"],
                    "jaccard": jaccard,
                    "differs": ",".join(differs),
                },
            ),
            evidence_count=1,
            class_ids=(a["pk"], b["pk"]),
            organization_ids=tuple(sorted({a["organization"], b["organization"]})),
        )


_DIFFERS = {
    "occupation": _("occupation"),
    "institution": _("institution"),
    "year": _("year"),
}
