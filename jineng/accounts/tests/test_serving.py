"""The serving set-up cannot open more database connections than the server accepts."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from jineng.accounts import checks
from jineng.accounts.checks import check_connection_budget, check_server_max_connections

GUNICORN_CONF = Path(__file__).resolve().parents[3] / "deploy" / "gunicorn.conf.py"


def _ids(errors) -> list[str]:
    return [error.id for error in errors]


def test_the_defaults_fit_any_budget_of_six_connections(settings):
    settings.JINENG_DB_MAX_CONNECTIONS = 6

    assert check_connection_budget() == []


def test_workers_times_threads_beyond_the_budget_is_refused(settings):
    settings.JINENG_WEB_WORKERS = 9
    settings.JINENG_WEB_THREADS = 4
    settings.JINENG_DB_MAX_CONNECTIONS = 30

    errors = check_connection_budget()

    assert _ids(errors) == ["jineng.E102"]
    assert errors[0].msg == (
        "The serving set-up may hold 39 database connections (9 web workers × 4 threads + "
        "1 task workers + 2 spare), more than the JINENG_DB_MAX_CONNECTIONS=30 granted to it."
    )


def test_persistent_connections_under_the_development_server_are_refused(settings, monkeypatch):
    monkeypatch.setattr(checks, "_is_postgres", lambda: True)
    monkeypatch.setitem(settings.DATABASES["default"], "CONN_MAX_AGE", 60)
    settings.DEBUG = True

    assert _ids(check_connection_budget()) == ["jineng.E101"]

    monkeypatch.setitem(settings.DATABASES["default"], "CONN_MAX_AGE", 0)
    assert check_connection_budget() == []
    settings.DEBUG = False
    monkeypatch.setitem(settings.DATABASES["default"], "CONN_MAX_AGE", 60)
    assert check_connection_budget() == []


def test_a_connection_per_request_is_the_default(settings):
    assert settings.DATABASES["default"].get("CONN_MAX_AGE", 0) == 0


def test_the_check_command_fails_on_a_set_up_beyond_the_budget(settings):
    settings.JINENG_WEB_WORKERS = 50
    settings.JINENG_DB_MAX_CONNECTIONS = 20

    with pytest.raises(SystemCheckError, match="jineng.E102"):
        call_command("check")


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_set_up_beyond_the_servers_max_connections_is_refused(settings):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        server_max = int(cursor.fetchone()[0])
    settings.JINENG_WEB_WORKERS = server_max
    settings.JINENG_WEB_THREADS = 1

    errors = check_server_max_connections(databases=["default"])

    assert _ids(errors) == ["jineng.E103"]
    settings.JINENG_WEB_WORKERS = 3
    assert check_server_max_connections(databases=["default"]) == []


def test_gunicorn_serves_what_the_check_counts(monkeypatch):
    monkeypatch.setenv("JINENG_WEB_WORKERS", "5")
    monkeypatch.setenv("JINENG_WEB_THREADS", "4")
    monkeypatch.setenv("JINENG_BIND", "0.0.0.0:9000")

    conf = runpy.run_path(str(GUNICORN_CONF))

    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (5, 4, "gthread")
    assert conf["bind"] == "0.0.0.0:9000"
    assert conf["wsgi_app"] == "jineng.wsgi:application"
    assert conf["accesslog"] is None


def test_gunicorn_defaults_match_the_settings(monkeypatch, settings):
    for name in ("JINENG_WEB_WORKERS", "JINENG_WEB_THREADS", "JINENG_BIND"):
        monkeypatch.delenv(name, raising=False)

    conf = runpy.run_path(str(GUNICORN_CONF))

    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (
        settings.JINENG_WEB_WORKERS,
        settings.JINENG_WEB_THREADS,
        "sync",
    )
    assert conf["bind"] == "127.0.0.1:8000"
