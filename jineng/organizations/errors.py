"""Domain errors of organisations, each with a stable code."""

from __future__ import annotations

from jineng.core.errors import Conflict


class OrganizationExists(Conflict):
    """An organisation with this credit code is already registered."""

    code = "organization_exists"
