"""Pages of the lifelong training record: my record, downloads, share links, shared view."""

from __future__ import annotations

import datetime
import json

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.core.http import mark_personal_data
from jineng.fraud import queries as fraud_queries
from jineng.people import identity as people_identity
from jineng.people.access import get_person_for_user
from jineng.people.models import Person
from jineng.records import queries, services
from jineng.records.models import ShareLink, hash_share_token
from jineng.records.pdf import render_record_pdf
from jineng.records.queries import TrainingRecord, record_for


class ShareForm(forms.Form):
    """How many days a new share link should work, and whether it shows target groups."""

    days = forms.IntegerField(
        label=gettext_lazy("Days the link works"),
        min_value=1,
        max_value=services.MAX_SHARE_DAYS,
        initial=settings.JINENG_SHARE_LINK_DAYS,
        help_text=gettext_lazy("From 1 to 90 days. You can revoke the link at any time."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    show_target_groups = forms.BooleanField(
        label=gettext_lazy("Show my target groups on this link"),
        required=False,
        initial=False,
        help_text=gettext_lazy(
            "Off by default. When on, the link shows the target groups you belong to today "
            "(such as 残疾人 or 脱贫人口), never the documents behind them."
        ),
    )


def _own_person(request: AuthenticatedHttpRequest) -> Person:
    """Return the logged-in worker's person, or 404 when the account has none."""
    if not request.user.person_id:
        raise Http404(_("This account is not linked to a worker's record."))
    return _staff_person(request, request.user.person_id)


def _staff_person(request: AuthenticatedHttpRequest, pk: int) -> Person:
    """Return a person in the user's scope, or 404 for missing and out-of-scope alike."""
    try:
        return get_person_for_user(request.user, pk)
    except errors.NotFound:
        raise Http404(_("No such person.")) from None


def _share_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("records:shared", args=[token]))


def _record_context(
    record: TrainingRecord, identity: people_identity.PersonalData | None = None
) -> dict[str, object]:
    return {
        "person": record.person,
        "identity": identity or record.person.masked_identity(),
        "revealed": identity is not None,
        "record": record,
    }


def _render_mine(
    request: AuthenticatedHttpRequest,
    person: Person,
    *,
    identity: people_identity.PersonalData | None = None,
    share_form: ShareForm | None = None,
    new_link: ShareLink | None = None,
    new_token: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _record_context(record_for(person, request.user), identity)
    context.update(
        {
            "share_form": share_form or ShareForm(),
            "links": person.share_links.usable().order_by("-created_at"),
            # Why a claim in the worker's name is held, in the rules' own words (PIPL Art. 24).
            "held_reasons": fraud_queries.holds_explained_for_person(person),
            "new_link": new_link,
            "new_token": new_token,
            "new_url": _share_url(request, new_token) if new_token else "",
            "new_qr": segno.make(_share_url(request, new_token), error="m").svg_inline(
                scale=4, border=2
            )
            if new_token
            else "",
        }
    )
    return render(request, "records/my_record.html", context, status=status)


@login_required
def my_record(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the logged-in worker their own record, identity masked."""
    return _render_mine(request, _own_person(request))


@login_required
@require_POST
def my_reveal(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the worker their own full ID and phone numbers; audited like any reveal."""
    person = _own_person(request)
    try:
        identity = people_identity.reveal_personal_data(person, actor=request.user, purpose="own")
    except errors.RateLimited as error:
        messages.error(request, error.detail)
        return _render_mine(request, person, status=error.status)
    return mark_personal_data(_render_mine(request, person, identity=identity))


def _json_response(record: TrainingRecord) -> HttpResponse:
    body = json.dumps(record.as_document(), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"record-{record.person.pk}-{timezone.localdate()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pdf_response(
    record: TrainingRecord,
    *,
    share_url: str | None = None,
    share_expires_at: datetime.datetime | None = None,
) -> HttpResponse:
    pdf = render_record_pdf(record, share_url=share_url, share_expires_at=share_expires_at)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"record-{record.person.pk}-{timezone.localdate()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def my_record_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download the worker's own record as JSON (identity masked)."""
    return _json_response(record_for(_own_person(request), request.user))


@login_required
def my_record_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download the worker's own record as PDF; a POSTed share token makes it the link's copy.

    The copy with a link's QR code is meant to be handed on with the link, so it shows what
    the link shows (target groups only if the worker chose them), not the worker's own view.
    """
    person = _own_person(request)
    token = request.POST.get("token", "") if request.method == "POST" else ""
    if not token:
        return _pdf_response(record_for(person, request.user))
    link = get_object_or_404(
        ShareLink.objects.usable().select_related("person__region", "person__town"),
        person=person,
        token_hash=hash_share_token(token),
    )
    return _pdf_response(
        queries.shared_record(link),
        share_url=_share_url(request, token),
        share_expires_at=link.expires_at,
    )


@login_required
@require_POST
def share_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create a time-limited share link and show it once (only its hash is kept)."""
    person = _own_person(request)
    form = ShareForm(request.POST)
    if not form.is_valid():
        return _render_mine(request, person, share_form=form, status=400)
    try:
        link, token = services.share_record(
            person,
            actor=request.user,
            days=form.cleaned_data["days"],
            shows_target_groups=form.cleaned_data["show_target_groups"],
        )
    except errors.DomainError as error:
        form.add_error("days", error.detail)
        return _render_mine(request, person, share_form=form, status=400)
    response = _render_mine(request, person, new_link=link, new_token=token)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def share_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Stop one of the worker's own share links from working."""
    person = _own_person(request)
    link = get_object_or_404(ShareLink, pk=pk, person=person)
    services.revoke_share_link(link, actor=request.user)
    messages.success(request, _("The link has been revoked; it no longer opens your record."))
    return redirect("records:mine")


def shared_record(request: HttpRequest, token: str) -> HttpResponse:
    """Show a shared record, masked, to anyone holding a usable link; no login needed."""
    try:
        link = services.open_shared_record(token)
    except errors.NotFound:
        response = render(request, "records/shared_gone.html", status=404)
    else:
        response = render(
            request, "records/shared.html", _record_context(queries.shared_record(link))
        )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def person_record_json(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Download a person's record as JSON for staff whose scope covers them (audited)."""
    person = _staff_person(request, pk)
    services.note_record_download(person, actor=request.user, file_format="json")
    return _json_response(record_for(person, request.user))


@login_required
def person_record_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Download a person's record as PDF for staff whose scope covers them (audited)."""
    person = _staff_person(request, pk)
    services.note_record_download(person, actor=request.user, file_format="pdf")
    return _pdf_response(record_for(person, request.user))
