from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "jineng.learning"
    label = "learning"
    verbose_name = _("Online learning")

    def ready(self) -> None:
        """Give training the online minutes that its completion counts (ADR 0012)."""
        from jineng.learning import (
            audit_actions,  # noqa: F401 - names its audit actions
            queries,
        )
        from jineng.training import providers

        providers.provide_online_minutes(queries.online_minutes)
