"""REST endpoints of experts."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["experts"])
