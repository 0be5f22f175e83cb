"""Background tasks of the REST API (django-tasks entry points).

Each task is defined beside the code that queues it, so that module imports no other to
enqueue it; this module lists them, and the paths of tasks queued before they moved
(``jineng.api.tasks.…``) still resolve here.
"""

from __future__ import annotations

from jineng.api.idempotency import purge_idempotency_keys

__all__ = ["purge_idempotency_keys"]
