"""REST endpoints of subsidies."""

from ninja import Router

router = Router(tags=["subsidies"])
