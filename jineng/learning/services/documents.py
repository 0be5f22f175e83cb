"""Writes of the document resources (State, Activity Profile, Agent Profile) under ETags."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.core.errors import Conflict
from jineng.learning import locks
from jineng.learning.errors import Malformed, PreconditionFailed
from jineng.learning.models import Document, DocumentKind
from jineng.learning.validation import check_uuid


def etag_of(content: bytes) -> str:
    """Return the ETag of a document's content."""
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - an identifier, not a secret


@dataclass(frozen=True)
class DocumentKey:
    """Identify a platform's documents of one resource, activity, agent and registration."""

    kind: str
    platform_id: int
    activity_id: str = ""
    agent_key: str = ""
    registration: str = ""

    def filter(self) -> dict[str, str | int]:
        """Return the lookup of this key's documents."""
        return {
            "kind": self.kind,
            "platform_id": self.platform_id,
            "activity_id": self.activity_id,
            "agent_key": self.agent_key,
            "registration": self.registration,
        }


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}


def check_preconditions(
    document: Document | None, *, if_match: str | None, if_none_match: str | None
) -> None:
    """Refuse with 412 when If-Match or If-None-Match does not hold for the document."""
    if if_match is not None:
        tags = _etags(if_match)
        if document is None or ("*" not in tags and document.etag not in tags):
            raise PreconditionFailed(_("The document's ETag does not match If-Match."))
    if if_none_match is not None and document is not None:
        tags = _etags(if_none_match)
        if "*" in tags or document.etag in tags:
            raise PreconditionFailed(_("The document exists and If-None-Match forbids it."))


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def _merge(document: Document, content: bytes, content_type: str) -> bytes:
    try:
        old, new = json.loads(bytes(document.content)), json.loads(content)
    except (ValueError, UnicodeDecodeError):
        old = new = None
    if not (
        _is_json(content_type)
        and _is_json(document.content_type)
        and isinstance(old, dict)
        and isinstance(new, dict)
    ):
        raise Malformed(_("Only JSON objects can be merged by POST."), field="content")
    old.update(new)
    return json.dumps(old, ensure_ascii=False, separators=(",", ":")).encode()


@transaction.atomic(durable=True)
def save_document(
    key: DocumentKey,
    document_id: str,
    content: bytes,
    content_type: str,
    *,
    merge: bool,
    if_match: str | None = None,
    if_none_match: str | None = None,
) -> Document:
    """Put (replace) or post (merge JSON) one document under the ETag concurrency rules."""
    document = locks.documents_for_update(key.filter()).filter(document_id=document_id).first()
    check_preconditions(document, if_match=if_match, if_none_match=if_none_match)
    needs_precondition = key.kind != DocumentKind.STATE and not merge
    if document is not None and needs_precondition and if_match is None and if_none_match is None:
        raise Conflict(
            _("The document exists: send If-Match or If-None-Match to replace it."),
            field="If-Match",
        )
    if merge and document is not None:
        content = _merge(document, content, content_type)
        content_type = "application/json"
    elif merge and _is_json(content_type):
        try:
            if not isinstance(json.loads(content), dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            raise Malformed(
                _("A posted JSON document must be an object."), field="content"
            ) from None
    values = {
        "content": content,
        "content_type": content_type or "application/octet-stream",
        "etag": etag_of(content),
        "updated": timezone.now(),
    }
    if document is None:
        return Document.objects.create(**key.filter(), document_id=document_id, **values)
    for name, value in values.items():
        setattr(document, name, value)
    document.save()
    return document


@transaction.atomic(durable=True)
def delete_documents(
    key: DocumentKey, document_id: str | None, *, if_match: str | None = None
) -> int:
    """Delete one document (or, for State without stateId, all of the key's); return the count."""
    documents = locks.documents_for_update(key.filter())
    if document_id is not None:
        document = documents.filter(document_id=document_id).first()
        check_preconditions(document, if_match=if_match, if_none_match=None)
        documents = documents.filter(document_id=document_id)
    count, _deleted = documents.delete()
    return count


def registration_text(value: str | None) -> str:
    """Return a registration parameter in canonical form, or '' for none."""
    return str(check_uuid(value, "registration")) if value else ""
