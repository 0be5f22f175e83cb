from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "jineng.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        """Register the data scope of the app's models (access.py, ADR 0005)."""
        from jineng.people import (
            access,  # noqa: F401 - registers the scope of the models
            audit_actions,  # noqa: F401 - names its audit actions
        )
