"""The `jineng funds` command: loading the sources from a file, printing balances."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from jineng.funds.models import FundSource

pytestmark = pytest.mark.django_db


def test_load_sources_from_a_file(tmp_path: Path, sources: None) -> None:
    path = tmp_path / "sources.json"
    rows = [{"code": "employment_fund", "name": "就业补助资金（市级）"}]
    path.write_text(json.dumps({"sources": rows}), encoding="utf-8")
    out = io.StringIO()
    call_command("funds", "load-sources", "--file", str(path), stdout=out)
    assert "Loaded 1 fund sources" in out.getvalue()
    assert FundSource.objects.get(code="employment_fund").name == "就业补助资金（市级）"
    assert FundSource.objects.count() == 5


def test_balances_are_printed_in_yuan(budget: Any) -> None:
    out = io.StringIO()
    call_command("funds", "balances", "--year", "2026", stdout=out)
    assert out.getvalue().startswith("employment_fund 2026: budget 10,000.00, available 10,000.00")
