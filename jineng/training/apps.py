from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "jineng.training"
    label = "training"
    verbose_name = _("Training delivery")

    def ready(self) -> None:
        """Name the app's audit actions for the audit trail (core.audit_labels)."""
        from jineng.training import audit_actions  # noqa: F401 - names its audit actions
