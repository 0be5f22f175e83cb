"""Row locks of online learning: the only place select_for_update() appears."""

from __future__ import annotations

from django.db.models import QuerySet

from jineng.learning.models import Document, LearningPlatform


def documents_for_update(lookup: dict[str, str | int]) -> QuerySet[Document]:
    """Return the documents of one key, locked until the transaction ends."""
    return Document.objects.select_for_update().filter(**lookup)


def platform_for_update(pk: int) -> LearningPlatform | None:
    """Return a learning platform locked until the transaction ends, or None if missing."""
    return LearningPlatform.objects.select_for_update().filter(pk=pk).first()
