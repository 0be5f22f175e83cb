"""Pages of training for workers: 找培训 (find a class), enrol, withdraw and 我的课程.

Published classes come through ``access`` (404 for unpublished ones); every write goes
through ``services``; a refusal is shown with its reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jineng.accounts.actors import Actor, AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.core import errors
from jineng.core.errors import DomainError, NotFound
from jineng.training import queries, services
from jineng.training.access import get_class_for_user, get_enrolment_for_user
from jineng.training.choices import (
    ACTIVE_ENROLMENT_STATUSES,
    ENROLLABLE_STATUSES,
    EnrolmentStatus,
)
from jineng.training.eligibility import unmet_conditions
from jineng.training.models import ClassSession, Enrolment
from jineng.training.views.common import refused


@require_GET
def find(request: HttpRequest) -> HttpResponse:
    """找培训: search approved and running classes by occupation, town, dates, subsidy."""
    params = {k: request.GET.get(k, "") for k in queries.SEARCH_KEYS}
    found = queries.search_classes(params)[:100]
    return render(
        request,
        "training/find.html",
        {"classes": found, "params": params, "towns": queries.city_towns()},
    )


def _place_problems(user: Actor, training_class: Any, person: Any) -> list[str]:
    """Why the worker cannot take a place: another place in the way, or unmet conditions."""
    try:
        services.check_other_places(training_class, person, actor=user)
    except DomainError as error:
        return [error.detail]
    return unmet_conditions(person, training_class)


@require_GET
def find_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    """A published class for a worker: sessions, eligibility explained, enrol button."""
    try:
        training_class = get_class_for_user(request.user, class_id)
    except NotFound as error:
        raise Http404(error.detail) from None
    if training_class.status not in ENROLLABLE_STATUSES:
        raise Http404
    user = request.user if request.user.is_authenticated else None
    person = getattr(user, "person", None) if user is not None else None
    mine = None
    problems: list[str] = []
    closed = services.no_new_places(training_class)
    if user is not None and person is not None:
        mine = Enrolment.objects.filter(
            training_class=training_class, person=person, status__in=["enrolled", "waitlisted"]
        ).first()
        problems = [closed] if closed else _place_problems(user, training_class, person)
    counts = training_class.enrolments.aggregate(
        enrolled=Count("pk", filter=Q(status=EnrolmentStatus.ENROLLED))
    )
    return render(
        request,
        "training/find_detail.html",
        {
            "c": training_class,
            "sessions": training_class.sessions.select_related("venue", "teacher"),
            "person": person,
            "mine": mine,
            "problems": problems,
            "closed": closed,
            "free": max(0, training_class.capacity - counts["enrolled"]),
        },
    )


@login_required
@require_POST
def find_enrol(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """Enrol the logged-in worker in a class."""
    person = getattr(request.user, "person", None)
    if person is None or not request.user.can(Capability.ENROL_SELF):
        raise PermissionDenied
    try:
        get_class_for_user(request.user, class_id)
        enrolment = services.enrol(class_id, person.pk, actor=request.user)
    except NotFound as error:
        raise Http404(error.detail) from None
    except DomainError as error:
        refused(request, error)
        return redirect("training:find_detail", class_id=class_id)
    messages.success(
        request, _("You are {status}.").format(status=enrolment.get_status_display().lower())
    )
    return redirect("training:mine")


def _may_withdraw(user: Actor, enrolment: Enrolment) -> bool:
    """Staff withdraw their own trainees, a worker themself (the service checks it again)."""
    if user.can(Capability.MANAGE_CLASSES):
        return True
    return user.can(Capability.ENROL_SELF) and user.person_id == enrolment.person_id


def _after_withdraw(user: Actor, enrolment: Enrolment) -> HttpResponse:
    if user.can(Capability.MANAGE_CLASSES):
        return redirect("training:detail", class_id=enrolment.training_class_id)
    return redirect("training:mine")


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    """Withdraw an enrolment (the worker's own, or staff's trainee) after a confirmation.

    A GET, or a POST without ``confirm``, shows what withdrawing gives up (a seat that goes to
    the waitlist, a waitlist position); only a POST with ``confirm=yes`` withdraws, so a
    withdrawal never happens by one tap and works without JavaScript.
    """
    try:
        enrolment = get_enrolment_for_user(request.user, enrolment_id)
    except NotFound as error:
        raise Http404(error.detail) from None
    if not _may_withdraw(request.user, enrolment):
        raise PermissionDenied(_("Your role may not withdraw or transfer trainees."))
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            enrolment = services.withdraw(
                enrolment_id, actor=request.user, reason=request.POST.get("reason", "")[:200]
            )
        except NotFound as error:
            raise Http404(error.detail) from None
        except errors.PermissionDenied as error:
            raise PermissionDenied(error.detail) from None
        except DomainError as error:
            refused(request, error)
            return _after_withdraw(request.user, enrolment)
        messages.success(request, _("Withdrawn."))
        return _after_withdraw(request.user, enrolment)
    if enrolment.status not in ACTIVE_ENROLMENT_STATUSES:
        messages.info(
            request,
            _("This enrolment is {status} already.").format(status=enrolment.get_status_display()),
        )
        return _after_withdraw(request.user, enrolment)
    training_class = enrolment.training_class
    waiting = training_class.enrolments.filter(status=EnrolmentStatus.WAITLISTED).count()
    return render(
        request,
        "training/withdraw_confirm.html",
        {
            "e": enrolment,
            "c": training_class,
            "is_self": request.user.person_id == enrolment.person_id,
            "waiting": waiting,
            "back": (
                reverse("training:detail", args=[training_class.pk])
                if request.user.can(Capability.MANAGE_CLASSES)
                else reverse("training:mine")
            ),
        },
    )


@dataclass(frozen=True)
class MyClass:
    """One of the worker's places on 我的培训班, with its next session picked out."""

    enrolment: Enrolment
    next_session: ClassSession | None
    sessions: list[ClassSession]

    @property
    def is_seated(self) -> bool:
        return self.enrolment.status == EnrolmentStatus.ENROLLED

    @property
    def other_sessions(self) -> list[ClassSession]:
        return [s for s in self.sessions if s is not self.next_session]

    def order(self) -> tuple[int, float]:
        """Sort key: seated with a session ahead, then waitlisted, then nothing ahead."""
        if self.next_session is None:
            return (2, 0.0)
        return (0 if self.is_seated else 1, self.next_session.starts_at.timestamp())


@login_required
@require_GET
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """我的培训班: the next session first, then each class with its other sessions folded."""
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404
    now = timezone.now()
    current: list[MyClass] = []
    earlier: list[MyClass] = []
    for enrolment in queries.my_enrolments(person):
        sessions = list(enrolment.training_class.sessions.all())
        ahead = [s for s in sessions if s.ends_at >= now]
        item = MyClass(enrolment, ahead[0] if ahead else None, sessions)
        (current if enrolment.status in ACTIVE_ENROLMENT_STATUSES else earlier).append(item)
    # Seated classes by their next session lead, then the waitlist, then nothing ahead.
    current.sort(key=MyClass.order)
    first = current[0] if current else None
    upcoming = first if first and first.next_session and first.is_seated else None
    return render(
        request,
        "training/mine.html",
        {"current": current, "earlier": earlier, "upcoming": upcoming},
    )
