"""The API's errors: its own refusals (CSRF, second factor, idempotency keys) and one error
shape for the whole API, ``{"code", "detail", "field"?}``, whatever went wrong."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from jineng.core import db
from jineng.core.errors import Busy, Conflict, DomainError, PermissionDenied

logger = logging.getLogger("jineng.api")

# Stable codes for the HTTP errors ninja itself raises.
HTTP_ERROR_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    429: "throttled",
}


class CsrfFailed(PermissionDenied):
    """A session request that changes data came without a valid CSRF token."""

    code = "csrf_failed"


class SecondFactorRequired(PermissionDenied):
    """The session's role must verify a second factor before using the API."""

    code = "second_factor_required"


class IdempotencyKeyReused(DomainError):
    """The key was first used for a different request."""

    code = "idempotency_key_reused"
    status = 422


class IdempotencyKeyInProgress(Conflict):
    """A request with the same key is still running."""

    code = "idempotency_key_in_progress"


class FieldErrorOut(Schema):
    """One problem with one field, when a request has several."""

    field: str
    detail: str


class ErrorOut(Schema):
    """Every error the API returns: a stable code, a readable reason and the field at fault.

    When several fields are invalid at once, ``errors`` lists each of them.
    """

    code: str
    detail: str
    field: str | None = None
    errors: list[FieldErrorOut] | None = None


class PersonExistsOut(ErrorOut):
    """409 for a citizen ID already registered; the pointer only when the caller may see it."""

    existing_id: int | None = None
    existing_url: str | None = None


def responses(*statuses: int, **overrides: Any) -> dict[int, Any]:
    """Return the error responses an operation documents, each with the shared schema."""
    result: dict[int, Any] = dict.fromkeys(statuses, ErrorOut)
    result.update({int(k): v for k, v in overrides.items()})
    return result


def error_response(status: int, body: dict[str, Any]) -> JsonResponse:
    """Return a JSON error response with the shared shape."""
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    # ninja prefixes the location with the source ("body", "query", "path", "header") and,
    # for bodies, with the parameter name; the client only knows the field inside.
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [
        {"field": _field_of(e.get("loc", ())), "detail": str(e.get("msg", ""))} for e in exc.errors
    ]
    first = problems[0] if problems else {"field": "body", "detail": _("Invalid request.")}
    body = {
        "code": "invalid",
        "detail": _("{field}: {reason}").format(field=first["field"], reason=first["detail"]),
        "field": first["field"],
        "errors": problems,
    }
    return error_response(400, body)


def _on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = error_response(exc.status, exc.as_dict())
    if "retry_after" in exc.extra:
        # A refusal that passes with time (core.throttle) says when, as HTTP clients expect.
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


def _on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        401,
        {
            "code": "unauthenticated",
            "detail": _("Send a valid API token as 'Authorization: Bearer <token>' or log in."),
        },
    )
    response["WWW-Authenticate"] = 'Bearer realm="jineng"'
    return response


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, DomainError):
        # ninja turns every error of the body parser into "Cannot parse request body"; the
        # parser's own refusal (a body that is not an object) names the field and reason.
        return _on_domain_error(request, exc.__cause__)
    code = HTTP_ERROR_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, {"code": code, "detail": str(exc)})


def _on_busy(request: HttpRequest, exc: Busy) -> HttpResponse:
    # A lock stayed taken past the lock timeout (core.db): the transaction was rolled back,
    # so the same request may simply be sent again after Retry-After seconds.
    logger.warning("Lock wait timed out in %s %s", request.method, request.path)
    response = error_response(exc.status, exc.as_dict())
    response["Retry-After"] = str(exc.retry_after)
    return response


def _on_database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    if db.is_lock_timeout(exc):
        # A lock timeout outside a query (at commit on SQLite) that core.db did not see.
        return _on_busy(request, Busy(str(exc), retry_after=db.retry_after()))
    return _on_unexpected(request, exc)


def _on_unreadable_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # Django refuses a multipart body it cannot split (no boundary, a malformed or non-ASCII
    # Content-Type, a negative length) when a form or file parameter first reads it.
    body = {
        "code": "invalid",
        "detail": _(
            "The request body could not be read: send it as multipart/form-data with a "
            "boundary, as HTTP clients do for file uploads."
        ),
        "field": "body",
    }
    return error_response(400, body)


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, {"code": "not_found", "detail": _("Not found.")})


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The traceback goes to the log with the request id, never to the client.
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return error_response(
        500,
        {
            "code": "server_error",
            "detail": _("Something went wrong on our side; the request id is in X-Request-ID."),
        },
    )


def register_error_handlers(api: NinjaAPI) -> None:
    """Make every error of the API, expected or not, answer with the shared shape."""
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (DomainError, _on_domain_error),
        (ValidationError, _on_validation_error),
        (AuthenticationError, _on_authentication_error),
        (HttpError, _on_http_error),
        (MultiPartParserError, _on_unreadable_body),
        (Busy, _on_busy),
        (DatabaseError, _on_database_error),
        (Http404, _on_not_found),
        (Exception, _on_unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Answer unknown API paths with the shared 404 body instead of an HTML page."""
    return _on_not_found(request, Http404())
