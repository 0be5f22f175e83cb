"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """Expose the deployment's city code and debug flag to templates."""
    return {"city_region_code": settings.JINENG_CITY_REGION_CODE, "debug": settings.DEBUG}
