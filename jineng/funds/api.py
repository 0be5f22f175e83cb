"""REST endpoints of funds."""

from ninja import Router

router = Router(tags=["funds"])
