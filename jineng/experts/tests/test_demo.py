"""The demo judge pool skips cleanly when the city has nothing to draw from yet."""

from __future__ import annotations

import io
from typing import Any

from jineng.experts.demo import build_demo
from jineng.experts.models import Expert


def test_demo_skips_without_licences(db: Any) -> None:
    out = io.StringIO()
    build_demo(stdout=out, password="x")
    assert "skipped" in out.getvalue()
    assert not Expert.objects.exists()
