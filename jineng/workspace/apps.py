from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "jineng.workspace"
    label = "workspace"
    verbose_name = _("Workspace")

    def ready(self) -> None:
        """Name the app's audit actions (core.audit_labels)."""
        from jineng.workspace import audit_actions  # noqa: F401 - names its audit actions
