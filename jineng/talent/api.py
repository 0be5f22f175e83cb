"""REST endpoints of talent."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["talent"])
