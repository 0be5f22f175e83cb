"""REST endpoints of fraud."""

from ninja import Router

router = Router(tags=["fraud"])
