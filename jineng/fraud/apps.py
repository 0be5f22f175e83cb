import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FraudConfig(AppConfig):
    name = "jineng.fraud"
    label = "fraud"
    verbose_name = _("Fraud control")

    def ready(self) -> None:
        """Register the scope and audit actions, load the rules, screen claims on write."""
        from jineng.fraud import (
            access,  # noqa: F401 - registers the scope of the models
            audit_actions,  # noqa: F401 - names its audit actions
            engine,
        )
        from jineng.fraud.rules.registry import load_rules

        load_rules()
        try:
            providers = importlib.import_module("jineng.subsidies.providers")
        except ModuleNotFoundError as error:
            if error.name != "jineng.subsidies.providers":
                raise
            return
        screens = getattr(providers, "claim_screens", None)
        if screens is not None and engine.screen_claim not in screens:
            screens.append(engine.screen_claim)
