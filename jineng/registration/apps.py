from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "jineng.registration"
    label = "registration"
    verbose_name = _("Registration")

    def ready(self) -> None:
        from jineng.registration import audit_actions  # noqa: F401 - names its audit actions
