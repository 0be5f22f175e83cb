from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "jineng.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        """Give training the attended minutes that its completion counts (ADR 0012)."""
        from jineng.attendance import (
            audit_actions,  # noqa: F401 - names its audit actions
            queries,
        )
        from jineng.training import providers

        providers.provide_attended_minutes(queries.attended_minutes)
