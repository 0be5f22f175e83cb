"""Pages of assessment: sessions for evaluators, plans and changes for the bureau, score grids
for examiners, findings for supervisors, results for everyone in scope.

Every object comes through ``access`` (404 outside the caller's scope); every write goes
through ``services``; a refused write re-renders its page with the reason next to the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.assessment import access, queries, services
from jineng.assessment.choices import LOCKED_STATUSES, SCORING_STATUSES, SessionStatus
from jineng.assessment.forms import (
    ApplicantForm,
    ClassCandidatesForm,
    DecisionForm,
    DrawForm,
    FindingForm,
    ScoreChangeForm,
    SessionForm,
    SupervisorForm,
)
from jineng.assessment.models import AssessmentSession, Result, Score
from jineng.core.errors import DomainError, NotFound
from jineng.core.scope import CHANGE

PAGE_SIZE = 50
FORM_FIELDS = {"occupation_code": "occupation"}


def _found(getter: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return getter(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.detail) from None


def _attach(form: forms.Form, error: DomainError) -> None:
    if error.status == 403:
        raise PermissionDenied(str(error.detail)) from error
    field = FORM_FIELDS.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, str(error.detail))


def _page(request: AuthenticatedHttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _is_evaluator_of(user: Any, session: AssessmentSession) -> bool:
    return access.runs_assessments(user) and session.evaluator_id == user.organization_id


@login_required
@require_GET
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the sessions in scope: an evaluator's own, every one for the bureau."""
    user = request.user
    if not (access.sees_all(user) or access.runs_assessments(user)):
        raise PermissionDenied
    sessions = access.visible_sessions(user)
    status = request.GET.get("status", "")
    if status in SessionStatus.values:
        sessions = sessions.filter(status=status)
    return render(
        request,
        "assessment/session_list.html",
        {
            "page": _page(request, sessions),
            "statuses": SessionStatus.choices,
            "status": status,
            "may_create": access.runs_assessments(user),
            "bureau_nav": access.supervises(user),
        },
    )


@login_required
def session_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Plan a new session for the evaluator's own organisation."""
    if not access.runs_assessments(request.user):
        raise PermissionDenied
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.create_session(
                request.user,
                services.SessionInput(
                    route=data["route"],
                    occupation=data["occupation"],
                    level=data["level"],
                    title=data["title"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    venue=data["venue"],
                    capacity=data["capacity"],
                ),
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The session has been created. Add its candidates."))
            return redirect("assessment:session", session_id=session.pk)
    status = 400 if form.errors else 200
    return render(request, "assessment/session_form.html", {"form": form}, status=status)


def _session_page(
    request: AuthenticatedHttpRequest,
    session: AssessmentSession,
    *,
    status: int = 200,
    **bound: forms.Form,
) -> HttpResponse:
    user = request.user
    own = _is_evaluator_of(user, session)
    bureau = access.supervises(user)
    candidates = list(
        session.candidates.select_related("person", "enrolment__training_class").order_by("pk")
    )
    results = {r.candidate_id: r for r in Result.objects.filter(candidate__session=session)}
    for candidate in candidates:
        candidate.outcome = results.get(candidate.pk)  # type: ignore[attr-defined]
    draft = session.status == SessionStatus.DRAFT
    context = {
        "session": session,
        "candidates": candidates,
        "components": list(session.components.all()),
        "examiners": list(session.examiners.select_related("expert__person")),
        "draws": queries.session_draws(session),
        "relation_conflicts": queries.examiner_relation_conflicts(session) if bureau else [],
        "findings": list(session.findings.select_related("supervisor")),
        "own": own,
        "bureau": bureau,
        "is_examiner": session.examiners.filter(expert__user_id=user.pk).exists(),
        "scoring": session.status in SCORING_STATUSES,
        "locked": session.status in LOCKED_STATUSES,
        "class_form": bound.get("class_form") or (ClassCandidatesForm() if own and draft else None),
        "applicant_form": bound.get("applicant_form")
        or (ApplicantForm() if own and draft else None),
        "may_file": own and draft,
        "supervisor_form": bound.get("supervisor_form")
        or (
            SupervisorForm()
            if bureau and session.status not in LOCKED_STATUSES and not draft
            else None
        ),
        "draw_form": bound.get("draw_form")
        or (DrawForm() if bureau and session.status == SessionStatus.FILED else None),
        "may_close": own and session.status in SCORING_STATUSES,
        "may_issue": own and session.status == SessionStatus.CLOSED,
        "finding_form": bound.get("finding_form")
        or (FindingForm() if session.supervisor_id == user.pk else None),
        "change_form": bound.get("change_form")
        or (_change_form(session) if bureau and session.status in LOCKED_STATUSES else None),
    }
    return render(request, "assessment/session_detail.html", context, status=status)


def _score_choices(session: AssessmentSession) -> list[tuple[int, str]]:
    scores = Score.objects.filter(candidate__session=session).select_related(
        "candidate__person", "component"
    )
    return [(s.pk, f"{s.candidate.person.name} · {s.component.name} · {s.value}") for s in scores]


def _change_form(session: AssessmentSession, data: Any = None) -> ScoreChangeForm:
    return ScoreChangeForm(data, scores=_score_choices(session))


@login_required
@require_GET
def session_detail(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Show a session: plan, candidates, examiners, results and the actions of the viewer."""
    session = _found(access.get_session_for_user, request.user, session_id)
    return _session_page(request, session)


def _act(
    request: AuthenticatedHttpRequest,
    session_id: int,
    form_class: type[forms.Form] | None,
    form_name: str,
    act: Callable[[AssessmentSession, dict[str, Any]], object],
    done: str = "",
    *,
    action: str = CHANGE,
) -> HttpResponse:
    """Run one write on a session from a posted form; on refusal, show the page again."""
    session = _found(access.get_session_for_user, request.user, session_id, action=action)
    form = form_class(request.POST) if form_class is not None else None
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        try:
            outcome = act(session, data)
        except DomainError as error:
            if form is None or error.status == 403:
                if error.status == 403:
                    raise PermissionDenied(str(error.detail)) from error
                messages.error(request, str(error.detail))
                return redirect("assessment:session", session_id=session.pk)
            _attach(form, error)
        else:
            messages.success(request, outcome if isinstance(outcome, str) else done)
            return redirect("assessment:session", session_id=session.pk)
    session = _found(access.get_session_for_user, request.user, session_id)
    bound = {form_name: form} if form is not None else {}
    return _session_page(request, session, status=400, **bound)


@login_required
@require_POST
def add_from_class(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Add the trainees who completed a finished class."""

    def act(session: AssessmentSession, data: dict[str, Any]) -> str:
        outcome = services.add_candidates_from_class(request.user, session.pk, data["class_code"])
        for name, reason in outcome.skipped:
            messages.warning(
                request, _("{name} not added: {reason}").format(name=name, reason=reason)
            )
        return _("{n} candidates added.").format(n=len(outcome.added))

    return _act(request, session_id, ClassCandidatesForm, "class_form", act)


@login_required
@require_POST
def add_applicant(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Add a person who applies directly."""

    def act(session: AssessmentSession, data: dict[str, Any]) -> str:
        candidate = services.add_applicant(
            request.user,
            session.pk,
            services.ApplicantInput(
                id_number=data["id_number"],
                name=data["name"],
                years_in_occupation=data["years_in_occupation"],
                education=data["education"],
            ),
        )
        return _("{name} is a candidate: {reason}").format(
            name=candidate.person.name, reason=candidate.eligibility_reason
        )

    return _act(request, session_id, ApplicantForm, "applicant_form", act)


@login_required
@require_POST
def file_plan(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """File the plan with the bureau (计划备案)."""
    return _act(
        request,
        session_id,
        None,
        "",
        lambda s, d: services.file_plan(request.user, s.pk),
        _("The plan has been filed."),
    )


@login_required
@require_POST
def assign_supervisor(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Assign a quality supervisor (bureau)."""
    return _act(
        request,
        session_id,
        SupervisorForm,
        "supervisor_form",
        lambda s, d: (
            services.assign_supervisor(request.user, s.pk, d["supervisor"])
            and _("The supervisor has been assigned.")
        ),
    )


@login_required
@require_POST
def draw(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Draw the examiners from the judge pool (bureau)."""
    return _act(
        request,
        session_id,
        DrawForm,
        "draw_form",
        lambda s, d: (
            services.draw_session_examiners(request.user, s.pk, count=d["count"])
            and _("The examiners have been drawn.")
        ),
    )


@login_required
@require_POST
def close(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Close the session: lock the scores and decide the results."""
    return _act(
        request,
        session_id,
        None,
        "",
        lambda s, d: (
            services.close_session(request.user, s.pk)
            and _("The session is closed; the scores are locked.")
        ),
    )


@login_required
@require_POST
def issue(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Issue the certificates of the passed candidates."""
    return _act(
        request,
        session_id,
        None,
        "",
        lambda s, d: _("{n} certificates issued.").format(
            n=len(services.issue_session_certificates(request.user, s.pk))
        ),
    )


@login_required
@require_POST
def record_finding(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Record a supervision finding (the assigned supervisor; anyone else: as missing)."""
    seen = _found(access.get_session_for_user, request.user, session_id)
    if seen.supervisor_id != request.user.pk:
        # Others act on it only within their change scope (the bureau; the evaluator is 403).
        _found(access.get_session_for_user, request.user, session_id, action=CHANGE)
        if not access.supervises(request.user):
            raise PermissionDenied
    return _act(
        request,
        session_id,
        FindingForm,
        "finding_form",
        lambda s, d: (
            services.record_finding(request.user, s.pk, text=d["text"], severity=d["severity"])
            and _("The finding has been recorded.")
        ),
        action="view",
    )


@login_required
@require_POST
def request_change(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Ask to change a locked score (bureau), with the reason."""
    session = _found(access.get_session_for_user, request.user, session_id, action=CHANGE)
    if not access.supervises(request.user):
        raise PermissionDenied
    form = _change_form(session, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_score_change(
                request.user, data["score"], new_value=data["new_value"], reason=data["reason"]
            )
        except DomainError as error:
            _attach(form, error)
        else:
            messages.success(request, _("The change awaits a second bureau user's approval."))
            return redirect("assessment:session", session_id=session.pk)
    return _session_page(request, session, status=400, change_form=form)


@login_required
def score_grid(request: AuthenticatedHttpRequest, session_id: int, component: str) -> HttpResponse:
    """Enter one component's scores for every candidate (drawn examiners only)."""
    session = _found(access.get_session_for_user, request.user, session_id)
    part = session.components.filter(key=component).first()
    if part is None:
        # A component key, not an object: the session's page says which components it has.
        messages.info(request, _("This session has no component {key}.").format(key=component))
        return redirect("assessment:session", session_id=session.pk)
    candidates = list(session.candidates.select_related("person").order_by("pk"))
    scores = {s.candidate_id: s for s in Score.objects.filter(component=part)}
    error = ""
    posted: dict[int, str] = {}
    if request.method == "POST":
        posted = {c.pk: request.POST.get(f"score_{c.pk}", "").strip() for c in candidates}
        try:
            services.enter_scores(request.user, session.pk, part.key, posted)
        except DomainError as refused:
            if refused.status == 403:
                raise PermissionDenied(str(refused.detail)) from refused
            error = str(refused.detail)
        else:
            messages.success(request, _("The scores have been saved."))
            return redirect("assessment:scores", session_id=session.pk, component=part.key)
    editable = (
        session.status in SCORING_STATUSES
        and session.examiners.filter(expert__user_id=request.user.pk).exists()
    )
    rows = [
        {
            "candidate": c,
            # A refused value is shown back only while the grid takes scores: a locked grid
            # shows the locked scores, never what a stale page tried to save.
            "value": posted[c.pk][: services.ECHO_CHARS]
            if editable and c.pk in posted
            else (scores[c.pk].value if c.pk in scores else ""),
        }
        for c in candidates
    ]
    return render(
        request,
        "assessment/score_grid.html",
        {
            "session": session,
            "component": part,
            "components": list(session.components.all()),
            "rows": rows,
            "error": error,
            "editable": editable,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def my_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The examiner's and the supervisor's sessions."""
    return render(
        request,
        "assessment/my_sessions.html",
        {
            "to_score": queries.scores_to_enter(request.user),
            "to_supervise": queries.sessions_to_supervise(request.user),
        },
    )


@login_required
@require_GET
def plans(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Filed plans waiting for the bureau (计划备案)."""
    if not access.supervises(request.user):
        raise PermissionDenied
    return render(
        request,
        "assessment/plans.html",
        {"page": _page(request, queries.plans_to_receive(request.user))},
    )


@login_required
@require_GET
def changes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Score changes waiting for this bureau user's decision."""
    if not access.supervises(request.user):
        raise PermissionDenied
    return render(
        request,
        "assessment/changes.html",
        {"changes": queries.score_changes_to_approve(request.user), "form": DecisionForm()},
    )


@login_required
@require_POST
def decide_change(request: AuthenticatedHttpRequest, change_id: int) -> HttpResponse:
    """Approve or reject a score change (a second bureau user)."""
    change = _found(access.get_score_change_for_user, request.user, change_id, action=CHANGE)
    form = DecisionForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    if form.is_valid():
        try:
            services.decide_score_change(
                request.user, change.pk, approve=approve, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            if error.status == 403:
                messages.error(request, str(error.detail))
            else:
                messages.error(request, str(error.detail))
        else:
            messages.success(
                request,
                _("The change has been approved.")
                if approve
                else _("The change has been rejected."),
            )
    return redirect(reverse("assessment:changes"))
