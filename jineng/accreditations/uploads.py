"""Check and store application documents outside the web root (申请材料).

A document is accepted only when its first bytes say it is a PDF, JPEG or PNG file; the name
the browser sent is kept for display but never trusted for the type or used on disk. Files are
written under ``MEDIA_ROOT/private/accreditations`` with random names and mode 0600; nothing
serves MEDIA_ROOT, so the only way to read one is the access-checked download view.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from jineng.core.errors import ValidationFailed
from jineng.core.files import clean_original_name, private_root

SUBDIR = "accreditations"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    """One accepted file type: its magic bytes, MIME type and the extensions that name it."""

    mime: str
    magic: bytes
    extension: str
    extensions: frozenset[str]
    label: str


ACCEPTED_TYPES = (
    FileType("application/pdf", b"%PDF-", "pdf", frozenset({"pdf"}), "PDF"),
    FileType("image/jpeg", b"\xff\xd8\xff", "jpg", frozenset({"jpg", "jpeg"}), "JPEG"),
    FileType("image/png", b"\x89PNG\r\n\x1a\n", "png", frozenset({"png"}), "PNG"),
)
MAGIC_LENGTH = max(len(t.magic) for t in ACCEPTED_TYPES)


@dataclass(frozen=True)
class StoredFile:
    """What was written to disk for one accepted upload."""

    storage_name: str
    content_type: str
    size: int
    sha256: str
    original_name: str


def max_bytes() -> int:
    """Return the upload size limit from settings (JINENG_MAX_UPLOAD_BYTES)."""
    return int(settings.JINENG_MAX_UPLOAD_BYTES)


def path_of(storage_name: str) -> Path:
    """Return the absolute path of a stored document, refusing names that leave the folder."""
    root = (private_root() / SUBDIR).resolve()
    path = (root / storage_name).resolve()
    if root not in path.parents:
        raise ValidationFailed(_("Invalid stored file name."), field="storage_name")
    return path


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size} B"


def detect_type(head: bytes) -> FileType | None:
    """Return the accepted type that a file's first bytes announce, if any."""
    return next((t for t in ACCEPTED_TYPES if head.startswith(t.magic)), None)


def check_upload(upload: IO[bytes], name: str, size: int | None) -> FileType:
    """Refuse an empty, oversized, unknown or disguised file; return its type otherwise."""
    limit = max_bytes()
    if size is not None and size > limit:
        raise ValidationFailed(
            _("{name} is {size}; documents may be at most {limit}.").format(
                name=clean_original_name(name), size=_human_size(size), limit=_human_size(limit)
            ),
            field="file",
        )
    upload.seek(0)
    head = upload.read(MAGIC_LENGTH)
    upload.seek(0)
    if not head:
        raise ValidationFailed(
            _("{name} is empty.").format(name=clean_original_name(name)), field="file"
        )
    file_type = detect_type(head)
    if file_type is None:
        raise ValidationFailed(
            _("{name} is not a PDF, JPEG or PNG file (checked by its content).").format(
                name=clean_original_name(name)
            ),
            field="file",
        )
    extension = PurePath(clean_original_name(name)).suffix.lower().lstrip(".")
    if extension and extension not in file_type.extensions:
        raise ValidationFailed(
            _("{name} is named .{extension} but its content is a {actual} file.").format(
                name=clean_original_name(name), extension=extension, actual=file_type.label
            ),
            field="file",
        )
    return file_type


def store(upload: IO[bytes], name: str, size: int | None) -> StoredFile:
    """Check an upload and write it under a random name; the size is counted, not trusted."""
    file_type = check_upload(upload, name, size)
    storage_name = f"{secrets.token_hex(1)}/{secrets.token_hex(16)}.{file_type.extension}"
    path = path_of(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    written = 0
    limit = max_bytes()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            upload.seek(0)
            while chunk := upload.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise ValidationFailed(
                        _("{name} is larger than {limit}.").format(
                            name=clean_original_name(name), limit=_human_size(limit)
                        ),
                        field="file",
                    )
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(
        storage_name=storage_name,
        content_type=file_type.mime,
        size=written,
        sha256=digest.hexdigest(),
        original_name=clean_original_name(name),
    )


def remove(storage_name: str) -> None:
    """Delete a stored file (used when the database write that recorded it fails)."""
    path_of(storage_name).unlink(missing_ok=True)
