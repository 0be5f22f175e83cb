from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertsConfig(AppConfig):
    name = "jineng.experts"
    label = "experts"
    verbose_name = _("Judge pool")

    def ready(self) -> None:
        """Register the data scope of the app's models (access.py, ADR 0005)."""
        from jineng.experts import (
            access,  # noqa: F401 - registers the scope of the models
            audit_actions,  # noqa: F401 - names its audit actions
        )
