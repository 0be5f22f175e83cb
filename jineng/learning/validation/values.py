"""Check the values of xAPI 1.0.3: IRIs, UUIDs, timestamps, durations, languages, mailboxes.

Each check raises ``Malformed`` (400) naming the path of the value at fault.
"""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import langcodes
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from jineng.learning.errors import Malformed

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
# ISO 8601:2004 section 4.4.3.2, the only form xAPI allows (Part Two, ISO 8601 Durations):
# PnYnMnDTnHnMnS, or PnW alone; a decimal fraction only on the smallest unit given.
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"^P(?:(?P<w>{_NUMBER})W|(?!$)(?:(?P<y>{_NUMBER})Y)?(?:(?P<mo>{_NUMBER})M)?"
    rf"(?:(?P<d>{_NUMBER})D)?"
    rf"(?:T(?=\d)(?:(?P<h>{_NUMBER})H)?(?:(?P<mi>{_NUMBER})M)?(?:(?P<s>{_NUMBER})S)?)?)$"
)
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(?P<zone>Z|[+-]\d{2}(:?\d{2})?)?$"
)
# RFC 3339 section 4.3 and ISO 8601: "-00:00" is an unknown offset, which xAPI refuses.
_UNKNOWN_OFFSETS = frozenset({"-00:00", "-0000", "-00"})
# Seconds per unit; years and months are taken at their average length.
_UNIT_SECONDS = {
    "y": 365.25 * 86400,
    "mo": 30.44 * 86400,
    "w": 7 * 86400,
    "d": 86400,
    "h": 3600,
    "mi": 60,
    "s": 1,
}


class _MailboxValidator(EmailValidator):
    """Django's address check, also taking a one-letter top-level label (``a@b.c``)."""

    domain_regex = re.compile(
        r"((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+)(?:[a-z0-9-]{1,63}(?<!-))\Z",
        re.IGNORECASE,
    )


_check_address = _MailboxValidator()


def fail(path: str, reason: str) -> Malformed:
    """Return the error for the value at ``path`` (the statement itself when empty)."""
    return Malformed(_("{path}: {reason}").format(path=path, reason=reason), field=path or None)


def parse_duration(value: Any, path: str = "result.duration") -> float:
    """Return the seconds of an ISO 8601 duration (PnYnMnDTnHnMnS, or PnW alone)."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise fail(path, _("not an ISO 8601 duration"))
    given = [(k, v.replace(",", ".")) for k, v in match.groupdict().items() if v]
    if any("." in v for _k, v in given[:-1]):
        raise fail(path, _("only the smallest unit of a duration may have a fraction"))
    return sum(float(v) * _UNIT_SECONDS[k] for k, v in given)


def parse_timestamp(value: Any, path: str) -> datetime.datetime:
    """Return an aware datetime from an ISO 8601 timestamp; no zone means UTC.

    The offset ``-00:00`` (``-0000``, ``-00``) says the offset is unknown; xAPI refuses it.
    """
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if not match:
        raise fail(path, _("not an ISO 8601 timestamp"))
    if match["zone"] in _UNKNOWN_OFFSETS:
        raise fail(path, _("the offset -00:00 is not allowed"))
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise fail(path, _("not an ISO 8601 timestamp")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def check_uuid(value: Any, path: str) -> uuid.UUID:
    """Return a UUID from its canonical text form."""
    try:
        if not isinstance(value, str) or len(value) != 36:
            raise ValueError
        return uuid.UUID(value)
    except ValueError:
        raise fail(path, _("not a UUID")) from None


def check_iri(value: Any, path: str) -> str:
    """Return an absolute IRI (scheme and body, no whitespace)."""
    if not isinstance(value, str) or not _IRI.match(value):
        raise fail(path, _("not an absolute IRI"))
    return value


def check_object(value: Any, path: str, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """Return a JSON object, refusing any property outside ``allowed`` (when given)."""
    if not isinstance(value, dict):
        raise fail(path, _("must be a JSON object"))
    if allowed is not None:
        extra = sorted(set(value) - allowed)
        if extra:
            raise fail(path, _("unknown property {name}").format(name=extra[0]))
    return value


def check_language_tag(value: Any, path: str) -> str:
    """Return an RFC 5646 language tag (registered subtags, in their well-formed order)."""
    # langcodes reads "en_US" as "en-US"; RFC 5646 separates subtags only with hyphens.
    if not isinstance(value, str) or "_" in value or not langcodes.tag_is_valid(value):
        raise fail(path, _("not an RFC 5646 language tag"))
    return value


def check_language_map(value: Any, path: str) -> None:
    """Check a language map: at least one entry, RFC 5646 tags to strings."""
    check_object(value, path)
    if not value:
        raise fail(path, _("must have at least one entry"))
    for tag, text in value.items():
        check_language_tag(tag, f"{path}.{tag}")
        if not isinstance(text, str):
            raise fail(f"{path}.{tag}", _("must be a string"))


def check_extensions(value: Any, path: str) -> None:
    """Check an extensions object: its keys are IRIs."""
    for key in check_object(value, path):
        check_iri(key, f"{path}.{key}")


def check_mailbox(value: Any, path: str) -> str:
    """Return a mailbox IRI: ``mailto:`` and one valid e-mail address."""
    if not isinstance(value, str) or not value.startswith("mailto:"):
        raise fail(path, _("must be a mailto: IRI"))
    try:
        _check_address(value.removeprefix("mailto:"))
    except ValidationError:
        raise fail(path, _("must be mailto: followed by a valid e-mail address")) from None
    return value
