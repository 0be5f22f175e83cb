"""Read the promotion rules' data file (jineng/talent/data/promotion_rules.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from jineng.talent.services import RuleInput

RULES_FILE = Path(__file__).resolve().parent / "data" / "promotion_rules.yaml"


def read_rules(path: Path = RULES_FILE) -> list[RuleInput]:
    """Return the rules the file states; each carries the file's ``confirmed`` flag."""
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    confirmed = bool(document.get("confirmed", False))
    return [
        RuleInput(
            code=str(rule["code"]),
            competition_level=str(rule["competition_level"]),
            prizes=[str(p) for p in rule.get("prizes", [])],
            levels_up=int(rule["levels_up"]),
            max_level_code=str(rule["max_level"]),
            description=str(rule.get("description", "")),
            confirmed=bool(rule.get("confirmed", confirmed)),
        )
        for rule in document.get("rules", [])
    ]
