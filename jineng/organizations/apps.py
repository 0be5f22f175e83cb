from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "jineng.organizations"
    label = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        """Name the app's audit actions for the audit trail (core.audit_labels)."""
        from jineng.organizations import audit_actions  # noqa: F401 - names its audit actions
