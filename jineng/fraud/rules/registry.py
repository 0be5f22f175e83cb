"""Load every group of fraud rules, so that ``REGISTRY`` holds them all.

The engine calls ``load_rules()`` once (``FraudConfig.ready``); tests call it before they look a
rule up. Importing a module registers its rules (``@rule``); a second call imports nothing again.
A group that is not written yet is skipped, but an import error inside a group that exists is not
hidden.
"""

from __future__ import annotations

import importlib

from jineng.fraud.rules.base import REGISTRY, RuleSpec

# The groups of FRAUD_RULES.md, one module each.
RULE_MODULES: tuple[str, ...] = (
    "jineng.fraud.rules.identity",
    "jineng.fraud.rules.attendance",
    "jineng.fraud.rules.assessment",
    "jineng.fraud.rules.claims",
    "jineng.fraud.rules.organizations",
)


def load_rules() -> dict[str, RuleSpec]:
    """Import every rule module that exists and return the registry, by rule code."""
    for module in RULE_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    return REGISTRY
