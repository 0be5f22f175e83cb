from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jineng.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        """Tell the data scope (core.scope) which roles see the city, an organisation, a person."""
        from django.contrib.auth.signals import user_logged_in

        from jineng.accounts import (
            audit_actions,  # noqa: F401 - names its audit actions
            checks,  # noqa: F401 - registers the serving checks
        )
        from jineng.accounts.middleware import start_idle_clock
        from jineng.accounts.roles import CITY_WIDE_ROLES, ORGANIZATION_ROLES, Role
        from jineng.core import scope

        user_logged_in.connect(start_idle_clock, dispatch_uid="accounts.start_idle_clock")

        scope.set_roles(
            city_wide=CITY_WIDE_ROLES, organization=ORGANIZATION_ROLES, person={Role.WORKER}
        )
