"""Authenticate learning platforms on the record store with HTTP Basic credentials."""

from __future__ import annotations

import base64
import binascii

from django.http import HttpRequest

from jineng.learning.models import LearningPlatform, PlatformCredential


def platform_from_request(request: HttpRequest) -> LearningPlatform | None:
    """Return the active platform whose unrevoked credential the Authorization header holds."""
    scheme, _sep, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        key, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep:
        return None
    credential = (
        PlatformCredential.objects.select_related("platform")
        .filter(key=key, revoked_at__isnull=True, platform__is_active=True)
        .first()
    )
    if credential is None or not credential.matches(secret):
        return None
    return credential.platform
