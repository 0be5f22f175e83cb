"""Middleware of the shared kernel."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jineng.core import context, db
from jineng.core.errors import Busy
from jineng.core.logging import mask_personal_data

# A caller's request id: letters, digits and . _ : - (what UUIDs, ULIDs and trace ids use),
# at most 64 characters. Anything else is dropped, never trusted or written to a log as sent.
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
CLIENT_REQUEST_ID_HEADER = "X-Client-Request-ID"

logger = logging.getLogger("jineng.core")


def client_request_id(request: HttpRequest) -> str:
    """Return the caller's X-Request-ID when it is a plain bounded token, else ""."""
    sent = request.headers.get("X-Request-ID", "").strip()
    if not CLIENT_REQUEST_ID.fullmatch(sent):
        return ""
    # An ID or phone number sent as a request id is masked like any other in the logs.
    return mask_personal_data(sent)


class RequestIdMiddleware:
    """Give every request the server's own id, and keep the caller's X-Request-ID beside it.

    The server's id goes to the logs, the audit events and the ``X-Request-ID`` response
    header; the caller's id, when it sent a usable one, goes to the logs and comes back in
    ``X-Client-Request-ID``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid, client_rid = uuid.uuid4().hex, client_request_id(request)
        token = context.request_id.set(rid)
        client_token = context.client_request_id.set(client_rid)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(token)
            context.client_request_id.reset(client_token)
        response["X-Request-ID"] = rid
        if client_rid:
            response[CLIENT_REQUEST_ID_HEADER] = client_rid
        return response


class BusyMiddleware:
    """Answer a page whose lock wait timed out with the busy page: 503 and Retry-After.

    The API answers the same error in its own JSON shape (api.errors); this covers the pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Render the busy page for ``Busy`` (or a lock timeout that escaped the wrapper)."""
        if isinstance(exception, Busy):
            seconds = exception.retry_after
        elif db.is_lock_timeout(exception):
            seconds = db.retry_after()
        else:
            return None
        logger.warning("Lock wait timed out in %s %s", request.method, request.path)
        response = render(request, "503.html", {"retry_after": seconds}, status=503)
        response["Retry-After"] = str(seconds)
        return response
