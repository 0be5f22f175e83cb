"""The one router of the catalogs API: reads and writes share paths, so they share a router."""

from ninja import Router

router = Router(tags=["catalogs"])
