"""Domain errors: each has a stable code, a translated message and, where one applies, a field."""

from __future__ import annotations

from typing import Any

from django.db import OperationalError
from django.utils.translation import gettext as _


class DomainError(Exception):
    """A rule of the domain refused the request; views and the API turn it into a 4xx."""

    code = "invalid"
    status = 400

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        """Return the shared error shape: code, detail and, where one field is at fault, field."""
        body: dict[str, Any] = {"code": self.code, "detail": str(self.detail)}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class ValidationFailed(DomainError):
    """A value is malformed or out of range."""

    code = "invalid"


class ImportFailed(ValidationFailed):
    """The file as a whole cannot be imported; nothing was written."""

    code = "import_failed"


class Conflict(DomainError):
    """The request would duplicate or contradict an existing record."""

    code = "conflict"
    status = 409


class InvalidTransition(DomainError):
    """A workflow state change that the state machine does not allow."""

    code = "invalid_transition"
    status = 409


class NotFound(DomainError):
    """The object does not exist or lies outside the caller's data scope."""

    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    """The caller's role may not perform this action at all."""

    code = "permission_denied"
    status = 403


class RateLimited(DomainError):
    """The account made too many requests of this kind lately; ``retry_after`` in seconds."""

    code = "rate_limited"
    status = 429


class Busy(OperationalError):
    """A lock the request needed stayed taken past the lock timeout: try again shortly.

    Raised by ``core.db`` for the database's own lock-timeout error, and a subclass of the
    same ``OperationalError``, so code that handled that error (the task worker retries a
    locked SQLite database) still does. Not a ``DomainError``: nothing was refused and nothing
    was written (the transaction that waited is rolled back), so views do not show it as a
    form error and an idempotency key is released for the retry. The API answers 503 with
    ``Retry-After``; pages show the busy page (``core.middleware.BusyMiddleware``).
    """

    code = "busy"
    status = 503

    # A default, so that the exception survives a copy or pickle (which pass the reason only).
    def __init__(self, reason: str = "", *, retry_after: int = 3) -> None:
        super().__init__(reason)
        self.retry_after = retry_after

    @property
    def detail(self) -> str:
        """The reason in the request's language."""
        return _(
            "The system is busy: someone else is changing the same records right now. "
            "Nothing was saved. Please try again in a few seconds."
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the shared error shape with the seconds to wait."""
        return {"code": self.code, "detail": self.detail, "retry_after": self.retry_after}
