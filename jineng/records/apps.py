from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "jineng.records"
    label = "records"
    verbose_name = _("Records")

    def ready(self) -> None:
        """Give people's pages the lifelong record a viewer may see (ADR 0012)."""
        from jineng.people import providers
        from jineng.records import (
            audit_actions,  # noqa: F401 - names its audit actions
            queries,
        )

        providers.provide_record(queries.record_for)
