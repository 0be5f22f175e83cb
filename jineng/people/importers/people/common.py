"""What the steps of a people import share: its modes, its job kind, the progress callback."""

from __future__ import annotations

from collections.abc import Callable

ALL_OR_NOTHING = "all_or_nothing"
COMMIT_GOOD = "commit_good"
MODES = (ALL_OR_NOTHING, COMMIT_GOOD)
JOB_KIND = "people.import"

ProgressCallback = Callable[[int, int], None]
