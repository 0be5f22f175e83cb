"""Read an uploaded credential file into memory, keeping at most the limit and one byte more.

Django keeps an upload in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE and writes a larger one
to a temporary file before any form sees it; a credential is a few kilobytes, so the public
check page (views.public.check) replaces the handlers with this one: it keeps the first
``limit + 1`` bytes, counts and drops the rest, and reports the full size, so the form refuses
an oversize file in words without anything written to disk.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest


class BoundedMemoryUploadHandler(FileUploadHandler):
    """Keep an upload's first ``limit + 1`` bytes in memory; count, but drop, the rest."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.kept = BytesIO()
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.kept = BytesIO()
        self.received = 0
        # No other handler sees this file: nothing goes to a temporary file.
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        """Keep what fits; returning nothing passes no chunk on to another handler."""
        room = self.limit + 1 - self.kept.tell()
        if room > 0:
            self.kept.write(raw_data[:room])
        self.received += len(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.kept.seek(0)
        return InMemoryUploadedFile(
            file=self.kept,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
