"""Make sure the demo city can sign certificates: one active signing key (idempotent).

The assessment demo issues the certificates themselves, through the services; this only
ensures the key (and so the published JWKS and did:web document) exists beforehand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jineng.certificates import keys, services

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


def build_demo(*, stdout: SupportsWrite[str]) -> None:
    """Ensure a signing key exists, and say which."""
    signing_key = services.ensure_signing_key()
    stdout.write(f"certificates: signing key {keys.key_uri(signing_key.kid)} is active.\n")
