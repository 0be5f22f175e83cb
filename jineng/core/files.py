"""Where private files (uploads nobody may fetch directly) live on disk."""

from __future__ import annotations

from pathlib import Path, PurePath

from django.conf import settings

PRIVATE_DIR = "private"


def private_root() -> Path:
    """Return the folder under MEDIA_ROOT that holds private files; nothing serves it."""
    return Path(settings.MEDIA_ROOT) / PRIVATE_DIR


def clean_original_name(name: str) -> str:
    """Keep only the final component of the browser's file name, for display."""
    base = PurePath((name or "").replace("\\", "/")).name.strip()
    return "".join(c for c in base if c.isprintable())[:255] or "document"
