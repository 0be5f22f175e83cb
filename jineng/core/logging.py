"""Keep citizen ID and phone numbers out of the logs (日志脱敏).

A URL's query string reaches the development server's request line, a path reaches
django.request's warnings, and an exception message may quote a value. The filter here is
wired into every handler of ``settings.LOGGING``, so whatever logged a record, an ID- or
phone-like number in it is masked before it is written. It is defence in depth: personal
data is looked up through request bodies, never through URLs.

``RequestIds`` puts the server's id of the request and the id its caller sent (see
``core.middleware.RequestIdMiddleware``) on every record, so the console format shows both.
"""

from __future__ import annotations

import logging
import re

from jineng.core import context
from jineng.core.pii import mask_id_number, mask_phone

# 17 digits and a check character (digit or X) that are not part of a longer number.
ID_NUMBER_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
# A mainland mobile number, with or without the country code 86.
PHONE_LIKE = re.compile(r"(?<![0-9])(?:86)?(1[3-9][0-9]{9})(?![0-9])")


def mask_personal_data(text: str) -> str:
    """Mask every ID- and phone-like number in a text, as the pages mask them."""
    text = ID_NUMBER_LIKE.sub(lambda match: mask_id_number(match.group()), text)
    return PHONE_LIKE.sub(lambda match: mask_phone(match.group(1)), text)


class MaskPersonalData(logging.Filter):
    """Mask ID and phone numbers in a record's message and traceback; never drop a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place when its text holds an ID- or phone-like number."""
        try:
            message = record.getMessage()
        except Exception:
            # A record whose arguments do not fit its format is the handler's to report;
            # a filter that raised would lose the record, or break the code that logged it.
            return True
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


class RequestIds(logging.Filter):
    """Put the request's ids on every record: the server's own and the caller's, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Set ``request_id`` and ``client_request_id`` unless the caller of the log did."""
        if not hasattr(record, "request_id"):
            record.request_id = context.request_id.get() or "-"
        if not hasattr(record, "client_request_id"):
            record.client_request_id = context.client_request_id.get() or "-"
        return True
