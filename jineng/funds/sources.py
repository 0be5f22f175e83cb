"""Load the fund sources (资金来源) from data/sources.json: by the migration and the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SOURCES_FILE = Path(__file__).parent / "data" / "sources.json"


def read_sources(path: Path = SOURCES_FILE) -> list[dict[str, str]]:
    """Return the sources of a data file: code, name and description, in order."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        {"code": row["code"], "name": row["name"], "description": row.get("description", "")}
        for row in data["sources"]
    ]


def load_sources(model: Any, path: Path = SOURCES_FILE) -> int:
    """Create or update every source of the file in ``model`` (FundSource); return how many."""
    rows = read_sources(path)
    for order, row in enumerate(rows, start=1):
        model.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "description": row["description"], "ordering": order},
        )
    return len(rows)
