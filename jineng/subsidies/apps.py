from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "jineng.subsidies"
    label = "subsidies"
    verbose_name = _("Subsidies")

    def ready(self) -> None:
        """Register the data scope of the app's models (access.py) and its audit actions."""
        from jineng.subsidies import (
            access,  # noqa: F401 - registers the scope of the models
            audit_actions,  # noqa: F401 - names its audit actions
            rules,  # noqa: F401 - names the audit actions of loading and activating rules
        )
