"""Model fields shared across apps."""

from __future__ import annotations

from typing import Any

from django.db import models


class LookupHashField(models.CharField):
    """Hold a keyed hash (core.pii.blind_index, 64 hex characters) used for equality lookups.

    On PostgreSQL the column uses the "C" collation: hashes are only ever compared for
    equality, and byte-wise comparison is what a hash wants. Under the database's default
    locale every index insert and lookup goes through the locale's collation instead, which
    makes bulk imports of people markedly slower (see bench/import_people.py).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters
