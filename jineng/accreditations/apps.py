from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccreditationsConfig(AppConfig):
    name = "jineng.accreditations"
    label = "accreditations"
    verbose_name = _("Accreditations")
