"""gunicorn settings for serving jineng in production: `gunicorn -c deploy/gunicorn.conf.py`.

The numbers come from the same environment variables as jineng/settings.py, so the system
check that bounds database connections (jineng.E102/E103, see docs/adr/0009) checks what
this file starts: at most JINENG_WEB_WORKERS × JINENG_WEB_THREADS requests run at once,
each holding at most one PostgreSQL connection. Put a proxy that ends TLS in front.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


wsgi_app = "jineng.wsgi:application"
bind = os.environ.get("JINENG_BIND", "127.0.0.1:8000")
workers = _int("JINENG_WEB_WORKERS", 3)
threads = _int("JINENG_WEB_THREADS", 1)
# Threads need the threaded worker; one thread per process is the plain sync worker.
worker_class = "gthread" if threads > 1 else "sync"
# Long requests (a large export) end after this many seconds instead of holding a worker.
timeout = _int("JINENG_WEB_TIMEOUT", 120)
graceful_timeout = 30
# Restart each worker now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Request lines would name people's search terms; Django's own logging masks ID-like numbers
# (jineng.core.logging), gunicorn's access log would not, so it stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("JINENG_LOG_LEVEL", "warning").lower()
# Load the application once in the master, so a broken configuration stops the start at once
# (and the workers share its memory).
preload_app = True
