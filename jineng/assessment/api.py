"""REST endpoints of assessment."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["assessment"])
