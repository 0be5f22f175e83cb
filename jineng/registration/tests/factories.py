"""Shared steps of the registration tests: read the code from the outbox, fill the form."""

from __future__ import annotations

import re

from django.contrib.auth.hashers import make_password

from jineng.core.models import SmsOutboxMessage
from jineng.registration.services import PendingRegistration

PASSWORD = "Kq7-plain-Orchard"
PHONE = "13912345678"


def last_code() -> str:
    """The six digits of the newest message in the outbox."""
    message = SmsOutboxMessage.objects.order_by("-id").first()
    assert message is not None, "no message in the outbox"
    match = re.search(r"(?<!\d)\d{6}(?!\d)", message.text)
    assert match, message.text
    return match.group()


def pending(
    id_number: str,
    name: str,
    *,
    phone: str = PHONE,
    username: str = "",
    region_code: str = "220581001",
) -> PendingRegistration:
    return PendingRegistration(
        name=name,
        id_number=id_number,
        region_code=region_code,
        phone=phone,
        username=username or "worker1",
        password_hash=make_password(PASSWORD),
    )
