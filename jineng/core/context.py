"""Per-request context shared with the logs and the audit trail.

``request_id`` is the server's own id of the request, always generated here, so that no
client can make two requests share an id or pass another's id off as its own in the audit
trail. ``client_request_id`` is the id the caller sent in ``X-Request-ID`` (bounded and
sanitised), kept beside it so that a partner system can find its request in our logs.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
client_request_id: ContextVar[str] = ContextVar("client_request_id", default="")
