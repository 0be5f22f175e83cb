from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalentConfig(AppConfig):
    name = "jineng.talent"
    label = "talent"
    verbose_name = _("High-skill talent")

    def ready(self) -> None:
        """Register the data scope of the app's models (access.py, ADR 0005)."""
        from jineng.talent import (
            access,  # noqa: F401 - registers the scope of the models
            audit_actions,  # noqa: F401 - names its audit actions
        )
