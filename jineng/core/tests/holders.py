"""A thread that holds a lock, for the PostgreSQL tests of waiting and timeouts."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection, transaction


class Holder:
    """A thread that takes a lock in its own transaction and keeps it until released."""

    def __init__(self, take: Callable[[], None], hold_s: float = 30) -> None:
        self.take, self.hold_s = take, hold_s
        self.held, self.release = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with transaction.atomic():
                self.take()
                self.held.set()
                self.release.wait(self.hold_s)
        except BaseException as exc:  # noqa: BLE001 - asserted by the test
            self.errors.append(exc)
        finally:
            self.held.set()
            connection.close()

    def __enter__(self) -> Holder:
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(10)
        assert self.errors == []
