"""The inbox page: every notification of the signed-in account, each linking to its object."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core.errors import NotFound
from jineng.notifications import queries, services

PAGE_SIZE = 20


@require_GET
@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the account's notifications, unread first (收件箱)."""
    page = Paginator(queries.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": queries.unread_count(request.user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def open_notification(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Go to a notification's object (the inbox when it names none); a POST (the inbox's
    button) also marks it read, a GET changes nothing (another site could make one)."""
    if request.method == "POST":
        try:
            notification = services.mark_read(pk, actor=request.user)
        except NotFound:
            raise Http404 from None
    else:
        found = queries.inbox(request.user).filter(pk=pk).first()
        if found is None:
            raise Http404
        notification = found
    return HttpResponseRedirect(notification.target or reverse("notifications:inbox"))


@require_POST
@login_required
def read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and return to the inbox."""
    try:
        services.mark_read(pk, actor=request.user)
    except NotFound:
        raise Http404 from None
    return redirect("notifications:inbox")


@require_POST
@login_required
def read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark every notification read and return to the inbox."""
    count = services.mark_all_read(actor=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "{count} notification marked as read.",
                "{count} notifications marked as read.",
                count,
            ).format(count=count),
        )
    else:
        messages.info(request, _("Nothing was unread."))
    return redirect("notifications:inbox")
