"""Attachments of xAPI 1.0.3 statements: their declarations, multipart/mixed in and out.

A statement declares each attachment (usageType, display, contentType, length, sha2 and,
optionally, fileUrl). Its raw bytes come in a later part of a ``multipart/mixed`` request, which
is matched to the declarations by SHA-2 only (Part Three, 1.5.2). The bytes are hostile: the
request is read in chunks up to ``JINENG_MAX_UPLOAD_BYTES``, nothing the client sends names a
file, and the stored content type is never trusted by a browser (see ``multipart_response``).
"""

from __future__ import annotations

import email.policy
import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesFeedParser
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jineng.learning.errors import Malformed, TooLarge
from jineng.learning.models import Attachment
from jineng.learning.validation import check_iri, check_language_map

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
ATTACHMENT_KEYS = frozenset(
    {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
)
# SHA-224, SHA-256, SHA-384 and SHA-512, by the length of their hex digest.
_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
# RFC 6838 type/subtype, optionally followed by parameters.
_MEDIA_TYPE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\s*(;.*)?$"
)
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Part:
    """The raw bytes of one attachment received in a multipart/mixed request."""

    sha2: str
    content_type: str
    content: bytes


def _fail(path: str, reason: str) -> Malformed:
    return Malformed(_("{path}: {reason}").format(path=path, reason=reason), field=path)


def media_type(value: str) -> str:
    """Return the lower-case type/subtype of a content type, without its parameters."""
    return value.split(";")[0].strip().lower()


def _check_one(item: Any, path: str) -> None:
    if not isinstance(item, dict):
        raise _fail(path, _("must be a JSON object"))
    extra = sorted(set(item) - ATTACHMENT_KEYS)
    if extra:
        raise _fail(path, _("unknown property {name}").format(name=extra[0]))
    for key in ("usageType", "display", "contentType", "length", "sha2"):
        if key not in item:
            raise _fail(f"{path}.{key}", _("is required"))
    check_iri(item["usageType"], path + ".usageType")
    check_language_map(item["display"], path + ".display")
    if "description" in item:
        check_language_map(item["description"], path + ".description")
    content_type = item["contentType"]
    if not isinstance(content_type, str) or not _MEDIA_TYPE.match(content_type):
        raise _fail(path + ".contentType", _("not an Internet media type"))
    length = item["length"]
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise _fail(path + ".length", _("must be a whole number of octets"))
    sha2 = item["sha2"]
    if not isinstance(sha2, str) or len(sha2) not in _HASHES or not _HEX.match(sha2):
        raise _fail(path + ".sha2", _("not a SHA-2 hex digest"))
    if "fileUrl" in item:
        check_iri(item["fileUrl"], path + ".fileUrl")
    if item["usageType"] == SIGNATURE_USAGE and media_type(content_type) != (
        "application/octet-stream"
    ):
        raise _fail(path + ".contentType", _("a signature must be application/octet-stream"))


def check_declarations(items: Any, path: str) -> list[dict[str, Any]]:
    """Check a statement's attachments property (Part Two, 2.4.11) and return it."""
    if not isinstance(items, list):
        raise _fail(path, _("must be an array"))
    for index, item in enumerate(items):
        _check_one(item, f"{path}[{index}]")
    return items


def declarations_of(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the attachments a statement declares, its SubStatement's included."""
    found = list(statement.get("attachments") or [])
    target = statement.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        found.extend(target.get("attachments") or [])
    return found


def sha2_of(content: bytes, digest_length: int) -> str:
    """Return the SHA-2 hex digest of ``content`` of the given digest length."""
    return _HASHES[digest_length](content).hexdigest()


def max_bytes() -> int:
    """Return the largest request body with attachments this store reads."""
    return int(settings.JINENG_MAX_UPLOAD_BYTES)


def _read(request: HttpRequest) -> Iterator[bytes]:
    """Yield the request body in chunks, refusing past JINENG_MAX_UPLOAD_BYTES."""
    limit = max_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise TooLarge(_("The request is larger than {limit} bytes.").format(limit=limit))
    total = 0
    while chunk := request.read(CHUNK):
        total += len(chunk)
        if total > limit:
            raise TooLarge(_("The request is larger than {limit} bytes.").format(limit=limit))
        yield chunk


def _parse(request: HttpRequest) -> Message:
    # compat32 keeps header values as the strings sent: the header registry costs more than
    # the whole store of a statement, and the values are checked here anyway.
    parser = BytesFeedParser(policy=email.policy.compat32)
    header = request.META.get("CONTENT_TYPE", "").encode("latin-1", "replace")
    parser.feed(b"Content-Type: " + header + b"\r\n\r\n")
    for chunk in _read(request):
        parser.feed(chunk)
    message = parser.close()
    if not message.is_multipart() or not message.get_boundary():
        raise Malformed(_("The multipart/mixed body has no parts."), field="Content-Type")
    return message


def _part(message: Message, index: int) -> Part:
    where = f"part[{index}]"
    sha2 = (message.get("X-Experience-API-Hash") or "").strip().lower()
    if not sha2:
        raise _fail(where, _("an attachment part needs an X-Experience-API-Hash header"))
    encoding = (message.get("Content-Transfer-Encoding") or "binary").strip().lower()
    if encoding != "binary":
        raise _fail(where, _("an attachment part must use Content-Transfer-Encoding binary"))
    content = message.get_payload(decode=True)
    if not isinstance(content, bytes):
        raise _fail(where, _("an attachment part must hold raw data"))
    if len(sha2) not in _HASHES or sha2_of(content, len(sha2)) != sha2:
        raise _fail(where, _("the data does not match its X-Experience-API-Hash"))
    length = message.get("Content-Length")
    if length is not None and length.strip() != str(len(content)):
        raise _fail(where, _("the data does not match its Content-Length"))
    return Part(sha2, message.get("Content-Type", ""), content)


def read_multipart(request: HttpRequest) -> tuple[Any, dict[str, Part]]:
    """Return the statements (parsed JSON) and the attachment parts, by SHA-2, of a request."""
    parts = _parse(request).get_payload()
    if not isinstance(parts, list) or not parts:
        raise Malformed(_("The multipart/mixed body has no parts."), field="Content-Type")
    first = parts[0]
    if not isinstance(first, Message) or (
        media_type(first.get("Content-Type", "")) != "application/json"
    ):
        raise Malformed(
            _("The first part must hold the statements as application/json."), field="part[0]"
        )
    try:
        payload = first.get_payload(decode=True)
        if not isinstance(payload, bytes):
            raise TypeError("the first part has no body")
        statements = json.loads(payload)
    except (TypeError, ValueError, UnicodeDecodeError):
        raise Malformed(_("The first part is not valid JSON."), field="part[0]") from None
    received: dict[str, Part] = {}
    for index, message in enumerate(parts[1:], start=1):
        part = _part(message, index)
        if part.sha2 in received:
            raise _fail(
                f"part[{index}]",
                _("the attachment {sha2} is sent twice").format(sha2=part.sha2),
            )
        received[part.sha2] = part
    return statements, received


def match_parts(statements: list[dict[str, Any]], parts: dict[str, Part]) -> None:
    """Refuse attachments without data or fileUrl, parts nothing declares, and mismatches."""
    declared: set[str] = set()
    for s_index, statement in enumerate(statements):
        for a_index, item in enumerate(declarations_of(statement)):
            path = f"attachments[{a_index}]"
            if len(statements) > 1:
                path = f"[{s_index}].{path}"
            sha2 = item["sha2"].lower()
            declared.add(sha2)
            part = parts.get(sha2)
            if part is None:
                if "fileUrl" not in item:
                    raise _fail(path, _("no part carries this attachment and it has no fileUrl"))
                continue
            if item["length"] != len(part.content):
                raise _fail(path + ".length", _("differs from the length of the attachment"))
            if part.content_type and media_type(part.content_type) != media_type(
                item["contentType"]
            ):
                raise _fail(path + ".contentType", _("differs from the part's Content-Type"))
    extra = sorted(set(parts) - declared)
    if extra:
        raise Malformed(
            _("The part with hash {sha2} matches no attachment of the statements.").format(
                sha2=extra[0]
            ),
            field="attachments",
        )


def referenced(statements: Iterable[dict[str, Any]]) -> list[str]:
    """Return the SHA-2 of every attachment these statements declare, each once, in order."""
    seen: dict[str, None] = {}
    for statement in statements:
        for item in declarations_of(statement):
            seen.setdefault(item["sha2"].lower(), None)
    return list(seen)


def new_boundary() -> str:
    """Return a random multipart boundary (128 bits: no stored content can foresee it)."""
    return "xapi-" + secrets.token_hex(16)


_SAFE_TYPE = re.compile(r"^[\x21-\x7e][\x20-\x7e]*$")


def safe_content_type(value: str) -> str:
    """Return a declared content type fit for a header line, else application/octet-stream."""
    value = value.strip()
    if _SAFE_TYPE.match(value) and _MEDIA_TYPE.match(value) and len(value) <= 200:
        return value
    return "application/octet-stream"


_INCOMING = "learning_attachment_incoming"


def save(
    platform_id: int, statements: list[dict[str, Any]], parts: dict[str, Part], now: Any
) -> None:
    """Store the parts' bytes a platform does not hold yet, one row per SHA-2.

    Called inside the transaction that stores the statements. Equal hashes are equal bytes,
    so a row that a concurrent request stored first is left as it is.
    """
    if not parts:
        return
    types: dict[str, str] = {}
    for statement in statements:
        for item in declarations_of(statement):
            types.setdefault(item["sha2"].lower(), item["contentType"])
    rows = [
        (platform_id, p.sha2, p.content, safe_content_type(types[p.sha2]), len(p.content), now)
        for p in parts.values()
    ]
    if connection.vendor == "postgresql":
        _copy(rows)
        return
    fields = ("platform_id", "sha2", "content", "content_type", "length", "stored")
    Attachment.objects.bulk_create(
        [Attachment(**dict(zip(fields, row, strict=True))) for row in rows],
        ignore_conflicts=True,
    )


def _copy(rows: list[tuple[Any, ...]]) -> None:
    """COPY the bytes in: an INSERT of 10 kB literals costs more than storing the statement."""
    columns = "platform_id, sha2, content, content_type, length, stored"
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_INCOMING} (platform_id bigint,"
            " sha2 varchar(128), content bytea, content_type varchar(200), length bigint,"
            " stored timestamptz) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"DELETE FROM {_INCOMING}")
        with cursor.cursor.copy(f"COPY {_INCOMING} ({columns}) FROM STDIN") as stream:
            for row in rows:
                stream.write_row(row)
        cursor.execute(
            f"INSERT INTO {Attachment._meta.db_table} ({columns}) SELECT {columns}"
            f" FROM {_INCOMING} ON CONFLICT (platform_id, sha2) DO NOTHING"
        )


def stored(platform_id: int, sha2s: list[str]) -> Iterator[tuple[str, str, bytes]]:
    """Yield the platform's stored attachments of these hashes, one row in memory at a time."""
    rows = Attachment.objects.filter(platform_id=platform_id, sha2__in=sha2s)
    found = dict(rows.values_list("sha2", "pk"))
    for sha2 in sha2s:
        if sha2 in found:
            row = Attachment.objects.only("content_type", "content").get(pk=found[sha2])
            yield sha2, safe_content_type(row.content_type), bytes(row.content)


def multipart_chunks(
    boundary: str, first: bytes, attachments: Iterable[tuple[str, str, bytes]]
) -> Iterator[bytes]:
    """Yield a multipart/mixed body: the JSON part, then each (sha2, type, content) part."""
    delimiter = b"--" + boundary.encode()
    yield delimiter + b"\r\nContent-Type: application/json\r\n\r\n" + first
    for sha2, content_type, content in attachments:
        yield (
            b"\r\n"
            + delimiter
            + b"\r\nContent-Type: "
            + content_type.encode("latin-1", "replace")
            + b"\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: "
            + sha2.encode()
            + b"\r\nContent-Length: "
            + str(len(content)).encode()
            + b"\r\n\r\n"
        )
        yield content
    yield b"\r\n" + delimiter + b"--\r\n"
