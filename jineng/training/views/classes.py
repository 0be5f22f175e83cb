"""Pages of a class in the console: list, create, edit, dashboard, moves, enrolment, approvals.

Protected objects come through ``access`` (404 outside the caller's scope); every write goes
through ``services``; a refusal is shown with its reasons.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import CITY_WIDE_ROLES, Capability
from jineng.core.errors import DomainError, NotFound
from jineng.core.scope import CHANGE
from jineng.training import queries, services
from jineng.training.access import get_class_for_user, get_programme_for_user
from jineng.training.choices import ENROLLABLE_STATUSES, ClassStatus
from jineng.training.forms import (
    BulkEnrolForm,
    ClassEditForm,
    ClassForm,
    EnrolForm,
    NoteForm,
    SessionForm,
)
from jineng.training.models import Enrolment, TrainingClass, Venue
from jineng.training.views.common import console_class, found, is_console_user, refused

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@login_required
@require_GET
def class_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the institution's classes (or every class, for the bureau), newest first."""
    if not is_console_user(request.user):
        raise PermissionDenied
    classes = queries.with_counts(TrainingClass.objects.visible_to(request.user))
    status = request.GET.get("status", "")
    if status in ClassStatus.values:
        classes = classes.filter(status=status)
    return render(
        request,
        "training/class_list.html",
        {
            "classes": classes.order_by("-starts_on", "-pk")[:200],
            "statuses": ClassStatus.choices,
            "status": status,
        },
    )


def _session_input(data: dict[str, Any]) -> services.SessionInput:
    def at(time: datetime.time) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(data["day"], time))

    return services.SessionInput(
        starts_at=at(data["start"]),
        ends_at=at(data["end"]),
        venue_id=data["venue"].pk if data.get("venue") else None,
        teacher_id=data["teacher"].pk if data.get("teacher") else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def class_create(request: AuthenticatedHttpRequest, programme_id: int) -> HttpResponse:
    """Create a class of a programme with its first session."""
    if not request.user.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied
    programme = found(get_programme_for_user, request.user, programme_id, action=CHANGE)
    form = ClassForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.ClassInput(
            code=d["code"],
            capacity=d["capacity"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            mode=d["mode"],
            region_code=d["region_code"],
            sessions=[_session_input(d)],
        )
        try:
            created = services.create_class(programme.pk, data, actor=request.user)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            return redirect("training:detail", class_id=created.pk)
    return render(request, "training/class_form.html", {"programme": programme, "form": form})


# The moves each console user may offer from each state.
NEXT_MOVES: dict[str, tuple[ClassStatus, ...]] = {
    ClassStatus.DRAFT: (ClassStatus.SUBMITTED, ClassStatus.APPROVED),
    ClassStatus.RETURNED: (ClassStatus.SUBMITTED,),
    ClassStatus.SUBMITTED: (ClassStatus.APPROVED, ClassStatus.RETURNED),
    ClassStatus.APPROVED: (ClassStatus.RUNNING,),
    ClassStatus.CLOSED: (ClassStatus.ARCHIVED,),
}


def _moves(user: Any, training_class: TrainingClass) -> list[tuple[str, StrOrPromise]]:
    subsidised = services.needs_bureau_approval(training_class.programme)
    offered: list[tuple[str, StrOrPromise]] = []
    for to in NEXT_MOVES.get(training_class.status, ()):
        bureau = to == ClassStatus.RETURNED or (to == ClassStatus.APPROVED and subsidised)
        if to == ClassStatus.SUBMITTED and not subsidised:
            continue
        if to == ClassStatus.APPROVED and subsidised and training_class.status != "submitted":
            continue
        if user.can(Capability.APPROVE_CLASSES if bureau else Capability.MANAGE_CLASSES):
            offered.append((to, ClassStatus(to).label))
    return offered


@login_required
@require_GET
def class_detail(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """Show a class's dashboard: counts, sessions, roster (masked IDs) and actions.

    A worker who may see the class is sent to its page on 找培训 instead.
    """
    if not is_console_user(request.user):
        found(get_class_for_user, request.user, class_id)
        return redirect("training:find_detail", class_id=class_id)
    training_class = console_class(request, class_id)
    roster = list(queries.roster(training_class))
    # The same counts as the class list: a finished class still shows its trainees.
    counts = queries.with_counts(TrainingClass.objects.filter(pk=training_class.pk)).get()
    is_own = request.user.can(Capability.MANAGE_CLASSES)
    organization_id = training_class.programme.organization_id
    moves = _moves(request.user, training_class)
    may_close = is_own and training_class.status == ClassStatus.RUNNING
    may_enrol = is_own and training_class.status in ENROLLABLE_STATUSES
    targets = [to for to, _label in moves] + ([ClassStatus.CLOSED] if may_close else [])
    waits = [w for w in (services.too_early(training_class, to) for to in targets) if w]
    return render(
        request,
        "training/class_detail.html",
        {
            "c": training_class,
            "sessions": training_class.sessions.select_related("venue", "teacher"),
            "roster": roster,
            "counts": counts,
            "moves": moves,
            "waits": waits,
            "is_own": is_own,
            "may_enrol": may_enrol,
            "no_new_places": services.no_new_places(training_class) if may_enrol else None,
            "may_edit": is_own and training_class.status in ("draft", "returned"),
            "may_close": may_close,
            "enrol_form": EnrolForm(),
            "bulk_form": BulkEnrolForm(),
            "session_form": SessionForm(user=request.user),
            "note_form": NoteForm(),
            # A trainee moves only between classes of the same institution.
            "transfer_targets": TrainingClass.objects.visible_to(request.user, CHANGE)
            .filter(programme__organization_id=organization_id, status__in=ENROLLABLE_STATUSES)
            .exclude(pk=training_class.pk)
            .order_by("code")
            if is_own
            else [],
            "completers": queries.completers(training_class)
            if training_class.status in (ClassStatus.CLOSED, ClassStatus.ARCHIVED)
            else [],
        },
    )


@login_required
@require_POST
def class_transition(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """Move a class (submit, approve, return, start, archive) or close it with completion."""
    training_class = console_class(request, class_id, action=CHANGE)
    to = request.POST.get("to", "")
    note = request.POST.get("note", "")
    try:
        if to == ClassStatus.CLOSED:
            services.close_class(training_class.pk, actor=request.user, note=note)
        else:
            services.transition(training_class.pk, to, actor=request.user, note=note)
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, _("Class {code} updated.").format(code=training_class.code))
    if request.POST.get("next") == "approvals":
        return redirect("training:approvals")
    return redirect("training:detail", class_id=training_class.pk)


@login_required
@require_POST
def class_enrol(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """Enrol one person by the citizen ID and name on their ID card."""
    training_class = console_class(request, class_id)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the citizen ID and the name on the ID card."))
        return redirect("training:detail", class_id=training_class.pk)
    try:
        enrolment = services.enrol_by_id_card(
            training_class.pk,
            form.cleaned_data["id_number"],
            form.cleaned_data["name"],
            actor=request.user,
        )
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(
            request,
            _("{name}: {status}.").format(
                name=form.cleaned_data["name"], status=enrolment.get_status_display()
            ),
        )
    return redirect("training:detail", class_id=training_class.pk)


@login_required
@require_POST
def class_bulk(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """Enrol everyone in an uploaded file; show every refused row."""
    training_class = console_class(request, class_id)
    form = BulkEnrolForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
        return redirect("training:detail", class_id=training_class.pk)
    try:
        result = services.enrol_bulk(
            training_class.pk, form.cleaned_data["file"], actor=request.user
        )
    except DomainError as error:
        refused(request, error)
        return redirect("training:detail", class_id=training_class.pk)
    return render(request, "training/bulk_result.html", {"c": training_class, "result": result})


@login_required
@require_POST
def class_session(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """Add a session to a draft or returned class."""
    training_class = console_class(request, class_id, action=CHANGE)
    form = SessionForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.add_session(
                training_class.pk, _session_input(form.cleaned_data), actor=request.user
            )
        except DomainError as error:
            refused(request, error)
    else:
        messages.error(request, _("Check the session's day and times."))
    return redirect("training:detail", class_id=training_class.pk)


@login_required
@require_GET
def approvals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bureau's queue of classes submitted for approval, with each one's checks."""
    if not request.user.can(Capability.APPROVE_CLASSES):
        raise PermissionDenied
    pending = list(
        queries.with_counts(
            TrainingClass.objects.visible_to(request.user, CHANGE).filter(
                status=ClassStatus.SUBMITTED
            )
        )
        .prefetch_related("sessions__venue")
        .order_by("starts_on", "pk")
    )
    rows = [(c, services.approval_problems(c)[0]) for c in pending]
    return render(request, "training/approvals.html", {"rows": rows})


@login_required
@require_GET
def running(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Running classes grouped by township (no map)."""
    if request.user.role not in CITY_WIDE_ROLES:
        raise PermissionDenied
    classes = TrainingClass.objects.visible_to(request.user)
    return render(request, "training/running.html", {"groups": queries.running_by_town(classes)})


@login_required
@require_POST
def transfer(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    """Move a trainee to another class of the same institution (转班)."""
    if not request.user.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied
    source = Enrolment.objects.filter(pk=enrolment_id).values_list("training_class_id", flat=True)
    class_id = source.first()
    if class_id is None:
        raise Http404
    console_class(request, class_id)
    try:
        to_class = int(request.POST.get("to_class", ""))
    except ValueError:
        messages.error(request, _("Choose a class."))
        return redirect("training:detail", class_id=class_id)
    try:
        placed = services.transfer(enrolment_id, to_class, actor=request.user)
    except NotFound as error:
        raise Http404(error.detail) from None
    except DomainError as error:
        refused(request, error)
        return redirect("training:detail", class_id=class_id)
    messages.success(request, _("Transferred to {code}.").format(code=placed.training_class.code))
    return redirect("training:detail", class_id=class_id)


@login_required
@require_http_methods(["GET", "POST"])
def class_edit(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """Edit a draft or returned class (code, seats, dates, mode, township)."""
    training_class = console_class(request, class_id, action=CHANGE)
    if not request.user.can(Capability.MANAGE_CLASSES):
        raise PermissionDenied
    initial = {
        "code": training_class.code,
        "capacity": training_class.capacity,
        "starts_on": training_class.starts_on,
        "ends_on": training_class.ends_on,
        "mode": training_class.mode,
        "region_code": training_class.region.code if training_class.region else "",
    }
    smallest = (
        Venue.objects.visible_to(request.user, CHANGE)
        .filter(sessions__training_class=training_class)
        .order_by("capacity", "pk")
        .first()
    )
    form = ClassEditForm(request.POST or None, initial=initial, smallest_venue=smallest)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        kept = [
            services.SessionInput(
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                venue_id=s.venue_id,
                teacher_id=s.teacher_id,
                topic=s.topic,
            )
            for s in training_class.sessions.all()
        ]
        data = services.ClassInput(sessions=kept, **d)
        try:
            services.update_class(training_class.pk, data, actor=request.user)
        except DomainError as error:
            form.add_error(None, error.detail)
        else:
            return redirect("training:detail", class_id=training_class.pk)
    return render(request, "training/class_edit.html", {"c": training_class, "form": form})
