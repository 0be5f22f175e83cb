"""The hand-offs between layers (ADR 0012): providers filled by higher apps, the lock rule."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from jineng.accounts.roles import Capability
from jineng.attendance import queries as attendance_queries
from jineng.core import audit_views
from jineng.learning import queries as learning_queries
from jineng.people import providers as people_providers
from jineng.records import queries as records_queries
from jineng.training import providers as training_providers

ROOT = Path(__file__).resolve().parents[3]


def _check_locks():
    spec = importlib.util.spec_from_file_location("check_locks", ROOT / "tools" / "check_locks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_higher_apps_fill_the_lower_apps_providers_when_ready():
    assert training_providers._attended is attendance_queries.attended_minutes
    assert training_providers._online is learning_queries.online_minutes
    assert people_providers._record_for is records_queries.record_for


def test_a_missing_provider_fails_loudly_rather_than_counting_zero(monkeypatch):
    monkeypatch.setattr(training_providers, "_attended", None)
    monkeypatch.setattr(training_providers, "_online", None)
    monkeypatch.setattr(people_providers, "_record_for", None)
    with pytest.raises(ImproperlyConfigured, match="attended minutes"):
        training_providers.attended_minutes([1])
    with pytest.raises(ImproperlyConfigured, match="online minutes"):
        training_providers.online_minutes(1, "C-1")
    with pytest.raises(ImproperlyConfigured, match="lifelong record"):
        people_providers.record_for(None, None)


def test_core_names_the_audit_capability_by_its_accounts_value():
    assert audit_views.VIEW_AUDIT == Capability.VIEW_AUDIT


def test_the_lock_rule_refuses_select_for_update_outside_locks_py(tmp_path, capsys):
    check = _check_locks()
    app = tmp_path / "app"
    (app / "tests").mkdir(parents=True)
    service = app / "services.py"
    service.write_text("def f(qs):\n    return qs.select_for_update(nowait=False)\n")
    (app / "locks.py").write_text("def g(qs):\n    return qs.select_for_update()\n")
    (app / "tests" / "test_race.py").write_text("def h(qs):\n    qs.select_for_update()\n")
    (app / "views.py").write_text('"""Never select_for_update() here."""\n')

    assert check.main([str(app)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{service}:2: select_for_update outside locks.py (lock rows in the app's locks.py)"
    ]
    service.unlink()
    assert check.main([str(app)]) == 0


def test_the_product_locks_rows_only_in_locks_py():
    assert _check_locks().main([str(ROOT / "jineng")]) == 0
