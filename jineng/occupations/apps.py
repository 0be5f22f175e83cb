from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OccupationsConfig(AppConfig):
    name = "jineng.occupations"
    label = "occupations"
    verbose_name = _("Occupations")

    def ready(self) -> None:
        """Name the app's audit actions for the audit trail (core.audit_labels)."""
        from jineng.occupations import audit_actions  # noqa: F401 - names its audit actions
