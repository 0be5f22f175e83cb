"""Pages of attendance: the class sheet (print and xlsx), the session's QR screen, manual
check-in for staff; the worker's check-in page and their attendance history.

Protected objects come through ``access`` (404 outside the caller's scope); writes go through
``services``; a refused check-in is shown with its reason, never silently.
"""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.attendance import access, exports, policy, queries, services, tokens
from jineng.attendance.choices import ReviewDecision
from jineng.attendance.errors import AlreadyCheckedIn, InvalidCode
from jineng.attendance.forms import CheckInForm, ManualCheckInForm, ReviewForm
from jineng.attendance.models import Attendance
from jineng.core import errors
from jineng.core.errors import DomainError, NotFound
from jineng.training.choices import FINISHED_STATUSES
from jineng.training.models import ClassSession, TrainingClass

DEVICE_COOKIE = "jineng_device"
DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600
SHARE_PAGE_SIZE = 50
TICKET_SALT = "jineng.attendance.scan"


def _found(getter: Any, *args: Any, **kwargs: Any) -> Any:
    """Call an access function: its NotFound is the page's 404, its PermissionDenied a 403."""
    try:
        return getter(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.detail) from None
    except errors.PermissionDenied as error:
        raise PermissionDenied(error.detail) from None


@login_required
@require_GET
def class_sheet(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """Show a class's attendance sheet: sessions across, trainees down, print-friendly."""
    training_class = _found(access.get_sheet_class_for_user, request.user, class_id)
    return render(
        request,
        "attendance/sheet.html",
        {
            "sheet": queries.get_sheet(training_class),
            "may_record": request.user.can(Capability.RECORD_ATTENDANCE),
            "may_review": access.may_review(request.user),
        },
    )


@login_required
@require_GET
def class_sheet_xlsx(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """Download a class's attendance sheet as xlsx, IDs masked; the download is audited."""
    training_class = _found(access.get_sheet_class_for_user, request.user, class_id)
    content = exports.export_sheet(training_class, actor=request.user)
    response = HttpResponse(content, content_type=exports.CONTENT_TYPE)
    safe_code = re.sub(r"[^A-Za-z0-9_.-]", "_", training_class.code)
    filename = f"attendance-{safe_code}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _qr_context(request: HttpRequest, session: ClassSession) -> dict[str, Any]:
    now = timezone.now()
    is_open = policy.is_code_open(session.starts_at, session.ends_at, now)
    context: dict[str, Any] = {
        "session": session,
        "is_open": is_open,
        "checked_in": Attendance.objects.filter(session=session).count(),
        "refresh_seconds": max(policy.step_seconds() // 3, 1),
    }
    if is_open:
        code = tokens.make_code(session.pk, now)
        url = request.build_absolute_uri(reverse("attendance:check_in", args=[code]))
        context["url"] = url
        context["svg"] = segno.make(url, error="m").svg_inline(scale=8, border=2)
    return context


@login_required
@require_GET
def session_screen(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Show the session's rotating QR code for trainees to scan (签到屏)."""
    session = _found(
        access.get_session_for_user,
        request.user,
        session_id,
        action=Capability.RECORD_ATTENDANCE,
    )
    return render(request, "attendance/screen.html", _qr_context(request, session))


@login_required
@require_GET
def session_code(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Return the screen's code fragment; the screen polls it so the code follows the clock."""
    session = _found(
        access.get_session_for_user,
        request.user,
        session_id,
        action=Capability.RECORD_ATTENDANCE,
    )
    response = render(request, "attendance/_code.html", _qr_context(request, session))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def manual_check_in(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Record a trainee's presence on staff's word, with the required reason (补签)."""
    session = _found(
        access.get_session_for_user,
        request.user,
        session_id,
        action=Capability.RECORD_ATTENDANCE,
    )
    form = ManualCheckInForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_manual_check_in(
                session.pk,
                form.cleaned_data["enrolment"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.detail) from None
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error.detail))
        else:
            messages.success(request, _("Manual check-in recorded."))
            return redirect("attendance:sheet", session.training_class_id)
    status = 400 if form.errors else 200
    return render(
        request, "attendance/manual.html", {"session": session, "form": form}, status=status
    )


def _device(request: HttpRequest) -> tuple[services.Device, str | None]:
    """Return the device of the request, and a new device id to set if it had none."""
    device_id = request.COOKIES.get(DEVICE_COOKIE, "")[:64]
    new_id = None
    if not device_id:
        device_id = new_id = uuid.uuid4().hex
    agent = request.headers.get("User-Agent", "")[:300]
    return services.Device(user_agent=agent, device_id=device_id), new_id


def _with_device(request: HttpRequest, response: HttpResponse, new_id: str | None) -> HttpResponse:
    if new_id:
        response.set_cookie(
            DEVICE_COOKIE,
            new_id,
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _ticket(request: AuthenticatedHttpRequest, code: str, at: datetime.datetime) -> str:
    """Sign the moment of the scan for this user and code, so the page can take its time."""
    return signing.dumps({"u": request.user.pk, "c": code, "at": at.timestamp()}, salt=TICKET_SALT)


def _scanned_at(
    request: AuthenticatedHttpRequest, code: str, ticket: str
) -> datetime.datetime | None:
    """Return the moment a valid ticket of this user and code was issued, else None."""
    try:
        data = signing.loads(ticket, salt=TICKET_SALT, max_age=policy.scan_ticket_seconds())
    except signing.BadSignature:
        return None
    if data.get("u") != request.user.pk or data.get("c") != code:
        return None
    return datetime.datetime.fromtimestamp(float(data["at"]), tz=datetime.UTC)


def _refused(
    request: HttpRequest, error: DomainError, session: ClassSession | None, new_id: str | None
) -> HttpResponse:
    response = render(
        request,
        "attendance/check_in.html",
        {"error": error.detail, "session": session},
        status=error.status,
    )
    return _with_device(request, response, new_id)


def _check_in_page(
    request: AuthenticatedHttpRequest, code: str, session: ClassSession, now: datetime.datetime
) -> HttpResponse:
    """Show the scanned session's button, or say it is already done or outside its window."""
    attendance = queries.get_own_check_in(session, getattr(request.user, "person_id", None))
    if attendance is not None:
        checked_in = _("You checked in to this session at {time}.").format(
            time=services.local_moment(attendance.checked_in_at)
        )
        return render(
            request, "attendance/check_in.html", {"session": session, "checked_in": checked_in}
        )
    try:
        services.require_code_open(session, now)
    except DomainError as error:
        return _refused(request, error, session, None)
    form = CheckInForm(initial={"ticket": _ticket(request, code, now)})
    return render(request, "attendance/check_in.html", {"form": form, "session": session})


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Check the logged-in worker in to the session of a scanned code, as themselves."""
    device, new_id = _device(request)
    now = timezone.now()
    scanned_at = None
    if request.method == "POST":
        # The code is judged at the moment of the scan, which the page's ticket signs.
        scanned_at = _scanned_at(request, code, request.POST.get("ticket", ""))
    try:
        session_id = tokens.read_code(code, scanned_at or now)
    except DomainError as error:
        return _refused(request, error, None, new_id)
    session = (
        ClassSession.objects.select_related("training_class__programme", "venue")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        missing = InvalidCode(_("This attendance code names no session."))
        return _refused(request, missing, None, new_id)
    if request.method == "GET":
        return _with_device(request, _check_in_page(request, code, session, now), new_id)
    form = CheckInForm(request.POST)
    if not form.is_valid() or scanned_at is None:
        expired = InvalidCode(
            _("This check-in page has expired. Scan the code on the session screen again.")
        )
        return _refused(request, expired, session, new_id)
    try:
        location = services.Location.parse(
            form.cleaned_data["latitude"],
            form.cleaned_data["longitude"],
            form.cleaned_data["accuracy"],
        )
        attendance = services.check_in(
            code, actor=request.user, scanned_at=scanned_at, location=location, device=device
        )
    except AlreadyCheckedIn as error:
        messages.info(request, str(error.detail))
        return _with_device(request, redirect("attendance:mine"), new_id)
    except DomainError as error:
        return _refused(request, error, session, new_id)
    if attendance.is_flagged:
        messages.warning(
            request,
            _("Checked in. Reviewers will look at this check-in: {flags}.").format(
                flags=", ".join(attendance.flag_labels)
            ),
        )
    else:
        messages.success(request, _("Checked in."))
    return _with_device(request, redirect("attendance:mine"), new_id)


@login_required
@require_GET
def my_attendance(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the worker's own check-ins, newest first, with accrued hours per class."""
    if not request.user.person_id:
        raise PermissionDenied
    attendances = (
        Attendance.objects.filter(enrolment__person_id=request.user.person_id)
        .select_related("session__venue", "enrolment__training_class__programme")
        .order_by("-checked_in_at")
    )
    return render(request, "attendance/mine.html", {"attendances": attendances})


@login_required
@require_GET
def manual_share(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the bureau each class's manual check-in share, highest first, and the city median."""
    _found(access.require_city_figures, request.user)
    classes = TrainingClass.objects.visible_to(request.user)
    page = Paginator(queries.manual_share_overview(classes), SHARE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    median = queries.city_manual_median()
    rows = []
    for training_class in page:
        # Both counts are manual_share_overview()'s annotations, which the stubs cannot see.
        share = queries.ManualShare(
            manual=training_class.manual_check_ins,  # type: ignore[attr-defined]
            total=training_class.check_ins,  # type: ignore[attr-defined]
        )
        rows.append(
            {
                "training_class": training_class,
                "share": share,
                "is_outlier": policy.is_manual_share_high(share.percent, median),
            }
        )
    return render(
        request, "attendance/manual_share.html", {"rows": rows, "page": page, "median": median}
    )


REVIEW_PAGE_SIZE = 50


@login_required
@require_GET
def flagged(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List flagged check-ins for reviewers, newest first: those waiting, or those decided."""
    if not access.may_review(request.user):
        raise PermissionDenied
    state = request.GET.get("state", "waiting")
    if state not in queries.REVIEW_STATES:
        state = "waiting"
    rows = queries.review_queue(access.check_ins_to_review(request.user), state)
    page = Paginator(rows, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    states = [
        ("waiting", _("Waiting for a decision")),
        *((value, label) for value, label in ReviewDecision.choices),
    ]
    return render(
        request,
        "attendance/flagged.html",
        {"page": page, "state": state, "states": states},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request: AuthenticatedHttpRequest, attendance_id: int) -> HttpResponse:
    """Show one flagged check-in with what was flagged, and take the reviewer's decision."""
    attendance = _found(access.get_check_in_for_review, request.user, attendance_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_check_in(
                attendance.pk,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as error:
            if error.status == 404:
                raise Http404(error.detail) from None
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error.detail))
        else:
            if form.cleaned_data["decision"] == ReviewDecision.REJECTED:
                messages.success(request, _("Check-in rejected: it no longer counts toward hours."))
            else:
                messages.success(request, _("Check-in accepted."))
            return redirect("attendance:flagged")
    status = 400 if form.errors else 200
    return render(
        request,
        "attendance/review.html",
        {
            "attendance": attendance,
            "form": form,
            "may_decide": not attendance.review
            and attendance.is_flagged
            and attendance.enrolment.training_class.status not in FINISHED_STATUSES,
        },
        status=status,
    )
