"""What other apps plug into subsidies: checks run on every claim as it is submitted.

``claim_screens`` holds callables ``(claim, actor) -> None`` that the submission runs in its
own transaction (fraud appends its claim rules, jineng/fraud/apps.py); a screen that raises
refuses the submission. Subsidies imports no app above it to run them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

claim_screens: list[Callable[[Any, Any], None]] = []
