from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jineng.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        """Turn lock timeouts of every database connection into ``core.errors.Busy``."""
        from django.db.backends.signals import connection_created

        from jineng.core import db

        connection_created.connect(db.install, dispatch_uid="jineng.core.db.install")
