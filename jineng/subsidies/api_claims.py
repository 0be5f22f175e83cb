"""REST endpoints of subsidies: claims."""

from ninja import Router

router = Router(tags=["subsidies"])
