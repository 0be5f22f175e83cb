from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "jineng.regions"
    label = "regions"
    verbose_name = _("Regions")

    def ready(self) -> None:
        """Name the app's audit actions for the audit trail (core.audit_labels)."""
        from jineng.regions import audit_actions  # noqa: F401 - names its audit actions
