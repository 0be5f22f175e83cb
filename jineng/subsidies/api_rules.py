"""REST endpoints of subsidies: rules."""

from ninja import Router

router = Router(tags=["subsidies"])
