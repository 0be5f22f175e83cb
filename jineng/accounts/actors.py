"""Who acts: the type every service takes as ``actor``, and the request of a signed-in view."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from jineng.accounts.models import User

# Who acts in a service (操作人): a signed-in account, in a page or through the API's token.
# The system's own actions (commands, loaders, background tasks, the demo) pass None, so a
# service the system calls takes ``Actor | None``. It satisfies core.audit.AuditActor.
Actor: TypeAlias = User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind login_required: its user is an account, never anonymous.

    django-stubs types ``HttpRequest.user`` as ``User | AnonymousUser``; views that require a
    signed-in user annotate their request with this class instead (as django-stubs documents).
    """

    user: User


# Who reads through an app's access layer: an account, or a visitor not signed in (public
# pages), whom the data scope answers with public rows only.
Viewer: TypeAlias = User | AnonymousUser
