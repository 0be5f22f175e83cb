"""Rules on attendance and delivery (FRAUD_RULES.md C).

R15 simultaneous classes and impossible travel, R16 geofence, R17 one device for many trainees,
R18 manual-override rate, R20 too-perfect attendance, R21 online brushing (刷课), R23 capacity
and teacher conflicts. Each check is a few aggregate or window queries; Python only turns the
groups they return into hits.

What the platform does not record, these rules cannot look at: mock-location flags of a
phone, face or liveness checks and random roll-calls, and the playback position of online
videos (an xAPI statement keeps when it ended and how long it lasted, not where a video was).
"""

from __future__ import annotations

import datetime
import hashlib
import statistics
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models import Window as Over
from django.db.models.functions import (
    Cast,
    Coalesce,
    Cos,
    ExtractHour,
    Floor,
    Lag,
    Radians,
    Sqrt,
    TruncDate,
)
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.attendance.choices import AttendanceMethod, ReviewDecision
from jineng.attendance.models import Attendance
from jineng.core import pii
from jineng.fraud.rules.base import Hit, Threshold, Window, evidence_rows, rule
from jineng.learning.models import Statement
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment

EARTH_RADIUS_M = 6_371_008.8
# Places that kept their seat: the trainees a class is expected to see.
_SEATED = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)


class Epoch(Func):
    """Seconds since 1970 of a date and time, as a float, on SQLite and PostgreSQL."""

    arity = 1
    output_field = FloatField()
    template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS DOUBLE PRECISION)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite keeps date-times as UTC text: whole seconds from strftime('%s'), and the
        # milliseconds apart, so that whole seconds stay exact (julianday() rounds).
        return self.as_sql(
            compiler,
            connection,
            template=(
                "(CAST(strftime('%%%%s', %(expressions)s) AS REAL)"
                " + CAST(strftime('%%%%f', %(expressions)s) AS REAL)"
                " - CAST(strftime('%%%%S', %(expressions)s) AS REAL))"
            ),
            **extra,
        )


def _float(path: str) -> Cast:
    return Cast(path, FloatField())


def _distance_m(lat1: Any, lng1: Any, lat2: Any, lng2: Any) -> Any:
    """Metres between two points (equirectangular: exact enough below a few hundred km)."""
    dx = Radians(lng2 - lng1) * Cos(Radians((lat1 + lat2) / Value(2.0)))
    dy = Radians(lat2 - lat1)
    return Sqrt(dx * dx + dy * dy) * Value(EARTH_RADIUS_M)


def _check_ins(window: Window, *, person: str = "enrolment__person_id") -> QuerySet[Attendance]:
    """Check-ins a reviewer has not rejected, of the window's classes and people.

    ``since`` keeps whole histories of the people who checked in since then: consecutive
    check-ins and overlaps need the earlier ones too.
    """
    rows = Attendance.objects.exclude(review=ReviewDecision.REJECTED)
    if window.class_ids:
        rows = rows.filter(enrolment__training_class_id__in=window.class_ids)
    if window.person_ids:
        rows = rows.filter(enrolment__person_id__in=window.person_ids)
    if window.since is not None:
        recent = Attendance.objects.filter(
            Q(checked_in_at__gte=window.since) | Q(created_at__gte=window.since)
        ).values(person)
        rows = rows.filter(**{f"{person}__in": recent})
    return rows


def _histories(window: Window) -> QuerySet[Attendance]:
    """Every check-in not rejected of the people the window concerns (all for none): what
    joins one check-in to the same person's others, in any class."""
    rows = Attendance.objects.exclude(review=ReviewDecision.REJECTED)
    if window.class_ids:
        rows = rows.filter(
            enrolment__person_id__in=Enrolment.objects.filter(
                training_class_id__in=window.class_ids
            ).values("person_id")
        )
    if window.person_ids:
        rows = rows.filter(enrolment__person_id__in=window.person_ids)
    if window.since is not None:
        rows = rows.filter(
            enrolment__person_id__in=Attendance.objects.filter(
                Q(checked_in_at__gte=window.since) | Q(created_at__gte=window.since)
            ).values("enrolment__person_id")
        )
    return rows


def _sessions_of(window: Window) -> QuerySet[Attendance]:
    """Every check-in not rejected of the sessions the window's check-ins are in: what a
    count per session needs, whoever of the session the window names."""
    rows = Attendance.objects.exclude(review=ReviewDecision.REJECTED)
    if window.since is None and not window.class_ids and not window.person_ids:
        return rows
    return rows.filter(session_id__in=_check_ins(window).values("session_id"))


def _short(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _at(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- R15 -------------------------------------------------------------------------------------


@rule(
    "R15",
    name=_("Simultaneous classes"),
    action="hold",
    defaults={"max_speed_kmh": 100, "min_distance_m": 5000},
    labels={
        "max_speed_kmh": _(
            "Fastest travel between two consecutive check-ins of one trainee, in km/h"
        ),
        "min_distance_m": _(
            "Shortest distance between two check-ins judged for speed, in metres (nearer "
            "ones are within the error of a phone's location)"
        ),
    },
    explanation=_(
        "You are recorded as present at two sessions at the same time, or at two places "
        "further apart than anyone could travel between the two check-ins. The claims for "
        "both classes wait until a reviewer has looked at them."
    ),
)
def simultaneous_classes(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    yield from _overlapping_sessions(window)
    yield from _impossible_travel(params, window)


def _overlapping_sessions(window: Window) -> Iterator[Hit]:
    check_ins = _check_ins(window)
    other = (
        Attendance.objects.exclude(review=ReviewDecision.REJECTED)
        .filter(
            enrolment__person_id=OuterRef("enrolment__person_id"),
            session__starts_at__lt=OuterRef("session__ends_at"),
            session__ends_at__gt=OuterRef("session__starts_at"),
        )
        .exclude(session_id=OuterRef("session_id"))
        .exclude(pk=OuterRef("pk"))
        .order_by("pk")
    )
    rows = list(
        check_ins.annotate(other_id=Subquery(other.values("pk")[:1]))
        .filter(other_id__isnull=False)
        .order_by("pk")
        .values(
            "pk",
            "other_id",
            "session_id",
            "session__starts_at",
            "session__ends_at",
            person_id=F("enrolment__person_id"),
            name=F("enrolment__person__name"),
            class_id=F("enrolment__training_class_id"),
            organization_id=F("enrolment__training_class__programme__organization_id"),
        )
    )
    if not rows:
        return
    others = {
        row["pk"]: row
        for row in Attendance.objects.filter(pk__in={r["other_id"] for r in rows}).values(
            "pk",
            "session_id",
            "session__starts_at",
            "session__ends_at",
            class_id=F("enrolment__training_class_id"),
            organization_id=F("enrolment__training_class__programme__organization_id"),
        )
    }
    seen: set[tuple[int, int]] = set()
    for row in rows:
        second = others[row["other_id"]]
        pair = (min(row["pk"], second["pk"]), max(row["pk"], second["pk"]))
        if pair in seen:
            continue  # found from both sides
        seen.add(pair)
        yield Hit(
            subject="person",
            subject_id=row["person_id"],
            key=f"overlap:{pair[0]}:{pair[1]}",
            summary=gettext(
                "Trainee {name} checked in to two sessions held at the same time ({first} and "
                "{second})."
            ).format(
                name=pii.mask_name(row["name"]),
                first=_at(row["session__starts_at"]),
                second=_at(second["session__starts_at"]),
            ),
            evidence=tuple(
                {
                    "attendance_id": r["pk"],
                    "session_id": r["session_id"],
                    "class_id": r["class_id"],
                    "starts_at": r["session__starts_at"].isoformat(),
                    "ends_at": r["session__ends_at"].isoformat(),
                }
                for r in (row, second)
            ),
            evidence_count=2,
            # Hold the people's claims, not every claim of the institution.
            person_ids=(row["person_id"],),
            class_ids=tuple(sorted({row["class_id"], second["class_id"]})),
        )


def _impossible_travel(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    speed_ms = float(params["max_speed_kmh"]) / 3.6
    lat = Coalesce(_float("latitude"), _float("session__venue__latitude"))
    lng = Coalesce(_float("longitude"), _float("session__venue__longitude"))
    order = [F("checked_in_at").asc(), F("pk").asc()]
    partition = [F("enrolment__person_id")]

    def previous(expression: Any) -> Over:
        return Over(Lag(expression), partition_by=partition, order_by=order)

    rows = list(
        _histories(window)
        .annotate(
            lat=lat,
            lng=lng,
            at=Epoch("checked_in_at"),
            prev_id=previous(F("pk")),
            prev_lat=previous(lat),
            prev_lng=previous(lng),
            prev_at=previous(Epoch("checked_in_at")),
        )
        .annotate(
            metres=_distance_m(F("prev_lat"), F("prev_lng"), F("lat"), F("lng")),
            seconds=F("at") - F("prev_at"),
        )
        .filter(
            metres__gte=float(params["min_distance_m"]),
            metres__gt=F("seconds") * speed_ms,
        )
        .order_by("pk")
        .values(
            "pk",
            "prev_id",
            "metres",
            "seconds",
            "checked_in_at",
            "session_id",
            person_id=F("enrolment__person_id"),
            name=F("enrolment__person__name"),
            class_id=F("enrolment__training_class_id"),
        )
    )
    if not rows:
        return
    before = {
        row["pk"]: row
        for row in Attendance.objects.filter(pk__in={r["prev_id"] for r in rows}).values(
            "pk", "session_id", "checked_in_at", class_id=F("enrolment__training_class_id")
        )
    }
    for row in rows:
        first = before[row["prev_id"]]
        hours = max(float(row["seconds"]), 1.0) / 3600
        km = float(row["metres"]) / 1000
        yield Hit(
            subject="person",
            subject_id=row["person_id"],
            key=f"travel:{first['pk']}:{row['pk']}",
            summary=gettext(
                "Trainee {name} checked in {km} km apart within {minutes} minutes ({speed} km/h)."
            ).format(
                name=pii.mask_name(row["name"]),
                km=round(km, 1),
                minutes=round(hours * 60),
                speed=round(km / hours),
            ),
            evidence=tuple(
                {
                    "attendance_id": r["pk"],
                    "session_id": r["session_id"],
                    "class_id": r["class_id"],
                    "checked_in_at": r["checked_in_at"].isoformat(),
                }
                for r in (first, row)
            )
            + ({"distance_m": round(float(row["metres"])), "seconds": round(row["seconds"])},),
            evidence_count=3,
            person_ids=(row["person_id"],),
            class_ids=tuple(sorted({first["class_id"], row["class_id"]})),
        )


# --- R16 -------------------------------------------------------------------------------------


@rule(
    "R16",
    name=_("Geofence and GPS spoofing"),
    action="flag",
    defaults={"max_distance_m": 500, "min_identical": 3},
    labels={
        "max_distance_m": _("Farthest a check-in may be from the session's venue, in metres"),
        "min_identical": _(
            "Fewest trainees reporting the very same coordinates (to six decimals) in one "
            "session that are flagged"
        ),
    },
    explanation=_(
        "Check-ins of a session were made far from its registered venue, or several trainees "
        "reported exactly the same coordinates, as a spoofed location does. The session is "
        "reviewed; a reviewer may accept a check-in with a good reason."
    ),
)
def geofence(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    farthest = float(params["max_distance_m"])
    computed = _distance_m(
        _float("session__venue__latitude"),
        _float("session__venue__longitude"),
        _float("latitude"),
        _float("longitude"),
    )
    far = (
        _check_ins(window)
        .annotate(metres=Coalesce(_float("distance_m"), computed))
        .filter(metres__gt=farthest)
        .order_by("session_id", "pk")
        .values(
            "pk",
            "session_id",
            "metres",
            person_id=F("enrolment__person_id"),
            class_id=F("enrolment__training_class_id"),
            organization_id=F("enrolment__training_class__programme__organization_id"),
        )
    )
    groups: dict[int, list[Any]] = defaultdict(list)
    for row in far:
        groups[row["session_id"]].append(row)
    for session_id, rows in groups.items():
        shown, count = evidence_rows(
            [
                {
                    "attendance_id": r["pk"],
                    "person_id": r["person_id"],
                    "distance_m": round(float(r["metres"])),
                }
                for r in rows
            ]
        )
        yield Hit(
            subject="session",
            subject_id=session_id,
            key=f"far:session:{session_id}",
            summary=gettext(
                "{count} check-ins of this session were made more than {metres} m from its venue."
            ).format(count=count, metres=params["max_distance_m"]),
            evidence=shown,
            evidence_count=count,
            person_ids=tuple(sorted({r["person_id"] for r in rows})),
            class_ids=(rows[0]["class_id"],),
            organization_ids=(rows[0]["organization_id"],),
        )
    # The same coordinates to six decimals (the precision kept) from several trainees.
    located = _sessions_of(window).filter(latitude__isnull=False, longitude__isnull=False)
    crowded = (
        located.values("session_id", "latitude", "longitude")
        .annotate(n=Count("enrolment_id", distinct=True))
        .filter(n__gte=int(params["min_identical"]))
        .order_by("session_id", "latitude", "longitude")
    )
    spots = list(crowded)
    if not spots:
        return
    members = located.filter(session_id__in={s["session_id"] for s in spots}).values(
        "pk",
        "session_id",
        "latitude",
        "longitude",
        person_id=F("enrolment__person_id"),
        class_id=F("enrolment__training_class_id"),
        organization_id=F("enrolment__training_class__programme__organization_id"),
    )
    at_spot: dict[tuple[int, Any, Any], list[Any]] = defaultdict(list)
    for member in members.order_by("pk"):
        at_spot[(member["session_id"], member["latitude"], member["longitude"])].append(member)
    for spot in spots:
        rows = at_spot[(spot["session_id"], spot["latitude"], spot["longitude"])]
        digest = _short(f"{spot['latitude']},{spot['longitude']}")
        shown, count = evidence_rows(
            [{"attendance_id": r["pk"], "person_id": r["person_id"]} for r in rows]
        )
        yield Hit(
            subject="session",
            subject_id=spot["session_id"],
            key=f"identical:session:{spot['session_id']}:{digest}",
            summary=gettext(
                "{count} trainees of this session reported exactly the same coordinates."
            ).format(count=spot["n"]),
            evidence=shown,
            evidence_count=count,
            person_ids=tuple(sorted({r["person_id"] for r in rows})),
            class_ids=(rows[0]["class_id"],),
            organization_ids=(rows[0]["organization_id"],),
        )


# --- R17 -------------------------------------------------------------------------------------


@rule(
    "R17",
    name=_("One device, many trainees"),
    action="hold",
    defaults={"max_trainees": 3},
    labels={"max_trainees": _("Most trainees who may check in to one session from one device")},
    explanation=_(
        "More trainees checked in to one session from the same phone than one person could "
        "hand it to: someone may have signed in for others. The claims of the trainees "
        "concerned wait until a reviewer has looked at them."
    ),
)
def one_device_many_trainees(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    devices = _sessions_of(window).filter(method=AttendanceMethod.QR).exclude(device_id="")
    crowded = (
        devices.values("session_id", "device_id")
        .annotate(n=Count("enrolment_id", distinct=True))
        .filter(n__gt=int(params["max_trainees"]))
    )
    spots = list(crowded.order_by("session_id", "device_id"))
    if not spots:
        return
    members = devices.filter(
        session_id__in={s["session_id"] for s in spots},
        device_id__in={s["device_id"] for s in spots},
    ).values(
        "pk",
        "session_id",
        "device_id",
        "checked_in_at",
        person_id=F("enrolment__person_id"),
        class_id=F("enrolment__training_class_id"),
        organization_id=F("enrolment__training_class__programme__organization_id"),
    )
    on_device: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for row in members.order_by("checked_in_at", "pk"):
        on_device[(row["session_id"], row["device_id"])].append(row)
    for spot in spots:
        rows = on_device[(spot["session_id"], spot["device_id"])]
        shown, count = evidence_rows(
            [
                {
                    "attendance_id": r["pk"],
                    "person_id": r["person_id"],
                    "checked_in_at": r["checked_in_at"].isoformat(),
                }
                for r in rows
            ]
        )
        yield Hit(
            subject="session",
            subject_id=spot["session_id"],
            key=f"device:{_short(spot['device_id'])}|s:{spot['session_id']}",
            summary=gettext("{count} trainees checked in to this session from one device.").format(
                count=spot["n"]
            ),
            evidence=shown,
            evidence_count=count,
            # Hold the people's claims, not every claim of the institution.
            person_ids=tuple(sorted({r["person_id"] for r in rows})),
            class_ids=(rows[0]["class_id"],),
        )


# --- R18 -------------------------------------------------------------------------------------


@rule(
    "R18",
    name=_("Manual-override rate"),
    action="flag",
    defaults={"share": 0.15, "median_ratio": 3.0, "min_check_ins": 20},
    labels={
        "share": _("Share of a class's check-ins recorded by staff above which it is flagged"),
        "median_ratio": _("How many times the city's median share the class's share must be"),
        "min_check_ins": _("Fewest check-ins a class must have to be compared"),
    },
    explanation=_(
        "An unusually large share of this class's check-ins was recorded by the institution's "
        "staff instead of by the trainees. This concerns the institution's records, not the "
        "trainees: checking in without the phone is a right, never evidence against anyone."
    ),
)
def manual_override_rate(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    least = int(params["min_check_ins"])
    # Compared across the whole city, so the window only chooses whom to report.
    classes = list(
        Attendance.objects.values(class_id=F("enrolment__training_class_id"))
        .annotate(
            total=Count("pk"),
            manual=Count("pk", filter=Q(method=AttendanceMethod.MANUAL)),
            organization_id=Min("enrolment__training_class__programme__organization_id"),
        )
        .filter(total__gte=least)
        .order_by("class_id")
    )
    if not classes:
        return
    median = statistics.median(c["manual"] / c["total"] for c in classes)
    chosen: set[int] | None = None
    if window.since is not None or window.class_ids or window.person_ids:
        chosen = set(
            _check_ins(window, person="enrolment__training_class_id").values_list(
                "enrolment__training_class_id", flat=True
            )
        )
    for group in classes:
        share = group["manual"] / group["total"]
        # Compared with a little slack: 3 × 5 % is 15.000000000000002 % in floating point.
        if share <= float(params["share"]) or share < median * float(params["median_ratio"]) - 1e-9:
            continue
        if chosen is not None and group["class_id"] not in chosen:
            continue
        yield Hit(
            subject="class",
            subject_id=group["class_id"],
            key=f"manual:class:{group['class_id']}",
            summary=gettext(
                "{manual} of {total} check-ins of this class were recorded by staff ({share}%, "
                "city median {median}%)."
            ).format(
                manual=group["manual"],
                total=group["total"],
                share=round(share * 100, 1),
                median=round(median * 100, 1),
            ),
            evidence=(
                {
                    "class_id": group["class_id"],
                    "check_ins": group["total"],
                    "manual": group["manual"],
                    "share": round(share, 4),
                    "city_median_share": round(median, 4),
                    "classes_compared": len(classes),
                },
            ),
            evidence_count=1,
            class_ids=(group["class_id"],),
            organization_ids=(group["organization_id"],),
        )


# --- R20 -------------------------------------------------------------------------------------


@rule(
    "R20",
    name=_("Too-perfect attendance"),
    action="flag",
    defaults={
        "min_sessions": 5,
        "min_trainees": 5,
        "same_minute_seconds": 60,
        "min_session_check_ins": 5,
        "same_offset_sessions": 4,
    },
    labels={
        "min_sessions": _("Fewest sessions held before full attendance is judged"),
        "min_trainees": _("Fewest trainees before full attendance is judged"),
        "same_minute_seconds": _("Seconds within which all check-ins of a session fall"),
        "min_session_check_ins": _("Fewest check-ins of a session judged for bunching"),
        "same_offset_sessions": _(
            "Sessions in which one trainee checked in at the very same second after the start"
        ),
    },
    explanation=_(
        "The attendance of this class looks more uniform than real attendance does: every "
        "trainee at every session, all check-ins of a session within one minute, or a trainee "
        "checking in at the same second after the start session after session. The records "
        "are reviewed; this is not a finding against you."
    ),
)
def too_perfect_attendance(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    yield from _full_attendance(params, window)
    yield from _bunched_sessions(params, window)
    yield from _same_offsets(params, window)


def _full_attendance(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    now = timezone.now()
    held = (
        ClassSession.objects.filter(
            training_class_id=OuterRef("training_class_id"), ends_at__lte=now
        )
        .order_by()
        .values("training_class_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    seated = (
        Enrolment.objects.filter(
            training_class_id=OuterRef("training_class_id"), status__in=_SEATED
        )
        .order_by()
        .values("training_class_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    present = (
        Attendance.objects.filter(
            enrolment__training_class_id=OuterRef("training_class_id"),
            enrolment__status__in=_SEATED,
            session__ends_at__lte=now,
        )
        .order_by()
        .values("enrolment__training_class_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    classes = ClassSession.objects.all()
    if window.class_ids:
        classes = classes.filter(training_class_id__in=window.class_ids)
    if window.person_ids:
        classes = classes.filter(training_class__enrolments__person_id__in=window.person_ids)
    if window.since is not None:
        classes = classes.filter(
            Exists(
                Attendance.objects.filter(
                    session__training_class_id=OuterRef("training_class_id"),
                    created_at__gte=window.since,
                )
            )
        )
    full = (
        classes.values("training_class_id")
        .distinct()
        .annotate(
            sessions=Subquery(held, output_field=IntegerField()),
            trainees=Subquery(seated, output_field=IntegerField()),
            check_ins=Subquery(present, output_field=IntegerField()),
            organization_id=F("training_class__programme__organization_id"),
        )
        .filter(
            sessions__gte=int(params["min_sessions"]),
            trainees__gte=int(params["min_trainees"]),
            check_ins=F("sessions") * F("trainees"),
        )
        .order_by("training_class_id")
    )
    for group in full:
        class_id = group["training_class_id"]
        yield Hit(
            subject="class",
            subject_id=class_id,
            key=f"full:class:{class_id}",
            summary=gettext(
                "Every one of the {trainees} trainees checked in to every one of the {sessions} "
                "sessions held."
            ).format(trainees=group["trainees"], sessions=group["sessions"]),
            evidence=(
                {
                    "class_id": class_id,
                    "sessions": group["sessions"],
                    "trainees": group["trainees"],
                    "check_ins": group["check_ins"],
                },
            ),
            evidence_count=1,
            class_ids=(class_id,),
            organization_ids=(group["organization_id"],),
        )


def _bunched_sessions(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    seconds = float(params["same_minute_seconds"])
    bunched = (
        _sessions_of(window)
        .values("session_id")
        .annotate(
            n=Count("pk"),
            first=Min(Epoch("checked_in_at")),
            last=Max(Epoch("checked_in_at")),
            class_id=Min("session__training_class_id"),
            organization_id=Min("session__training_class__programme__organization_id"),
        )
        .filter(n__gte=int(params["min_session_check_ins"]), last__lte=F("first") + seconds)
        .order_by("session_id")
    )
    for group in bunched:
        yield Hit(
            subject="session",
            subject_id=group["session_id"],
            key=f"bunched:session:{group['session_id']}",
            summary=gettext(
                "All {count} check-ins of this session fall within {seconds} seconds."
            ).format(count=group["n"], seconds=round(group["last"] - group["first"])),
            evidence=(
                {
                    "session_id": group["session_id"],
                    "check_ins": group["n"],
                    "spread_seconds": round(group["last"] - group["first"], 1),
                },
            ),
            evidence_count=1,
            class_ids=(group["class_id"],),
            organization_ids=(group["organization_id"],),
        )


def _same_offsets(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    # Four sessions at the same second after the start happen by chance about once in
    # several million trainees: three would already be common at city scale.
    repeated = (
        _check_ins(window)
        .annotate(offset=Floor(Epoch("checked_in_at") - Epoch("session__starts_at")))
        .values("enrolment_id", "offset")
        .annotate(
            sessions=Count("session_id", distinct=True),
            person_id=Min("enrolment__person_id"),
            name=Min("enrolment__person__name"),
            class_id=Min("enrolment__training_class_id"),
            organization_id=Min("enrolment__training_class__programme__organization_id"),
        )
        .filter(sessions__gte=int(params["same_offset_sessions"]))
        .order_by("enrolment_id", "offset")
    )
    for group in repeated:
        offset = int(group["offset"])
        yield Hit(
            subject="person",
            subject_id=group["person_id"],
            key=f"offset:enrolment:{group['enrolment_id']}:{offset}",
            summary=gettext(
                "Trainee {name} checked in exactly {offset} seconds after the start in "
                "{sessions} sessions."
            ).format(name=pii.mask_name(group["name"]), offset=offset, sessions=group["sessions"]),
            evidence=(
                {
                    "enrolment_id": group["enrolment_id"],
                    "offset_seconds": offset,
                    "sessions": group["sessions"],
                },
            ),
            evidence_count=1,
            person_ids=(group["person_id"],),
            class_ids=(group["class_id"],),
            organization_ids=(group["organization_id"],),
        )


# --- R21 -------------------------------------------------------------------------------------

# What automation tools and headless browsers put in their user agents.
AUTOMATION_AGENTS = (
    "headlesschrome",
    "phantomjs",
    "selenium",
    "webdriver",
    "puppeteer",
    "playwright",
    "python-requests",
    "curl/",
    "wget/",
)


@rule(
    "R21",
    name=_("Online brushing (刷课)"),
    action="hold",
    defaults={
        "max_daily_hours": 10,
        "night_share": 0.5,
        "min_statements": 10,
        "night_from_hour": 1,
        "night_until_hour": 5,
        "check_concurrent": True,
        "playback_speed": 2.0,
        "min_clock_hours": 1,
        "check_user_agents": True,
    },
    labels={
        "max_daily_hours": _("Most hours of online learning one person may record in a day"),
        "night_share": _("Share of a course's learning time at night above which it is flagged"),
        "min_statements": _("Fewest learning records of a course before the night share is judged"),
        "night_from_hour": _("Hour the night starts"),
        "night_until_hour": _("Hour the night ends"),
        "check_concurrent": _("Look for two learning records of one person at the same time"),
        "playback_speed": _(
            "Fastest playback the platforms allow: a day's recorded learning may be at most "
            "this many times the time it spans"
        ),
        "min_clock_hours": _("Fewest hours of a day's recorded learning judged against the clock"),
        "check_user_agents": _("Look for check-ins made by automation tools"),
    },
    explanation=_(
        "The online learning recorded in your name looks machine-made: more hours in a day "
        "than a person learns, learning mostly in the middle of the night, two courses played "
        "at the same time, or check-ins made by an automation tool. The claim waits until a "
        "reviewer has looked at it."
    ),
)
def online_brushing(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    yield from _long_days(params, window)
    yield from _night_learning(params, window)
    if params.get("check_concurrent", True):
        yield from _concurrent_learning(window)
    yield from _faster_than_clock(params, window)
    if params.get("check_user_agents", True):
        yield from _automation_agents(window)


def _statements(window: Window) -> QuerySet[Statement]:
    rows = Statement.objects.filter(is_voided=False, person__isnull=False, duration_seconds__gt=0)
    if window.person_ids:
        rows = rows.filter(person_id__in=window.person_ids)
    if window.class_ids:
        rows = rows.filter(training_class_id__in=window.class_ids)
    if window.since is not None:
        rows = rows.filter(
            person_id__in=Statement.objects.filter(stored__gte=window.since).values("person_id")
        )
    return rows


def _class_ids(*ids: int | None) -> tuple[int, ...]:
    return tuple(sorted({int(i) for i in ids if i is not None}))


def _long_days(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    most = float(params["max_daily_hours"]) * 3600
    days = (
        _statements(window)
        .annotate(day=TruncDate("timestamp"))
        .values("person_id", "day")
        .annotate(
            seconds=Sum("duration_seconds"),
            records=Count("pk"),
            name=Min("person__name"),
            first_class=Min("training_class_id"),
            last_class=Max("training_class_id"),
        )
        .filter(seconds__gt=most)
        .order_by("person_id", "day")
    )
    for group in days:
        day = group["day"]
        yield Hit(
            subject="person",
            subject_id=group["person_id"],
            key=f"long_day:{group['person_id']}:{day.isoformat()}",
            summary=gettext(
                "Trainee {name} recorded {hours} hours of online learning on {day}."
            ).format(
                name=pii.mask_name(group["name"]),
                hours=round(group["seconds"] / 3600, 1),
                day=day.isoformat(),
            ),
            evidence=(
                {
                    "person_id": group["person_id"],
                    "day": day.isoformat(),
                    "hours": round(group["seconds"] / 3600, 2),
                    "records": group["records"],
                },
            ),
            evidence_count=1,
            person_ids=(group["person_id"],),
            class_ids=_class_ids(group["first_class"], group["last_class"]),
        )


def _night_learning(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    start, end = int(params["night_from_hour"]), int(params["night_until_hour"])
    night = Q(hour__gte=start, hour__lt=end)
    courses = (
        _statements(window)
        .filter(training_class_id__isnull=False)
        .annotate(hour=ExtractHour("timestamp"))
        .values("person_id", "training_class_id")
        .annotate(
            records=Count("pk"),
            seconds=Sum("duration_seconds"),
            night_seconds=Coalesce(Sum("duration_seconds", filter=night), Value(0.0)),
            name=Min("person__name"),
        )
        .filter(
            records__gte=int(params["min_statements"]),
            night_seconds__gt=F("seconds") * float(params["night_share"]),
        )
        .order_by("person_id", "training_class_id")
    )
    for group in courses:
        share = group["night_seconds"] / group["seconds"]
        yield Hit(
            subject="person",
            subject_id=group["person_id"],
            key=f"night:{group['person_id']}:{group['training_class_id']}",
            summary=gettext(
                "Trainee {name} did {share} per cent of a course's online learning between "
                "{start}:00 and {end}:00."
            ).format(
                name=pii.mask_name(group["name"]), share=round(share * 100), start=start, end=end
            ),
            evidence=(
                {
                    "person_id": group["person_id"],
                    "class_id": group["training_class_id"],
                    "records": group["records"],
                    "hours": round(group["seconds"] / 3600, 2),
                    "night_hours": round(group["night_seconds"] / 3600, 2),
                },
            ),
            evidence_count=1,
            person_ids=(group["person_id"],),
            class_ids=_class_ids(group["training_class_id"]),
        )


def _faster_than_clock(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    """A day's learning of one person longer than the time from its first start to its last
    end, even at the fastest playback allowed."""
    speed = float(params["playback_speed"])
    days = (
        _statements(window)
        .annotate(day=TruncDate("timestamp"))
        .values("person_id", "day")
        .annotate(
            seconds=Sum("duration_seconds"),
            began=Min(Epoch("timestamp") - F("duration_seconds")),
            ended=Max(Epoch("timestamp")),
            name=Min("person__name"),
            first_class=Min("training_class_id"),
            last_class=Max("training_class_id"),
        )
        .filter(
            seconds__gte=float(params["min_clock_hours"]) * 3600,
            seconds__gt=(F("ended") - F("began")) * speed,
        )
        .order_by("person_id", "day")
    )
    for group in days:
        day = group["day"]
        span = float(group["ended"] - group["began"])
        yield Hit(
            subject="person",
            subject_id=group["person_id"],
            key=f"clock:{group['person_id']}:{day.isoformat()}",
            summary=gettext(
                "Trainee {name} recorded {hours} hours of online learning on {day} within "
                "{span} hours of clock time."
            ).format(
                name=pii.mask_name(group["name"]),
                hours=round(group["seconds"] / 3600, 1),
                day=day.isoformat(),
                span=round(span / 3600, 1),
            ),
            evidence=(
                {
                    "person_id": group["person_id"],
                    "day": day.isoformat(),
                    "hours": round(group["seconds"] / 3600, 2),
                    "clock_hours": round(span / 3600, 2),
                    "playback_speed": speed,
                },
            ),
            evidence_count=1,
            person_ids=(group["person_id"],),
            class_ids=_class_ids(group["first_class"], group["last_class"]),
        )


def _concurrent_learning(window: Window) -> Iterator[Hit]:
    # A statement ends at its timestamp and began ``duration`` seconds before (xAPI).
    ends = Epoch("timestamp")
    begins = Epoch("timestamp") - F("duration_seconds")
    rows = _statements(window)
    overlapping = (
        Statement.objects.filter(
            is_voided=False,
            duration_seconds__gt=0,
            person_id=OuterRef("person_id"),
            pk__gt=OuterRef("pk"),
        )
        # Statements of one activity may repeat its time (progress reports): other ones only.
        .exclude(activity_id=OuterRef("activity_id"))
        .annotate(
            other_begins=Epoch("timestamp") - F("duration_seconds"), other_ends=Epoch("timestamp")
        )
        .filter(other_begins__lt=OuterRef("ends"), other_ends__gt=OuterRef("begins"))
        .order_by("pk")
        .values("pk")[:1]
    )
    found = list(
        rows.annotate(ends=ends, begins=begins)
        .annotate(other_id=Subquery(overlapping))
        .filter(other_id__isnull=False)
        .order_by("person_id", "pk")
        .values(
            "pk", "other_id", "person_id", "training_class_id", "timestamp", name=F("person__name")
        )
    )
    if not found:
        return
    others = dict(
        Statement.objects.filter(pk__in={r["other_id"] for r in found}).values_list(
            "pk", "training_class_id"
        )
    )
    by_person: dict[int, list[Any]] = defaultdict(list)
    for row in found:
        by_person[row["person_id"]].append(row)
    for person_id, pairs in by_person.items():
        shown, count = evidence_rows(
            [
                {
                    "statement_id": r["pk"],
                    "overlapping_statement_id": r["other_id"],
                    "ended_at": r["timestamp"].isoformat(),
                }
                for r in pairs
            ]
        )
        yield Hit(
            subject="person",
            subject_id=person_id,
            key=f"concurrent:{person_id}:{pairs[0]['pk']}",
            summary=gettext(
                "Trainee {name} has {count} online learning records that overlap others in time."
            ).format(name=pii.mask_name(pairs[0]["name"]), count=count),
            evidence=shown,
            evidence_count=count,
            person_ids=(person_id,),
            class_ids=_class_ids(
                *(r["training_class_id"] for r in pairs), *(others[r["other_id"]] for r in pairs)
            ),
        )


def _automation_agents(window: Window) -> Iterator[Hit]:
    agents = Q()
    for token in AUTOMATION_AGENTS:
        agents |= Q(user_agent__icontains=token)
    rows = (
        _check_ins(window)
        .filter(agents)
        .values("enrolment_id")
        .annotate(
            check_ins=Count("pk"),
            first=Min("pk"),
            person_id=Min("enrolment__person_id"),
            name=Min("enrolment__person__name"),
            class_id=Min("enrolment__training_class_id"),
            organization_id=Min("enrolment__training_class__programme__organization_id"),
        )
        .order_by("enrolment_id")
    )
    for group in rows:
        yield Hit(
            subject="person",
            subject_id=group["person_id"],
            key=f"agent:enrolment:{group['enrolment_id']}",
            summary=gettext(
                "{count} check-ins of trainee {name} were made by an automation tool."
            ).format(count=group["check_ins"], name=pii.mask_name(group["name"])),
            evidence=(
                {
                    "enrolment_id": group["enrolment_id"],
                    "check_ins": group["check_ins"],
                    "first_attendance_id": group["first"],
                },
            ),
            evidence_count=1,
            # Hold the people's claims, not every claim of the institution.
            person_ids=(group["person_id"],),
            class_ids=(group["class_id"],),
        )


# --- R23 -------------------------------------------------------------------------------------


@rule(
    "R23",
    name=_("Capacity and teacher conflicts"),
    action="flag",
    defaults={"check_capacity": True, "check_overlaps": True, "check_faculty": True},
    labels={
        "check_capacity": _("Compare the trainees of a class with its venues' capacity"),
        "check_overlaps": _("Look for one teacher or venue in two sessions at the same time"),
        "check_faculty": _("Look for teachers not on the institution's faculty"),
    },
    explanation=_(
        "The class has more trainees than its venue's registered capacity, shares its teacher "
        "or venue with another session at the same time, or is taught by a teacher not on "
        "the institution's registered faculty. The institution's records are reviewed; this "
        "is not a finding against you."
    ),
)
def capacity_and_teachers(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
    sessions = ClassSession.objects.all()
    if window.class_ids:
        sessions = sessions.filter(training_class_id__in=window.class_ids)
    if window.person_ids:
        sessions = sessions.filter(
            training_class_id__in=Enrolment.objects.filter(person_id__in=window.person_ids).values(
                "training_class_id"
            )
        )
    if window.since is not None:
        sessions = sessions.filter(
            training_class_id__in=ClassSession.objects.filter(
                Q(training_class__updated_at__gte=window.since)
                | Q(training_class__enrolments__created_at__gte=window.since)
            ).values("training_class_id")
        )
    if params.get("check_capacity", True):
        yield from _over_capacity(sessions)
    if params.get("check_overlaps", True):
        yield from _double_booked(sessions, "teacher")
        yield from _double_booked(sessions, "venue")
    if params.get("check_faculty", True):
        yield from _outside_faculty(sessions)


def _over_capacity(sessions: QuerySet[ClassSession]) -> Iterator[Hit]:
    seated = (
        Enrolment.objects.filter(
            training_class_id=OuterRef("training_class_id"), status__in=_SEATED
        )
        .order_by()
        .values("training_class_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        sessions.filter(venue__isnull=False)
        .values("training_class_id", "venue_id")
        .distinct()
        .annotate(
            trainees=Subquery(seated, output_field=IntegerField()),
            capacity=F("venue__capacity"),
            code=F("training_class__code"),
            organization_id=F("training_class__programme__organization_id"),
        )
        .filter(trainees__gt=F("capacity"))
        .order_by("training_class_id", "venue_id")
    )
    for row in rows:
        yield Hit(
            subject="class",
            subject_id=row["training_class_id"],
            key=f"capacity:class:{row['training_class_id']}:venue:{row['venue_id']}",
            summary=gettext(
                "Class {code} has {trainees} trainees; its venue is registered for {capacity}."
            ).format(code=row["code"], trainees=row["trainees"], capacity=row["capacity"]),
            evidence=(
                {
                    "class_id": row["training_class_id"],
                    "venue_id": row["venue_id"],
                    "trainees": row["trainees"],
                    "capacity": row["capacity"],
                },
            ),
            evidence_count=1,
            class_ids=(row["training_class_id"],),
            organization_ids=(row["organization_id"],),
        )


def _double_booked(sessions: QuerySet[ClassSession], what: str) -> Iterator[Hit]:
    other = (
        ClassSession.objects.filter(
            **{f"{what}_id": OuterRef(f"{what}_id")},
            starts_at__lt=OuterRef("ends_at"),
            ends_at__gt=OuterRef("starts_at"),
        )
        .exclude(pk=OuterRef("pk"))
        .exclude(training_class_id=OuterRef("training_class_id"))
        .order_by("pk")
        .values("pk")[:1]
    )
    rows = list(
        sessions.filter(**{f"{what}__isnull": False})
        .annotate(other_id=Subquery(other))
        .filter(other_id__isnull=False)
        .order_by("pk")
        .values(
            "pk",
            "other_id",
            "starts_at",
            "training_class_id",
            f"{what}_id",
            organization_id=F("training_class__programme__organization_id"),
        )
    )
    if not rows:
        return
    others = {
        row["pk"]: row
        for row in ClassSession.objects.filter(pk__in={r["other_id"] for r in rows}).values(
            "pk",
            "training_class_id",
            organization_id=F("training_class__programme__organization_id"),
        )
    }
    seen: set[tuple[int, int]] = set()
    for row in rows:
        second = others[row["other_id"]]
        pair = (min(row["pk"], second["pk"]), max(row["pk"], second["pk"]))
        if pair in seen:
            continue
        seen.add(pair)
        yield Hit(
            subject="session",
            subject_id=pair[0],
            key=f"{what}_overlap:{pair[0]}:{pair[1]}",
            summary=(
                gettext("One teacher is scheduled for two sessions of different classes at {at}.")
                if what == "teacher"
                else gettext("One venue is booked for two sessions of different classes at {at}.")
            ).format(at=_at(row["starts_at"])),
            evidence=(
                {
                    f"{what}_id": row[f"{what}_id"],
                    "session_id": row["pk"],
                    "other_session_id": second["pk"],
                    "class_id": row["training_class_id"],
                    "other_class_id": second["training_class_id"],
                },
            ),
            evidence_count=1,
            class_ids=tuple(sorted({row["training_class_id"], second["training_class_id"]})),
            organization_ids=tuple(sorted({row["organization_id"], second["organization_id"]})),
        )


def _outside_faculty(sessions: QuerySet[ClassSession]) -> Iterator[Hit]:
    rows = (
        sessions.filter(teacher__isnull=False)
        .exclude(teacher__organization_id=F("training_class__programme__organization_id"))
        .values("training_class_id", "teacher_id")
        .annotate(
            sessions=Count("pk"),
            teacher_organization_id=Min("teacher__organization_id"),
            organization_id=Min("training_class__programme__organization_id"),
            code=Min("training_class__code"),
        )
        .order_by("training_class_id", "teacher_id")
    )
    for row in rows:
        yield Hit(
            subject="class",
            subject_id=row["training_class_id"],
            key=f"faculty:class:{row['training_class_id']}:teacher:{row['teacher_id']}",
            summary=gettext(
                "{sessions} sessions of class {code} are taught by a teacher registered with "
                "another organisation."
            ).format(sessions=row["sessions"], code=row["code"]),
            evidence=(
                {
                    "class_id": row["training_class_id"],
                    "teacher_id": row["teacher_id"],
                    "teacher_organization_id": row["teacher_organization_id"],
                    "sessions": row["sessions"],
                },
            ),
            evidence_count=1,
            class_ids=(row["training_class_id"],),
            organization_ids=(row["organization_id"],),
        )
