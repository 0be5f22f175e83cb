"""Keep the first row errors of a file, in row order, and count all of them.

A hostile or badly broken file can have an error in each of millions of rows; a job's
summary, its error page and its error csv must not grow with them. The first
MAX_REPORTED_ERRORS are kept, by row, and the rest only counted: a file that bad is
fixed from its first rows anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

MAX_REPORTED_ERRORS = 1_000

E = TypeVar("E")


class ErrorLog(Generic[E]):
    """The first ``keep`` errors by ``key`` (row first), the count of all and of bad rows."""

    def __init__(self, key: Callable[[E], int], keep: int = MAX_REPORTED_ERRORS) -> None:
        self.key = key
        self.keep = keep
        self.total = 0
        self.bad_rows = 0
        self._kept: list[E] = []

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    def add_row(self, errors: Iterable[E]) -> None:
        """Record the errors of one row not yet counted as bad."""
        before = self.total
        for error in errors:
            self.total += 1
            self._kept.append(error)
        if self.total > before:
            self.bad_rows += 1
        if len(self._kept) > 2 * self.keep:
            self._trim()

    def first(self) -> list[E]:
        """The kept errors, in order: at most ``keep``."""
        self._trim()
        return list(self._kept)

    @property
    def truncated(self) -> bool:
        return self.total > self.keep

    def _trim(self) -> None:
        self._kept.sort(key=self.key)
        del self._kept[self.keep :]
