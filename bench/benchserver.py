"""What the HTTP benchmarks share: a fresh PostgreSQL database and gunicorn on 127.0.0.1."""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def server_environment(database: str) -> dict[str, str]:
    """Environment of the server and the setup: the bench database, production mode."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="jineng.settings",
        DATABASE_URL=f"{PG_SERVER}/{database}",
        JINENG_DEBUG="0",
        JINENG_SECRET_KEY=_key(),
        JINENG_PII_KEY=_key(),
        JINENG_AUDIT_KEY=_key(),
        JINENG_AUDIT_SIGNING_KEY=_key(),
        JINENG_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on the loopback: no redirect to HTTPS, cookies sent without TLS.
        JINENG_SSL_REDIRECT="0",
        JINENG_SECURE_COOKIES="0",
        JINENG_LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
        PYTHONWARNINGS="ignore",
    )
    return env


def recreate_database(database: str) -> None:
    """Drop and create the bench database, so every run starts empty."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    env: dict[str, str], port: int, workers: int, *, ready_path: str, timeout: int = 120
) -> subprocess.Popen[bytes]:
    """Start gunicorn (sync workers) on 127.0.0.1 and wait until ready_path answers 200."""
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "jineng.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            str(timeout),
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", ready_path)
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not start")
