"""Build certificate test data through the services, as assessment and talent would."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from jineng.certificates import services
from jineng.certificates.models import Certificate, CertificateKind

_bases = itertools.count(1)


def request(holder: Any, issuer: Any, occupation: Any, level: Any, **extra: Any) -> Any:
    """A skill-level issue request with a fresh basis, dated today unless told otherwise."""
    fields: dict[str, Any] = {
        "kind": CertificateKind.SKILL_LEVEL,
        "holder": holder,
        "issuer": issuer,
        "issued_on": datetime.date.today(),
        "basis": f"result:{next(_bases)}",
        "occupation": occupation,
        "level": level,
    }
    fields.update(extra)
    return services.IssueRequest(**fields)


def issue(
    actor: Any, holder: Any, issuer: Any, occupation: Any, level: Any, **extra: Any
) -> Certificate:
    """Issue one skill-level certificate."""
    return services.issue_certificate(actor, request(holder, issuer, occupation, level, **extra))
