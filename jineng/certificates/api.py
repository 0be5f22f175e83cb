"""REST endpoints of certificates."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["certificates"])
