"""Steps the bulk pages of people share: capability checks and the user's own jobs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.core.jobs import get_job_for_user
from jineng.core.models import Job


def require(request: AuthenticatedHttpRequest, capability: str) -> None:
    """Refuse (403) a user without the capability."""
    if not request.user.can(capability):
        raise PermissionDenied


def job_or_404(request: AuthenticatedHttpRequest, pk: int, kind: str) -> Job:
    """The user's own job of this kind; 404 alike for anyone else's or a missing one."""
    try:
        return get_job_for_user(request.user, pk, kind=kind)
    except errors.NotFound:
        raise Http404(_("No such job.")) from None
