"""Send text messages (短信) through a pluggable gateway chosen by settings.JINENG_SMS_BACKEND.

Callers say what a message is for (``purpose``: "register", "reset", a notification's kind)
and never log the number themselves. A backend is any class with ``send(message)``:

- ``OutboxBackend`` (the default under JINENG_DEBUG) keeps each message in the outbox
  table (core.SmsOutboxMessage, the number encrypted) and logs only the masked number and
  the purpose; the bureau reads it on the outbox page.
- ``UnconfiguredBackend`` (the default in production) refuses with ImproperlyConfigured
  until a real gateway (the city's 短信平台) is configured by its dotted path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from jineng.core import pii
from jineng.core.errors import ValidationFailed
from jineng.core.validators import normalize_mobile

logger = logging.getLogger("jineng.sms")

# The longest message accepted: a few SMS segments, not a letter.
MAX_TEXT_LENGTH = 500


@dataclass(frozen=True)
class SmsMessage:
    """One text message to send: the number in clear, its text and what it is for."""

    phone: str
    text: str
    purpose: str
    user_id: int | None = None


class SmsBackend(Protocol):
    """What a gateway implements: deliver one message or raise."""

    def send(self, message: SmsMessage) -> None:
        """Deliver the message, or raise when the gateway refuses it."""


class OutboxBackend:
    """Keep messages in the outbox table instead of sending them (development and tests)."""

    def send(self, message: SmsMessage) -> None:
        """Store the message with its number encrypted; log only the masked number."""
        # Imported here: core.models is loaded with the apps, this module may be earlier.
        from jineng.core.models import SmsOutboxMessage

        masked = pii.mask_phone(message.phone)
        SmsOutboxMessage.objects.create(
            phone_encrypted=pii.encrypt(message.phone),
            phone_masked=masked,
            purpose=message.purpose,
            text=message.text,
            user_id=message.user_id,
        )
        logger.info("SMS to %s kept in the outbox (%s)", masked, message.purpose)


class UnconfiguredBackend:
    """Refuse to send: production has no gateway until one is configured."""

    def send(self, message: SmsMessage) -> None:
        """Raise ImproperlyConfigured, naming the setting to set."""
        raise ImproperlyConfigured(
            "No SMS gateway is configured: set JINENG_SMS_BACKEND to the dotted path of a "
            "backend class with send(message) (jineng.core.sms.OutboxBackend keeps messages "
            "in the outbox table, for development only)."
        )


@lru_cache(maxsize=4)
def _backend_class(path: str) -> type[SmsBackend]:
    backend: type[SmsBackend] = import_string(path)
    return backend


def get_backend() -> SmsBackend:
    """Return an instance of the configured backend (settings.JINENG_SMS_BACKEND)."""
    return _backend_class(settings.JINENG_SMS_BACKEND)()


def can_send() -> bool:
    """Tell whether a gateway is configured (pages that send codes close without one)."""
    return not issubclass(_backend_class(settings.JINENG_SMS_BACKEND), UnconfiguredBackend)


def send_sms(phone: str, text: str, *, purpose: str, user_id: int | None = None) -> None:
    """Send one text message through the configured gateway (发送短信).

    The number is validated as a mainland mobile number; ``purpose`` names why the message
    is sent (kept with it, and logged instead of the number or text).
    """
    number = normalize_mobile(phone)
    text = text.strip()
    if not text:
        raise ValidationFailed("A text message needs a text.", field="text")
    if len(text) > MAX_TEXT_LENGTH:
        raise ValidationFailed(
            f"A text message has at most {MAX_TEXT_LENGTH} characters.", field="text"
        )
    get_backend().send(SmsMessage(phone=number, text=text, purpose=purpose, user_id=user_id))
