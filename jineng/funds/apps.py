from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "jineng.funds"
    label = "funds"
    verbose_name = _("Funds")

    def ready(self) -> None:
        """Register the data scope of the app's models (access.py, ADR 0005)."""
        from jineng.funds import (
            access,  # noqa: F401 - registers the scope of the models
            audit_actions,  # noqa: F401 - names its audit actions
        )
